// A picture opened large from its card, with its description; for whoever added it, the card's
// author and the facilitator: change the description, or take the picture off the card (asked
// first, the safe choice focused).
import { describePicture, descriptionProblem, MAX_ALT, pictureUrl, removePicture } from '../pictures.js'
import { h, setText, show, uid } from './dom.js'

/**
 * @typedef {import('../model.js').Card} Card
 * @typedef {import('../pictures.js').Picture} Picture
 * @typedef {Omit<import('./pictureadd.js').PictureDeps, 'upload'> & { focusCard: (card: Card) => void }} PictureViewDeps
 *   `focusCard` puts the focus in a card after the next render (its picture's button is gone)
 */

export class PictureView {
  /** @param {PictureViewDeps} deps */
  constructor ({ t, board, session, announcer, render, focusCard }) {
    this.t = t
    this.focusCard = focusCard
    this.board = board
    this.session = session
    this.announcer = announcer
    this.render = render
    /** @type {{ layer: string, cardId: string, id: string } | null} what is open */
    this.shown = null

    const titleId = uid('picture-view')
    const editId = uid('picture-edit')
    this.image = h('img', { class: 'picture-large', alt: '', 'data-testid': 'picture-large' })
    this.caption = h('figcaption', { class: 'picture-large-caption', 'data-testid': 'picture-large-description' })
    this.edit = h('textarea', {
      id: editId, rows: 2, maxlength: MAX_ALT, 'data-testid': 'picture-edit-description',
      oninput: () => this.syncSave()
    })
    this.save = h('button', { type: 'button', class: 'button', 'data-testid': 'picture-edit-save', onclick: () => this.saveDescription() }, t('picture.saveDescription'))
    this.remove = h('button', { type: 'button', class: 'button button--warning', 'data-testid': 'picture-remove', onclick: () => this.askRemove() }, t('picture.remove'))
    this.no = h('button', { type: 'button', class: 'button button--big button--secondary', 'data-testid': 'picture-remove-no', onclick: () => this.keep() }, t('picture.removeNo'))
    this.yes = h('button', { type: 'button', class: 'button button--big button--warning', 'data-testid': 'picture-remove-yes', onclick: () => this.removeNow() }, t('picture.removeYes'))
    const askId = uid('picture-remove-ask')
    this.ask = h('div', { class: 'picture-remove-ask', role: 'group', 'aria-labelledby': askId, hidden: true },
      h('p', { id: askId, class: 'picture-remove-question', text: t('picture.removeAsk') }),
      h('div', { class: 'form-actions confirm-actions' }, this.no, this.yes))
    this.error = h('p', { class: 'field-error', role: 'alert' })
    this.changes = h('div', { class: 'picture-changes', 'data-testid': 'picture-changes', hidden: true },
      h('div', { class: 'field' },
        h('label', { for: editId, text: t('picture.changeDescription') }),
        this.edit),
      h('div', { class: 'form-actions' }, this.save, this.remove),
      this.ask)
    this.close = h('button', { class: 'button button--big button--secondary', 'data-testid': 'picture-view-close' }, t('picture.close'))
    this.dialog = h('dialog', {
      class: 'dialog dialog--picture-view', 'data-testid': 'picture-view', 'aria-labelledby': titleId,
      onclose: () => { this.shown = null },
      // Not the board's undo behind the dialog (the description keeps the browser's own).
      onkeydown: (/** @type {KeyboardEvent} */ e) => {
        if ((e.ctrlKey || e.metaKey) && ['z', 'y'].includes(e.key.toLowerCase())) e.stopPropagation()
      }
    },
    h('h2', { id: titleId, text: t('picture.viewTitle') }),
    h('figure', { class: 'picture-large-figure' }, this.image, this.caption),
    this.changes,
    this.error,
    h('form', { method: 'dialog', class: 'form-actions' }, this.close))
    this.el = this.dialog
  }

  /**
   * @param {Card} card
   * @param {Picture} picture
   */
  open (card, picture) {
    const target = this.board.pictures
    if (!target) return
    this.shown = { layer: card.layer, cardId: card.id, id: picture.id }
    this.image.src = pictureUrl(target.uploadUrl, picture.id)
    this.image.alt = picture.alt
    setText(this.caption, picture.alt)
    this.edit.value = picture.alt
    setText(this.error, '')
    show(this.ask, false)
    show(this.changes, this.board.mayChangePicture(card, picture.id))
    this.syncSave()
    if (!this.dialog.open) this.dialog.showModal()
    this.close.focus()
  }

  /** The card and picture open now, as the board last read them; null once either is gone. */
  current () {
    const shown = this.shown
    if (!shown) return null
    const card = this.board.cards.find((c) => c.id === shown.cardId && c.layer === shown.layer)
    const picture = card?.pictures.find((p) => p.id === shown.id)
    return card && picture ? { card, picture } : null
  }

  /** After a render: follow someone else's change to the picture open here. */
  update () {
    if (!this.shown) return
    const now = this.current()
    if (!now) {
      this.dialog.close()
      this.announcer.now(this.t('picture.goneNow'))
      return
    }
    this.image.alt = now.picture.alt
    setText(this.caption, now.picture.alt)
    show(this.changes, this.board.mayChangePicture(now.card, now.picture.id))
    this.syncSave()
  }

  syncSave () {
    const now = this.current()
    this.save.disabled = !now || descriptionProblem(this.edit.value) !== null || this.edit.value.trim() === now.picture.alt
  }

  saveDescription () {
    const now = this.current()
    if (!now || descriptionProblem(this.edit.value) || !this.board.mayChangePicture(now.card, now.picture.id)) return
    describePicture(now.card.map, now.picture.id, this.edit.value, this.session.origin)
    this.announcer.now(this.t('picture.described'))
    this.render()
  }

  askRemove () {
    show(this.ask, true)
    this.no.focus()
  }

  keep () {
    show(this.ask, false)
    this.remove.focus()
  }

  removeNow () {
    const now = this.current()
    if (!now || !this.board.mayChangePicture(now.card, now.picture.id)) return
    this.shown = null
    removePicture(now.card.map, now.picture.id, this.session.origin)
    this.dialog.close()
    this.announcer.now(this.t('picture.removed'))
    this.focusCard(now.card)
    this.render()
  }
}
