// A row of buttons that is one Tab stop (a toolbar): Left/Right move between the buttons,
// Home/End go to the first/last, and the button last used keeps the Tab stop.
import { readingKey } from './dom.js'

/**
 * Make `list()` (its enabled buttons) one Tab stop inside `el`, and return `rove`, which makes
 * a given button that stop.
 * @param {HTMLElement} el
 * @param {() => (HTMLButtonElement | undefined)[]} list
 */
export function roving (el, list) {
  const rove = (/** @type {HTMLButtonElement} */ button) => {
    for (const b of list()) if (b) b.tabIndex = b === button ? 0 : -1
  }
  el.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return
    const enabled = /** @type {HTMLButtonElement[]} */ (list().filter((b) => b && !b.disabled))
    const i = enabled.indexOf(/** @type {HTMLButtonElement} */ (e.target))
    let next = -1
    const key = readingKey(e.key)
    if (key === 'ArrowRight') next = (i + 1) % enabled.length
    else if (key === 'ArrowLeft') next = (i - 1 + enabled.length) % enabled.length
    else if (e.key === 'Home') next = 0
    else if (e.key === 'End') next = enabled.length - 1
    if (next < 0 || i < 0) return
    e.preventDefault()
    rove(enabled[next])
    enabled[next].focus()
  })
  el.addEventListener('focusin', (e) => {
    if (e.target instanceof HTMLButtonElement) rove(e.target)
  })
  return rove
}
