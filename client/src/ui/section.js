// One section of the map (e.g. "Strengths"): heading, prompt, its cards in order and, for
// people who may edit, "Add a card" beside the heading and its form under it (before the
// cards, so it is reached without tabbing through them). Next steps are a table.
import { h, show, uid } from './dom.js'

/**
 * @typedef {import('../model.js').Card} Card
 * @typedef {{
 *   board: import('../board.js').Board,
 *   t: import('../strings.js').Translate,
 *   viewFor: (card: Card, kind: import('./card.js').CardKind) => import('./card.js').CardView,
 *   makeComposer: (section: string) => import('./composer.js').Composer
 * }} SectionDeps
 */

export class SectionView {
  /**
   * `viewFor` gives a card's view (kept across renders); `makeComposer` its "Add a card" form.
   * @param {SectionDeps} deps
   * @param {string} id
   */
  constructor ({ board, t, viewFor, makeComposer }, id) {
    this.board = board
    this.viewFor = viewFor
    this.id = id
    const text = board.sectionText(id)
    const headingId = uid(`section-${id}`)
    this.steps = id === 'next_steps'
    /** @type {HTMLElement} */
    this.list = this.steps ? h('tbody', { role: 'rowgroup' }) : h('ul', { class: 'cards', 'aria-labelledby': headingId })
    const container = this.steps
      // Explicit roles keep it a table for screen readers when narrow screens stack the rows.
      ? h('table', { class: 'steps-table', role: 'table', 'aria-labelledby': headingId },
        h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' },
          h('th', { scope: 'col', role: 'columnheader', text: t('steps.action') }),
          h('th', { scope: 'col', role: 'columnheader', text: t('steps.owner') }),
          h('th', { scope: 'col', role: 'columnheader', text: t('steps.due') }),
          h('th', { scope: 'col', role: 'columnheader', text: t('steps.status') }),
          board.editable ? h('th', { scope: 'col', role: 'columnheader' }, h('span', { class: 'visually-hidden', text: t('steps.tools') })) : null
        )),
        this.list)
      : this.list
    this.table = this.steps ? container : null
    this.empty = h('p', { class: 'section-empty', text: t('section.empty') })
    this.composer = board.editable ? makeComposer(id) : null
    this.el = h('section', {
      class: `map-section map-section--${id}`, 'data-section': id, 'data-testid': `section-${id}`,
      'aria-labelledby': headingId
    },
    h('div', { class: 'section-head' },
      h('h3', { id: headingId, class: 'section-title', text: text.label }),
      this.composer?.button,
      text.prompt ? h('p', { class: 'section-prompt', text: text.prompt }) : null),
    this.composer?.form,
    container,
    this.empty)
  }

  /**
   * Show these cards, in this order, reusing each card's element (a focused card keeps focus).
   * @param {Card[]} cards
   * @param {Set<string>} seen filled with the keys of the views in use
   */
  reconcile (cards, seen) {
    const kind = this.steps ? 'row' : 'item'
    // Shown before the rows are filled in, so their text boxes can measure themselves.
    if (this.table) show(this.table, cards.length > 0)
    let i = 0
    for (const card of cards) {
      const view = this.viewFor(card, kind)
      seen.add(view.key)
      const at = this.list.children[i]
      if (at !== view.el) this.list.insertBefore(view.el, at ?? null)
      view.update(card)
      i++
    }
    // Anything left after the last card belongs to another section now, or is gone.
    while (this.list.children.length > i) this.list.children[i].remove()
    show(this.empty, cards.length === 0 && !this.board.editable && !this.board.present)
    this.composer?.update()
  }
}
