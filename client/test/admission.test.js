import assert from 'node:assert/strict'
import { test } from 'node:test'
import { newlyWaiting, readParticipants, removableIds, waitingList } from '../src/admission.js'

// The shape of GET /api/meetings/{id}/participants (server/web/api.py `_person_json`).
const answer = {
  participants: [
    { id: 'f1', name: 'Sam', role: 'facilitator', admission: 'admitted' },
    { id: 'p1', name: 'Jo', role: 'family', relationship: 'Mum', admission: 'waiting' },
    { id: 'p2', name: 'Alex', role: 'professional', admission: 'admitted' },
    { id: 'p3', name: 'Kim', role: 'family', admission: 'rejected' },
    { id: 'p4', name: 'Lee', role: 'professional', agency: 'Police', admission: 'waiting' },
    { id: 'p5', name: 'Ray', role: 'family', admission: 'removed' },
    { id: 'v1', name: 'Shared screen', role: 'viewer', admission: 'admitted' }
  ]
}

test('the waiting list is the waiting people, in the order the server gives', () => {
  const waiting = waitingList(readParticipants(answer))
  assert.deepEqual(waiting, [
    { id: 'p1', name: 'Jo', role: 'family', relationship: 'Mum', agency: '', admission: 'waiting' },
    { id: 'p4', name: 'Lee', role: 'professional', relationship: '', agency: 'Police', admission: 'waiting' }
  ])
})

test('only admitted people who are not facilitators can be taken out', () => {
  assert.deepEqual([...removableIds(readParticipants(answer))].sort(), ['p2', 'v1'])
})

test('junk in the answer is dropped, not shown', () => {
  assert.deepEqual(readParticipants(null), [])
  assert.deepEqual(readParticipants({ participants: 'no' }), [])
  const read = readParticipants({
    participants: [null, 7, { name: 'No id', admission: 'waiting' }, { id: 'x', name: 'Odd', admission: 'maybe' }, { id: 'y', name: 5, admission: 'waiting' }]
  })
  assert.deepEqual(read, [{ id: 'y', name: '', role: '', relationship: '', agency: '', admission: 'waiting' }])
})

test('a newcomer to the waiting room is told once', () => {
  const first = waitingList(readParticipants(answer))
  assert.deepEqual(newlyWaiting(new Set(), first).map((p) => p.name), ['Jo', 'Lee'])
  const seen = new Set(first.map((p) => p.id))
  assert.deepEqual(newlyWaiting(seen, first), [])
  const later = [...first, { id: 'p6', name: 'Gran', role: 'family', relationship: 'Gran', admission: /** @type {const} */ ('waiting') }]
  assert.deepEqual(newlyWaiting(seen, later).map((p) => p.name), ['Gran'])
})

test('two people who gave the same name are told apart by the server\'s shownAs', () => {
  const read = readParticipants({
    participants: [
      { id: 'a1', name: 'Ana', shownAs: 'Ana', role: 'professional', admission: 'admitted' },
      { id: 'a2', name: 'Ana', shownAs: 'Ana (2)', role: 'professional', admission: 'waiting' }
    ]
  })
  assert.deepEqual(waitingList(read).map((p) => [p.id, p.name]), [['a2', 'Ana (2)']])
  assert.deepEqual(read.map((p) => p.name), ['Ana', 'Ana (2)'])
})
