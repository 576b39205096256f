// "Help me write it" beside "Add a card" for a worry or a goal: a few plain fields (with an
// example under each), the sentence they make shown as they type, and "Use this sentence",
// which puts it into the card's text box for the person to change as they like. Optional:
// the text box stays first, and nothing here is needed to add a card.
import { STATEMENT_FIELDS, missingFields, statement } from '../statements.js'
import { h, setText, show, uid } from './dom.js'

/**
 * @typedef {import('../statements.js').StatementKind} StatementKind
 * @typedef {import('../statements.js').StatementField} StatementField
 * @typedef {{ t: import('../strings.js').Translate, kind: StatementKind }} BuilderDeps
 */

/**
 * Each builder's words: its legend, and each field's label and example.
 * @param {import('../strings.js').Translate} t
 * @param {StatementKind} kind
 * @returns {{ legend: string, fields: Partial<Record<StatementField, [string, string]>> }}
 */
function wording (t, kind) {
  if (kind === 'danger') {
    return {
      legend: t('builder.danger.legend'),
      fields: {
        who: [t('builder.danger.who'), t('builder.danger.whoHint')],
        what: [t('builder.danger.what'), t('builder.danger.whatHint')],
        child: [t('builder.danger.child'), t('builder.danger.childHint')],
        harm: [t('builder.danger.harm'), t('builder.danger.harmHint')]
      }
    }
  }
  return {
    legend: t('builder.goals.legend'),
    fields: {
      who: [t('builder.goals.who'), t('builder.goals.whoHint')],
      what: [t('builder.goals.what'), t('builder.goals.whatHint')],
      howLong: [t('builder.goals.howLong'), t('builder.goals.howLongHint')],
      child: [t('builder.goals.child'), t('builder.goals.childHint')],
      notice: [t('builder.goals.notice'), t('builder.goals.noticeHint')]
    }
  }
}

export class StatementBuilder {
  /**
   * @param {BuilderDeps} deps
   * @param {(sentence: string) => void} use puts the sentence into the card's text box
   */
  constructor ({ t, kind }, use) {
    this.t = t
    this.kind = kind
    this.use = use
    this.words = wording(t, kind)
    const panelId = uid('builder')
    this.button = h('button', {
      type: 'button', class: 'button button--secondary builder-toggle', 'data-testid': 'builder-open',
      'aria-expanded': 'false', 'aria-controls': panelId,
      onclick: () => (this.panel.hidden ? this.open() : this.close(true))
    }, t('builder.open'))
    /** @type {Map<StatementField, HTMLInputElement>} */
    this.inputs = new Map()
    /** @type {Map<StatementField, HTMLElement>} */
    this.errors = new Map()
    const fields = STATEMENT_FIELDS[kind].map((name) => this.field(name))
    this.sentence = h('p', { class: 'builder-sentence', 'data-testid': 'builder-sentence' })
    const previewId = uid('builder-preview')
    this.panel = h('fieldset', {
      class: 'builder', id: panelId, hidden: true, 'data-testid': `builder-${kind}`,
      onkeydown: (/** @type {KeyboardEvent} */ e) => this.key(e)
    },
    h('legend', { text: this.words.legend }),
    h('p', { class: 'hint', text: t('builder.intro') }),
    fields,
    h('div', { class: 'builder-preview', role: 'group', 'aria-labelledby': previewId },
      h('p', { class: 'builder-preview-label', id: previewId, text: t('builder.preview') }),
      this.sentence),
    h('div', { class: 'composer-actions' },
      h('button', { type: 'button', class: 'button', 'data-testid': 'builder-use', onclick: () => this.submit() }, t('builder.use')),
      h('button', { type: 'button', class: 'button button--secondary', 'data-testid': 'builder-close', onclick: () => this.close(true) }, t('builder.close'))))
    this.refresh()
  }

  /** @param {StatementField} name */
  field (name) {
    const [label, example] = this.words.fields[name] ?? [name, '']
    const id = uid(`builder-${name}`)
    const hintId = `${id}-hint`
    const errorId = `${id}-error`
    const input = h('input', {
      id, type: 'text', autocomplete: 'off', 'data-testid': `builder-${name}`,
      'aria-describedby': `${hintId} ${errorId}`,
      oninput: () => {
        this.fieldError(name, '')
        this.refresh()
      }
    })
    const error = h('p', { class: 'field-error', id: errorId })
    this.inputs.set(name, input)
    this.errors.set(name, error)
    return h('div', { class: 'field' },
      h('label', { for: id, text: label }),
      h('p', { class: 'hint', id: hintId, text: example }),
      error,
      input)
  }

  values () {
    return Object.fromEntries([...this.inputs].map(([name, input]) => [name, input.value]))
  }

  refresh () {
    const text = statement(this.kind, this.values(), this.t)
    this.sentence.classList.toggle('builder-sentence--empty', !text)
    setText(this.sentence, text || this.t('builder.previewEmpty'))
  }

  /** @param {StatementField} name @param {string} message */
  fieldError (name, message) {
    const error = this.errors.get(name)
    const input = this.inputs.get(name)
    if (!error || !input) return
    setText(error, message)
    if (message) input.setAttribute('aria-invalid', 'true')
    else input.removeAttribute('aria-invalid')
  }

  submit () {
    const missing = missingFields(this.kind, this.values())
    if (missing.length) {
      for (const name of missing) {
        this.fieldError(name, this.t('builder.missing'))
      }
      this.inputs.get(missing[0])?.focus()
      return
    }
    const sentence = statement(this.kind, this.values(), this.t)
    this.close(false)
    this.use(sentence)
  }

  /** @param {KeyboardEvent} e */
  key (e) {
    const target = /** @type {HTMLElement} */ (e.target)
    if (e.key === 'Escape') {
      e.preventDefault()
      e.stopPropagation()
      this.close(true)
    } else if (e.key === 'Enter' && target instanceof HTMLInputElement) {
      // Not the card form's Enter (which adds the card): the next field, or the sentence.
      e.preventDefault()
      const inputs = [...this.inputs.values()]
      const next = inputs[inputs.indexOf(target) + 1]
      if (next) next.focus()
      else this.submit()
    }
  }

  open () {
    show(this.panel, true)
    this.button.setAttribute('aria-expanded', 'true')
    this.inputs.values().next().value?.focus()
  }

  /** @param {boolean} refocus */
  close (refocus) {
    show(this.panel, false)
    this.button.setAttribute('aria-expanded', 'false')
    if (refocus) this.button.focus()
  }

  /** Empty the fields (the card form was closed or its card added). */
  reset () {
    for (const [name, input] of this.inputs) {
      input.value = ''
      this.fieldError(name, '')
    }
    this.refresh()
    this.close(false)
  }
}
