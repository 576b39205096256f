// Presentation mode: shrink the map's type until the whole map fits the screen (no scrolling
// on a 1920×1080 shared screen), growing back when cards are removed.

const STEP = 0.04
const SMALLEST = 0.4

/** @param {HTMLElement} root */
export function fitToScreen (root) {
  const page = document.documentElement
  let scale = 1
  root.style.setProperty('--fit', String(scale))
  while (scale > SMALLEST && (page.scrollHeight > window.innerHeight + 1 || page.scrollWidth > window.innerWidth + 1)) {
    scale = Math.round((scale - STEP) * 100) / 100
    root.style.setProperty('--fit', String(scale))
  }
  return scale
}
