import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as Y from 'yjs'
import { applyDelta, diffText, transformIndex } from '../src/textdiff.js'

/** @param {string} before @param {import('../src/textdiff.js').Splice | null} s */
const apply = (before, s) => (s ? before.slice(0, s.index) + s.insert + before.slice(s.index + s.remove) : before)

test('diffText finds the single splice', () => {
  assert.equal(diffText('abc', 'abc'), null)
  assert.deepEqual(diffText('abc', 'abXc'), { index: 2, remove: 0, insert: 'X' })
  assert.deepEqual(diffText('abc', 'ac'), { index: 1, remove: 1, insert: '' })
  assert.deepEqual(diffText('aab', 'ab', 1), { index: 1, remove: 1, insert: '' })
  assert.deepEqual(diffText('aab', 'ab', 0), { index: 0, remove: 1, insert: '' })
  assert.deepEqual(diffText('hello world', 'hello there world'), { index: 6, remove: 0, insert: 'there ' })
  assert.deepEqual(diffText('abc', 'xyz'), { index: 0, remove: 3, insert: 'xyz' })
  assert.deepEqual(diffText('', 'new'), { index: 0, remove: 0, insert: 'new' })
})

test('the caret decides where an ambiguous insert happened', () => {
  assert.deepEqual(diffText('aa', 'aaa', 1), { index: 0, remove: 0, insert: 'a' })
  assert.deepEqual(diffText('aa', 'aaa', 3), { index: 2, remove: 0, insert: 'a' })
  assert.deepEqual(diffText('aa', 'aaa'), { index: 2, remove: 0, insert: 'a' })
})

test('diffText never splits a surrogate pair', () => {
  const before = 'a😀b'
  const after = 'a😃b' // same high surrogate, different low one
  const s = diffText(before, after)
  assert.ok(s)
  assert.equal(s.index, 1)
  assert.equal(s.remove, 2)
  assert.equal(s.insert, '😃')
})

test('diffText round-trips random edits', () => {
  let seed = 7
  const random = (/** @type {number} */ n) => { seed = (seed * 16807) % 2147483647; return seed % n }
  const alphabet = 'ab c😀\n'
  for (let i = 0; i < 500; i++) {
    let before = ''
    for (let j = random(12); j > 0; j--) before += alphabet[random(alphabet.length)]
    before = [...before].join('')
    const chars = [...before]
    const at = random(chars.length + 1)
    const del = random(chars.length - at + 1)
    let ins = ''
    for (let j = random(4); j > 0; j--) ins += [...alphabet][random([...alphabet].length)]
    const after = [...chars.slice(0, at), ins, ...chars.slice(at + del)].join('')
    const caret = [...chars.slice(0, at), ins].join('').length
    assert.equal(apply(before, diffText(before, after, caret)), after)
    assert.equal(apply(before, diffText(before, after)), after)
  }
})

test('transformIndex carries a caret across remote inserts and deletes', () => {
  // "hello world", caret after "hello" (5)
  assert.equal(transformIndex(5, [{ insert: 'Oh, ' }]), 9) // insert before
  assert.equal(transformIndex(5, [{ retain: 6 }, { insert: 'big ' }]), 5) // insert after
  assert.equal(transformIndex(5, [{ retain: 5 }, { insert: '!' }]), 5) // at the caret: stays before
  assert.equal(transformIndex(5, [{ retain: 5 }, { insert: '!' }], 'after'), 6)
  assert.equal(transformIndex(5, [{ delete: 2 }]), 3)
  assert.equal(transformIndex(5, [{ retain: 3 }, { delete: 5 }]), 3) // deletion spanning the caret
  assert.equal(transformIndex(5, [{ retain: 7 }, { delete: 2 }]), 5)
})

test('two Y.Text users typing at once keep both edits and their carets (textarea model)', () => {
  const a = new Y.Doc()
  const b = new Y.Doc()
  a.on('update', (u) => Y.applyUpdate(b, u, 'remote'))
  b.on('update', (u, origin) => { if (origin !== 'remote') Y.applyUpdate(a, u, 'remote') })
  const ta = a.getText('t')
  ta.insert(0, 'The cat sat.')
  const tb = b.getText('t')
  // B's caret is after "The " (4); A types at the start.
  let caretB = 4
  tb.observe((event, tr) => {
    if (tr.origin === 'remote') caretB = transformIndex(caretB, /** @type {any} */ (event.delta))
  })
  ta.insert(0, 'Yes! ')
  assert.equal(tb.toString(), 'Yes! The cat sat.')
  assert.equal(caretB, 9)
  // B types "black " where the caret is now; the splice lands there, not at the old index.
  const after = 'Yes! The black cat sat.'
  const splice = diffText(tb.toString(), after, caretB + 'black '.length)
  assert.deepEqual(splice, { index: 9, remove: 0, insert: 'black ' })
  tb.insert(splice.index, splice.insert)
  assert.equal(ta.toString(), after)
})

test('applyDelta replays a Yjs delta on a string', () => {
  const doc = new Y.Doc()
  const text = doc.getText('t')
  text.insert(0, 'abcdef')
  let seen = ''
  text.observe((event) => { seen = applyDelta('abcdef', /** @type {any} */ (event.delta)) })
  doc.transact(() => { text.delete(1, 2); text.insert(3, 'XY') })
  assert.equal(seen, text.toString())
})
