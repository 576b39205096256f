import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as Y from 'yjs'
import { readCards, readMeta, readPeople, readScales, ratingValue } from '../src/model.js'

const SECTIONS = new Set(['harm', 'strengths', 'goals', 'next_steps'])
const DEFAULTS = { question: 'Q?', low: 'low', high: 'high' }

test('readCards skips what it cannot read and reads wrong types as empty', () => {
  const doc = new Y.Doc()
  const items = doc.getMap('items')
  doc.transact(() => {
    items.set('not-a-map', 'hello')
    const unknown = new Y.Map()
    unknown.set('section', 'nowhere')
    items.set('unknown-section', unknown)
    const odd = new Y.Map()
    odd.set('section', 'harm')
    odd.set('text', 'plain string, not Y.Text')
    odd.set('order', 5)
    odd.set('due', 'next Tuesday')
    odd.set('status', 'booked')
    const stance = new Y.Map()
    stance.set('p1', 'agree')
    stance.set('p2', 'maybe')
    odd.set('stance', stance)
    odd.set('future', { kept: true })
    items.set('odd', odd)
  })
  const cards = readCards(items, 'main', SECTIONS)
  assert.equal(cards.length, 1)
  const [card] = cards
  assert.equal(card.id, 'odd')
  assert.equal(card.text, null)
  assert.equal(card.order, '')
  assert.equal(card.due, '')
  assert.equal(card.status, '')
  assert.deepEqual(card.stance, { p1: 'agree' })
  // Unknown keys are left alone.
  assert.deepEqual(card.map.get('future'), { kept: true })
})

test('ratingValue takes whole numbers 0-10 only (7.0 counts, 7.5 does not)', () => {
  assert.equal(ratingValue(7.0), 7)
  assert.equal(ratingValue(0), 0)
  assert.equal(ratingValue(10), 10)
  for (const bad of [7.5, -1, 11, '7', null, true, NaN]) assert.equal(ratingValue(bad), null)
})

test('readScales reads ratings tolerantly, shows default wording, overall scale first', () => {
  const doc = new Y.Doc()
  const scales = doc.getMap('scales')
  doc.transact(() => {
    const a = new Y.Map()
    a.set('about', 'danger-1')
    a.set('question', 'About this worry?')
    a.set('ratings', new Y.Map())
    scales.set('a', a)
    const overall = new Y.Map()
    overall.set('about', '')
    overall.set('revealed', false)
    const ratings = new Y.Map()
    ratings.set('p1', { value: 6, reason: 'ok', at: '2026-01-01T10:00:00Z' })
    ratings.set('p2', { value: 6.5, reason: 'no' })
    ratings.set('p3', 'not an object')
    ratings.set('p4', { value: 3, up: 'more help' })
    overall.set('ratings', ratings)
    scales.set('z', overall)
  })
  const [first, second] = readScales(scales, 'main', DEFAULTS)
  assert.equal(first.id, 'z')
  assert.equal(first.question, 'Q?')
  assert.equal(first.revealed, false)
  assert.deepEqual(first.ratings, {
    p1: { value: 6, reason: 'ok', up: '', at: '2026-01-01T10:00:00Z' },
    p4: { value: 3, reason: '', up: 'more help', at: '' }
  })
  assert.equal(second.question, 'About this worry?')
  assert.equal(second.revealed, true)
})

test('readMeta and readPeople', () => {
  const doc = new Y.Doc()
  const meta = doc.getMap('meta')
  doc.transact(() => {
    meta.set('title', 'Planning meeting (example)')
    meta.set('optionalSections', ['safety_plan', 'bogus', 'unknowns'])
    meta.set('locked', true)
    const people = new Y.Map()
    people.set('p1', { name: 'Jo', role: 'family', relationship: 'Mum' })
    people.set('p2', { role: 'family' })
    meta.set('people', people)
  })
  assert.deepEqual(readMeta(meta, ['unknowns', 'child_voice', 'safety_network', 'safety_plan']), {
    title: 'Planning meeting (example)', optionalSections: ['unknowns', 'safety_plan'], locked: true, ended: false, endedAt: '', picturesEverywhere: false
  })
  assert.deepEqual([...readPeople(meta)], [['p1', { name: 'Jo', role: 'family', relationship: 'Mum', agency: '' }]])
})
