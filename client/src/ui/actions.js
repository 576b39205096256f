// What this person does to the map: add, move, delete and withdraw cards (the facilitator:
// restore them, or delete them for good), scales, undo, and the facilitator's lock and end
// (through the server's API).
import * as Y from 'yjs'
import { addCard, applyMove, deleteCard, newId, orderAtEnd, planMove, stepIndex } from '../cards.js'
import { readWithdrawal, str } from '../model.js'
import { addScale, deleteScale } from '../scales.js'
import { cardActions, restoreCard, withdrawCard } from '../withdraw.js'

/**
 * @typedef {import('./app.js').BoardApp} BoardApp
 * @typedef {import('../model.js').Card} Card
 * @typedef {import('../model.js').Scale} Scale
 */

export class Actions {
  /** @param {BoardApp} app */
  constructor (app) {
    this.app = app
  }

  /**
   * @param {string} section
   * @param {string} text
   * @param {'main' | 'professional'} layerName
   * @param {string} answers
   */
  addCard (section, text, layerName, answers) {
    const layer = this.app.session.layer(layerName) ?? this.app.session.main
    const history = this.app.session.history
    history.stopCapturing()
    addCard(layer.doc, {
      section,
      text,
      order: orderAtEnd(this.app.bySection.get(section) ?? []),
      author: this.app.me,
      answers: section === 'goals' ? answers : ''
    }, this.app.session.origin)
    history.stopCapturing()
    this.app.announcer.now(this.app.t('announce.youAdded', { section: this.app.sectionLabel(section) }))
  }

  /**
   * Put a card at `index` among the other cards of `section`.
   * @param {Card} card
   * @param {string} section
   * @param {number} index
   */
  moveTo (card, section, index) {
    if (!this.app.editable) return
    const target = this.app.bySection.get(section) ?? []
    const others = target.filter((c) => !(c.id === card.id && c.layer === card.layer))
    const at = Math.max(0, Math.min(index, others.length))
    if (section === card.section && target.findIndex((c) => c.id === card.id && c.layer === card.layer) === at) return
    const history = this.app.session.history
    history.stopCapturing()
    applyMove(planMove(target, card, at), card, section, this.app.session.origin)
    history.stopCapturing()
    this.app.announcer.now(this.app.t('announce.youMoved', { position: at + 1, count: others.length + 1, section: this.app.sectionLabel(section) }))
    const key = `${card.layer}:${card.id}`
    this.app.pendingFocus = () => {
      const view = this.app.cardViews.get(key)
      if (!view) return
      this.app.tabs.reveal(view.el)
      view.el.scrollIntoView({ block: 'nearest' })
    }
    this.app.scheduleRender()
  }

  /** @param {Card} card @param {string} section */
  moveToEnd (card, section) { this.moveTo(card, section, Number.MAX_SAFE_INTEGER) }

  /** @param {Card} card @param {-1 | 1} step */
  moveStep (card, step) {
    const index = stepIndex(this.app.bySection.get(card.section) ?? [], card, step)
    if (index !== null) this.moveTo(card, card.section, index)
  }

  /** @param {Card} card @param {-1 | 1} step */
  moveSection (card, step) {
    const sections = this.app.visibleSections()
    const next = sections[sections.indexOf(card.section) + step]
    if (next) this.moveTo(card, next, step > 0 ? 0 : Number.MAX_SAFE_INTEGER)
  }

  /**
   * What this person may do to the card as it is in the document now (the page may not have
   * shown someone else's change yet): null when it is gone.
   * @param {Card} card
   */
  current (card) {
    const map = this.app.session.layer(card.layer)?.items.get(card.id)
    if (map !== card.map) return null
    return cardActions({ author: str(card.map.get('author')), withdrawn: readWithdrawal(card.map.get('withdrawn')) }, this.app.viewer())
  }

  /** "Delete" (your own card) or "Withdraw" (anyone else's), once the person says yes. @param {Card} card */
  askRemove (card) {
    const what = this.current(card)?.remove
    if (!what) return
    this.app.dialogs.confirmCard(what, card.text?.toString() ?? '', () => {
      if (this.current(card)?.remove !== what) return
      if (what === 'delete') this.deleteCard(card)
      else this.withdraw(card)
    })
  }

  /**
   * The focus after a card leaves its section: the next card's text (or the one before), else
   * the section's "Add a card".
   * @param {Card} card
   */
  focusAfterLeaving (card) {
    const list = this.app.bySection.get(card.section) ?? []
    const i = list.findIndex((c) => c.id === card.id && c.layer === card.layer)
    const next = list[i + 1] ?? list[i - 1] ?? null
    const section = card.section
    this.app.pendingFocus = () => {
      const view = next ? this.app.cardViews.get(`${next.layer}:${next.id}`) : null
      if (view) view.focusText()
      else this.app.sectionViews.get(section)?.composer?.button.focus()
    }
  }

  /** Delete this person's own card (undo brings it back). @param {Card} card */
  deleteCard (card) {
    const doc = card.map.doc
    if (!doc || !this.app.editable) return
    this.focusAfterLeaving(card)
    const history = this.app.session.history
    history.stopCapturing()
    deleteCard(doc, card.id, this.app.session.origin)
    history.stopCapturing()
    this.app.banners.showToast(this.app.t('card.deleted'))
    this.app.announcer.now(this.app.t('announce.youDeleted'))
    this.app.scheduleRender()
  }

  /** Take someone else's card off the map, keeping it in the withdrawn list. @param {Card} card */
  withdraw (card) {
    if (!this.app.editable || !this.app.me) return
    this.focusAfterLeaving(card)
    withdrawCard(card, this.app.me, this.app.session.lasting)
    this.app.announcer.now(this.app.t('announce.youWithdrew'))
    this.app.scheduleRender()
  }

  /** The facilitator puts a withdrawn card back (no need to ask: nothing is lost). @param {Card} card */
  askRestore (card) {
    if (!this.current(card)?.restore) return
    restoreCard(card, this.app.session.lasting)
    this.app.announcer.now(this.app.t('announce.youRestored', { section: this.app.sectionLabel(card.section) }))
    const key = `${card.layer}:${card.id}`
    this.app.pendingFocus = () => {
      const view = this.app.cardViews.get(key)
      if (!view) return
      this.app.tabs.reveal(view.el)
      view.el.scrollIntoView({ block: 'nearest' })
      view.focusText()
    }
    this.app.scheduleRender()
  }

  /** The facilitator deletes a withdrawn card for good, once they say yes. @param {Card} card */
  askDeleteForGood (card) {
    if (!this.current(card)?.deleteForGood) return
    this.app.dialogs.confirmCard('forGood', card.text?.toString() ?? '', () => {
      const doc = card.map.doc
      if (!doc || !this.current(card)?.deleteForGood) return
      const list = this.app.withdrawnCards
      const i = list.findIndex((c) => c.id === card.id && c.layer === card.layer)
      const next = list[i + 1] ?? list[i - 1] ?? null
      deleteCard(doc, card.id, this.app.session.lasting)
      this.app.announcer.now(this.app.t('announce.youDeletedForGood'))
      this.app.pendingFocus = () => {
        const target = next ? this.app.parts.withdrawn.views.get(`${next.layer}:${next.id}`)?.focusTarget() : null
        if (target) target.focus()
        else {
          const title = this.app.header.title
          title.tabIndex = -1
          title.focus()
        }
      }
      this.app.scheduleRender()
    })
  }

  addOverallScale () {
    const doc = this.app.session.main.doc
    const id = this.app.session.main.scales.has('overall') ? newId() : 'overall'
    this.createScale(doc, id, '')
  }

  /** @param {Card} card */
  addScaleFor (card) {
    const doc = card.map.doc
    if (doc) this.createScale(doc, newId(), card.id)
  }

  /** @param {Y.Doc} doc @param {string} id @param {string} about */
  createScale (doc, id, about) {
    const { t } = this.app
    this.app.session.history.stopCapturing()
    addScale(doc, { id, about, question: t('scale.defaultQuestion'), low: t('scale.defaultLow'), high: t('scale.defaultHigh') }, this.app.session.origin)
    this.app.session.history.stopCapturing()
    const layer = doc === this.app.session.main.doc ? 'main' : 'professional'
    this.app.pendingFocus = () => {
      const view = this.app.scaleViews.get(`${layer}:${id}`)
      if (!view) return
      this.app.tabs.reveal(view.el)
      view.el.scrollIntoView({ block: 'nearest' })
    }
    this.app.scheduleRender()
  }

  /** @param {Scale} scale */
  deleteScale (scale) {
    const doc = scale.map.doc
    if (!doc) return
    this.app.session.history.stopCapturing()
    deleteScale(doc, scale.id, this.app.session.origin)
    this.app.session.history.stopCapturing()
    this.app.banners.showToast(this.app.t('scale.deleted'))
    this.app.announcer.now(this.app.t('announce.scaleDeleted'))
  }

  /** Lock or unlock the board through the server, which enforces it and writes `meta.locked`. */
  async toggleLock () {
    try {
      await this.post(this.app.config.lockUrl, { locked: !this.app.locked })
    } catch {
      this.app.announcer.now(this.app.t('lock.failed'))
      this.app.banners.setProblem(this.app.t('lock.failed'))
      setTimeout(() => this.app.scheduleRender(), 5000)
    }
  }

  /**
   * A JSON call to the server's API as the signed-in facilitator (session cookie + CSRF header).
   * @param {string} url
   * @param {Record<string, unknown>} body
   * @returns {Promise<Response>}
   */
  async post (url, body) {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', ...(this.app.config.csrfToken ? { 'X-CSRF-Token': this.app.config.csrfToken } : {}) },
      body: JSON.stringify(body)
    })
    if (!response.ok && response.status !== 409) throw new Error(`${url}: ${response.status}`)
    return response
  }

  /** @param {string[]} ids */
  setOptionalSections (ids) {
    const meta = this.app.session.main.meta
    this.app.session.main.doc.transact(() => meta.set('optionalSections', ids), this.app.session.origin)
  }

  undo () {
    if (!this.app.editable) return
    this.app.announcer.now(this.app.session.history.undo() ? this.app.t('announce.undone') : this.app.t('announce.nothingToUndo'))
  }

  redo () {
    if (!this.app.editable) return
    if (this.app.session.history.redo()) this.app.announcer.now(this.app.t('announce.redone'))
  }

  async endMeeting () {
    const response = await this.post(this.app.config.endUrl, { name: this.app.config.participant.name })
    const body = response.ok ? await response.json().catch(() => ({})) : {}
    this.app.ended = true
    this.app.endedAt = typeof body.createdAt === 'string' ? body.createdAt : new Date().toISOString()
    this.app.announcer.now(this.app.t('announce.ended'))
    this.app.scheduleRender()
  }
}
