import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as Y from 'yjs'
import { describeRemote } from '../src/announce.js'
import { addCard } from '../src/cards.js'
import { readCards } from '../src/model.js'
import {
  AddedPictures, MAX_ALT, MAX_PICTURES, addPicture, describePicture, descriptionProblem, mayChangePicture,
  pictureUrl, picturesAllowed, readPictures, removePicture, sizeLabel, tooBig
} from '../src/pictures.js'
import { createStrings } from '../src/strings.js'

/** A card in a fresh document. @param {string} [section] */
function card (section = 'child_voice') {
  const doc = new Y.Doc()
  const id = addCard(doc, { section, text: 'Leo drew his house', author: 'p1', order: 'V' }, 'me')
  const map = /** @type {Y.Map<unknown>} */ (doc.getMap('items').get(id))
  return { doc, id, map }
}

test('a card\u2019s pictures are read tolerantly: junk entries, empty descriptions and repeats are skipped', () => {
  assert.deepEqual(readPictures(undefined), [])
  assert.deepEqual(readPictures('nope'), [])
  assert.deepEqual(readPictures([
    { id: 'a', alt: ' Leo\u2019s house ' },
    { id: 'b', alt: '   ' },
    { id: 7, alt: 'x' },
    null,
    ['c', 'x'],
    { id: 'a', alt: 'again' },
    { id: 'd', alt: 'Nan', extra: true }
  ]), [{ id: 'a', alt: 'Leo\u2019s house' }, { id: 'd', alt: 'Nan' }])
  const { doc, map } = card()
  map.set('pictures', [{ id: 'a', alt: 'Leo\u2019s house' }])
  const [read] = readCards(doc.getMap('items'), 'main', new Set(['child_voice']))
  assert.deepEqual(read.pictures, [{ id: 'a', alt: 'Leo\u2019s house' }])
})

test('pictures go in the child\u2019s voice, and on any card once the facilitator allows it', () => {
  assert.equal(picturesAllowed('child_voice', false), true)
  assert.equal(picturesAllowed('strengths', false), false)
  assert.equal(picturesAllowed('strengths', true), true)
})

test('a description is required, trimmed, and at most 300 characters', () => {
  assert.equal(descriptionProblem(''), 'empty')
  assert.equal(descriptionProblem('  \n '), 'empty')
  assert.equal(descriptionProblem('Leo\u2019s drawing'), null)
  assert.equal(descriptionProblem(` ${'x'.repeat(MAX_ALT)} `), null)
  assert.equal(descriptionProblem('x'.repeat(MAX_ALT + 1)), 'long')
})

test('the size is checked before sending, and the limit is said as the server says it', () => {
  assert.equal(tooBig(10 * 1024 * 1024, 10 * 1024 * 1024), false)
  assert.equal(tooBig(10 * 1024 * 1024 + 1, 10 * 1024 * 1024), true)
  assert.equal(tooBig(1e12, 0), false, 'no limit named: the server decides')
  // As the server words its refusal (server/web/pictures.py).
  assert.equal(sizeLabel(10 * 1024 * 1024), '10 MB')
  assert.equal(sizeLabel(64 * 1024 * 1024), '64 MB')
  assert.equal(sizeLabel(100000), '97 KB')
  assert.equal(pictureUrl('/m/abc/pictures', 'p/1'), '/m/abc/pictures/p%2F1')
  assert.equal(pictureUrl('/m/abc/pictures', 'p/1', true), '/m/abc/pictures/p%2F1?size=small')
})

test('adding writes the whole array in one transaction, from what the document holds now', () => {
  const { doc, map } = card()
  let transactions = 0
  doc.on('afterTransaction', () => transactions++)
  assert.equal(addPicture(map, { id: 'a', alt: ' House ' }, 'me'), true)
  assert.equal(transactions, 1)
  assert.deepEqual(map.get('pictures'), [{ id: 'a', alt: 'House' }])
  // Written as exactly [{id, alt}] (the server refuses any other shape): an entry nobody
  // could read is left out, extra keys are not written back.
  map.set('pictures', [{ id: 'a', alt: 'House', note: 'x' }, { id: 'z', alt: '' }, 'junk'])
  assert.equal(addPicture(map, { id: 'b', alt: 'Nan' }, 'me'), true)
  assert.deepEqual(map.get('pictures'), [{ id: 'a', alt: 'House' }, { id: 'b', alt: 'Nan' }])
  assert.equal(addPicture(map, { id: 'b', alt: 'Nan' }, 'me'), false, 'the same picture once')
})

test('a card holds at most six pictures', () => {
  const { map } = card()
  for (let i = 0; i < MAX_PICTURES; i++) assert.equal(addPicture(map, { id: `p${i}`, alt: `Picture ${i}` }, 'me'), true)
  assert.equal(addPicture(map, { id: 'more', alt: 'One too many' }, 'me'), false)
  assert.equal(readPictures(map.get('pictures')).length, MAX_PICTURES)
})

test('an add is written to the array as the document holds it now: a picture someone else added stays', () => {
  const a = new Y.Doc()
  const b = new Y.Doc()
  a.on('update', (u, origin) => { if (origin !== 'sync') Y.applyUpdate(b, u, 'sync') })
  b.on('update', (u, origin) => { if (origin !== 'sync') Y.applyUpdate(a, u, 'sync') })
  const id = addCard(a, { section: 'child_voice', text: '', author: 'p1', order: 'V' }, 'me')
  addPicture(/** @type {Y.Map<unknown>} */ (a.getMap('items').get(id)), { id: 'x', alt: 'First' }, 'me')
  addPicture(/** @type {Y.Map<unknown>} */ (b.getMap('items').get(id)), { id: 'y', alt: 'Second' }, 'me')
  assert.deepEqual(readPictures(/** @type {Y.Map<unknown>} */ (a.getMap('items').get(id)).get('pictures')).map((p) => p.id), ['x', 'y'])
})

test('removing and describing rewrite the array; the last picture removed takes the key away', () => {
  const { map } = card()
  addPicture(map, { id: 'a', alt: 'House' }, 'me')
  addPicture(map, { id: 'b', alt: 'Nan' }, 'me')
  assert.equal(describePicture(map, 'b', '  Nan in the garden ', 'me'), true)
  assert.deepEqual(map.get('pictures'), [{ id: 'a', alt: 'House' }, { id: 'b', alt: 'Nan in the garden' }])
  assert.equal(describePicture(map, 'b', 'Nan in the garden', 'me'), false, 'nothing changed')
  assert.equal(describePicture(map, 'gone', 'x', 'me'), false)
  assert.equal(removePicture(map, 'a', 'me'), true)
  assert.deepEqual(map.get('pictures'), [{ id: 'b', alt: 'Nan in the garden' }])
  assert.equal(removePicture(map, 'a', 'me'), false)
  assert.equal(removePicture(map, 'b', 'me'), true)
  assert.equal(map.has('pictures'), false)
})

test('the facilitator, the card\u2019s author and whoever added a picture may change it; nobody on a read-only board', () => {
  const cardOf = { author: 'p1' }
  assert.equal(mayChangePicture({ me: 'f', facilitator: true, editable: true }, cardOf, false), true)
  assert.equal(mayChangePicture({ me: 'p1', facilitator: false, editable: true }, cardOf, false), true)
  assert.equal(mayChangePicture({ me: 'p2', facilitator: false, editable: true }, cardOf, true), true)
  assert.equal(mayChangePicture({ me: 'p2', facilitator: false, editable: true }, cardOf, false), false)
  assert.equal(mayChangePicture({ me: '', facilitator: false, editable: true }, { author: '' }, false), false)
  assert.equal(mayChangePicture({ me: 'f', facilitator: true, editable: false }, cardOf, true), false)
})

test('this browser remembers the pictures it added, per meeting, and survives broken storage', () => {
  /** @type {Map<string, string>} */
  const store = new Map()
  const storage = { getItem: (/** @type {string} */ k) => store.get(k) ?? null, setItem: (/** @type {string} */ k, /** @type {string} */ v) => { store.set(k, v) } }
  new AddedPictures(storage, 'm1').add('a')
  assert.equal(new AddedPictures(storage, 'm1').has('a'), true)
  assert.equal(new AddedPictures(storage, 'm2').has('a'), false)
  store.set('safetymap:pictures:m3', '{not json')
  assert.equal(new AddedPictures(storage, 'm3').has('a'), false)
  const broken = { getItem: () => { throw new Error('denied') }, setItem: () => { throw new Error('full') } }
  const added = new AddedPictures(broken, 'm1')
  added.add('b')
  assert.equal(added.has('b'), true)
  assert.equal(new AddedPictures(null, 'm1').has('b'), false)
})

test('other people\u2019s pictures are announced in plain words', () => {
  const remote = new Y.Doc()
  const local = new Y.Doc()
  remote.on('update', (u) => Y.applyUpdate(local, u, 'remote'))
  /** @type {string[]} */
  const said = []
  const d = { t: createStrings({}), sectionLabel: () => 'The child\u2019s voice', personName: () => 'Jo', previousSection: () => '' }
  const items = local.getMap('items')
  const scales = local.getMap('scales')
  items.observeDeep((events, tr) => { if (!tr.local) said.push(...describeRemote(events, items, scales, d)) })
  const id = addCard(remote, { section: 'child_voice', text: '', author: 'p1', order: 'V' }, null)
  const map = /** @type {Y.Map<unknown>} */ (remote.getMap('items').get(id))
  addPicture(map, { id: 'a', alt: 'House' }, null)
  describePicture(map, 'a', 'Leo\u2019s house', null)
  removePicture(map, 'a', null)
  assert.deepEqual(said, [
    'Jo added a card to The child\u2019s voice.',
    'A picture was added to a card in The child\u2019s voice.',
    'A picture\u2019s description changed in The child\u2019s voice.',
    'A picture was taken off a card in The child\u2019s voice.'
  ])
})
