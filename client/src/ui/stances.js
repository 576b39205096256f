// Agree / Dispute / Unsure on the card itself, where everyone sees them (not behind "More"):
// three labelled toggle buttons for this person's view, one Tab stop with arrows inside.
// Who holds which view is the card's stance line (card.js), as on the shared screen.
import { setStance } from '../cards.js'
import { STANCES } from '../model.js'
import { h } from './dom.js'
import { roving } from './roving.js'

/**
 * @typedef {import('../model.js').Card} Card
 */

export class StanceButtons {
  /**
   * `card()` is the card as last shown; `me` the id of the person taking a view.
   * @param {{ t: import('../strings.js').Translate, origin: unknown, me: string, card: () => Card }} deps
   */
  constructor ({ t, origin, me, card }) {
    /** @type {Map<string, HTMLButtonElement>} */
    this.buttons = new Map()
    for (const stance of STANCES) {
      this.buttons.set(stance, h('button', {
        type: 'button', class: `stance-button stance-button--${stance}`, 'data-testid': `stance-${stance}`,
        'aria-pressed': 'false',
        tabindex: this.buttons.size === 0 ? 0 : -1,
        onclick: () => {
          const mine = card().stance[me]
          setStance(card(), me, mine === stance ? null : stance, origin)
        }
      }, t(`stance.${stance}`)))
    }
    this.me = me
    this.el = h('div', { class: 'stance-buttons', role: 'toolbar', 'aria-label': t('card.yourView') }, [...this.buttons.values()])
    roving(this.el, () => [...this.buttons.values()])
  }

  /** @param {Card} card */
  update (card) {
    const mine = card.stance[this.me]
    for (const [stance, button] of this.buttons) button.setAttribute('aria-pressed', String(mine === stance))
  }
}
