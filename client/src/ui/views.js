// The views on the board now, by key. The regions make and drop them; the board looks a card's
// view up for the keyboard and after a render, the actions to put the focus somewhere after a
// change, drag and drop to find the section under the pointer, and an "Add a card" form to
// close the others.

/**
 * @typedef {import('./card.js').CardView} CardView
 * @typedef {import('./section.js').SectionView} SectionView
 * @typedef {import('./scale.js').ScaleView} ScaleView
 * @typedef {import('./withdrawn.js').WithdrawnView} WithdrawnView
 */

export class Views {
  constructor () {
    /** @type {Map<string, CardView>} by "layer:id" */
    this.cards = new Map()
    /** @type {Map<string, SectionView>} by section id */
    this.sections = new Map()
    /** @type {Map<string, ScaleView>} by "layer:id" */
    this.scales = new Map()
    /** @type {Map<string, WithdrawnView>} the withdrawn list's, by "layer:id" */
    this.withdrawn = new Map()
  }
}
