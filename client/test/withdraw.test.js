import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as Y from 'yjs'
import { describeRemote } from '../src/announce.js'
import { addCard, deleteCard } from '../src/cards.js'
import { readCards, readWithdrawal, wasDeleted } from '../src/model.js'
import { createStrings } from '../src/strings.js'
import { cardActions, linkState, restoreCard, splitWithdrawn, whenText, withdrawCard } from '../src/withdraw.js'

const SECTIONS = new Set(['harm', 'danger', 'complicating', 'strengths', 'safety', 'goals', 'next_steps'])
/** @param {Y.Doc} doc @param {'main' | 'professional'} [layer] */
const read = (doc, layer = 'main') => readCards(doc.getMap('items'), layer, SECTIONS)
/** @param {Y.Doc} doc @param {string} id */
const cardOf = (doc, id) => {
  const card = read(doc).find((c) => c.id === id)
  assert.ok(card, `no card ${id}`)
  return card
}

test('a withdrawal is read as the server reads it: {by, at}, both strings, else not withdrawn', () => {
  assert.deepEqual(readWithdrawal({ by: 'p1', at: '2031-05-03T10:00:00+01:00' }), { by: 'p1', at: '2031-05-03T10:00:00+01:00' })
  assert.deepEqual(readWithdrawal({ by: 'p1', at: '', extra: 1 }), { by: 'p1', at: '' })
  for (const value of [undefined, null, false, true, 'yes', 0, ['p1'], new Y.Map(), { by: 7, at: '' }, { by: 'p1' }]) {
    assert.equal(readWithdrawal(value), null)
  }
})

test('withdrawing writes one plain JSON key in one transaction; restoring removes it; the card stays', () => {
  const doc = new Y.Doc()
  const id = addCard(doc, { section: 'danger', text: 'Police worry', author: 'police', order: 'V', speaker: 'PC Lee' }, 'me')
  assert.equal(cardOf(doc, id).withdrawn, null)
  let transactions = 0
  doc.on('afterTransaction', () => transactions++)
  withdrawCard(cardOf(doc, id), 'mum', 'me', '2031-05-03T10:00:00.000Z')
  assert.equal(transactions, 1)
  const map = /** @type {Y.Map<any>} */ (doc.getMap('items').get(id))
  assert.deepEqual(map.get('withdrawn'), { by: 'mum', at: '2031-05-03T10:00:00.000Z' })
  assert.ok(!(map.get('withdrawn') instanceof Y.AbstractType))
  // Everything else is as it was: section, order, author, text, speaker.
  const card = cardOf(doc, id)
  assert.deepEqual([card.section, card.order, card.author, card.text?.toString(), card.speaker], ['danger', 'V', 'police', 'Police worry', 'PC Lee'])
  assert.deepEqual(card.withdrawn, { by: 'mum', at: '2031-05-03T10:00:00.000Z' })
  restoreCard(card, 'me')
  assert.equal(map.has('withdrawn'), false)
  assert.equal(cardOf(doc, id).withdrawn, null)
})

test('a withdrawal made now carries an ISO-8601 date-time with an offset', () => {
  const doc = new Y.Doc()
  const id = addCard(doc, { section: 'harm', text: 'x', author: 'p1', order: 'V' }, 'me')
  withdrawCard(cardOf(doc, id), 'p2', 'me')
  const at = /** @type {any} */ (doc.getMap('items').get(id)).get('withdrawn').at
  assert.match(at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/)
})

test('what each person is offered never includes what the server refuses', () => {
  const others = { author: 'police', withdrawn: null }
  const own = { author: 'mum', withdrawn: null }
  const nobodys = { author: '', withdrawn: null }
  const withdrawn = { author: 'police', withdrawn: { by: 'mum', at: '' } }
  const ownWithdrawn = { author: 'mum', withdrawn: { by: 'police', at: '' } }
  const family = { me: 'mum', facilitator: false, editable: true }
  const chair = { me: 'chair', facilitator: true, editable: true }
  const nothing = { remove: null, restore: false, deleteForGood: false }
  // Someone else's card: withdraw, never delete (the facilitator's default too).
  assert.deepEqual(cardActions(others, family), { remove: 'withdraw', restore: false, deleteForGood: false })
  assert.deepEqual(cardActions(others, chair), { remove: 'withdraw', restore: false, deleteForGood: false })
  assert.deepEqual(cardActions(nobodys, family), { remove: 'withdraw', restore: false, deleteForGood: false })
  // Your own card: delete.
  assert.deepEqual(cardActions(own, family), { remove: 'delete', restore: false, deleteForGood: false })
  assert.deepEqual(cardActions({ author: 'chair', withdrawn: null }, chair), { remove: 'delete', restore: false, deleteForGood: false })
  // A withdrawn card: only the facilitator restores it or deletes it for good; not even its
  // author may take the withdrawal back.
  assert.deepEqual(cardActions(withdrawn, family), nothing)
  assert.deepEqual(cardActions(ownWithdrawn, family), nothing)
  assert.deepEqual(cardActions(withdrawn, { ...family, me: 'police' }), nothing)
  assert.deepEqual(cardActions(withdrawn, chair), { remove: null, restore: true, deleteForGood: true })
  // Nobody who cannot edit (viewer, locked, ended) is offered anything; nor anyone without an
  // id to withdraw in.
  assert.deepEqual(cardActions(others, { ...family, editable: false }), nothing)
  assert.deepEqual(cardActions(withdrawn, { ...chair, editable: false }), nothing)
  assert.deepEqual(cardActions(nobodys, { me: '', facilitator: false, editable: true }), nothing)
})

test('withdrawn cards leave their sections and are listed most recently withdrawn first', () => {
  const doc = new Y.Doc()
  const a = addCard(doc, { id: 'a', section: 'danger', text: 'A', author: 'p1', order: 'V' }, 'me')
  const b = addCard(doc, { id: 'b', section: 'danger', text: 'B', author: 'p1', order: 'W' }, 'me')
  const c = addCard(doc, { id: 'c', section: 'goals', text: 'C', author: 'p1', order: 'V' }, 'me')
  const d = addCard(doc, { id: 'd', section: 'harm', text: 'D', author: 'p1', order: 'V' }, 'me')
  const e = addCard(doc, { id: 'e', section: 'harm', text: 'E', author: 'p1', order: 'W' }, 'me')
  withdrawCard(cardOf(doc, a), 'p2', 'me', '2031-05-03T10:00:00Z')
  withdrawCard(cardOf(doc, c), 'p2', 'me', '2031-05-03T11:00:00+01:00') // the same moment as a
  withdrawCard(cardOf(doc, d), 'p2', 'me', '2031-05-03T10:30:00Z')
  const eMap = /** @type {Y.Map<unknown>} */ (doc.getMap('items').get(e))
  eMap.set('withdrawn', { by: 'p2', at: 'not a date' })
  const { active, withdrawn } = splitWithdrawn(read(doc))
  assert.deepEqual(active.map((x) => x.id), [b])
  assert.deepEqual(withdrawn.map((x) => x.id), [d, a, c, e])
})

test('a link to a card shows it, or that it was withdrawn or deleted; a card never received is neither', () => {
  // Two screens; the second receives everything through the first, as through the server.
  const a = new Y.Doc()
  const danger = addCard(a, { section: 'danger', text: 'Police worry', author: 'police', order: 'V' }, 'me')
  const other = addCard(a, { section: 'danger', text: 'School worry', author: 'school', order: 'W' }, 'me')
  withdrawCard(cardOf(a, danger), 'mum', 'me', '2031-05-03T10:00:00Z')
  deleteCard(a, other, 'me')
  const b = new Y.Doc()
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
  const items = b.getMap('items')
  const cards = read(b)
  /** @param {boolean} complete */
  const where = (complete) => ({
    find: (/** @type {string} */ id) => cards.find((c) => c.id === id) ?? null,
    deleted: (/** @type {string} */ id) => wasDeleted(items, id),
    complete
  })
  assert.equal(wasDeleted(items, other), true)
  assert.equal(wasDeleted(items, danger), false)
  assert.equal(wasDeleted(items, 'never-here'), false)
  assert.deepEqual(linkState('', where(true)), { state: 'none', card: null })
  const withdrawn = linkState(danger, where(false))
  assert.equal(withdrawn.state, 'withdrawn')
  assert.equal(withdrawn.card?.text?.toString(), 'Police worry')
  assert.deepEqual(linkState(other, where(false)), { state: 'deleted', card: null })
  // A card in a layer this person never receives (the family and a professionals-only worry).
  assert.deepEqual(linkState('never-here', where(false)), { state: 'none', card: null })
  // Someone who holds every layer: a card that is nowhere is gone.
  assert.deepEqual(linkState('never-here', where(true)), { state: 'deleted', card: null })
  restoreCard(cardOf(b, danger), 'me')
  assert.equal(linkState(danger, { ...where(false), find: (id) => read(b).find((c) => c.id === id) ?? null }).state, 'shown')
})

test('withdrawals, restores and deletions for good are announced in plain words', () => {
  const remote = new Y.Doc()
  const local = new Y.Doc()
  remote.on('update', (u) => Y.applyUpdate(local, u, 'remote'))
  /** @type {string[]} */
  const said = []
  const names = /** @type {Record<string, string>} */ ({ mum: 'Jo', chair: 'Sam' })
  let wasWithdrawn = false
  const d = {
    t: createStrings({}),
    sectionLabel: (/** @type {string} */ id) => ({ danger: 'Danger statements' })[id] ?? id,
    personName: (/** @type {string} */ id) => names[id] ?? 'Someone',
    previousSection: () => 'danger',
    previousWithdrawn: () => wasWithdrawn
  }
  const items = local.getMap('items')
  const scales = local.getMap('scales')
  items.observeDeep((events, tr) => { if (!tr.local) said.push(...describeRemote(events, items, scales, d)) })
  const id = addCard(remote, { section: 'danger', text: 'Police worry', author: 'police', order: 'V' }, null)
  said.length = 0
  withdrawCard(cardOf(remote, id), 'mum', null, '2031-05-03T10:00:00Z')
  restoreCard(cardOf(remote, id), null)
  withdrawCard(cardOf(remote, id), 'chair', null, '2031-05-03T10:05:00Z')
  wasWithdrawn = true
  deleteCard(remote, id, null)
  assert.deepEqual(said, [
    'Jo withdrew a card from Danger statements.',
    'A withdrawn card was put back in Danger statements.',
    'Sam withdrew a card from Danger statements.',
    'A withdrawn card was deleted for good.'
  ])
})

test('when a card was withdrawn: the time today, the date and time on another day', () => {
  const now = new Date(2031, 4, 3, 15, 0)
  const today = whenText(new Date(2031, 4, 3, 14, 32).toISOString(), 'en-GB', now)
  assert.deepEqual(today, { time: '14:32', today: true })
  const before = whenText(new Date(2031, 4, 1, 9, 5).toISOString(), 'en-GB', now)
  assert.equal(before?.today, false)
  assert.match(before?.time ?? '', /1 May 2031.*09:05/)
  assert.equal(whenText('', 'en-GB', now), null)
  assert.equal(whenText('soon', 'en-GB', now), null)
  assert.equal(whenText(new Date(2031, 4, 3, 14, 32).toISOString(), 'not a locale!!', now)?.today, true)
})
