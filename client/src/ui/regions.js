// The map's parts on the board: a region per column of sections, "More" (the optional
// sections), the scales and the withdrawn cards (only while there are some). Built again
// whenever editing is switched on or off (every view inside looks different then), brought up
// to date on each render, and shown one at a time as tabs on narrow screens.
import { h, replaceChildren, setText, show, uid } from './dom.js'
import { ScaleView } from './scale.js'
import { SectionView } from './section.js'
import { WithdrawnList } from './withdrawn.js'

/**
 * @typedef {import('./app.js').BoardApp} BoardApp
 * @typedef {import('./tabs.js').Region} Region
 */

export class Regions {
  /**
   * @param {BoardApp} app
   * @param {HTMLElement} el the element the regions go in
   */
  constructor (app, el) {
    this.app = app
    this.el = el
    // Made by build.
    /** @type {Region[]} */
    this.columns = []
    this.optional = h('section')
    this.scales = h('section')
    this.scalesList = h('div')
    this.scalesNone = h('p')
    this.addScaleButton = h('button')
    this.moreShown = false
    this.withdrawn = new WithdrawnList(app)
  }

  build () {
    const { app } = this
    for (const view of app.cardViews.values()) view.destroy()
    for (const view of app.scaleViews.values()) view.destroy()
    app.cardViews.clear()
    app.scaleViews.clear()
    app.sectionViews.clear()
    this.withdrawn.clear()
    this.withdrawn = new WithdrawnList(app)
    const { t } = app
    /** @param {string} id */
    const sectionEl = (id) => {
      const view = new SectionView(app, id)
      app.sectionViews.set(id, view)
      return view.el
    }
    this.columns = []
    const columns = app.config.columns.map((column) => {
      const headingId = uid(`column-${column.id}`)
      const el = h('section', { class: `column column--${column.id}`, 'data-testid': `column-${column.id}`, 'aria-labelledby': headingId, 'data-labelledby': headingId },
        h('h2', { class: 'column-title', id: headingId, text: column.title }),
        h('div', { class: 'column-sections' }, column.sections.map(sectionEl)))
      this.columns.push({ id: column.id, label: column.title, el })
      return el
    })
    const moreId = uid('column-more')
    this.optional = h('section', { class: 'column column--more', 'data-testid': 'column-more', 'aria-labelledby': moreId, 'data-labelledby': moreId },
      h('h2', { class: 'column-title', id: moreId, text: t('section.more') }),
      h('div', { class: 'column-sections' }, app.optionalIds.map(sectionEl)))
    const scalesId = uid('scales')
    this.scalesList = h('div', { class: 'scales-list' })
    this.scalesNone = h('p', { class: 'scales-none', text: t('scales.none') })
    this.addScaleButton = h('button', { type: 'button', class: 'add-button', 'data-testid': 'add-scale', onclick: () => app.actions.addOverallScale() })
    this.scales = h('section', { class: 'scales-region', 'data-testid': 'scales', 'aria-labelledby': scalesId, 'data-labelledby': scalesId },
      h('h2', { class: 'column-title', id: scalesId, text: t('scales.heading') }),
      this.scalesList, this.scalesNone, this.addScaleButton)
    replaceChildren(this.el, h('div', { class: 'columns' }, columns), this.optional, this.scales, this.withdrawn.el)
  }

  /** The sections shown now with their cards (views of cards gone are dropped), and the scales. */
  update () {
    const { app } = this
    const visible = app.visibleSections()
    /** @type {Set<string>} */
    const seen = new Set()
    for (const [id, view] of app.sectionViews) {
      const on = visible.includes(id)
      show(view.el, on)
      if (on) view.reconcile(app.bySection.get(id) ?? [], seen)
    }
    for (const [key, view] of app.cardViews) {
      if (!seen.has(key)) {
        view.destroy()
        app.cardViews.delete(key)
      }
    }
    this.moreShown = app.optionalIds.some((id) => visible.includes(id))
    show(this.optional, this.moreShown)
    this.updateScales()
    this.withdrawn.update(app.withdrawnCards)
  }

  updateScales () {
    const { app } = this
    let i = 0
    /** @type {Set<string>} */
    const seen = new Set()
    for (const scale of app.scales) {
      const key = `${scale.layer}:${scale.id}`
      let view = app.scaleViews.get(key)
      if (!view) {
        view = new ScaleView(app, scale)
        app.scaleViews.set(key, view)
      } else view.update(scale)
      seen.add(key)
      const at = this.scalesList.children[i]
      if (at !== view.el) this.scalesList.insertBefore(view.el, at ?? null)
      i++
    }
    for (const [key, view] of app.scaleViews) {
      if (!seen.has(key)) {
        view.destroy()
        app.scaleViews.delete(key)
      }
    }
    show(this.scalesNone, app.scales.length === 0)
    const facilitator = app.editable && app.config.isFacilitator
    show(this.addScaleButton, facilitator)
    const hasOverall = app.scales.some((s) => s.about === '')
    setText(this.addScaleButton, hasOverall ? app.t('scales.addAnother') : app.t('scales.add'))
    show(this.scales, app.scales.length > 0 || facilitator || !app.present)
  }

  /** The regions as tabs, in reading order (as of the last update). @returns {Region[]} */
  tabs () {
    const { t } = this.app
    return [
      ...this.columns,
      ...(this.moreShown ? [{ id: 'more', label: t('section.more'), el: this.optional }] : []),
      { id: 'scales', label: t('column.scales'), el: this.scales },
      ...(this.app.withdrawnCards.length ? [{ id: 'withdrawn', label: t('withdrawn.tab', { count: this.app.withdrawnCards.length }), el: this.withdrawn.el }] : [])
    ]
  }
}
