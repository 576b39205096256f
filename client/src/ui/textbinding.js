// A Y.Text bound to a <textarea>: each input becomes one minimal splice, so two people typing
// in one card merge character by character; remote changes update the textarea and carry the
// local caret and selection across them.
import { diffText, transformIndex } from '../textdiff.js'
import { autosize } from './dom.js'

/** @typedef {import('../textdiff.js').DeltaOp} DeltaOp */

/**
 * @param {HTMLTextAreaElement} textarea
 * @param {import('yjs').Text} ytext
 * @param {unknown} origin the local transaction origin (so undo can track these edits)
 * @returns {{ destroy: () => void, refresh: () => void }}
 */
export function bindText (textarea, ytext, origin) {
  /** What the textarea showed after the last sync with ytext. */
  let base = ytext.toString()
  let composing = false
  /** Remote deltas that arrived during an IME composition, applied after it ends. */
  /** @type {DeltaOp[][]} */
  let pending = []
  let applying = false
  textarea.value = base

  const pushLocal = () => {
    const now = textarea.value
    const splice = diffText(base, now, textarea.selectionEnd ?? undefined)
    if (!splice) return
    let { index, remove } = splice
    if (pending.length) {
      // The text moved under the composition: map the splice into today's text.
      let start = index
      let end = index + remove
      for (const delta of pending) {
        start = transformIndex(start, delta, 'before')
        end = transformIndex(end, delta, 'before')
      }
      index = start
      remove = Math.max(0, end - start)
    }
    const doc = ytext.doc
    const run = () => {
      if (remove) ytext.delete(index, remove)
      if (splice.insert) ytext.insert(index, splice.insert)
    }
    applying = true
    try {
      if (doc) doc.transact(run, origin)
      else run()
    } finally {
      applying = false
    }
    if (pending.length) {
      // Show the remote text that waited for the composition, caret carried across it.
      let caret = textarea.selectionEnd
      for (const delta of pending) caret = transformIndex(caret, delta, 'before')
      pending = []
      textarea.value = ytext.toString()
      if (document.activeElement === textarea) textarea.setSelectionRange(caret, caret)
    }
    base = ytext.toString()
  }

  /** @param {DeltaOp[]} delta */
  const showRemote = (delta) => {
    const next = ytext.toString()
    if (next === textarea.value) {
      base = next
      return
    }
    const focused = document.activeElement === textarea
    const start = textarea.selectionStart
    const end = textarea.selectionEnd
    const backward = textarea.selectionDirection === 'backward'
    textarea.value = next
    base = next
    if (focused) {
      const collapsed = start === end
      const s = transformIndex(start, delta, 'before')
      const e = collapsed ? s : transformIndex(end, delta, 'after')
      textarea.setSelectionRange(s, Math.max(s, e), backward ? 'backward' : 'forward')
    }
    autosize(textarea)
  }

  /** @param {import('yjs').YTextEvent} event */
  const observer = (event) => {
    if (applying) return
    const delta = /** @type {DeltaOp[]} */ (event.delta)
    if (composing) {
      pending.push(delta)
      return
    }
    showRemote(delta)
  }

  const onInput = () => {
    if (!composing) pushLocal()
    autosize(textarea)
  }
  const onCompositionStart = () => { composing = true }
  const onCompositionEnd = () => {
    composing = false
    pushLocal()
  }

  ytext.observe(observer)
  textarea.addEventListener('input', onInput)
  textarea.addEventListener('compositionstart', onCompositionStart)
  textarea.addEventListener('compositionend', onCompositionEnd)
  return {
    refresh: () => autosize(textarea),
    destroy: () => {
      ytext.unobserve(observer)
      textarea.removeEventListener('input', onInput)
      textarea.removeEventListener('compositionstart', onCompositionStart)
      textarea.removeEventListener('compositionend', onCompositionEnd)
    }
  }
}
