import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as Y from 'yjs'
import { addCard, applyMove, deleteCard, newId, orderAtEnd, planMove, setCardField, setStance, stepIndex } from '../src/cards.js'
import { groupBySection, readCards } from '../src/model.js'
import { isOrderKey } from '../src/order.js'

const SECTIONS = new Set(['harm', 'danger', 'complicating', 'strengths', 'safety', 'goals', 'next_steps'])
/** @param {Y.Doc} doc @param {'main' | 'professional'} [layer] */
const read = (doc, layer = 'main') => groupBySection(readCards(doc.getMap('items'), layer, SECTIONS))
/** @param {Y.Doc} doc @param {string} section */
const texts = (doc, section) => (read(doc).get(section) ?? []).map((c) => c.text?.toString())
/** @param {Y.Doc} doc @param {string} section @param {string} text */
const add = (doc, section, text) => addCard(doc, { section, text, author: 'p1', order: orderAtEnd(read(doc).get(section) ?? []) }, 'me')

/** Two docs that see each other's updates (like two browsers through the server). */
function pair () {
  const a = new Y.Doc()
  const b = new Y.Doc()
  a.on('update', (u, origin) => { if (origin !== 'sync') Y.applyUpdate(b, u, 'sync') })
  b.on('update', (u, origin) => { if (origin !== 'sync') Y.applyUpdate(a, u, 'sync') })
  return [a, b]
}

test('addCard writes every required key in one transaction, with an empty stance map', () => {
  const doc = new Y.Doc()
  let transactions = 0
  doc.on('afterTransaction', () => transactions++)
  const id = addCard(doc, { section: 'strengths', text: 'Gran helps', author: 'p1', order: 'V', speaker: 'Mum said' }, 'me')
  assert.equal(transactions, 1)
  const map = /** @type {Y.Map<any>} */ (doc.getMap('items').get(id))
  assert.equal(map.get('section'), 'strengths')
  assert.ok(map.get('text') instanceof Y.Text)
  assert.equal(map.get('text').toString(), 'Gran helps')
  assert.equal(map.get('order'), 'V')
  assert.equal(map.get('author'), 'p1')
  assert.match(map.get('createdAt'), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/)
  assert.equal(map.get('speaker'), 'Mum said')
  assert.ok(map.get('stance') instanceof Y.Map)
  assert.equal(map.has('answers'), false)
})

test('cards sort by order then id, and a new card goes last', () => {
  const doc = new Y.Doc()
  add(doc, 'harm', 'one')
  add(doc, 'harm', 'two')
  add(doc, 'harm', 'three')
  assert.deepEqual(texts(doc, 'harm'), ['one', 'two', 'three'])
  for (const card of read(doc).get('harm') ?? []) assert.ok(isOrderKey(card.order))
})

test('moving up, down and to another section rewrites only order (and section)', () => {
  const doc = new Y.Doc()
  const ids = ['one', 'two', 'three'].map((t) => add(doc, 'harm', t))
  const cards = () => read(doc).get('harm') ?? []
  const three = cards()[2]
  const before = three.map.get('createdAt')
  applyMove(planMove(cards(), three, /** @type {number} */ (stepIndex(cards(), three, -1))), three, 'harm', 'me')
  assert.deepEqual(texts(doc, 'harm'), ['one', 'three', 'two'])
  const one = cards()[0]
  assert.equal(stepIndex(cards(), one, -1), null)
  applyMove(planMove(cards(), one, /** @type {number} */ (stepIndex(cards(), one, 1))), one, 'harm', 'me')
  assert.deepEqual(texts(doc, 'harm'), ['three', 'one', 'two'])
  const card = cards()[1]
  applyMove(planMove(read(doc).get('strengths') ?? [], card, 0), card, 'strengths', 'me')
  assert.deepEqual(texts(doc, 'harm'), ['three', 'two'])
  assert.deepEqual(texts(doc, 'strengths'), ['one'])
  assert.equal(doc.getMap('items').size, 3)
  assert.deepEqual(new Set(doc.getMap('items').keys()), new Set(ids))
  assert.equal(three.map.get('createdAt'), before)
})

test('moves made at the same time by two people never duplicate or lose a card', () => {
  const [a, b] = pair()
  for (const t of ['one', 'two', 'three', 'four']) add(a, 'harm', t)
  // Disconnect: both move concurrently, then exchange state.
  const a2 = new Y.Doc()
  const b2 = new Y.Doc()
  Y.applyUpdate(a2, Y.encodeStateAsUpdate(a))
  Y.applyUpdate(b2, Y.encodeStateAsUpdate(b))
  const ca = read(a2).get('harm') ?? []
  applyMove(planMove(read(a2).get('safety') ?? [], ca[0], 0), ca[0], 'safety', 'me')
  const cb = read(b2).get('harm') ?? []
  applyMove(planMove(cb, cb[0], 3), cb[0], 'harm', 'me')
  Y.applyUpdate(a2, Y.encodeStateAsUpdate(b2))
  Y.applyUpdate(b2, Y.encodeStateAsUpdate(a2))
  const all = (/** @type {Y.Doc} */ d) => readCards(d.getMap('items'), 'main', SECTIONS).map((c) => c.text?.toString()).sort()
  assert.deepEqual(all(a2), ['four', 'one', 'three', 'two'])
  assert.deepEqual(all(a2), all(b2))
  assert.deepEqual([...read(a2)].map(([s, cs]) => [s, cs.map((c) => c.id)]), [...read(b2)].map(([s, cs]) => [s, cs.map((c) => c.id)]))
})

test('two cards dropped into the same gap get an equal key; the next move there renumbers', () => {
  const doc = new Y.Doc()
  for (const t of ['a', 'b']) add(doc, 'harm', t)
  const cards = read(doc).get('harm') ?? []
  // Simulate the tie: two cards with the same order.
  const tie = add(doc, 'safety', 'x')
  const tied = /** @type {Y.Map<any>} */ (doc.getMap('items').get(tie))
  doc.transact(() => { tied.set('section', 'harm'); tied.set('order', cards[1].order) })
  const now = read(doc).get('harm') ?? []
  assert.equal(now.length, 3)
  const moving = now[0]
  const writes = planMove(now, moving, 1) // between the two equal keys
  assert.ok(writes.length > 1, 'renumbers')
  applyMove(writes, moving, 'harm', 'me')
  const after = read(doc).get('harm') ?? []
  assert.equal(after[1].id, moving.id)
  assert.ok(after.every((c, i) => i === 0 || after[i - 1].order < c.order))
})

test('invalid order keys from another client do not break a move', () => {
  const doc = new Y.Doc()
  add(doc, 'harm', 'a')
  const bad = add(doc, 'harm', 'b')
  const map = /** @type {Y.Map<any>} */ (doc.getMap('items').get(bad))
  map.set('order', 'not valid!')
  const cards = read(doc).get('harm') ?? []
  const moving = cards.find((c) => c.text?.toString() === 'a')
  assert.ok(moving)
  applyMove(planMove(cards, moving, 2), moving, 'harm', 'me')
  assert.deepEqual(texts(doc, 'harm').at(-1), 'a')
})

test('delete, stances and fields', () => {
  const doc = new Y.Doc()
  const id = add(doc, 'next_steps', 'Book a meeting')
  const card = () => /** @type {import('../src/model.js').Card} */ ((read(doc).get('next_steps') ?? [])[0])
  setCardField(card(), 'owner', 'Dad', 'me')
  setCardField(card(), 'due', '2026-12-11', 'me')
  setCardField(card(), 'status', 'in_progress', 'me')
  assert.equal(card().owner, 'Dad')
  assert.equal(card().due, '2026-12-11')
  assert.equal(card().status, 'in_progress')
  setCardField(card(), 'owner', '', 'me')
  assert.equal(card().map.has('owner'), false)
  setStance(card(), 'p1', 'dispute', 'me')
  setStance(card(), 'p2', 'agree', 'me')
  assert.deepEqual(card().stance, { p1: 'dispute', p2: 'agree' })
  setStance(card(), 'p1', null, 'me')
  assert.deepEqual(card().stance, { p2: 'agree' })
  deleteCard(doc, id, 'me')
  assert.equal(doc.getMap('items').size, 0)
})

test('a stance map created by two people at once loses nothing when the card made it first', () => {
  const [a, b] = pair()
  add(a, 'danger', 'worry')
  const ca = (read(a).get('danger') ?? [])[0]
  const cb = (read(b).get('danger') ?? [])[0]
  setStance(ca, 'p1', 'agree', 'me')
  setStance(cb, 'p2', 'dispute', 'me')
  assert.deepEqual((read(a).get('danger') ?? [])[0].stance, { p1: 'agree', p2: 'dispute' })
})

test('newId gives distinct 21-character ids', () => {
  const ids = new Set(Array.from({ length: 1000 }, newId))
  assert.equal(ids.size, 1000)
  for (const id of ids) assert.match(id, /^[0-9A-Za-z_-]{21}$/)
})
