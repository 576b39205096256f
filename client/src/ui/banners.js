// Messages across the top of the board: offline / back online, meeting ended, changes paused,
// a connection problem, changes not being saved by the server, and the "Card deleted — Undo" toast.
import { h, replaceChildren, setText, show } from './dom.js'

/**
 * @typedef {{
 *   t: import('../strings.js').Translate,
 *   actions: { undo: () => void, reload: () => void }
 * }} BannersDeps
 */

export class Banners {
  /**
   * `actions.undo` is the toast's Undo; `actions.reload` loads the page again.
   * @param {BannersDeps} deps
   */
  constructor ({ t, actions }) {
    this.t = t
    this.offline = h('div', { class: 'banner banner--offline', 'data-testid': 'offline-indicator', hidden: true })
    this.ended = h('div', { class: 'banner banner--ended', 'data-testid': 'ended-banner', hidden: true })
    this.locked = h('div', { class: 'banner banner--locked', 'data-testid': 'locked-banner', hidden: true })
    this.problemText = h('p')
    this.problem = h('div', { class: 'banner banner--problem', 'data-testid': 'connection-problem', role: 'alert', hidden: true },
      this.problemText,
      h('button', { type: 'button', class: 'button', 'data-testid': 'reload', onclick: () => actions.reload() }, t('connection.reload')))
    this.note = h('div', { class: 'banner banner--note', 'data-testid': 'connection-note', hidden: true })
    // A live region that is always there (one appearing with its text is not reliably read
    // out); the banner inside it comes and goes.
    this.unsaved = h('p', { class: 'banner banner--unsaved', 'data-testid': 'unsaved-banner', text: t('saving.notSaved') })
    this.unsavedRegion = h('div', { class: 'banner-live', role: 'status' })
    this.toastText = h('p')
    this.toast = h('div', { class: 'toast', 'data-testid': 'undo-toast', hidden: true },
      this.toastText,
      h('button', { type: 'button', class: 'button button--secondary', 'data-testid': 'toast-undo', onclick: () => { actions.undo(); this.hideToast() } }, t('toolbar.undo')),
      h('button', { type: 'button', class: 'icon-button', 'aria-label': t('keys.close'), onclick: () => this.hideToast() }, h('span', { 'aria-hidden': 'true', text: '×' })))
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.toastTimer = null
    this.el = h('div', { class: 'board-banners' }, this.problem, this.unsavedRegion, this.ended, this.offline, this.locked, this.note)
  }

  /** @param {'hidden' | 'offline' | 'back'} state */
  setOffline (state) {
    const { t } = this
    show(this.offline, state !== 'hidden')
    this.offline.dataset.state = state
    if (state !== 'hidden') setText(this.offline, state === 'offline' ? t('connection.offline') : t('connection.back'))
  }

  /** @param {string} text empty to hide */
  setEnded (text) {
    show(this.ended, text !== '')
    if (text) setText(this.ended, text)
  }

  /** @param {string} text empty to hide */
  setLocked (text) {
    show(this.locked, text !== '')
    if (text) setText(this.locked, text)
  }

  /** @param {string} text empty to hide */
  setProblem (text) {
    show(this.problem, text !== '')
    if (text) setText(this.problemText, text)
  }

  /** @param {string} text empty to hide */
  setNote (text) {
    show(this.note, text !== '')
    if (text) setText(this.note, text)
  }

  /** @param {boolean} shown whether the server says edits are not being saved */
  setUnsaved (shown) {
    if (shown === this.unsaved.isConnected) return
    replaceChildren(this.unsavedRegion, shown ? this.unsaved : null)
  }

  /** @param {string} text what was done, e.g. "Card deleted." */
  showToast (text) {
    setText(this.toastText, text)
    this.toast.hidden = false
    if (this.toastTimer !== null) clearTimeout(this.toastTimer)
    this.toastTimer = setTimeout(() => this.hideToast(), 10000)
  }

  hideToast () {
    this.toast.hidden = true
    if (this.toastTimer !== null) clearTimeout(this.toastTimer)
    this.toastTimer = null
  }
}
