import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as Y from 'yjs'
import { readPeople } from '../src/model.js'
import { editingByRoom, personOf, rosterEntry, rosterFromAwareness, writeSelf } from '../src/people.js'
import { createStrings } from '../src/strings.js'

const jo = { id: 'p1', name: 'Jo', role: 'family', relationship: 'Mum' }

test('writeSelf writes my entry once, and again only when it changed', () => {
  const doc = new Y.Doc()
  let updates = 0
  doc.on('update', () => updates++)
  assert.equal(writeSelf(doc, jo, 'me'), true)
  assert.equal(writeSelf(doc, jo, 'me'), false)
  assert.equal(updates, 1)
  assert.deepEqual(readPeople(doc.getMap('meta')).get('p1'), { name: 'Jo', role: 'family', relationship: 'Mum', agency: '' })
  assert.equal(writeSelf(doc, { ...jo, name: 'Joanne' }, 'me'), true)
  assert.equal(readPeople(doc.getMap('meta')).get('p1')?.name, 'Joanne')
  assert.equal(writeSelf(doc, { ...jo, id: '' }, 'me'), false)
})

test('when two people create meta.people at once, the loser can write itself again', () => {
  const a = new Y.Doc()
  const b = new Y.Doc()
  writeSelf(a, jo, 'me')
  writeSelf(b, { id: 'p2', name: 'Sam', role: 'professional', relationship: '' }, 'me')
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
  const people = readPeople(a.getMap('meta'))
  assert.equal(people.size, 1) // one map won
  const loser = people.has('p1') ? { doc: b, me: { id: 'p2', name: 'Sam', role: 'professional', relationship: '' } } : { doc: a, me: jo }
  assert.equal(writeSelf(loser.doc, loser.me, 'me'), true)
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
  assert.deepEqual([...readPeople(a.getMap('meta')).keys()].sort(), ['p1', 'p2'])
  assert.deepEqual([...readPeople(b.getMap('meta')).keys()].sort(), ['p1', 'p2'])
})

test('the roster shows each person once, facilitator first, and ignores states without a user', () => {
  const states = new Map([
    [1, { user: { id: 'p1', name: 'Jo', role: 'family', relationship: 'Mum' } }],
    [2, { user: { id: 'p2', name: 'Fay', role: 'facilitator' } }],
    [3, { user: { id: 'p1', name: 'Jo', role: 'family', relationship: 'Mum' }, editing: 'main:c1' }],
    [4, {}],
    [5, { user: { name: '' } }],
    [6, { user: { id: 'p3', name: 'Amir', role: 'professional' } }]
  ])
  const roster = rosterFromAwareness(states)
  assert.deepEqual(roster.map((p) => p.name), ['Fay', 'Amir', 'Jo'])
  assert.equal(roster[2].editing, 'main:c1')
  assert.deepEqual(personOf('p1', new Map(), roster), { name: 'Jo', role: 'family', relationship: 'Mum', agency: '' })
  assert.deepEqual(personOf('gone', new Map([['gone', { name: 'Ex', role: 'viewer', relationship: '' }]]), roster), { name: 'Ex', role: 'viewer', relationship: '' })
  assert.equal(personOf('nobody', new Map(), roster), null)
})

test('a professional agency is written once with their entry, shown in the roster and kept for their cards', () => {
  const doc = new Y.Doc()
  const dana = { id: 'p9', name: 'DC Dana Reid', role: 'professional', relationship: '', agency: 'Police' }
  assert.equal(writeSelf(doc, dana, 'me'), true)
  assert.equal(writeSelf(doc, dana, 'me'), false)
  const cache = readPeople(doc.getMap('meta'))
  assert.deepEqual(cache.get('p9'), { name: 'DC Dana Reid', role: 'professional', relationship: '', agency: 'Police' })
  assert.equal(writeSelf(doc, { ...dana, agency: 'Probation' }, 'me'), true)
  assert.equal(readPeople(doc.getMap('meta')).get('p9')?.agency, 'Probation')
  // A stock client's presence (stamped by the server) carries it too.
  const roster = rosterFromAwareness(new Map([[1, { user: { id: 'p9', name: 'DC Dana Reid', role: 'professional', agency: 'Police' } }]]))
  assert.equal(roster[0].agency, 'Police')
  assert.equal(personOf('p9', new Map(), roster)?.agency, 'Police')
  assert.equal(personOf('p9', cache, [])?.agency, 'Police')
  const t = createStrings({})
  assert.equal(rosterEntry(t, roster[0], 'Professional'), 'DC Dana Reid, Police (Professional)')
  assert.equal(rosterEntry(t, { name: 'Jo', relationship: 'Mum' }, 'Family'), 'Jo, Family (Mum)')
  assert.equal(rosterEntry(t, { name: 'Amir', relationship: '' }, 'Professional'), 'Amir, Professional')
})

test('who is in a professionals-only card is said in the professional room only', () => {
  assert.deepEqual(editingByRoom('main:c1'), { main: 'main:c1', professional: null })
  assert.deepEqual(editingByRoom('professional:c2'), { main: null, professional: 'professional:c2' })
  assert.deepEqual(editingByRoom(null), { main: null, professional: null })
  assert.deepEqual(editingByRoom('other:c3'), { main: null, professional: null })
})
