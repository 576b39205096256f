// The statement builders' sentences: a danger statement (who is worried, what someone might
// do, what could happen to the child) and a safety goal (what the adults will do, for how
// long, what the child will notice), from a few plain fields. DOM-free. Every sentence is one
// whole translatable string (strings.js `statement.*`) chosen by which fields are filled,
// never pieced together from fragments. The person edits the sentence freely afterwards.

/**
 * @typedef {'danger' | 'goals'} StatementKind
 * @typedef {'who' | 'what' | 'child' | 'harm' | 'howLong' | 'notice'} StatementField
 * @typedef {Partial<Record<StatementField, string>>} StatementValues
 */

/** The fields of each builder, in the order they are asked. @type {Record<StatementKind, StatementField[]>} */
export const STATEMENT_FIELDS = Object.freeze({
  danger: ['who', 'what', 'child', 'harm'],
  goals: ['who', 'what', 'howLong', 'child', 'notice']
})

/** Without these the builder makes no sentence yet. @type {Record<StatementKind, StatementField[]>} */
export const REQUIRED_FIELDS = Object.freeze({
  danger: ['what'],
  goals: ['who', 'what']
})

/**
 * A field as it goes into a sentence: one line, no trailing full stop or comma (the sentence
 * has its own).
 * @param {string | undefined} value
 */
export function clean (value) {
  return (value ?? '').replace(/\s+/g, ' ').trim().replace(/[\s.,;:!]+$/u, '').trim()
}

/**
 * @param {string} text
 * @param {string | undefined} locale
 */
function capitalise (text, locale) {
  const first = text.codePointAt(0)
  if (first === undefined) return text
  const head = String.fromCodePoint(first)
  return head.toLocaleUpperCase(locale) + text.slice(head.length)
}

/**
 * Which required fields are still empty.
 * @param {StatementKind} kind
 * @param {StatementValues} values
 * @returns {StatementField[]}
 */
export function missingFields (kind, values) {
  return REQUIRED_FIELDS[kind].filter((f) => !clean(values[f]))
}

/**
 * The sentence the fields make, or '' while a required field is empty.
 * @param {StatementKind} kind
 * @param {StatementValues} values
 * @param {import('./strings.js').Translate} t
 */
export function statement (kind, values, t) {
  if (missingFields(kind, values).length) return ''
  const v = Object.fromEntries(STATEMENT_FIELDS[kind].map((f) => [f, clean(values[f])]))
  const child = v.child || t('statement.theChild')
  // Literal keys, one whole sentence each (the catalogue's extractor reads them).
  let text
  if (kind === 'danger') {
    const vars = { who: v.who, what: v.what, child, harm: v.harm }
    if (v.who) text = v.harm ? t('statement.danger.full', vars) : t('statement.danger.noHarm', vars)
    else text = v.harm ? t('statement.danger.weFull', vars) : t('statement.danger.weNoHarm', vars)
  } else {
    const vars = { who: v.who, what: v.what, howLong: v.howLong, child, notice: v.notice }
    if (v.howLong) text = v.notice ? t('statement.goals.full', vars) : t('statement.goals.noNotice', vars)
    else text = v.notice ? t('statement.goals.noTime', vars) : t('statement.goals.plain', vars)
  }
  return capitalise(text, t.locale)
}
