import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as Y from 'yjs'
import { describeRemote } from '../src/announce.js'
import { addCard, setStance } from '../src/cards.js'
import { readCards } from '../src/model.js'
import { addScale, makeRating, setRating } from '../src/scales.js'
import { readScales } from '../src/model.js'
import { createStrings } from '../src/strings.js'

test('other people\u2019s changes are described in plain words; typing is not', () => {
  const remote = new Y.Doc()
  const local = new Y.Doc()
  remote.on('update', (u) => Y.applyUpdate(local, u, 'remote'))
  /** @type {string[]} */
  const said = []
  const names = /** @type {Record<string, string>} */ ({ p1: 'Jo', p2: 'Sam' })
  const labels = /** @type {Record<string, string>} */ ({ strengths: 'Strengths', safety: 'What already keeps the child safe' })
  const d = {
    t: createStrings({}),
    sectionLabel: (/** @type {string} */ id) => labels[id] ?? id,
    personName: (/** @type {string} */ id) => names[id] ?? 'Someone',
    previousSection: () => 'strengths'
  }
  const items = local.getMap('items')
  const scales = local.getMap('scales')
  for (const root of [items, scales]) {
    root.observeDeep((events, tr) => { if (!tr.local) said.push(...describeRemote(events, items, scales, d)) })
  }
  const id = addCard(remote, { section: 'strengths', text: 'Gran helps', author: 'p1', order: 'V' }, null)
  const card = /** @type {Y.Map<any>} */ (remote.getMap('items').get(id))
  card.get('text').insert(0, 'typing ')
  remote.transact(() => { card.set('section', 'safety'); card.set('order', 'W') })
  remote.transact(() => card.set('order', 'X'))
  setStance(readCards(remote.getMap('items'), 'main', new Set(['safety']))[0], 'p2', 'dispute', null)
  addScale(remote, { id: 's', question: 'Q', low: 'L', high: 'H' }, null)
  setRating(readScales(remote.getMap('scales'), 'main', { question: '', low: '', high: '' })[0], 'p1', makeRating(6, 'why', '', 'now'), null)
  remote.transact(() => remote.getMap('items').delete(id))
  assert.deepEqual(said, [
    'Jo added a card to Strengths.',
    'A card moved to What already keeps the child safe.',
    'A card moved in What already keeps the child safe.',
    'Sam marked a card in What already keeps the child safe: Dispute.',
    'A scale was added.',
    'Jo placed a mark on the scale.',
    'A card was removed from Strengths.'
  ])
})
