// The facilitator's "Shared screen" control: what the shared screen shows (the whole map, one
// column, the scales) and which page. Written into this board's own presence (`screen`), which
// the screen follows because the server stamps this entry as the facilitator's. Shown while a
// screen is there to steer (it says what it shows in its own presence, `shown`).
import { h, replaceChildren, setText, show, uid } from './dom.js'
import { MAX_PAGES, shownOnScreen } from './screensteer.js'

/**
 * @typedef {{
 *   t: import('../strings.js').Translate,
 *   config: Pick<import('../config.js').BoardConfig, 'columns'>,
 *   awareness: import('y-protocols/awareness').Awareness
 * }} ScreenControlDeps
 */

export class ScreenControl {
  /** @param {ScreenControlDeps} deps */
  constructor ({ t, config, awareness }) {
    this.t = t
    this.awareness = awareness
    this.columnIds = [...config.columns.map((c) => c.id), 'more']
    const titleId = uid('screen-control')
    const selectId = uid('screen-show')
    this.select = h('select', { id: selectId, 'data-testid': 'screen-show', onchange: () => this.steer(this.select.value, 1) })
    replaceChildren(this.select,
      h('option', { value: 'map', text: t('screen.map') }),
      config.columns.map((c) => h('option', { value: `column:${c.id}`, text: c.title })),
      h('option', { value: 'scales', text: t('scales.heading') }))
    this.prev = h('button', { type: 'button', class: 'button button--tool', 'data-testid': 'screen-control-prev', onclick: () => this.turn(-1) }, t('screen.previous'))
    this.next = h('button', { type: 'button', class: 'button button--tool', 'data-testid': 'screen-control-next', onclick: () => this.turn(1) }, t('screen.next'))
    this.status = h('p', { class: 'screen-control-status', 'data-testid': 'screen-status' })
    this.el = h('section', { class: 'screen-control', 'data-testid': 'screen-control', 'aria-labelledby': titleId, hidden: true },
      h('h2', { class: 'screen-control-title', id: titleId, text: t('screen.label') }),
      h('label', { class: 'visually-hidden', for: selectId, text: t('screen.show') }),
      this.select, this.prev, this.status, this.next)
    awareness.on('change', () => this.update())
    this.update()
  }

  /** What the screen shows now (as it says), or what this board last asked for. */
  current () {
    const shown = shownOnScreen(/** @type {Map<number, unknown>} */ (this.awareness.getStates()), this.columnIds)
    const mine = this.awareness.getLocalState()?.screen
    return shown ?? { show: typeof mine?.show === 'string' ? mine.show : 'map', page: Number(mine?.page) || 1, pages: 0 }
  }

  /** @param {string} view @param {number} page */
  steer (view, page) {
    this.awareness.setLocalStateField('screen', { show: view, page: Math.min(Math.max(page, 1), MAX_PAGES), at: Date.now() })
  }

  /** @param {number} by */
  turn (by) {
    const now = this.current()
    const page = now.page + by
    this.steer(now.show, now.pages ? Math.min(page, now.pages) : page)
  }

  update () {
    const shown = shownOnScreen(/** @type {Map<number, unknown>} */ (this.awareness.getStates()), this.columnIds)
    show(this.el, shown !== null)
    if (!shown) return
    if (document.activeElement !== this.select) this.select.value = shown.show
    setText(this.status, this.t('screen.page', { page: shown.page, pages: shown.pages }))
    // Not `disabled`: a focused button keeps the focus at the first or last page.
    this.prev.setAttribute('aria-disabled', String(shown.page <= 1))
    this.next.setAttribute('aria-disabled', String(shown.page >= shown.pages))
  }
}
