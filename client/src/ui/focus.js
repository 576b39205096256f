// The focus and caret across a render: moving an element (to keep cards in order) takes the
// focus off it, so the render notes where the focus was and puts it back afterwards.

/**
 * @typedef {{ el: HTMLElement, selection: [number, number, 'forward' | 'backward' | 'none'] | null }} Focus
 */

/**
 * @param {HTMLElement} root
 * @returns {Focus | null} null when the focus is outside `root`
 */
export function captureFocus (root) {
  const el = document.activeElement
  if (!(el instanceof HTMLElement) || !root.contains(el)) return null
  const text = el instanceof HTMLTextAreaElement || (el instanceof HTMLInputElement && el.type === 'text')
  const field = /** @type {HTMLInputElement | HTMLTextAreaElement} */ (el)
  return {
    el,
    selection: text && field.selectionStart !== null && field.selectionEnd !== null
      ? [field.selectionStart, field.selectionEnd, field.selectionDirection ?? 'none']
      : null
  }
}

/** @param {Focus | null} focus */
export function restoreFocus (focus) {
  if (!focus || !focus.el.isConnected || document.activeElement === focus.el) return
  focus.el.focus({ preventScroll: true })
  if (focus.selection) {
    const field = /** @type {HTMLInputElement | HTMLTextAreaElement} */ (focus.el)
    field.setSelectionRange(...focus.selection)
  }
}
