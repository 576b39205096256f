// "Add a card": a button in the section's heading (a Tab or two from the skip link to its
// column, however many cards there are) that opens a small form just below it. Enter adds
// the card (at the end of the section) and keeps the form open for the next one; Escape
// closes it. A worry or a goal also offers "Help me write it" (builder.js) under the text box,
// and the text box notes jargon gently (jargonhint.js).
import { StatementBuilder } from './builder.js'
import { excerpt } from './card.js'
import { h, replaceChildren, uid } from './dom.js'
import { JargonHint } from './jargonhint.js'

/**
 * @typedef {{
 *   board: import('../board.js').Board,
 *   session: Pick<import('../session.js').Session, 'professional'>,
 *   t: import('../strings.js').Translate,
 *   actions: Pick<import('./actions.js').Actions, 'addCard'>,
 *   sectionViews: Map<string, import('./section.js').SectionView>
 * }} ComposerDeps
 */

export class Composer {
  /**
   * `sectionViews` hold the other forms: one form is open at a time.
   * @param {ComposerDeps} deps
   * @param {string} section
   */
  constructor ({ board, session, t, actions, sectionViews }, section) {
    this.board = board
    this.t = t
    this.actions = actions
    this.sectionViews = sectionViews
    this.section = section
    const label = board.sectionLabel(section)
    const formId = uid('composer')
    const textId = uid('new-card')
    const hintId = uid('new-card-hint')
    this.button = h('button', {
      type: 'button', class: 'add-button', 'data-testid': `add-${section}`,
      'aria-expanded': 'false', 'aria-controls': formId,
      'aria-label': t('add.buttonTo', { section: label }),
      onclick: () => this.open()
    }, h('span', { 'aria-hidden': 'true', class: 'add-plus', text: '+' }), ' ',
    h('span', { class: 'add-long', text: t('add.button') }), h('span', { class: 'add-short', text: t('add.buttonShort') }))
    this.text = h('textarea', {
      id: textId, rows: 2, 'data-testid': 'new-card-text', 'aria-describedby': hintId,
      onkeydown: (/** @type {KeyboardEvent} */ e) => {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
          e.preventDefault()
          this.submit()
        } else if (e.key === 'Escape') {
          e.preventDefault()
          this.close(true)
        }
      }
    })
    this.jargon = new JargonHint({ t, flag: board.flagJargon }, this.text)
    /** @type {StatementBuilder | null} */
    this.builder = section === 'danger' || section === 'goals'
      ? new StatementBuilder({ t, kind: section }, (sentence) => this.useSentence(sentence))
      : null
    /** @type {HTMLSelectElement | null} */
    this.layer = null
    let layerField = null
    if (session.professional && !session.professional.refusal) {
      const layerId = uid('new-card-layer')
      this.layer = h('select', { id: layerId, 'data-testid': 'new-card-layer' },
        h('option', { value: 'main', text: t('add.layerEveryone') }),
        h('option', { value: 'professional', text: t('add.layerProfessional') }))
      layerField = h('div', { class: 'field' }, h('label', { for: layerId, text: t('add.layer') }), this.layer)
    }
    /** @type {HTMLSelectElement | null} */
    this.answers = null
    let answersField = null
    if (section === 'goals') {
      const answersId = uid('new-card-answers')
      this.answers = h('select', { id: answersId, 'data-testid': 'new-card-answers' })
      answersField = h('div', { class: 'field' }, h('label', { for: answersId, text: t('card.answersLabel') }), this.answers)
    }
    this.form = h('form', {
      class: 'composer', id: formId, hidden: true, 'data-testid': `composer-${section}`,
      onsubmit: (/** @type {SubmitEvent} */ e) => {
        e.preventDefault()
        this.submit()
      }
    },
    h('label', { for: textId, text: t('add.textLabel', { section: label }) }),
    this.text,
    this.jargon.el,
    h('p', { class: 'hint', id: hintId, text: t('add.hint') }),
    this.builder?.button,
    this.builder?.panel,
    layerField,
    answersField,
    h('div', { class: 'composer-actions' },
      h('button', { type: 'submit', class: 'button', 'data-testid': 'new-card-submit' }, t('add.submit')),
      h('button', { type: 'button', class: 'button button--secondary', 'data-testid': 'new-card-cancel', onclick: () => this.close(true) }, t('add.cancel'))
    ))
    // The section puts `button` in its heading and `form` under it.
  }

  open () {
    // One form open at a time: close the others that hold nothing yet.
    for (const view of this.sectionViews.values()) {
      const other = view.composer
      if (other && other !== this && !other.form.hidden && !other.text.value.trim()) other.close(false)
    }
    this.form.hidden = false
    this.button.setAttribute('aria-expanded', 'true')
    this.update()
    this.text.focus()
  }

  /** @param {boolean} refocus */
  close (refocus) {
    this.form.hidden = true
    this.text.value = ''
    this.jargon.clear()
    this.builder?.reset()
    this.button.setAttribute('aria-expanded', 'false')
    if (refocus) this.button.focus()
  }

  submit () {
    const text = this.text.value.trim()
    if (!text) {
      this.text.focus()
      return
    }
    const layer = this.layer?.value === 'professional' ? 'professional' : 'main'
    this.actions.addCard(this.section, text, layer, this.answers?.value ?? '')
    this.text.value = ''
    this.jargon.clear()
    this.builder?.reset()
    this.text.focus()
  }

  /**
   * The builder's sentence into the text box (after what is there), to be changed freely.
   * @param {string} sentence
   */
  useSentence (sentence) {
    const before = this.text.value.trimEnd()
    this.text.value = before ? `${before} ${sentence}` : sentence
    this.builder?.reset()
    this.text.focus()
    this.text.setSelectionRange(this.text.value.length, this.text.value.length)
    this.jargon.check()
  }

  /** Keep the goal's "which worry" choices in step with the map. */
  update () {
    if (!this.answers) return
    const dangers = this.board.bySection.get('danger') ?? []
    const key = dangers.map((d) => `${d.id}:${excerpt(d.text?.toString() ?? '', 60)}`).join('|')
    if (this.answers.dataset.key === key) return
    this.answers.dataset.key = key
    const value = this.answers.value
    replaceChildren(this.answers,
      h('option', { value: '', text: this.t('card.answersNone') }),
      dangers.map((d) => h('option', { value: d.id, text: excerpt(d.text?.toString() ?? '', 60) || this.t('card.emptyText') })))
    this.answers.value = dangers.some((d) => d.id === value) ? value : ''
  }
}
