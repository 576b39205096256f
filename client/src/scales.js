// Scale operations (docs/document-model.md, `scales`). DOM-free.
import * as Y from 'yjs'
import { SCALE_MAX, SCALE_MIN } from './model.js'

/** @typedef {import('./model.js').Scale} Scale @typedef {import('./model.js').Rating} Rating */

/**
 * Create a scale with its wording (stored with it: the record shows what people were asked)
 * and an empty ratings map.
 * @param {Y.Doc} doc
 * @param {{ id: string, question: string, low: string, high: string, about?: string, revealed?: boolean }} scale
 * @param {unknown} origin
 */
export function addScale (doc, scale, origin) {
  const map = new Y.Map()
  map.set('question', scale.question)
  map.set('low', scale.low)
  map.set('high', scale.high)
  map.set('about', scale.about ?? '')
  if (scale.revealed !== undefined) map.set('revealed', scale.revealed)
  map.set('ratings', new Y.Map())
  doc.transact(() => doc.getMap('scales').set(scale.id, map), origin)
}

/**
 * @param {Y.Doc} doc
 * @param {string} id
 * @param {unknown} origin
 */
export function deleteScale (doc, id, origin) {
  doc.transact(() => doc.getMap('scales').delete(id), origin)
}

/**
 * The facilitator's wording of a scale.
 * @param {Scale} scale
 * @param {'question' | 'low' | 'high'} key
 * @param {string} value
 * @param {unknown} origin
 */
export function setScaleText (scale, key, value, origin) {
  if (scale.map.get(key) === value) return
  scale.map.doc?.transact(() => scale.map.set(key, value), origin)
}

/**
 * @param {Scale} scale
 * @param {boolean} revealed
 * @param {unknown} origin
 */
export function setRevealed (scale, revealed, origin) {
  scale.map.doc?.transact(() => scale.map.set('revealed', revealed), origin)
}

/**
 * A rating as written: the whole object each time, `up` only when given.
 * @param {number} value
 * @param {string} reason
 * @param {string} up
 * @param {string} at
 * @returns {{ value: number, reason: string, up?: string, at: string }}
 */
export function makeRating (value, reason, up, at) {
  if (!Number.isInteger(value) || value < SCALE_MIN || value > SCALE_MAX) {
    throw new RangeError('a mark is a whole number from 0 to 10')
  }
  return up.trim() ? { value, reason, up, at } : { value, reason, at }
}

/**
 * Place (or, with null, take back) one person's own mark. People write only their own key.
 * @param {Scale} scale
 * @param {string} participantId
 * @param {ReturnType<typeof makeRating> | null} rating
 * @param {unknown} origin
 */
export function setRating (scale, participantId, rating, origin) {
  const run = () => {
    let ratings = scale.map.get('ratings')
    if (!(ratings instanceof Y.Map)) {
      if (rating === null) return
      ratings = new Y.Map()
      scale.map.set('ratings', ratings)
    }
    const map = /** @type {Y.Map<unknown>} */ (ratings)
    if (rating === null) map.delete(participantId)
    else map.set(participantId, rating)
  }
  if (scale.map.doc) scale.map.doc.transact(run, origin)
  else run()
}

/**
 * Marks grouped by value, for chips on the line: value -> participant ids (in a stable order).
 * @param {Record<string, Rating>} ratings
 * @param {(id: string) => string} nameOf
 * @returns {Map<number, string[]>}
 */
export function marksByValue (ratings, nameOf) {
  /** @type {Map<number, string[]>} */
  const groups = new Map()
  const ids = Object.keys(ratings).sort((a, b) => nameOf(a).localeCompare(nameOf(b)) || (a < b ? -1 : a > b ? 1 : 0))
  for (const id of ids) {
    const value = ratings[id].value
    const group = groups.get(value)
    if (group) group.push(id)
    else groups.set(value, [id])
  }
  return groups
}

/**
 * What a person may see of a scale's marks: everything once revealed, otherwise only their own
 * mark and how many others have placed one.
 * @param {Scale} scale
 * @param {string} me
 * @returns {{ visible: Record<string, Rating>, hiddenCount: number }}
 */
export function visibleMarks (scale, me) {
  if (scale.revealed) return { visible: scale.ratings, hiddenCount: 0 }
  /** @type {Record<string, Rating>} */
  const visible = {}
  let hiddenCount = 0
  for (const [who, rating] of Object.entries(scale.ratings)) {
    if (who === me) visible[who] = rating
    else hiddenCount++
  }
  return { visible, hiddenCount }
}
