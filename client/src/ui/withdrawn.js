// The withdrawn cards: one list for the whole board, after the scales (a tab of its own on
// narrow screens), there only while a card is withdrawn. Each says where it was, who wrote it,
// who withdrew it and when, and its pictures; the facilitator may put it back or delete it for
// good.
import { whenText } from '../withdraw.js'
import { answersText } from './card.js'
import { CardPictures } from './cardpictures.js'
import { h, replaceChildren, setText, show, uid } from './dom.js'

/**
 * @typedef {import('../model.js').Card} Card
 * @typedef {{
 *   board: import('../board.js').Board,
 *   t: import('../strings.js').Translate,
 *   actions: Pick<import('./actions.js').Actions, 'askRestore' | 'askDeleteForGood'>,
 *   pictures: import('./cardpictures.js').CardPicturesDeps['pictures']
 * }} WithdrawnDeps
 */

export class WithdrawnList {
  /**
   * `views` holds each card's view by "layer:id" (the actions look there for the focus).
   * @param {WithdrawnDeps & { views: Map<string, WithdrawnView> }} deps
   */
  constructor ({ board, t, actions, pictures, views }) {
    this.board = board
    this.t = t
    this.actions = actions
    this.pictures = pictures
    /** @type {Map<string, WithdrawnView>} */
    this.views = views
    const headingId = uid('withdrawn')
    this.list = h('ul', { class: 'withdrawn-list', 'aria-labelledby': headingId, 'data-testid': 'withdrawn-list' })
    this.hint = h('p', { class: 'section-prompt withdrawn-hint' })
    this.el = h('section', { class: 'withdrawn-region', 'data-testid': 'withdrawn', 'aria-labelledby': headingId, 'data-labelledby': headingId, hidden: true },
      h('h2', { class: 'column-title', id: headingId, text: t('withdrawn.heading') }),
      this.hint,
      this.list)
  }

  /** @param {readonly Card[]} cards the withdrawn cards, in the order to show them */
  update (cards) {
    const { board, t } = this
    setText(this.hint, board.editable && board.facilitator ? t('withdrawn.hintFacilitator') : t('withdrawn.hint'))
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
        view = new WithdrawnView({ board, t, actions: this.actions, pictures: this.pictures }, card)
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

export class WithdrawnView {
  /**
   * @param {WithdrawnDeps} deps
   * @param {Card} card
   */
  constructor ({ board, t, actions, pictures }, card) {
    this.board = board
    this.t = t
    this.card = card
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
    // Its pictures, to look at: nothing is added to or taken off a withdrawn card.
    this.pictures = new CardPictures({ board, t, pictures }, card, { readOnly: true })
    this.byLine = h('p', { class: 'card-by', 'data-testid': 'card-by' })
    this.withdrawnBy = h('p', { class: 'withdrawn-by', 'data-testid': 'withdrawn-by' })
    const offered = board.actionsFor(card)
    this.restoreButton = offered.restore
      ? h('button', {
        type: 'button', class: 'button button--big', 'data-testid': 'withdrawn-restore',
        onclick: () => actions.askRestore(this.card)
      }, t('withdrawn.restore'))
      : null
    this.deleteButton = offered.deleteForGood
      ? h('button', {
        type: 'button', class: 'button button--warning button--big', 'data-testid': 'withdrawn-delete',
        onclick: () => actions.askDeleteForGood(this.card)
      }, t('withdrawn.deleteForGood'))
      : null
    this.el = h('li', {
      class: `withdrawn-card withdrawn-card--${card.layer}`,
      'data-testid': 'withdrawn-card',
      'data-item-id': card.id,
      'data-layer': card.layer
    },
    this.badges, this.was, this.answers, this.text, this.pictures.el, this.byLine, this.withdrawnBy,
    this.restoreButton || this.deleteButton ? h('div', { class: 'withdrawn-actions' }, this.restoreButton, this.deleteButton) : null)
  }

  /** @param {Card} card */
  update (card) {
    this.card = card
    const { board, t } = this
    this.el.dataset.section = card.section
    const badgeKey = card.layer
    if (this.badges.dataset.key !== badgeKey) {
      this.badges.dataset.key = badgeKey
      replaceChildren(this.badges, card.layer === 'professional' ? h('span', { class: 'badge badge--professional', text: t('card.professionalOnly') }) : null)
    }
    show(this.badges, card.layer === 'professional')
    setText(this.was, t('withdrawn.was', { section: board.sectionLabel(card.section) }))
    const answers = answersText(card, board, t)
    setText(this.answers, answers.text)
    this.answers.dataset.link = answers.state
    show(this.answers, answers.text !== '')
    this.pictures.update(card)
    const speaker = card.speaker ? board.speakerLabel(card.speaker) : ''
    setText(this.byLine, t('card.by', { person: board.personLabel(card.author) }) + (speaker ? ` · ${t('card.speaker', { speaker })}` : ''))
    const by = board.personLabel(card.withdrawn?.by ?? '')
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
