// What the shared screen shows, as the facilitator steers it: the whole map, one column or the
// scales, and which page. It travels in presence (Yjs awareness), not in the documents: the
// screen's view is not part of the record. DOM-free.

/**
 * @typedef {{ show: string, page: number }} ScreenView `show`: 'map' | 'column:<id>' | 'scales'
 * @typedef {ScreenView & { at: number }} Steer a facilitator's wish, with when they made it
 * @typedef {ScreenView & { pages: number }} Shown what a screen says it shows
 */

/** More pages than any map needs: a page number is kept within this. */
export const MAX_PAGES = 99

/** @param {unknown} v @returns {Record<string, unknown>} */
const obj = (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? /** @type {Record<string, unknown>} */ (v) : {})

/** @param {unknown} v @param {number} fallback */
const whole = (v, fallback) => (typeof v === 'number' && Number.isInteger(v) ? Math.min(Math.max(v, 1), MAX_PAGES) : fallback)

/**
 * A view read tolerantly: anything unknown (a column not on this map) is the whole map, page 1.
 * @param {unknown} raw
 * @param {readonly string[]} columnIds the columns this screen has
 * @returns {ScreenView}
 */
export function readView (raw, columnIds) {
  const o = obj(raw)
  const show = typeof o.show === 'string' ? o.show : 'map'
  const known = show === 'map' || show === 'scales' || (show.startsWith('column:') && columnIds.includes(show.slice(7)))
  return { show: known ? show : 'map', page: known ? whole(o.page, 1) : 1 }
}

/** @param {unknown} state an awareness state @returns {boolean} */
export function fromFacilitator (state) {
  return obj(obj(state).user).role === 'facilitator'
}

/**
 * Which facilitator to follow. Only entries whose server-stamped `user.role` is the
 * facilitator's count; anyone else writing `screen` changes nothing. With several facilitator
 * entries, the latest change wins: an entry is followed when its `screen` changes (a new entry
 * counts as a change; the first time, the newest by its own clock `at`).
 */
export class ScreenFollower {
  /** @param {readonly string[]} columnIds */
  constructor (columnIds) {
    this.columnIds = columnIds
    /** @type {Map<number, string>} what each client's `screen` was when last seen (kept after it leaves) */
    this.seen = new Map()
  }

  /**
   * @param {Map<number, unknown>} states awareness states by client id
   * @returns {ScreenView | null} the view to show now, or null when no facilitator changed it
   */
  update (states) {
    /** @type {Steer | null} */
    let latest = null
    for (const [id, state] of states) {
      if (!fromFacilitator(state) || obj(state).screen === undefined) continue
      const raw = obj(obj(state).screen)
      const view = readView(raw, this.columnIds)
      const at = typeof raw.at === 'number' && Number.isFinite(raw.at) ? raw.at : 0
      const key = JSON.stringify([view.show, view.page, at])
      if (this.seen.get(id) === key) continue
      this.seen.set(id, key)
      if (!latest || at >= latest.at) latest = { ...view, at }
    }
    return latest && { show: latest.show, page: latest.page }
  }
}

/** Whose `shown` the facilitator's control reads: the shared-screen link's, and a facilitator's own "Present". */
const SCREEN_ROLES = ['viewer', 'facilitator']

/**
 * What the screens in the room say they show (for the facilitator's control): the first
 * report from the shared screen's link or a facilitator's (server-stamped `user.role`), read
 * tolerantly. A family member's or a professional's report is no screen's: it could hold the
 * control on a page the screen is not on.
 * @param {Map<number, unknown>} states
 * @param {readonly string[]} columnIds
 * @returns {Shown | null}
 */
export function shownOnScreen (states, columnIds) {
  for (const state of states.values()) {
    const o = obj(state)
    const role = obj(o.user).role
    if (o.shown === undefined || typeof role !== 'string' || !SCREEN_ROLES.includes(role)) continue
    const view = readView(o.shown, columnIds)
    const pages = whole(obj(o.shown).pages, 1)
    return { show: view.show, page: Math.min(view.page, pages), pages }
  }
  return null
}

/**
 * Where a page ends: the units from `start` that lie in the screen's columns (`lastColumn[i]`
 * is the last flow column unit i reaches when the page starts at `start`), never ending on a
 * heading whose first item is on the next page, and at least one unit (a unit too big for any
 * screen still gets a page of its own).
 * @param {readonly number[]} lastColumn
 * @param {number} start
 * @param {number} columns how many flow columns the screen shows
 * @param {(i: number) => boolean} isHeading
 * @returns {number} the index after the page's last unit
 */
export function pageEnd (lastColumn, start, columns, isHeading) {
  let end = start
  while (end < lastColumn.length && lastColumn[end] < columns) end++
  if (end < lastColumn.length) while (end > start + 1 && isHeading(end - 1)) end--
  return Math.max(end, start + 1)
}

/**
 * The page to show after a key press, or null for a key the screen does not answer.
 * @param {string} key
 * @param {number} page 1-based
 * @param {number} pages
 */
export function pageForKey (key, page, pages) {
  if (key === 'ArrowRight' || key === 'ArrowDown' || key === 'PageDown') return Math.min(page + 1, pages)
  if (key === 'ArrowLeft' || key === 'ArrowUp' || key === 'PageUp') return Math.max(page - 1, 1)
  if (key === 'Home') return 1
  if (key === 'End') return pages
  return null
}
