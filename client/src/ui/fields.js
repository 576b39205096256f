// Plain string fields (speaker, owner, due date, scale wording) kept in step with the map:
// written as the person types (debounced) and on change; remote values never overwrite a
// field while the person is in it.

/**
 * @param {HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement} el
 * @param {(value: string) => void} write
 * @param {number} [wait] milliseconds to wait after the last keystroke
 * @returns {{ set: (value: string) => void, flush: () => void }}
 */
export function bindField (el, write, wait = 400) {
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null
  let last = el.value
  const flush = () => {
    if (timer !== null) clearTimeout(timer)
    timer = null
    if (el.value !== last) {
      last = el.value
      write(el.value)
    }
  }
  if (!(el instanceof HTMLSelectElement)) {
    el.addEventListener('input', () => {
      if (timer !== null) clearTimeout(timer)
      timer = setTimeout(flush, wait)
    })
  }
  el.addEventListener('change', flush)
  el.addEventListener('blur', flush)
  return {
    flush,
    set: (value) => {
      if (document.activeElement === el || timer !== null) return
      last = value
      if (el.value !== value) el.value = value
    }
  }
}
