// A gentle note under a text box when what someone typed holds words that may not be clear to
// everyone (jargon.js): "‘DV’ may not be clear to everyone. Could you say what happens
// instead?", with the organisation's suggestion. It never blocks saving and never changes the
// text. It is checked a moment after typing stops (not on every key), and said politely
// (aria-live="polite") only when what it says changes.
import { h, replaceChildren, uid } from './dom.js'

/** Milliseconds after the last key before the text is checked. */
export const JARGON_DELAY = 800
/** At most this many suggestions under one box. */
const SUGGESTIONS = 3

/**
 * @typedef {{
 *   t: import('../strings.js').Translate,
 *   flag: (text: string) => import('../jargon.js').Flag[]
 * }} JargonHintDeps
 */

export class JargonHint {
  /**
   * @param {JargonHintDeps} deps
   * @param {HTMLTextAreaElement | HTMLInputElement} field
   * @param {{ clearOnBlur?: boolean }} [options] a card's note goes when the person leaves it
   */
  constructor ({ t, flag }, field, options = {}) {
    this.t = t
    this.flag = flag
    this.field = field
    this.said = ''
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined
    const id = uid('jargon')
    this.el = h('div', { class: 'jargon-hint', id, 'data-testid': 'jargon-hint', 'aria-live': 'polite' })
    const described = field.getAttribute('aria-describedby')
    field.setAttribute('aria-describedby', described ? `${described} ${id}` : id)
    this.onInput = () => this.later()
    this.onBlur = () => (options.clearOnBlur ? this.clear() : this.check())
    field.addEventListener('input', this.onInput)
    field.addEventListener('blur', this.onBlur)
  }

  later () {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.check(), JARGON_DELAY)
  }

  /** Check the text now (after a sentence was put in, or when the person leaves the box). */
  check () {
    clearTimeout(this.timer)
    const flags = this.flag(this.field.value)
    const { t } = this
    if (!flags.length) return this.clear()
    const quoted = flags.map((f) => t('jargon.quoted', { term: f.found }))
    const terms = listOf(quoted, t.locale)
    const lines = [t.plural('jargon.hint', flags.length, { terms })]
    for (const [i, f] of flags.entries()) {
      if (f.suggestion && lines.length <= SUGGESTIONS) lines.push(t('jargon.suggestion', { term: quoted[i], suggestion: f.suggestion }))
    }
    const said = lines.join('\n')
    if (said === this.said) return
    this.said = said
    replaceChildren(this.el, lines.map((line) => h('p', { text: line })))
  }

  clear () {
    clearTimeout(this.timer)
    if (!this.said) return
    this.said = ''
    replaceChildren(this.el)
  }

  destroy () {
    clearTimeout(this.timer)
    this.field.removeEventListener('input', this.onInput)
    this.field.removeEventListener('blur', this.onBlur)
  }
}

/**
 * "‘DV’ and ‘LAC’" in the page's language.
 * @param {string[]} items
 * @param {string | undefined} locale
 */
function listOf (items, locale) {
  try {
    return new Intl.ListFormat(locale, { type: 'conjunction' }).format(items)
  } catch {
    return items.join(', ')
  }
}
