// Tolerant readers of the meeting documents (docs/document-model.md): any client can write
// anything, so reading never throws; wrongly typed values read as empty or absent.
import * as Y from 'yjs'
import { readPictures } from './pictures.js'

export const STANCES = /** @type {const} */ (['agree', 'dispute', 'unsure'])
export const STATUSES = /** @type {const} */ (['not_started', 'in_progress', 'done'])
export const ROLES = /** @type {const} */ (['facilitator', 'professional', 'family', 'viewer'])
export const SCALE_MIN = 0
export const SCALE_MAX = 10

/**
 * @typedef {'main' | 'professional'} LayerName
 * @typedef {typeof STANCES[number]} Stance
 * @typedef {typeof STATUSES[number]} Status
 * @typedef {{
 *   id: string, layer: LayerName, map: Y.Map<unknown>, section: string,
 *   text: Y.Text | null, order: string, author: string, createdAt: string,
 *   speaker: string, answers: string, owner: string, due: string, status: Status | '',
 *   stance: Record<string, Stance>, withdrawn: Withdrawal | null,
 *   pictures: import('./pictures.js').Picture[]
 * }} Card
 * @typedef {{ by: string, at: string }} Withdrawal who took a card off the map, and when
 * @typedef {{ value: number, reason: string, up: string, at: string }} Rating
 * @typedef {{
 *   id: string, layer: LayerName, map: Y.Map<unknown>, question: string, low: string,
 *   high: string, about: string, revealed: boolean, ratings: Record<string, Rating>
 * }} Scale
 * @typedef {{ name: string, role: string, relationship: string, agency?: string }} Person
 *   `agency`: a professional's service as they gave it ("Police"); typed, so it proves nothing
 * @typedef {{
 *   title: string, optionalSections: string[], locked: boolean | null, ended: boolean, endedAt: string,
 *   picturesEverywhere: boolean
 * }} Meta
 */

/** @param {unknown} value */
export const str = (value) => (typeof value === 'string' ? value : '')

/** @param {unknown} value @returns {value is Record<string, unknown>} */
const isPlainObject = (value) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Y.AbstractType)

/**
 * Every readable card of a layer in a known section.
 * @param {Y.Map<unknown>} items
 * @param {LayerName} layer
 * @param {ReadonlySet<string>} sections
 * @returns {Card[]}
 */
export function readCards (items, layer, sections) {
  /** @type {Card[]} */
  const cards = []
  items.forEach((value, id) => {
    if (!(value instanceof Y.Map)) return
    const section = value.get('section')
    if (typeof section !== 'string' || !sections.has(section)) return
    const text = value.get('text')
    const status = value.get('status')
    cards.push({
      id,
      layer,
      map: value,
      section,
      text: text instanceof Y.Text ? text : null,
      order: str(value.get('order')),
      author: str(value.get('author')),
      createdAt: str(value.get('createdAt')),
      speaker: str(value.get('speaker')),
      answers: str(value.get('answers')),
      owner: str(value.get('owner')),
      due: readDate(value.get('due')),
      status: STATUSES.includes(/** @type {any} */ (status)) ? /** @type {Status} */ (status) : '',
      stance: readStances(value.get('stance')),
      withdrawn: readWithdrawal(value.get('withdrawn')),
      pictures: readPictures(value.get('pictures'))
    })
  })
  return cards
}

/**
 * `items[id].withdrawn`: a plain object `{by, at}` (a card taken off the map but kept), read as
 * `read_layer` in server/board/model.py reads it: both strings, else not withdrawn.
 * @param {unknown} value
 * @returns {Withdrawal | null}
 */
export function readWithdrawal (value) {
  if (!isPlainObject(value) || typeof value.by !== 'string' || typeof value.at !== 'string') return null
  return { by: value.by, at: value.at }
}

/**
 * Whether `items` once held a card under `id` that was deleted: Yjs keeps a deleted entry's
 * key as a tombstone (also through the server's copy), so a link to a card that was deleted can
 * be told from a link to one this person never receives (the professionals-only layer).
 * @param {Y.Map<unknown>} items
 * @param {string} id
 */
export function wasDeleted (items, id) {
  if (!id || items.has(id)) return false
  const entry = items._map.get(id)
  return entry !== undefined && entry.deleted
}

/** @param {unknown} value */
function readDate (value) {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : ''
}

/**
 * @param {unknown} value
 * @returns {Record<string, Stance>}
 */
function readStances (value) {
  /** @type {Record<string, Stance>} */
  const out = {}
  if (value instanceof Y.Map) {
    value.forEach((stance, who) => {
      if (STANCES.includes(/** @type {any} */ (stance))) out[who] = /** @type {Stance} */ (stance)
    })
  }
  return out
}

/**
 * Cards in reading order: by `order` as plain strings, then by id (then layer).
 * @param {Card} a
 * @param {Card} b
 */
export function compareCards (a, b) {
  if (a.order !== b.order) return a.order < b.order ? -1 : 1
  if (a.id !== b.id) return a.id < b.id ? -1 : 1
  return a.layer < b.layer ? -1 : a.layer > b.layer ? 1 : 0
}

/**
 * Cards grouped by section, each group sorted.
 * @param {Iterable<Card>} cards
 * @returns {Map<string, Card[]>}
 */
export function groupBySection (cards) {
  /** @type {Map<string, Card[]>} */
  const groups = new Map()
  for (const card of cards) {
    const group = groups.get(card.section)
    if (group) group.push(card)
    else groups.set(card.section, [card])
  }
  for (const group of groups.values()) group.sort(compareCards)
  return groups
}

/**
 * @param {unknown} value
 * @returns {number | null} an integer 0-10 (Yjs may hand back 7 as 7.0), else null
 */
export function ratingValue (value) {
  return typeof value === 'number' && Number.isInteger(value) && value >= SCALE_MIN && value <= SCALE_MAX
    ? value
    : null
}

/**
 * @param {Y.Map<unknown>} scales
 * @param {LayerName} layer
 * @param {{ question: string, low: string, high: string }} defaults wording shown when missing
 * @returns {Scale[]}
 */
export function readScales (scales, layer, defaults) {
  /** @type {Scale[]} */
  const out = []
  scales.forEach((value, id) => {
    if (!(value instanceof Y.Map)) return
    /** @type {Record<string, Rating>} */
    const ratings = {}
    const raw = value.get('ratings')
    if (raw instanceof Y.Map) {
      raw.forEach((rating, who) => {
        if (!isPlainObject(rating)) return
        const v = ratingValue(rating.value)
        if (v === null) return
        ratings[who] = { value: v, reason: str(rating.reason), up: str(rating.up), at: str(rating.at) }
      })
    }
    const revealed = value.get('revealed')
    out.push({
      id,
      layer,
      map: value,
      question: str(value.get('question')) || defaults.question,
      low: str(value.get('low')) || defaults.low,
      high: str(value.get('high')) || defaults.high,
      about: str(value.get('about')),
      revealed: typeof revealed === 'boolean' ? revealed : true,
      ratings
    })
  })
  // The overall scale first, then in id order so every screen shows the same sequence.
  out.sort((a, b) => (a.about === '') !== (b.about === '') ? (a.about === '' ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  return out
}

/**
 * @param {Y.Map<unknown>} meta
 * @param {readonly string[]} optionalIds the optional sections this client knows
 * @returns {Meta}
 */
export function readMeta (meta, optionalIds) {
  const raw = meta.get('optionalSections')
  const on = Array.isArray(raw) ? raw : []
  return {
    title: str(meta.get('title')),
    optionalSections: optionalIds.filter((id) => on.includes(id)),
    // Written by the server; null while it has not written it yet.
    locked: typeof meta.get('locked') === 'boolean' ? /** @type {boolean} */ (meta.get('locked')) : null,
    ended: meta.get('status') === 'ended',
    endedAt: str(meta.get('endedAt')),
    // The facilitator's "Allow pictures on every card".
    picturesEverywhere: meta.get('picturesEverywhere') === true
  }
}

/**
 * The participant-name cache (`meta.people`: participant id -> {name, role, relationship, agency}).
 * @param {Y.Map<unknown>} meta
 * @returns {Map<string, Person>}
 */
export function readPeople (meta) {
  /** @type {Map<string, Person>} */
  const people = new Map()
  const raw = meta.get('people')
  if (raw instanceof Y.Map) {
    raw.forEach((value, id) => {
      if (isPlainObject(value) && typeof value.name === 'string') {
        people.set(id, { name: value.name, role: str(value.role), relationship: str(value.relationship), agency: str(value.agency) })
      }
    })
  }
  return people
}
