// On narrow screens (phones, or 200 % zoom) the map's parts become tabs: one column at a time,
// on one row of short names that stays at the top while the part scrolls. On wide screens
// every part is shown and the tab list is hidden.
import { h, readingKey, replaceChildren, uid } from './dom.js'

/** @typedef {{ id: string, label: string, el: HTMLElement }} Region */

export class Tabs {
  /**
   * @param {HTMLElement} list the element that becomes the tab list
   * @param {string} label the tab list's accessible name
   * @param {() => void} [onChange] called when another part is shown
   * @param {Record<string, string>} [short] short names of parts by id (else the part's label)
   */
  constructor (list, label, onChange = () => {}, short = {}) {
    this.onChange = onChange
    this.short = short
    this.list = list
    list.setAttribute('aria-label', label)
    /** @type {Region[]} */
    this.regions = []
    /** @type {Map<string, HTMLButtonElement>} */
    this.buttons = new Map()
    this.active = ''
    this.query = window.matchMedia('(max-width: 40rem)')
    this.query.addEventListener('change', () => {
      this.apply()
      this.onChange()
    })
  }

  get narrow () { return this.query.matches }

  /** @param {Region[]} regions */
  setRegions (regions) {
    const same = regions.length === this.regions.length && regions.every((r, i) => r.el === this.regions[i].el && r.label === this.regions[i].label)
    if (same) return
    this.regions = regions
    this.buttons.clear()
    const buttons = regions.map((region) => {
      const id = region.el.id || (region.el.id = uid('region'))
      const button = h('button', {
        type: 'button',
        role: 'tab',
        id: `${id}-tab`,
        class: 'tab',
        'aria-controls': id,
        'data-testid': `tab-${region.id}`,
        onclick: () => this.select(region.id),
        onkeydown: (/** @type {KeyboardEvent} */ e) => this.onKey(e, region.id)
      }, this.short[region.id] ?? region.label)
      this.buttons.set(region.id, button)
      return button
    })
    replaceChildren(this.list, buttons)
    if (!regions.some((r) => r.id === this.active)) this.active = regions[0]?.id ?? ''
    this.apply()
  }

  /** @param {string} id @param {boolean} [focus] */
  select (id, focus = false) {
    if (!this.regions.some((r) => r.id === id)) return
    this.active = id
    this.apply()
    this.onChange()
    if (focus) this.buttons.get(id)?.focus()
  }

  /** Show the tab holding an element (e.g. a card just moved to another column). @param {Element} el */
  reveal (el) {
    const region = this.regions.find((r) => r.el.contains(el))
    if (region && this.narrow && region.id !== this.active) this.select(region.id)
  }

  /** @param {KeyboardEvent} e @param {string} id */
  onKey (e, id) {
    const i = this.regions.findIndex((r) => r.id === id)
    let next = -1
    const key = readingKey(e.key)
    if (key === 'ArrowRight') next = (i + 1) % this.regions.length
    else if (key === 'ArrowLeft') next = (i - 1 + this.regions.length) % this.regions.length
    else if (e.key === 'Home') next = 0
    else if (e.key === 'End') next = this.regions.length - 1
    if (next < 0) return
    e.preventDefault()
    this.select(this.regions[next].id, true)
  }

  apply () {
    const narrow = this.narrow
    this.list.hidden = !narrow
    if (narrow) this.list.setAttribute('role', 'tablist')
    else this.list.removeAttribute('role')
    for (const region of this.regions) {
      const selected = region.id === this.active
      const button = this.buttons.get(region.id)
      if (button) {
        button.setAttribute('aria-selected', String(selected))
        button.tabIndex = selected ? 0 : -1
      }
      if (narrow) {
        region.el.setAttribute('role', 'tabpanel')
        region.el.setAttribute('aria-labelledby', `${region.el.id}-tab`)
        region.el.classList.toggle('tab-hidden', !selected)
      } else {
        region.el.removeAttribute('role')
        // Wide screens: each part is a region named by its own heading again.
        const heading = region.el.dataset.labelledby
        if (heading) region.el.setAttribute('aria-labelledby', heading)
        else region.el.removeAttribute('aria-labelledby')
        region.el.classList.remove('tab-hidden')
      }
    }
  }
}
