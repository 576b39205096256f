// A card's pictures: each a thumbnail in a box of fixed size (the card does not jump while it
// loads, and the shared screen can measure its pages before any picture arrives) with its
// description under it, and as its alt text. A thumbnail opens the picture large; "Add a
// picture" is offered where pictures are allowed.
import { pictureUrl } from '../pictures.js'
import { h, setText, show } from './dom.js'

/**
 * @typedef {import('../model.js').Card} Card
 * @typedef {import('../pictures.js').Picture} Picture
 * @typedef {{
 *   board: import('../board.js').Board,
 *   t: import('../strings.js').Translate,
 *   pictures: { add: (card: Card) => void, open: (card: Card, picture: Picture) => void }
 * }} CardPicturesDeps
 */

export class CardPictures {
  /**
   * `pictures` opens the "Add a picture" dialog and a picture large (ui/pictureadd.js,
   * ui/pictureview.js).
   * @param {CardPicturesDeps} deps
   * @param {Card} card
   * @param {{ readOnly?: boolean }} [options] readOnly: no "Add a picture" at all (a withdrawn card)
   */
  constructor ({ board, t, pictures }, card, { readOnly = false } = {}) {
    this.board = board
    this.t = t
    this.pictures = pictures
    this.card = card
    /** @type {Map<string, { el: HTMLLIElement, img: HTMLImageElement, caption: HTMLElement }>} */
    this.items = new Map()
    this.list = h('ul', { class: 'picture-list', 'aria-label': t('picture.listLabel') })
    // Only where it may ever be offered (it then shows while the card may take a picture).
    this.add = readOnly || !board.pictures || board.present
      ? null
      : h('button', {
        type: 'button', class: 'add-button picture-add', 'data-testid': 'add-picture', hidden: true,
        onclick: () => this.pictures.add(this.card)
      }, h('span', { class: 'add-plus', 'aria-hidden': 'true', text: '+' }), t('picture.add'))
    this.el = h('div', { class: 'card-pictures', 'data-testid': 'card-pictures', hidden: true }, this.list, this.add)
  }

  /** @param {Picture} picture */
  make (picture) {
    const target = this.board.pictures
    const img = h('img', {
      class: 'picture-img', alt: picture.alt, loading: 'lazy', decoding: 'async', 'data-testid': 'picture-img',
      src: target ? pictureUrl(target.uploadUrl, picture.id, true) : undefined,
      onerror: () => el.classList.add('picture--missing')
    })
    const caption = h('p', { class: 'picture-caption', 'data-testid': 'picture-description', text: picture.alt })
    // The shared screen shows pictures; there is nobody to open them on it.
    const thumb = this.board.present
      ? h('span', { class: 'picture-thumb' }, img)
      : h('button', {
        type: 'button', class: 'picture-thumb', 'data-testid': 'picture-open',
        onclick: () => {
          const now = this.card.pictures.find((p) => p.id === picture.id)
          if (now) this.pictures.open(this.card, now)
        }
      }, img)
    const el = h('li', { class: 'picture', 'data-testid': 'picture', 'data-picture-id': picture.id }, thumb, caption)
    return { el, img, caption }
  }

  /** @param {Card} card */
  update (card) {
    this.card = card
    const seen = new Set()
    let i = 0
    for (const picture of card.pictures) {
      let item = this.items.get(picture.id)
      if (!item) {
        item = this.make(picture)
        this.items.set(picture.id, item)
      }
      seen.add(picture.id)
      if (item.img.alt !== picture.alt) item.img.alt = picture.alt
      setText(item.caption, picture.alt)
      const at = this.list.children[i]
      if (at !== item.el) this.list.insertBefore(item.el, at ?? null)
      i++
    }
    for (const [id, item] of this.items) {
      if (seen.has(id)) continue
      item.el.remove()
      this.items.delete(id)
    }
    // A server that takes no pictures (it names no upload address): no pictures at all.
    const on = this.board.pictures !== null
    const adding = on && this.add !== null && this.board.mayAddPicture(card)
    show(this.list, card.pictures.length > 0)
    if (this.add) show(this.add, adding)
    show(this.el, on && (card.pictures.length > 0 || adding))
  }
}
