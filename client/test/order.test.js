import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { isOrderKey, orderBetween, spreadKeys } from '../src/order.js'

/** @type {[string | null, string | null, string][]} */
const vectors = JSON.parse(readFileSync(new URL('./order-vectors.json', import.meta.url), 'utf8'))

test('orderBetween gives the same keys as server/board/model.py order_between', () => {
  assert.ok(vectors.length > 200)
  for (const [a, b, expected] of vectors) assert.equal(orderBetween(a, b), expected, `between ${a} and ${b}`)
})

test('keys are valid and strictly between their neighbours, whatever the insertion order', () => {
  let seed = 42
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
  /** @type {string[]} */
  const keys = []
  for (let i = 0; i < 2000; i++) {
    const at = Math.floor(random() * (keys.length + 1))
    const a = at > 0 ? keys[at - 1] : null
    const b = at < keys.length ? keys[at] : null
    const key = orderBetween(a, b)
    assert.ok(isOrderKey(key), key)
    if (a !== null) assert.ok(a < key, `${a} < ${key}`)
    if (b !== null) assert.ok(key < b, `${key} < ${b}`)
    keys.splice(at, 0, key)
  }
  assert.deepEqual([...keys].sort(), keys)
})

test('appending and prepending keep keys short', () => {
  let last = orderBetween(null, null)
  for (let i = 0; i < 500; i++) last = orderBetween(last, null)
  assert.ok(last.length <= 12, last)
  let first = orderBetween(null, null)
  for (let i = 0; i < 500; i++) first = orderBetween(null, first)
  assert.ok(first.length <= 12, first)
  assert.ok(isOrderKey(first))
})

test('invalid keys and empty gaps are refused', () => {
  assert.throws(() => orderBetween('V0', null), RangeError)
  assert.throws(() => orderBetween('a b', null), RangeError)
  assert.throws(() => orderBetween('', null), RangeError)
  assert.throws(() => orderBetween('W', 'V'), RangeError)
  assert.throws(() => orderBetween('V', 'V'), RangeError)
})

test('isOrderKey', () => {
  for (const good of ['V', '1', 'z', 'zz1', '0z', 'Az9']) assert.ok(isOrderKey(good), good)
  for (const bad of ['', '0', 'V0', 'é', 'a-b', 7, null, undefined]) assert.ok(!isOrderKey(bad), String(bad))
})

test('spreadKeys gives increasing valid keys', () => {
  for (const n of [0, 1, 5, 100]) {
    const keys = spreadKeys(n)
    assert.equal(keys.length, n)
    for (let i = 0; i < n; i++) {
      assert.ok(isOrderKey(keys[i]))
      if (i) assert.ok(keys[i - 1] < keys[i])
    }
  }
})
