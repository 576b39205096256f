// The shared screen (presentation view): type large enough to read across the room, the map
// flowing through the whole screen in columns (a short column leaves no empty space), and,
// when it does not fit, one screenful at a time ("Page 2 of 3"). It shows what the
// facilitator steers from their board (./screensteer.js) and answers the arrow keys, PageUp
// and PageDown for whoever sits at the screen. Nothing is shown cut off: every part of the
// map is on exactly one page, and what is not on this page is not displayed.
import { h, readingKey, setText, show } from './dom.js'
import { MAX_PAGES, pageEnd, pageForKey, ScreenFollower } from './screensteer.js'

/**
 * @typedef {import('./screensteer.js').ScreenView} ScreenView
 * @typedef {{
 *   t: import('../strings.js').Translate,
 *   config: Pick<import('../config.js').BoardConfig, 'columns'>,
 *   awareness: import('y-protocols/awareness').Awareness,
 *   regions: HTMLElement,
 *   settle: () => void
 * }} ScreenDeps
 */

// What a page is made of, in reading order: headings and the things under them. A card, a
// step, a mark is never split between columns or pages.
const UNITS = [
  '.column-title', '.section-head', '.cards > .card', '.steps-table tr.card',
  '.scale-title', '.scale-question', '.scale-figure', '.scale-hidden-note', '.scale-marks-title',
  '.scale-mark', '.scale-no-marks', '.scales-none', '.withdrawn-card'
].join(', ')
// Headings stay with what follows them, and are said again ("continued") on the next page.
const HEADINGS = '.column-title, .section-head, .scale-title, .scale-question, .scale-marks-title'
// Boxes around units: not displayed on a page that shows none of their units.
const BOXES = '.column, .scales-region, .withdrawn-region, .map-section, .scale, .steps-table, .cards, .scale-marks'
// A flow column is at least this many ems wide (about 35 characters of card text).
const COLUMN_EM = 16
// Bigger type while everything still fits on one page (a single column, a short map).
const ZOOMS = [1.5, 1.25, 1]

/** Whether a mutation changed anything (a render sets many attributes to what they were). @param {MutationRecord} m */
function changes (m) {
  if (m.type === 'childList') return true
  if (m.type === 'characterData') return m.oldValue !== m.target.nodeValue
  return m.oldValue !== /** @type {Element} */ (m.target).getAttribute(m.attributeName ?? '')
}

export class Screen {
  /** @param {ScreenDeps} deps */
  constructor ({ t, config, awareness, regions, settle }) {
    this.t = t
    // Lays out what sizes itself from its own width (a scale's name chips) before measuring.
    this.settle = settle
    this.awareness = awareness
    this.regions = regions
    this.columnIds = [...config.columns.map((c) => c.id), 'more']
    /** @type {ScreenView} */
    this.view = { show: 'map', page: 1 }
    this.pages = 1
    this.follower = new ScreenFollower(this.columnIds)
    this.top = 0 // where the map started at the last layout
    // What changed on the map since the last layout (the layout's own changes taken out).
    this.changes = new MutationObserver(() => {})
    this.changes.observe(regions, { subtree: true, childList: true, characterData: true, attributes: true, attributeOldValue: true, characterDataOldValue: true })
    this.pageText = h('p', { class: 'screen-page', 'data-testid': 'screen-page' })
    this.showing = h('p', { class: 'screen-showing', 'data-testid': 'screen-showing' })
    this.prev = h('button', { type: 'button', class: 'button button--tool', 'data-testid': 'screen-prev', 'aria-label': t('screen.previous'), onclick: () => this.go(this.view.page - 1) }, h('span', { class: 'flip-rtl', 'aria-hidden': 'true', text: '‹' }))
    this.next = h('button', { type: 'button', class: 'button button--tool', 'data-testid': 'screen-next', 'aria-label': t('screen.next'), onclick: () => this.go(this.view.page + 1) }, h('span', { class: 'flip-rtl', 'aria-hidden': 'true', text: '›' }))
    this.bar = h('div', { class: 'screen-bar', 'data-testid': 'screen-bar' }, this.showing, this.prev, this.pageText, this.next)
    /** @type {Map<string, string>} a column view ("column:<id>") -> its title, for the bar */
    this.titles = new Map(config.columns.map((c) => [`column:${c.id}`, c.title]))
    this.titles.set('column:more', t('section.more'))
    awareness.on('change', () => this.follow())
    window.addEventListener('keydown', (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.defaultPrevented) return
      const page = pageForKey(readingKey(e.key), this.view.page, this.pages)
      if (page === null) return
      e.preventDefault()
      this.go(page)
    })
    this.follow()
  }

  /** Follow the facilitator, when one of them has changed what the screen shows. */
  follow () {
    const wanted = this.follower.update(/** @type {Map<number, unknown>} */ (this.awareness.getStates()))
    if (!wanted) return
    this.view = wanted
    this.layout()
  }

  /** @param {number} page 1-based */
  go (page) {
    this.view = { ...this.view, page: Math.min(Math.max(page, 1), this.pages) }
    this.layout()
  }

  /**
   * After a render for presence alone: lay out again only if the map or where it starts
   * changed. A layout of a long map measures it page by page (a third of a second or more):
   * presence changing every few ms, from anyone's link, kept the screen from drawing.
   */
  relayout () {
    // Nothing on the map changed, nor where it starts (the roster above it may have grown),
    // and nothing reaches past the screen.
    const box = this.regions
    const root = document.documentElement
    const changed = this.changes.takeRecords().some(changes) || box.getBoundingClientRect().top !== this.top ||
      box.scrollWidth > box.clientWidth || root.scrollHeight > root.clientHeight || root.scrollWidth > root.clientWidth
    if (changed) this.layout()
  }

  /** Lay the map out on the screen again (after a render, and when the window changes). */
  layout () {
    performance.mark('screen:layout') // counted by the tests: presence alone must not re-lay out
    const box = this.regions
    for (const region of box.querySelectorAll('.column, .scales-region, .withdrawn-region')) {
      region.classList.toggle('screen-out', !this.inView(/** @type {HTMLElement} */ (region)))
    }
    const units = /** @type {HTMLElement[]} */ ([...box.querySelectorAll(UNITS)])
    for (const el of box.querySelectorAll('.screen-off, .screen-again')) el.classList.remove('screen-off', 'screen-again')
    const shown = units.filter((u) => u.getClientRects().length > 0)
    const boxes = [...box.querySelectorAll(BOXES)].map((el) => ({ el, units: shown.filter((u) => el.contains(u)) }))
    /** @type {number[]} */
    let starts = [0, shown.length]
    let columns = 1
    for (const zoom of ZOOMS) {
      box.style.setProperty('--zoom', String(zoom))
      columns = this.fitColumns()
      starts = this.paginate(shown, boxes, columns, zoom === 1)
      if (starts.length <= 2) break
    }
    this.pages = Math.max(1, starts.length - 1)
    const page = Math.min(this.view.page, this.pages)
    this.view.page = page
    this.showRange(shown, boxes, starts[page - 1] ?? 0, starts[page] ?? shown.length)
    if (this.pages === 1) this.balance(shown, columns)
    this.settle()
    setText(this.showing, this.view.show === 'map' ? this.t('screen.map') : this.view.show === 'scales' ? this.t('scales.heading') : this.titles.get(this.view.show) ?? '')
    setText(this.pageText, this.t('screen.page', { page, pages: this.pages }))
    show(this.prev, this.pages > 1)
    show(this.next, this.pages > 1)
    show(this.pageText, this.pages > 1)
    this.prev.disabled = page <= 1
    this.next.disabled = page >= this.pages
    this.tell({ show: this.view.show, page, pages: this.pages })
    this.changes.takeRecords()
    this.top = box.getBoundingClientRect().top
  }

  /**
   * A map that fits on one screen is spread evenly over the columns (not all in the first),
   * unless that would push anything past the last one.
   * @param {HTMLElement[]} units
   * @param {number} columns
   */
  balance (units, columns) {
    this.regions.style.columnFill = 'balance'
    if (this.lastColumns(units, 0, columns).some((c) => c >= columns)) this.regions.style.columnFill = ''
  }

  /** @param {HTMLElement} region */
  inView (region) {
    const { show } = this.view
    if (show === 'map') return true
    if (show === 'scales') return region.classList.contains('scales-region')
    return region.dataset.testid === `column-${show.slice(7)}`
  }

  /** The flow columns' height and number for the type size now; returns how many. */
  fitColumns () {
    const box = this.regions
    box.style.height = ''
    box.style.columnFill = ''
    const root = /** @type {HTMLElement} */ (box.parentElement)
    const bottom = parseFloat(getComputedStyle(root).paddingBottom) || 0
    const top = box.getBoundingClientRect().top
    box.style.height = `${Math.max(100, Math.floor(window.innerHeight - top - bottom - 1))}px`
    const type = parseFloat(getComputedStyle(box).fontSize) || 16
    const gap = Math.round(type * 0.6)
    const width = box.clientWidth
    const columns = Math.max(1, Math.floor((width + gap) / (COLUMN_EM * type + gap)))
    box.style.columnCount = String(columns)
    box.style.columnGap = `${gap}px`
    return columns
  }

  /**
   * Where each page starts (and, last, the end): each page laid out from its first unit on,
   * cut where a unit reaches past the screen's last column. With `all` false, stops after
   * the first page (enough to know the map does not fit at this size).
   * @param {HTMLElement[]} units
   * @param {{ el: Element, units: HTMLElement[] }[]} boxes
   * @param {number} columns
   * @param {boolean} all
   */
  paginate (units, boxes, columns, all) {
    const starts = [0]
    let start = 0
    while (start < units.length && starts.length <= MAX_PAGES) {
      this.showRange(units, boxes, start, units.length)
      this.settle()
      const last = this.lastColumns(units, start, columns)
      start = this.fitEnd(units, boxes, start, pageEnd(last, start, columns, (i) => units[i].matches(HEADINGS)), columns)
      starts.push(start)
      if (!all) break
    }
    if (starts[starts.length - 1] < units.length) starts.push(units.length)
    if (starts.length === 1) starts.push(0)
    return starts
  }

  /**
   * A page's end, checked as the page will show: laid out with what follows it, a section or
   * column that ends on this page had its bottom padding on the next; shown alone, it takes
   * it here, which can push its last unit (and the heading kept with it) into a column past
   * the screen's last. Then the page ends a unit earlier, until all of it fits.
   * @param {HTMLElement[]} units
   * @param {{ el: Element, units: HTMLElement[] }[]} boxes
   * @param {number} start
   * @param {number} end
   * @param {number} columns
   */
  fitEnd (units, boxes, start, end, columns) {
    while (end < units.length && end > start + 1) {
      this.showRange(units, boxes, start, end)
      this.settle()
      if (this.lastColumns(units, start, columns).slice(start, end).every((c) => c < columns)) break
      end--
      while (end > start + 1 && units[end - 1].matches(HEADINGS)) end--
    }
    return end
  }

  /**
   * The last flow column each unit from `start` reaches (a unit past the bottom counts as
   * past the last column). Units before `start` are not displayed.
   * @param {HTMLElement[]} units
   * @param {number} start
   * @param {number} columns
   */
  lastColumns (units, start, columns) {
    const area = this.regions.getBoundingClientRect()
    const pitch = (area.width + parseFloat(this.regions.style.columnGap || '0')) / columns
    const last = units.map(() => -1)
    for (let i = start; i < units.length; i++) {
      let column = 0
      for (const r of units[i].getClientRects()) {
        const right = Math.floor((r.right - area.left - 1) / pitch)
        column = Math.max(column, r.bottom > area.bottom + 1 || r.left < area.left - 1 ? columns : right)
      }
      last[i] = column
      if (column >= columns) break // the rest is on later pages
    }
    for (let i = 0; i < units.length; i++) if (last[i] < 0) last[i] = i < start ? -1 : columns
    return last
  }

  /**
   * Display units [from, to) only, with the headings of the first one said again, and only
   * the boxes that hold something displayed.
   * @param {HTMLElement[]} units
   * @param {{ el: Element, units: HTMLElement[] }[]} boxes
   * @param {number} from
   * @param {number} to
   */
  showRange (units, boxes, from, to) {
    units.forEach((u, i) => {
      u.classList.toggle('screen-off', i < from || i >= to)
      u.classList.remove('screen-again')
    })
    const first = units[from]
    if (first && from > 0) {
      for (const head of this.headingsOf(first)) {
        if (units.indexOf(head) < from) {
          head.classList.remove('screen-off')
          head.classList.add('screen-again')
          head.dataset.again = this.t('screen.continued')
        }
      }
    }
    for (const { el, units: inside } of boxes) el.classList.toggle('screen-off', !inside.some((u) => !u.classList.contains('screen-off')))
  }

  /** The headings a unit sits under: its column's, its section's or scale's. @param {HTMLElement} unit */
  headingsOf (unit) {
    /** @type {HTMLElement[]} */
    const heads = []
    const region = unit.closest('.column, .scales-region, .withdrawn-region')
    const title = region?.querySelector(':scope > .column-title')
    if (title instanceof HTMLElement && title !== unit) heads.push(title)
    const section = unit.closest('.map-section')?.querySelector(':scope > .section-head')
    if (section instanceof HTMLElement && section !== unit) heads.push(section)
    const scale = unit.closest('.scale')?.querySelector(':scope > .scale-title')
    if (scale instanceof HTMLElement && scale !== unit) heads.push(scale)
    return heads
  }

  /** Say in this screen's presence what it shows, so the facilitator's control can. @param {import('./screensteer.js').Shown} shown */
  tell (shown) {
    const before = this.awareness.getLocalState()?.shown
    if (JSON.stringify(before) === JSON.stringify(shown)) return
    this.awareness.setLocalStateField('shown', shown)
  }
}
