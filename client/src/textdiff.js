// Text edits as single splices, and caret positions carried across remote edits.
// Pure: the textarea binding (ui/textbinding.js) turns these into Y.Text operations.

/**
 * @typedef {{ index: number, remove: number, insert: string }} Splice
 * @typedef {{ insert?: unknown, delete?: number, retain?: number }} DeltaOp
 */

/** @param {string} s @param {number} i */
const isLowSurrogate = (s, i) => {
  const c = s.charCodeAt(i)
  return c >= 0xdc00 && c <= 0xdfff
}

/**
 * The one splice that turns `before` into `after`, or null when they are equal.
 * `caret` (where the caret is in `after`) decides where an ambiguous edit happened:
 * typing "a" at the start of "aa" is an insert at 0, not at 2.
 * @param {string} before
 * @param {string} after
 * @param {number} [caret]
 * @returns {Splice | null}
 */
export function diffText (before, after, caret) {
  if (before === after) return null
  if (caret !== undefined && caret >= 0 && caret <= after.length) {
    const grown = after.length - before.length
    if (grown > 0 && caret >= grown) {
      // Typing or pasting: the new text ends at the caret.
      const index = caret - grown
      if (before.slice(0, index) === after.slice(0, index) && before.slice(index) === after.slice(caret)) {
        return { index, remove: 0, insert: after.slice(index, caret) }
      }
    } else if (grown < 0) {
      // Backspace or Delete: the removed text starts at the caret.
      if (before.slice(0, caret) === after.slice(0, caret) && before.slice(caret - grown) === after.slice(caret)) {
        return { index: caret, remove: -grown, insert: '' }
      }
    }
  }
  const shortest = Math.min(before.length, after.length)
  let prefix = 0
  while (prefix < shortest && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++
  let suffix = 0
  const suffixLimit = shortest - prefix
  while (
    suffix < suffixLimit &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) suffix++
  // Never split a surrogate pair: an emoji is removed or inserted whole.
  if (prefix > 0 && (isLowSurrogate(before, prefix) || isLowSurrogate(after, prefix))) prefix--
  if (suffix > 0) {
    const b = before.length - suffix
    const a = after.length - suffix
    if ((b < before.length && isLowSurrogate(before, b)) || (a < after.length && isLowSurrogate(after, a))) {
      suffix--
    }
  }
  return {
    index: prefix,
    remove: before.length - prefix - suffix,
    insert: after.slice(prefix, after.length - suffix)
  }
}

/**
 * Where a position ends up after a remote change (a Yjs text delta). Text inserted exactly at
 * the position goes after it when `stick` is "before" (a caret stays where the person was
 * typing), before it when `stick` is "after" (the end of a selection grows with the text).
 * @param {number} index
 * @param {readonly DeltaOp[]} delta
 * @param {'before' | 'after'} [stick]
 * @returns {number}
 */
export function transformIndex (index, delta, stick = 'before') {
  let pos = 0
  let result = index
  for (const op of delta) {
    if (pos > index) break
    if (op.retain !== undefined) {
      pos += op.retain
    } else if (op.insert !== undefined) {
      const length = typeof op.insert === 'string' ? op.insert.length : 1
      if (pos < index || (pos === index && stick === 'after')) result += length
    } else if (op.delete !== undefined) {
      if (pos < index) result -= Math.min(op.delete, index - pos)
      pos += op.delete
    }
  }
  return result
}

/**
 * Apply a delta to a plain string (used to check what a remote change did).
 * @param {string} text
 * @param {readonly DeltaOp[]} delta
 * @returns {string}
 */
export function applyDelta (text, delta) {
  let out = ''
  let pos = 0
  for (const op of delta) {
    if (op.retain !== undefined) {
      out += text.slice(pos, pos + op.retain)
      pos += op.retain
    } else if (op.insert !== undefined) {
      out += typeof op.insert === 'string' ? op.insert : ''
    } else if (op.delete !== undefined) {
      pos += op.delete
    }
  }
  return out + text.slice(pos)
}
