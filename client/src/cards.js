// Card operations on the Yjs documents (docs/document-model.md). DOM-free.
import * as Y from 'yjs'
import { isOrderKey, orderBetween, spreadKeys } from './order.js'

/** @typedef {import('./model.js').Card} Card @typedef {import('./model.js').Stance} Stance */

const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-'

/**
 * A fresh random id (21 characters, 126 bits). Works outside secure contexts too.
 * @returns {string}
 */
export function newId () {
  const bytes = new Uint8Array(21)
  globalThis.crypto.getRandomValues(bytes)
  let id = ''
  for (const byte of bytes) id += ID_ALPHABET[byte & 63]
  return id
}

/** @param {Y.AbstractType<any>} type @param {() => void} fn @param {unknown} origin */
function transact (type, fn, origin) {
  if (type.doc) type.doc.transact(fn, origin)
  else fn()
}

/**
 * The order key for a new card at the end of a section.
 * @param {readonly Card[]} sorted the section's cards in order
 */
export function orderAtEnd (sorted) {
  let last = null
  for (const card of sorted) if (isOrderKey(card.order) && (last === null || card.order > last)) last = card.order
  return orderBetween(last, null)
}

/**
 * @typedef {{
 *   id?: string, section: string, text?: string, order: string, author: string,
 *   createdAt?: string, speaker?: string, answers?: string
 * }} NewCard
 */

/**
 * Create a card in one transaction, with every required key and an empty stance map (so two
 * people taking a stance at once never race to create it).
 * @param {Y.Doc} doc
 * @param {NewCard} card
 * @param {unknown} origin
 * @returns {string} the new card's id
 */
export function addCard (doc, card, origin) {
  const id = card.id ?? newId()
  const map = new Y.Map()
  map.set('section', card.section)
  map.set('text', new Y.Text(card.text ?? ''))
  map.set('order', card.order)
  map.set('author', card.author)
  map.set('createdAt', card.createdAt ?? new Date().toISOString())
  if (card.speaker) map.set('speaker', card.speaker)
  if (card.answers) map.set('answers', card.answers)
  map.set('stance', new Y.Map())
  doc.transact(() => doc.getMap('items').set(id, map), origin)
  return id
}

/**
 * @param {Y.Doc} doc
 * @param {string} id
 * @param {unknown} origin
 */
export function deleteCard (doc, id, origin) {
  doc.transact(() => doc.getMap('items').delete(id), origin)
}

/**
 * Set (or, with "", remove) one of a card's optional string fields.
 * @param {Card} card
 * @param {'speaker' | 'answers' | 'owner' | 'due' | 'status'} key
 * @param {string} value
 * @param {unknown} origin
 */
export function setCardField (card, key, value, origin) {
  const current = card.map.get(key)
  if ((current ?? '') === value) return
  transact(card.map, () => {
    if (value === '') card.map.delete(key)
    else card.map.set(key, value)
  }, origin)
}

/**
 * Record (or, with null, withdraw) one person's stance. People write only their own key.
 * @param {Card} card
 * @param {string} participantId
 * @param {Stance | null} stance
 * @param {unknown} origin
 */
export function setStance (card, participantId, stance, origin) {
  transact(card.map, () => {
    let map = card.map.get('stance')
    if (!(map instanceof Y.Map)) {
      if (stance === null) return
      map = new Y.Map()
      card.map.set('stance', map)
    }
    const stances = /** @type {Y.Map<unknown>} */ (map)
    if (stance === null) stances.delete(participantId)
    else stances.set(participantId, stance)
  }, origin)
}

/** @typedef {{ card: Card, order: string }} OrderWrite */

/** @param {Card} a @param {Card} b */
const same = (a, b) => a.id === b.id && a.layer === b.layer

/**
 * The order writes that put `card` at `index` among the target section's other cards.
 * Normally one write; when the neighbours leave no gap (equal or invalid keys, e.g. after
 * two people dropped cards into the same gap at once) the section is renumbered.
 * @param {readonly Card[]} target the target section's cards, sorted (may include `card`)
 * @param {Card} card
 * @param {number} index
 * @returns {OrderWrite[]}
 */
export function planMove (target, card, index) {
  const others = target.filter((c) => !same(c, card))
  const at = Math.max(0, Math.min(index, others.length))
  const prev = at > 0 ? others[at - 1].order : null
  const next = at < others.length ? others[at].order : null
  const valid = (prev === null || isOrderKey(prev)) && (next === null || isOrderKey(next))
  if (valid && (prev === null || next === null || prev < next)) {
    return [{ card, order: orderBetween(prev, next) }]
  }
  const sequence = [...others.slice(0, at), card, ...others.slice(at)]
  const keys = spreadKeys(sequence.length)
  return sequence
    .map((c, i) => ({ card: c, order: keys[i] }))
    .filter((w) => same(w.card, card) || w.card.order !== w.order)
}

/**
 * Write a move: the moving card's new order (and section), plus any renumbering, one
 * transaction per document. A move never deletes and recreates a card.
 * @param {OrderWrite[]} writes
 * @param {Card} card the moving card
 * @param {string} section its (new) section
 * @param {unknown} origin
 */
export function applyMove (writes, card, section, origin) {
  /** @type {Map<Y.Doc | null, OrderWrite[]>} */
  const byDoc = new Map()
  for (const w of writes) {
    const doc = w.card.map.doc
    const list = byDoc.get(doc)
    if (list) list.push(w)
    else byDoc.set(doc, [w])
  }
  for (const [doc, list] of byDoc) {
    const run = () => {
      for (const w of list) {
        w.card.map.set('order', w.order)
        if (same(w.card, card) && w.card.map.get('section') !== section) w.card.map.set('section', section)
      }
    }
    if (doc) doc.transact(run, origin)
    else run()
  }
}

/**
 * Where a card sits among its section's cards, and the index one step up or down.
 * @param {readonly Card[]} sorted
 * @param {Card} card
 * @param {-1 | 1} step
 * @returns {number | null} the target index among the other cards, or null at either end
 */
export function stepIndex (sorted, card, step) {
  const i = sorted.findIndex((c) => same(c, card))
  if (i < 0) return null
  const target = i + step
  if (target < 0 || target >= sorted.length) return null
  return target
}
