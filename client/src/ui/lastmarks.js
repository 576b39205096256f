// Last meeting's marks on a review's scale: each person's mark from the meeting this one
// reviews (config `lastMarks`, from the server's record of that meeting), faint and set apart
// so that nobody takes them for today's: a row of their own under the numbers, headed "Last
// meeting", dashed outlines with no fill, then the same in words ("Marks at the last meeting,
// for comparing (not today’s): Jo, 4; Sam, 6."). They are not marks on this map: nothing here
// writes to the document, and today's list and count never include them.
import { SCALE_MAX, SCALE_MIN } from '../model.js'
import { h } from './dom.js'

/** Pixels kept between two names on one row. */
const GAP = 4

/**
 * @typedef {import('../config.js').LastMark} LastMark
 * @typedef {{ t: import('../strings.js').Translate }} LastMarksDeps
 */

export class LastMarks {
  /**
   * @param {LastMarksDeps} deps
   * @param {LastMark[]} marks
   */
  constructor ({ t }, marks) {
    const named = marks.map((m) => ({ ...m, name: m.name || t('person.unknown') }))
    this.line = h('div', { class: 'last-line', 'aria-hidden': 'true' },
      named.map((m) => h('span', {
        class: 'last-mark', 'data-testid': 'last-mark', 'data-value': String(m.value),
        title: t('lastMarks.label', { name: m.name, value: m.value }), text: m.name
      })))
    const words = named.map((m) => t('lastMarks.mark', { name: m.name, value: m.value })).join('; ')
    this.el = h('div', { class: 'last-marks', 'data-testid': 'last-marks' },
      h('p', { class: 'last-marks-title', 'aria-hidden': 'true', text: t('lastMarks.title') }),
      this.line,
      h('p', { class: 'last-marks-words', 'data-testid': 'last-marks-words', text: t('lastMarks.words', { marks: words }) }))
    this.laidWidth = -1
    new ResizeObserver(() => { if (this.line.clientWidth !== this.laidWidth) this.layout() }).observe(this.line)
  }

  /** Each name at its number (inside the row), moved down a row rather than touch another. */
  layout () {
    const width = this.line.clientWidth
    this.laidWidth = width
    if (!width) return
    const names = /** @type {HTMLElement[]} */ ([...this.line.children])
    /** @type {number[]} where each row's last name ends */
    const rows = []
    let height = 0
    for (const name of names) {
      const w = name.offsetWidth
      const x = (Number(name.dataset.value) - SCALE_MIN) / (SCALE_MAX - SCALE_MIN) * width
      const left = Math.max(0, Math.min(width - w, x - w / 2))
      let row = rows.findIndex((end) => left >= end + GAP)
      if (row < 0) row = rows.push(0) - 1
      rows[row] = left + w
      name.style.left = `${left}px`
      name.style.top = `${row * (name.offsetHeight + GAP)}px`
      height = Math.max(height, (row + 1) * (name.offsetHeight + GAP))
    }
    this.line.style.height = `${height}px`
  }
}
