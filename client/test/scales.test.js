import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as Y from 'yjs'
import { readScales } from '../src/model.js'
import { addScale, deleteScale, makeRating, marksByValue, setRating, setRevealed, setScaleText, visibleMarks } from '../src/scales.js'

const DEFAULTS = { question: 'Q', low: 'L', high: 'H' }
/** @param {Y.Doc} doc */
const scales = (doc) => readScales(doc.getMap('scales'), 'main', DEFAULTS)

test('a scale stores its wording and an empty ratings map', () => {
  const doc = new Y.Doc()
  addScale(doc, { id: 'overall', question: 'Where are things now?', low: 'bad', high: 'good' }, 'me')
  const map = /** @type {Y.Map<any>} */ (doc.getMap('scales').get('overall'))
  assert.equal(map.get('question'), 'Where are things now?')
  assert.equal(map.get('low'), 'bad')
  assert.equal(map.get('high'), 'good')
  assert.equal(map.get('about'), '')
  assert.ok(map.get('ratings') instanceof Y.Map)
  assert.equal(map.has('revealed'), false)
  setScaleText(scales(doc)[0], 'question', 'New question?', 'me')
  assert.equal(scales(doc)[0].question, 'New question?')
  deleteScale(doc, 'overall', 'me')
  assert.equal(scales(doc).length, 0)
})

test('each person writes their own whole rating; no average anywhere', () => {
  const doc = new Y.Doc()
  addScale(doc, { id: 's', question: 'Q', low: 'L', high: 'H', about: 'danger-1' }, 'me')
  setRating(scales(doc)[0], 'p1', makeRating(4, 'Nights are not covered', 'A rota', '2026-01-01T10:00:00Z'), 'me')
  setRating(scales(doc)[0], 'p2', makeRating(7, 'Dad stopped drinking', '   ', '2026-01-01T10:01:00Z'), 'me')
  const raw = /** @type {Y.Map<any>} */ (/** @type {Y.Map<any>} */ (doc.getMap('scales').get('s')).get('ratings'))
  assert.deepEqual(raw.get('p1'), { value: 4, reason: 'Nights are not covered', up: 'A rota', at: '2026-01-01T10:00:00Z' })
  assert.deepEqual(raw.get('p2'), { value: 7, reason: 'Dad stopped drinking', at: '2026-01-01T10:01:00Z' })
  setRating(scales(doc)[0], 'p1', null, 'me')
  assert.deepEqual(Object.keys(scales(doc)[0].ratings), ['p2'])
  assert.throws(() => makeRating(11, '', '', ''), RangeError)
  assert.throws(() => makeRating(3.5, '', '', ''), RangeError)
})

test('private scoring shows only my own mark and a count of the others', () => {
  const doc = new Y.Doc()
  addScale(doc, { id: 's', question: 'Q', low: 'L', high: 'H', revealed: false }, 'me')
  for (const [who, v] of /** @type {const} */ ([['me', 3], ['p2', 5], ['p3', 8]])) setRating(scales(doc)[0], who, makeRating(v, '', '', 'now'), 'me')
  const hidden = visibleMarks(scales(doc)[0], 'me')
  assert.deepEqual(Object.keys(hidden.visible), ['me'])
  assert.equal(hidden.hiddenCount, 2)
  setRevealed(scales(doc)[0], true, 'me')
  const shown = visibleMarks(scales(doc)[0], 'me')
  assert.equal(Object.keys(shown.visible).length, 3)
  assert.equal(shown.hiddenCount, 0)
})

test('marks group by value for chips, named in a stable order', () => {
  const ratings = {
    b: { value: 7, reason: '', up: '', at: '' },
    a: { value: 7, reason: '', up: '', at: '' },
    c: { value: 2, reason: '', up: '', at: '' }
  }
  const names = /** @type {Record<string, string>} */ ({ a: 'Zoe', b: 'Amir', c: 'Jo' })
  const groups = marksByValue(ratings, (id) => names[id])
  assert.deepEqual([...groups.get(7) ?? []], ['b', 'a'])
  assert.deepEqual([...groups.get(2) ?? []], ['c'])
})
