// Fractional index keys for a card's place in its section (docs/document-model.md).
// A mirror of order_between in server/board/model.py: base-62 digits in ASCII order, never ending
// in "0", compared as plain strings.

export const ORDER_DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/**
 * A valid key is non-empty base-62 without a trailing "0", so a key below it always exists.
 * @param {unknown} key
 * @returns {key is string}
 */
export function isOrderKey (key) {
  if (typeof key !== 'string' || key === '' || key.endsWith('0')) return false
  for (const ch of key) if (!ORDER_DIGITS.includes(ch)) return false
  return true
}

/**
 * A key strictly between a and b; null means the start or the end of the section.
 * @param {string | null} a
 * @param {string | null} b
 * @returns {string}
 */
export function orderBetween (a, b) {
  for (const key of [a, b]) {
    if (key !== null && !isOrderKey(key)) throw new RangeError(`not an order key: ${key}`)
  }
  if (a === null) return b === null ? midpoint('', null) : before(b)
  if (b === null) return after(a)
  if (a >= b) throw new RangeError('orderBetween needs a < b')
  return midpoint(a, b)
}

/**
 * `count` increasing keys, for renumbering a section whose keys leave no gap.
 * @param {number} count
 * @returns {string[]}
 */
export function spreadKeys (count) {
  /** @type {string[]} */
  const keys = []
  let last = null
  for (let i = 0; i < count; i++) {
    last = last === null ? orderBetween(null, null) : after(last)
    keys.push(last)
  }
  return keys
}

/** @param {string} ch */
const digit = (ch) => ORDER_DIGITS.indexOf(ch)

/** @param {string} a */
function after (a) {
  let k = 0
  while (k < a.length && a[k] === 'z') k++
  return k < a.length ? a.slice(0, k) + ORDER_DIGITS[digit(a[k]) + 1] : a + '1'
}

/** @param {string} b */
function before (b) {
  let k = 0
  while (k < b.length && b[k] === '0') k++
  const d = digit(b[k])
  if (d > 1) return b.slice(0, k) + ORDER_DIGITS[d - 1]
  return b.length > k + 1 ? b.slice(0, k + 1) : b.slice(0, k) + '0z'
}

/**
 * Read keys as base-62 fractions 0.a and 0.b; a shorter key is padded with zeros.
 * @param {string} a
 * @param {string | null} b
 * @returns {string}
 */
function midpoint (a, b) {
  if (b !== null) {
    let n = 0
    while (n < b.length && (n < a.length ? a[n] : '0') === b[n]) n++
    if (n) return b.slice(0, n) + midpoint(a.slice(n), b.slice(n))
  }
  const lo = a ? digit(a[0]) : 0
  const hi = b !== null ? digit(b[0]) : ORDER_DIGITS.length
  if (hi - lo > 1) return ORDER_DIGITS[(lo + hi) >> 1]
  if (b !== null && b.length > 1) return b[0]
  return ORDER_DIGITS[lo] + midpoint(a.slice(1), null)
}
