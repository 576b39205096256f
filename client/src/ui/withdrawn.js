// The withdrawn cards: one list for the whole board, after the scales (a tab of its own on
// narrow screens), there only while a card is withdrawn. Each says where it was, who wrote it,
// who withdrew it and when; the facilitator may put it back or delete it for good.
import { cardActions, whenText } from '../withdraw.js'
import { h, replaceChildren, setText, show, uid } from './dom.js'

/**
 * @typedef {import('./app.js').BoardApp} BoardApp
 * @typedef {import('../model.js').Card} Card
 */

export class WithdrawnList {
  /** @param {BoardApp} app */
  constructor (app) {
    this.app = app
    const { t } = app
    const headingId = uid('withdrawn')
    this.list = h('ul', { class: 'withdrawn-list', 'aria-labelledby': headingId, 'data-testid': 'withdrawn-list' })
    this.hint = h('p', { class: 'section-prompt withdrawn-hint' })
    /** @type {Map<string, WithdrawnView>} */
    this.views = new Map()
    this.el = h('section', { class: 'withdrawn-region', 'data-testid': 'withdrawn', 'aria-labelledby': headingId, 'data-labelledby': headingId, hidden: true },
      h('h2', { class: 'column-title', id: headingId, text: t('withdrawn.heading') }),
      this.hint,
      this.list)
  }

  /** @param {readonly Card[]} cards the withdrawn cards, in the order to show them */
  update (cards) {
    const { app } = this
    const { t } = app
    setText(this.hint, app.editable && app.config.isFacilitator ? t('withdrawn.hintFacilitator') : t('withdrawn.hint'))
    /** @type {Set<string>} */
    const seen = new Set()
    let i = 0
    for (const card of cards) {
      const key = `${card.layer}:${card.id}`
      let view = this.views.get(key)
      if (view && view.card.text !== card.text) {
        view.destroy()
        view = undefined
      }
      if (!view) {
        view = new WithdrawnView(app, card)
        this.views.set(key, view)
      }
      view.update(card)
      seen.add(key)
      const at = this.list.children[i]
      if (at !== view.el) this.list.insertBefore(view.el, at ?? null)
      i++
    }
    for (const [key, view] of this.views) {
      if (!seen.has(key)) {
        view.destroy()
        this.views.delete(key)
      }
    }
    show(this.el, cards.length > 0)
  }

  /** Views are made again when editing is switched on or off. */
  clear () {
    for (const view of this.views.values()) view.destroy()
    this.views.clear()
  }
}

class WithdrawnView {
  /**
   * @param {BoardApp} app
   * @param {Card} card
   */
  constructor (app, card) {
    this.app = app
    this.card = card
    const { t } = app
    /** @type {(() => void)[]} */
    this.cleanup = []
    this.badges = h('p', { class: 'card-badges' })
    this.was = h('p', { class: 'withdrawn-was', 'data-testid': 'withdrawn-was' })
    this.text = h('p', { class: 'card-text', 'data-testid': 'card-text' })
    const ytext = card.text
    if (ytext) {
      const showText = () => setText(this.text, ytext.toString() || t('card.emptyText'))
      showText()
      ytext.observe(showText)
      this.cleanup.push(() => ytext.unobserve(showText))
    } else setText(this.text, t('card.emptyText'))
    this.answers = h('p', { class: 'card-answers', 'data-testid': 'card-answers-line' })
    this.byLine = h('p', { class: 'card-by', 'data-testid': 'card-by' })
    this.withdrawnBy = h('p', { class: 'withdrawn-by', 'data-testid': 'withdrawn-by' })
    const actions = cardActions(card, app.viewer())
    this.restoreButton = actions.restore
      ? h('button', {
        type: 'button', class: 'button button--big', 'data-testid': 'withdrawn-restore',
        onclick: () => app.actions.askRestore(this.card)
      }, t('withdrawn.restore'))
      : null
    this.deleteButton = actions.deleteForGood
      ? h('button', {
        type: 'button', class: 'button button--warning button--big', 'data-testid': 'withdrawn-delete',
        onclick: () => app.actions.askDeleteForGood(this.card)
      }, t('withdrawn.deleteForGood'))
      : null
    this.el = h('li', {
      class: `withdrawn-card withdrawn-card--${card.layer}`,
      'data-testid': 'withdrawn-card',
      'data-item-id': card.id,
      'data-layer': card.layer
    },
    this.badges, this.was, this.answers, this.text, this.byLine, this.withdrawnBy,
    this.restoreButton || this.deleteButton ? h('div', { class: 'withdrawn-actions' }, this.restoreButton, this.deleteButton) : null)
  }

  /** @param {Card} card */
  update (card) {
    this.card = card
    const { app } = this
    const { t } = app
    this.el.dataset.section = card.section
    const badgeKey = card.layer
    if (this.badges.dataset.key !== badgeKey) {
      this.badges.dataset.key = badgeKey
      replaceChildren(this.badges, card.layer === 'professional' ? h('span', { class: 'badge badge--professional', text: t('card.professionalOnly') }) : null)
    }
    show(this.badges, card.layer === 'professional')
    setText(this.was, t('withdrawn.was', { section: app.sectionLabel(card.section) }))
    const answers = app.answersText(card)
    setText(this.answers, answers.text)
    this.answers.dataset.link = answers.state
    show(this.answers, answers.text !== '')
    const speaker = card.speaker ? app.speakerLabel(card.speaker) : ''
    setText(this.byLine, t('card.by', { person: app.personLabel(card.author) }) + (speaker ? ` · ${t('card.speaker', { speaker })}` : ''))
    const by = app.personLabel(card.withdrawn?.by ?? '')
    const when = whenText(card.withdrawn?.at ?? '', t.locale)
    setText(this.withdrawnBy, !when
      ? t('withdrawn.byNoTime', { person: by })
      : when.today ? t('withdrawn.byAt', { person: by, time: when.time }) : t('withdrawn.byOn', { person: by, time: when.time }))
  }

  /** The first button, for the focus after a neighbour leaves the list. */
  focusTarget () {
    return this.restoreButton ?? this.deleteButton ?? null
  }

  destroy () {
    for (const fn of this.cleanup) fn()
    this.cleanup = []
    this.el.remove()
  }
}
