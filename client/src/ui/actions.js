// What this person does to the map: add, move, delete and withdraw cards (the facilitator:
// restore them, or delete them for good), scales, undo, which card they are typing in, and the
// facilitator's lock and end (through the server's API). The views call these; each change is
// then said aloud, and the focus put where it belongs once the next render has drawn it.
import * as Y from 'yjs'
import { addCard, applyMove, deleteCard, newId, orderAtEnd, planMove, stepIndex } from '../cards.js'
import { readWithdrawal, str } from '../model.js'
import { editingByRoom } from '../people.js'
import { addScale, deleteScale } from '../scales.js'
import { cardActions, restoreCard, withdrawCard } from '../withdraw.js'
import { worryScaleWording } from '../worryscale.js'

/**
 * @typedef {import('../model.js').Card} Card
 * @typedef {import('../model.js').Scale} Scale
 * @typedef {import('../board.js').Board} Board
 * @typedef {import('../session.js').Session} Session
 * @typedef {import('../strings.js').Translate} Translate
 * @typedef {import('../api.js').MeetingApi} MeetingApi
 * @typedef {{
 *   board: Board, session: Session, t: Translate, api: Pick<MeetingApi, 'setLocked' | 'endMeeting'>,
 *   announcer: import('./announcer.js').Announcer,
 *   dialogs: Pick<import('./dialogs.js').Dialogs, 'confirmCard'>,
 *   banners: Pick<import('./banners.js').Banners, 'showToast' | 'setProblem'>,
 *   views: import('./views.js').Views,
 *   tabs: Pick<import('./tabs.js').Tabs, 'reveal'>,
 *   title: () => HTMLElement,
 *   render: () => void,
 *   focusAfterRender: (fn: () => void) => void
 * }} ActionsDeps
 */

export class Actions {
  /**
   * `title` gives the board's title (the header, which holds it, is made after the actions its
   * buttons call); `render` asks for a render; `focusAfterRender` runs at the end of the next.
   * @param {ActionsDeps} deps
   */
  constructor ({ board, session, t, api, announcer, dialogs, banners, views, tabs, title, render, focusAfterRender }) {
    this.board = board
    this.session = session
    this.t = t
    this.api = api
    this.announcer = announcer
    this.dialogs = dialogs
    this.banners = banners
    this.views = views
    this.tabs = tabs
    this.title = title
    this.render = render
    this.focusAfterRender = focusAfterRender
  }

  /**
   * @param {string} section
   * @param {string} text
   * @param {'main' | 'professional'} layerName
   * @param {string} answers
   */
  addCard (section, text, layerName, answers) {
    const layer = this.session.layer(layerName) ?? this.session.main
    const history = this.session.history
    history.stopCapturing()
    addCard(layer.doc, {
      section,
      text,
      order: orderAtEnd(this.board.bySection.get(section) ?? []),
      author: this.board.me,
      answers: section === 'goals' ? answers : ''
    }, this.session.origin)
    history.stopCapturing()
    this.announcer.now(this.t('announce.youAdded', { section: this.board.sectionLabel(section) }))
  }

  /**
   * The keyboard's "add a card here": open the "Add a card" form of the section `from` is in
   * (a card or a section), else of the first section of the column `from` is in, else of the
   * first column in view. False when there is no form to open.
   * @param {Element} from
   */
  addCardHere (from) {
    const open = [...this.views.sections.values()].filter((view) => view.composer && !view.el.hidden)
    const inView = (/** @type {Element | null} */ el) => {
      const r = el?.getBoundingClientRect()
      return !!r && r.width > 0 && r.bottom > 0 && r.top < window.innerHeight
    }
    const here = from.closest('.map-section, [data-testid="card"]')
    const column = from.closest('.column')
    const view = open.find((v) => here instanceof HTMLElement && v.id === here.dataset.section) ??
      open.find((v) => column !== null && column.contains(v.el)) ??
      open.find((v) => inView(v.el.closest('.column')))
    if (!view?.composer) return false
    this.tabs.reveal(view.el)
    view.composer.open()
    return true
  }

  /**
   * Put a card at `index` among the other cards of `section`.
   * @param {Card} card
   * @param {string} section
   * @param {number} index
   */
  moveTo (card, section, index) {
    if (!this.board.editable) return
    const target = this.board.bySection.get(section) ?? []
    const others = target.filter((c) => !(c.id === card.id && c.layer === card.layer))
    const at = Math.max(0, Math.min(index, others.length))
    if (section === card.section && target.findIndex((c) => c.id === card.id && c.layer === card.layer) === at) return
    const history = this.session.history
    history.stopCapturing()
    applyMove(planMove(target, card, at), card, section, this.session.origin)
    history.stopCapturing()
    this.announcer.now(this.t('announce.youMoved', { position: at + 1, count: others.length + 1, section: this.board.sectionLabel(section) }))
    const key = `${card.layer}:${card.id}`
    this.focusAfterRender(() => {
      const view = this.views.cards.get(key)
      if (!view) return
      this.tabs.reveal(view.el)
      view.el.scrollIntoView({ block: 'nearest' })
    })
    this.render()
  }

  /** @param {Card} card @param {string} section */
  moveToEnd (card, section) { this.moveTo(card, section, Number.MAX_SAFE_INTEGER) }

  /** @param {Card} card @param {-1 | 1} step */
  moveStep (card, step) {
    const index = stepIndex(this.board.bySection.get(card.section) ?? [], card, step)
    if (index !== null) this.moveTo(card, card.section, index)
  }

  /** @param {Card} card @param {-1 | 1} step */
  moveSection (card, step) {
    const sections = this.board.visibleSections()
    const next = sections[sections.indexOf(card.section) + step]
    if (next) this.moveTo(card, next, step > 0 ? 0 : Number.MAX_SAFE_INTEGER)
  }

  /**
   * What this person may do to the card as it is in the document now (the page may not have
   * shown someone else's change yet): null when it is gone.
   * @param {Card} card
   */
  current (card) {
    const map = this.session.layer(card.layer)?.items.get(card.id)
    if (map !== card.map) return null
    return cardActions({ author: str(card.map.get('author')), withdrawn: readWithdrawal(card.map.get('withdrawn')) }, this.board.viewer())
  }

  /** "Delete" (your own card) or "Withdraw" (anyone else's), once the person says yes. @param {Card} card */
  askRemove (card) {
    const what = this.current(card)?.remove
    if (!what) return
    this.dialogs.confirmCard(what, card.text?.toString() ?? '', () => {
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
    const list = this.board.bySection.get(card.section) ?? []
    const i = list.findIndex((c) => c.id === card.id && c.layer === card.layer)
    const next = list[i + 1] ?? list[i - 1] ?? null
    const section = card.section
    this.focusAfterRender(() => {
      const view = next ? this.views.cards.get(`${next.layer}:${next.id}`) : null
      if (view) view.focusText()
      else this.views.sections.get(section)?.composer?.button.focus()
    })
  }

  /** Delete this person's own card (undo brings it back). @param {Card} card */
  deleteCard (card) {
    const doc = card.map.doc
    if (!doc || !this.board.editable) return
    this.focusAfterLeaving(card)
    const history = this.session.history
    history.stopCapturing()
    deleteCard(doc, card.id, this.session.origin)
    history.stopCapturing()
    this.banners.showToast(this.t('card.deleted'))
    this.announcer.now(this.t('announce.youDeleted'))
    this.render()
  }

  /** Take someone else's card off the map, keeping it in the withdrawn list. @param {Card} card */
  withdraw (card) {
    if (!this.board.editable || !this.board.me) return
    this.focusAfterLeaving(card)
    withdrawCard(card, this.board.me, this.session.lasting)
    this.announcer.now(this.t('announce.youWithdrew'))
    this.render()
  }

  /** The facilitator puts a withdrawn card back (no need to ask: nothing is lost). @param {Card} card */
  askRestore (card) {
    if (!this.current(card)?.restore) return
    restoreCard(card, this.session.lasting)
    this.announcer.now(this.t('announce.youRestored', { section: this.board.sectionLabel(card.section) }))
    const key = `${card.layer}:${card.id}`
    this.focusAfterRender(() => {
      const view = this.views.cards.get(key)
      if (!view) return
      this.tabs.reveal(view.el)
      view.el.scrollIntoView({ block: 'nearest' })
      view.focusText()
    })
    this.render()
  }

  /** The facilitator deletes a withdrawn card for good, once they say yes. @param {Card} card */
  askDeleteForGood (card) {
    if (!this.current(card)?.deleteForGood) return
    this.dialogs.confirmCard('forGood', card.text?.toString() ?? '', () => {
      const doc = card.map.doc
      if (!doc || !this.current(card)?.deleteForGood) return
      const list = this.board.withdrawnCards
      const i = list.findIndex((c) => c.id === card.id && c.layer === card.layer)
      const next = list[i + 1] ?? list[i - 1] ?? null
      deleteCard(doc, card.id, this.session.lasting)
      this.announcer.now(this.t('announce.youDeletedForGood'))
      this.focusAfterRender(() => {
        const target = next ? this.views.withdrawn.get(`${next.layer}:${next.id}`)?.focusTarget() : null
        if (target) target.focus()
        else {
          const title = this.title()
          title.tabIndex = -1
          title.focus()
        }
      })
      this.render()
    })
  }

  addOverallScale () {
    const doc = this.session.main.doc
    const id = this.session.main.scales.has('overall') ? newId() : 'overall'
    this.createScale(doc, id, '')
  }

  /** @param {Card} card */
  addScaleFor (card) {
    const doc = card.map.doc
    // Its question quotes the worry (worryscale.js); the facilitator can change it.
    if (doc) this.createScale(doc, newId(), card.id, worryScaleWording(card.text?.toString() ?? '', this.t))
  }

  /**
   * @param {Y.Doc} doc @param {string} id @param {string} about
   * @param {{ question: string, low: string, high: string }} [wording] the overall scale's by default
   */
  createScale (doc, id, about, wording) {
    const { t } = this
    const words = wording ?? { question: t('scale.defaultQuestion'), low: t('scale.defaultLow'), high: t('scale.defaultHigh') }
    this.session.history.stopCapturing()
    addScale(doc, { id, about, ...words }, this.session.origin)
    this.session.history.stopCapturing()
    const layer = doc === this.session.main.doc ? 'main' : 'professional'
    this.focusAfterRender(() => {
      const view = this.views.scales.get(`${layer}:${id}`)
      if (!view) return
      this.tabs.reveal(view.el)
      view.el.scrollIntoView({ block: 'nearest' })
    })
    this.render()
  }

  /** @param {Scale} scale */
  deleteScale (scale) {
    const doc = scale.map.doc
    if (!doc) return
    this.session.history.stopCapturing()
    deleteScale(doc, scale.id, this.session.origin)
    this.session.history.stopCapturing()
    this.banners.showToast(this.t('scale.deleted'))
    this.announcer.now(this.t('announce.scaleDeleted'))
  }

  /** Lock or unlock the board through the server, which enforces it and writes `meta.locked`. */
  async toggleLock () {
    try {
      await this.api.setLocked(!this.board.locked)
    } catch {
      this.announcer.now(this.t('lock.failed'))
      this.banners.setProblem(this.t('lock.failed'))
      setTimeout(() => this.render(), 5000)
    }
  }

  /** @param {string[]} ids */
  setOptionalSections (ids) {
    const meta = this.session.main.meta
    this.session.main.doc.transact(() => meta.set('optionalSections', ids), this.session.origin)
  }

  /** The facilitator allows pictures on every card, or only in the child's voice. @param {boolean} on */
  setPicturesEverywhere (on) {
    const meta = this.session.main.meta
    this.session.main.doc.transact(() => {
      if (on) meta.set('picturesEverywhere', true)
      else meta.delete('picturesEverywhere')
    }, this.session.origin)
  }

  /**
   * Say which card this person is typing in, in the presence of that card's room only: the
   * main room (heard by the family and the shared screen) never hears of a professionals-only
   * card.
   * @param {string | null} key "layer:cardId", or null
   */
  setEditing (key) {
    const where = editingByRoom(key)
    this.session.setEditing(where.main)
    const awareness = this.session.professional?.provider.awareness
    if (!awareness) return
    const state = awareness.getLocalState()
    if ((state?.editing ?? null) !== where.professional) awareness.setLocalState({ ...(state ?? {}), editing: where.professional })
  }

  undo () {
    if (!this.board.editable) return
    this.announcer.now(this.session.history.undo() ? this.t('announce.undone') : this.t('announce.nothingToUndo'))
  }

  redo () {
    if (!this.board.editable) return
    if (this.session.history.redo()) this.announcer.now(this.t('announce.redone'))
  }

  async endMeeting () {
    const body = await this.api.endMeeting()
    this.board.ended = true
    this.board.endedAt = typeof body.createdAt === 'string' ? body.createdAt : new Date().toISOString()
    this.announcer.now(this.t('announce.ended'))
    this.render()
  }
}
