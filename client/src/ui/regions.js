// The map's parts on the board: a region per column of sections, "More" (the optional
// sections), the scales and the withdrawn cards (only while there are some). Built again
// whenever editing is switched on or off (every view inside looks different then), brought up
// to date on each render, and shown one at a time as tabs on narrow screens. Skip links at the
// top of the board go straight to each part (a keyboard's way past the header and the cards).
import { h, replaceChildren, setText, show, uid } from './dom.js'

/**
 * @typedef {import('./tabs.js').Region} Region
 * @typedef {{
 *   board: import('../board.js').Board,
 *   config: Pick<import('../config.js').BoardConfig, 'columns'>,
 *   t: import('../strings.js').Translate,
 *   actions: Pick<import('./actions.js').Actions, 'addOverallScale'>,
 *   views: import('./views.js').Views,
 *   makeSection: (id: string) => import('./section.js').SectionView,
 *   makeScale: (scale: import('../model.js').Scale) => import('./scale.js').ScaleView,
 *   makeWithdrawnList: () => import('./withdrawn.js').WithdrawnList,
 *   reveal: (el: Element) => void
 * }} RegionsDeps
 */

export class Regions {
  /**
   * The views made here are kept in `views`; the `make…` functions make each kind.
   * @param {RegionsDeps} deps
   * @param {HTMLElement} el the element the regions go in
   */
  constructor ({ board, config, t, actions, views, makeSection, makeScale, makeWithdrawnList, reveal }, el) {
    this.board = board
    this.config = config
    this.t = t
    this.actions = actions
    this.views = views
    this.makeSection = makeSection
    this.makeScale = makeScale
    this.makeWithdrawnList = makeWithdrawnList
    this.reveal = reveal
    this.el = el
    // Shown on focus only; the board puts it first. Filled in by update.
    this.skipList = h('ul')
    this.skipLinks = h('nav', { class: 'skip-links', 'aria-label': t('skip.label'), 'data-testid': 'skip-links' }, this.skipList)
    // Made by build.
    /** @type {Region[]} */
    this.columns = []
    this.optional = h('section')
    this.scales = h('section')
    this.scalesList = h('div')
    this.scalesNone = h('p')
    this.addScaleButton = h('button')
    this.moreShown = false
    this.withdrawn = makeWithdrawnList()
  }

  build () {
    const { board, t, views } = this
    for (const view of views.cards.values()) view.destroy()
    for (const view of views.scales.values()) view.destroy()
    views.cards.clear()
    views.scales.clear()
    views.sections.clear()
    this.withdrawn.clear()
    this.withdrawn = this.makeWithdrawnList()
    /** @param {string} id */
    const sectionEl = (id) => {
      const view = this.makeSection(id)
      views.sections.set(id, view)
      return view.el
    }
    this.columns = []
    const columns = this.config.columns.map((column) => {
      const headingId = uid(`column-${column.id}`)
      // Focusable from script only: where a skip link lands.
      const el = h('section', { class: `column column--${column.id}`, id: `part-${column.id}`, tabindex: -1, 'data-testid': `column-${column.id}`, 'aria-labelledby': headingId, 'data-labelledby': headingId },
        h('h2', { class: 'column-title', id: headingId, text: column.title }),
        h('div', { class: 'column-sections' }, column.sections.map(sectionEl)))
      this.columns.push({ id: column.id, label: column.title, el })
      return el
    })
    const moreId = uid('column-more')
    this.optional = h('section', { class: 'column column--more', id: 'part-more', tabindex: -1, 'data-testid': 'column-more', 'aria-labelledby': moreId, 'data-labelledby': moreId },
      h('h2', { class: 'column-title', id: moreId, text: t('section.more') }),
      h('div', { class: 'column-sections' }, board.optionalIds.map(sectionEl)))
    const scalesId = uid('scales')
    this.scalesList = h('div', { class: 'scales-list' })
    this.scalesNone = h('p', { class: 'scales-none', text: t('scales.none') })
    this.addScaleButton = h('button', { type: 'button', class: 'add-button', 'data-testid': 'add-scale', onclick: () => this.actions.addOverallScale() })
    this.scales = h('section', { class: 'scales-region', id: 'part-scales', tabindex: -1, 'data-testid': 'scales', 'aria-labelledby': scalesId, 'data-labelledby': scalesId },
      h('h2', { class: 'column-title', id: scalesId, text: t('scales.heading') }),
      this.scalesList, this.scalesNone, this.addScaleButton)
    replaceChildren(this.el, h('div', { class: 'columns' }, columns), this.optional, this.scales, this.withdrawn.el)
  }

  /** The sections shown now with their cards (views of cards gone are dropped), and the scales. */
  update () {
    const { board, views } = this
    const visible = board.visibleSections()
    /** @type {Set<string>} */
    const seen = new Set()
    for (const [id, view] of views.sections) {
      const on = visible.includes(id)
      show(view.el, on)
      if (on) view.reconcile(board.bySection.get(id) ?? [], seen)
    }
    for (const [key, view] of views.cards) {
      if (!seen.has(key)) {
        view.destroy()
        views.cards.delete(key)
      }
    }
    this.moreShown = board.optionalIds.some((id) => visible.includes(id))
    show(this.optional, this.moreShown)
    this.updateScales()
    this.withdrawn.update(board.withdrawnCards)
    this.updateSkipLinks()
  }

  /** A link to each part shown now (not the withdrawn cards: they are after the scales). */
  updateSkipLinks () {
    const parts = this.tabs().filter((part) => part.id !== 'withdrawn' && !part.el.hidden)
    const key = parts.map((part) => `${part.id}:${part.label}`).join('|')
    if (this.skipList.dataset.key === key) return
    this.skipList.dataset.key = key
    replaceChildren(this.skipList, parts.map((part) => h('li', null, h('a', {
      class: 'skip-link',
      href: `#${part.el.id}`,
      'data-testid': `skip-${part.id}`,
      onclick: (/** @type {MouseEvent} */ e) => {
        // Focus the part itself (the URL stays as it is); on narrow screens show its tab first.
        e.preventDefault()
        this.reveal(part.el)
        part.el.focus({ preventScroll: true })
        part.el.scrollIntoView({ block: 'start' })
      }
    }, this.t('skip.to', { part: part.label })))))
  }

  updateScales () {
    const { board, t, views } = this
    let i = 0
    /** @type {Set<string>} */
    const seen = new Set()
    for (const scale of board.scales) {
      const key = `${scale.layer}:${scale.id}`
      let view = views.scales.get(key)
      if (!view) {
        view = this.makeScale(scale)
        views.scales.set(key, view)
      } else view.update(scale)
      seen.add(key)
      const at = this.scalesList.children[i]
      if (at !== view.el) this.scalesList.insertBefore(view.el, at ?? null)
      i++
    }
    for (const [key, view] of views.scales) {
      if (!seen.has(key)) {
        view.destroy()
        views.scales.delete(key)
      }
    }
    show(this.scalesNone, board.scales.length === 0)
    const facilitator = board.editable && board.facilitator
    show(this.addScaleButton, facilitator)
    const hasOverall = board.scales.some((s) => s.about === '')
    setText(this.addScaleButton, hasOverall ? t('scales.addAnother') : t('scales.add'))
    show(this.scales, board.scales.length > 0 || facilitator || !board.present)
  }

  /** The regions as tabs, in reading order (as of the last update). @returns {Region[]} */
  tabs () {
    const { board, t } = this
    return [
      ...this.columns,
      ...(this.moreShown ? [{ id: 'more', label: t('section.more'), el: this.optional }] : []),
      { id: 'scales', label: t('column.scales'), el: this.scales },
      ...(board.withdrawnCards.length ? [{ id: 'withdrawn', label: t('withdrawn.tab', { count: board.withdrawnCards.length }), el: this.withdrawn.el }] : [])
    ]
  }
}
