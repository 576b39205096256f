// A polite live region: messages are gathered for a moment and spoken together, so a burst of
// remote changes becomes one sentence instead of a flood.

export class Announcer {
  /**
   * @param {HTMLElement} region an element with aria-live="polite"
   * @param {(count: number) => string} summarize what to say for many changes at once
   */
  constructor (region, summarize) {
    this.region = region
    this.summarize = summarize
    /** @type {string[]} */
    this.queue = []
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null
  }

  /** @param {string[] | string} messages */
  say (messages) {
    const list = Array.isArray(messages) ? messages : [messages]
    if (!list.length) return
    this.queue.push(...list)
    if (this.timer === null) this.timer = setTimeout(() => this.flush(), 700)
  }

  /** Say something about the person's own action straight away (after a short tick). */
  /** @param {string} message */
  now (message) {
    this.queue.push(message)
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = setTimeout(() => this.flush(), 50)
  }

  flush () {
    this.timer = null
    const unique = [...new Set(this.queue)]
    this.queue = []
    if (!unique.length) return
    const text = unique.length > 3 ? this.summarize(unique.length) : unique.join(' ')
    // Clear first, so the same words said twice are still announced.
    this.region.textContent = ''
    setTimeout(() => { this.region.textContent = text }, 30)
  }
}
