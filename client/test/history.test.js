import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as Y from 'yjs'
import { addCard, deleteCard } from '../src/cards.js'
import { History } from '../src/history.js'

test('undo takes back only my own changes, latest first, across both layers', () => {
  const main = new Y.Doc()
  const pro = new Y.Doc()
  const me = { local: true }
  const history = new History([[main.getMap('items'), main.getMap('scales')], [pro.getMap('items'), pro.getMap('scales')]], me)
  const mine = addCard(main, { section: 'harm', text: 'mine', author: 'p1', order: 'V' }, me)
  history.stopCapturing()
  addCard(main, { section: 'harm', text: 'theirs', author: 'p2', order: 'W' }, 'remote')
  const secret = addCard(pro, { section: 'harm', text: 'professional note', author: 'p1', order: 'X' }, me)
  history.stopCapturing()
  deleteCard(main, mine, me)
  assert.equal(main.getMap('items').size, 1)
  assert.ok(history.canUndo())
  history.undo() // the delete comes back
  assert.equal(main.getMap('items').size, 2)
  history.undo() // then the professional note goes
  assert.equal(pro.getMap('items').has(secret), false)
  history.undo() // then my first card
  assert.equal(main.getMap('items').has(mine), false)
  assert.equal(main.getMap('items').size, 1, 'the other person\u2019s card stays')
  assert.equal(history.canUndo(), false)
  assert.equal(history.undo(), false)
  assert.ok(history.redo())
  assert.equal(main.getMap('items').has(mine), true)
  history.destroy()
})
