// A small element builder: h('button', { class: 'x', onclick: fn, 'aria-label': '…' }, 'Text').
// No innerHTML anywhere: text is always set as text.

/** @typedef {Node | string | null | undefined | false} Child */

let counter = 0
/** A page-unique id for label/aria wiring. @param {string} prefix */
export const uid = (prefix) => `${prefix}-${++counter}`

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'indeterminate'])

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown> | null} [props]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h (tag, props, ...children) {
  const el = document.createElement(tag)
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue
      if (key === 'class') el.className = String(value)
      else if (key === 'text') el.textContent = String(value)
      else if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2), /** @type {EventListener} */ (value))
      } else if (PROPERTIES.has(key)) /** @type {any} */ (el)[key] = value
      else el.setAttribute(key, value === true ? '' : String(value))
    }
  }
  append(el, children)
  return el
}

/**
 * @param {Element} el
 * @param {(Child | Child[])[]} children
 */
function append (el, children) {
  for (const child of children) {
    if (Array.isArray(child)) append(el, child)
    else if (child === null || child === undefined || child === false) continue
    else el.append(child)
  }
}

/**
 * Replace an element's children.
 * @param {Element} el
 * @param {...(Child | Child[])} children
 */
export function replaceChildren (el, ...children) {
  el.replaceChildren()
  append(el, children)
}

/**
 * Set text only when it changed (keeps screen readers and selection calm).
 * @param {Element} el
 * @param {string} text
 */
export function setText (el, text) {
  if (el.textContent !== text) el.textContent = text
}

/**
 * Toggle an element's visibility through the `hidden` property.
 * @param {HTMLElement} el
 * @param {boolean} shown
 */
export function show (el, shown) {
  if (el.hidden === shown) el.hidden = !shown
}

/**
 * Fit many textareas at once: all writes, then all reads, then all writes (one layout, not
 * one per box).
 * @param {Iterable<HTMLTextAreaElement>} textareas
 */
export function autosizeAll (textareas) {
  const list = [...textareas].filter((t) => t.isConnected)
  for (const t of list) t.style.height = 'auto'
  const heights = list.map((t) => {
    const style = getComputedStyle(t)
    return t.scrollHeight + (parseFloat(style.borderTopWidth) + parseFloat(style.borderBottomWidth) || 0)
  })
  list.forEach((t, i) => { t.style.height = `${heights[i]}px` })
}

/**
 * Grow a textarea to fit its text (style set from script, which the page's CSP allows).
 * @param {HTMLTextAreaElement} textarea
 */
export function autosize (textarea) {
  if (!textarea.isConnected) return
  textarea.style.height = 'auto'
  const style = getComputedStyle(textarea)
  const borders = parseFloat(style.borderTopWidth) + parseFloat(style.borderBottomWidth)
  textarea.style.height = `${textarea.scrollHeight + (borders || 0)}px`
}

/**
 * An arrow key as the page reads: right to left, ← goes forward and → back, so each is given
 * as the other (Up, Down and every other key as they are).
 * @param {string} key
 */
export function readingKey (key) {
  if (document.documentElement.dir !== 'rtl') return key
  return key === 'ArrowLeft' ? 'ArrowRight' : key === 'ArrowRight' ? 'ArrowLeft' : key
}
