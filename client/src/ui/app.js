// The board: builds the page inside <main id="board">, hands each view what it uses, keeps the
// page in step with the documents (one render per animation frame), and owns the keyboard
// shortcuts. The only place that knows every part.
import * as Y from 'yjs'
import { describeRemote } from '../announce.js'
import { meetingApi, reloadPage, uploadPicture } from '../api.js'
import { Board } from '../board.js'
import { rosterFromAwareness } from '../people.js'
import { Session } from '../session.js'
import { createStrings } from '../strings.js'
import { Actions } from './actions.js'
import { Announcer } from './announcer.js'
import { Banners } from './banners.js'
import { CardView } from './card.js'
import { Composer } from './composer.js'
import { Dialogs } from './dialogs.js'
import { autosizeAll, h, readingKey, replaceChildren, show, uid } from './dom.js'
import { DragController } from './dragdrop.js'
import { captureFocus, restoreFocus } from './focus.js'
import { Header } from './header.js'
import { PictureAdd } from './pictureadd.js'
import { PictureView } from './pictureview.js'
import { Regions } from './regions.js'
import { ScaleView } from './scale.js'
import { Screen } from './screen.js'
import { ScreenControl } from './screencontrol.js'
import { SectionView } from './section.js'
import { StatusView } from './status.js'
import { Tabs } from './tabs.js'
import { Views } from './views.js'
import { WaitingRoom } from './waiting.js'
import { WithdrawnList } from './withdrawn.js'

/**
 * @typedef {import('../config.js').BoardConfig} BoardConfig
 * @typedef {import('../model.js').Card} Card
 * @typedef {import('../people.js').Present} Present
 * @typedef {import('../session.js').Layer} Layer
 */

/** Whether keys pressed in `el` are typing (a field, a list, editable text) or meant for a dialog. @param {HTMLElement} el */
function typing (el) {
  return el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || el.isContentEditable || el.closest('dialog') !== null ||
    (el instanceof HTMLInputElement && !['button', 'checkbox', 'radio', 'submit', 'reset'].includes(el.type))
}

export class BoardApp {
  /**
   * @param {HTMLElement} root
   * @param {BoardConfig} config
   */
  constructor (root, config) {
    this.root = root
    this.config = config
    const t = this.t = createStrings(config.strings, config.locale || document.documentElement.lang || undefined)
    // The page says its language and direction already; a page that did not follows the board's.
    if (config.locale) document.documentElement.lang = config.locale
    document.documentElement.dir = config.dir
    /** @type {Set<string>} keys ("layer:id") of the cards withdrawn as last shown */
    this.withdrawnKeys = new Set()
    /** @type {Map<string, string>} card key -> section, as last shown (to name a deleted card's section) */
    this.sectionOf = new Map()
    /** @type {(() => void) | null} */
    this.pendingFocus = null
    /** @type {Set<HTMLTextAreaElement>} text boxes to fit at the end of the render */
    this.toSize = new Set()
    this.renderQueued = false
    this.rendering = false
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.slowTimer = null
    this.ready = false
    // Whether the next render brings more than presence: the shared screen lays out at once.
    this.screenNow = true

    const session = this.session = new Session(config, {
      onDocChange: (layer, events, tr) => this.onDocChange(layer, events, tr),
      onPresence: () => this.scheduleRender(true),
      onConnection: () => this.scheduleRender(),
      onServerStatus: () => this.scheduleRender()
    })
    session.history.onChange(() => this.scheduleRender())
    // Who is typing in a professionals-only card is said in that room's presence only.
    session.professional?.provider.awareness.on('change', () => this.scheduleRender())
    const board = this.board = new Board(config, t, session)
    const api = meetingApi(config)
    const views = this.views = new Views()
    const render = () => this.scheduleRender()

    // Views number their ids (uid) as they are made: the header's, the people list's, the
    // withdrawn list's, the waiting room's, then the map's. Keep that order, or the ids change.
    this.liveRegion = h('div', { class: 'visually-hidden', 'aria-live': 'polite', role: 'status', 'data-testid': 'announcer' })
    const announcer = this.announcer = new Announcer(this.liveRegion, (n) => t.plural('announce.many', n))
    this.tabList = h('div', { class: 'board-tabs', 'data-testid': 'tabs' })
    const short = { worries: t('tab.worries'), working_well: t('tab.workingWell'), needs_to_happen: t('tab.needsToHappen'), more: t('tab.more') }
    const tabs = this.tabs = new Tabs(this.tabList, t('column.tabs'), () => { this.resizeTexts(); this.screen?.layout() }, short)
    this.regions = h('div', { class: 'board-regions' })
    // Made before the actions, which use them: the toast's Undo and the end dialog reach the
    // actions through callbacks.
    const banners = this.banners = new Banners({ t, actions: { undo: () => this.actions.undo(), reload: reloadPage } })
    const dialogs = this.dialogs = new Dialogs({ t, actions: { endMeeting: () => this.actions.endMeeting() } })
    const actions = this.actions = new Actions({
      board,
      session,
      t,
      api,
      announcer,
      dialogs,
      banners,
      views,
      tabs,
      title: () => this.header.title,
      render,
      focusAfterRender: (fn) => { this.pendingFocus = fn }
    })
    /** @type {WaitingRoom | null} the facilitator's, on the editing view of an open meeting */
    this.waiting = null
    const header = this.header = new Header({ t, config, board, session, root, actions, dialogs })
    this.status = new StatusView({
      t,
      config,
      session,
      board,
      announcer,
      header,
      banners,
      root,
      hideMap: () => {
        show(this.regions, false)
        show(this.tabList, false)
      }
    })
    const drag = this.drag = new DragController({ board, sectionViews: views.sections, actions })
    const peopleListId = uid('people')
    this.peopleList = h('datalist', { id: peopleListId })
    /** @type {PictureAdd | null} "Add a picture" (made after the map, below) */
    this.pictureAdd = null
    /** @type {PictureView | null} a picture opened large */
    this.pictureView = null
    const pictures = {
      add: (/** @type {Card} */ card) => this.pictureAdd?.open(card),
      open: (/** @type {Card} */ card, /** @type {import('../pictures.js').Picture} */ picture) => this.pictureView?.open(card, picture)
    }
    /** @type {import('./card.js').CardDeps} */
    this.cardDeps = { board, session, t, actions, drag, sizeLater: (textarea) => this.sizeLater(textarea), peopleListId, pictures }
    // The map's parts (columns, "More", scales) inside `regions`.
    this.parts = new Regions({
      board,
      config,
      t,
      actions,
      views,
      makeSection: (id) => new SectionView({
        board,
        t,
        viewFor: (card, kind) => this.viewFor(card, kind),
        makeComposer: (section) => new Composer({ board, session, t, actions, sectionViews: views.sections }, section)
      }, id),
      makeScale: (scale) => new ScaleView({ board, session, t, actions, announcer }, scale),
      makeWithdrawnList: () => new WithdrawnList({ board, t, actions, pictures, views: views.withdrawn }),
      reveal: (el) => tabs.reveal(el)
    }, this.regions)
    this.loading = h('p', { class: 'board-loading', 'data-testid': 'loading', text: t('board.loading') })
    root.classList.add('board', board.present ? 'board--present' : 'board--edit')
    root.setAttribute('aria-busy', 'true')
    if (config.isFacilitator && !board.present && !board.ended) this.waiting = new WaitingRoom({ t, board, api, announcer, render, root, roster: header.roster })
    replaceChildren(root, this.parts.skipLinks, header.el, banners.el, this.waiting?.el, this.loading, this.tabList, this.regions, banners.toast, this.liveRegion, dialogs.el, this.waiting?.dialog, this.peopleList)
    this.parts.build()
    if (config.pictures && !board.present) {
      const pictureDeps = { t, board, session, announcer, render }
      this.pictureAdd = new PictureAdd({ ...pictureDeps, upload: uploadPicture })
      this.pictureView = new PictureView({
        ...pictureDeps,
        focusCard: (card) => {
          this.pendingFocus = () => this.views.cards.get(`${card.layer}:${card.id}`)?.focusText()
        }
      })
      root.append(this.pictureAdd.el, this.pictureView.el)
    }
    // The shared screen pages and follows the facilitator, whose board steers it (presence).
    const awareness = session.main.provider.awareness
    const settle = () => { for (const scale of views.scales.values()) scale.layoutChips() }
    this.screen = board.present ? new Screen({ t, config, awareness, regions: this.regions, settle }) : null
    const steer = this.steer = config.isFacilitator && !board.present && !board.ended ? new ScreenControl({ t, config, awareness }) : null
    if (this.screen) header.el.after(this.screen.bar)
    if (steer) header.besideTitle(steer.el)

    root.addEventListener('keydown', (e) => this.onKeyDown(e))
    // "Add a card here" also with the focus outside the board (nothing focused, after a click).
    document.addEventListener('keydown', (e) => {
      if (!root.contains(/** @type {Node} */ (e.target))) this.addHere(e)
    })
    window.addEventListener('beforeunload', (e) => {
      // Also while the server says it cannot save: the page holds the only copy of the edits.
      if ((session.unsent || session.notSaving()) && !board.ended) {
        e.preventDefault()
        e.returnValue = ''
      }
    })
    window.addEventListener('online', () => this.scheduleRender())
    window.addEventListener('offline', () => this.scheduleRender())
    /** @type {ReturnType<typeof setTimeout> | null} */
    let resizing = null
    window.addEventListener('resize', () => {
      if (resizing !== null) clearTimeout(resizing)
      resizing = setTimeout(() => {
        resizing = null
        this.resizeTexts()
        this.screen?.layout()
      }, 150)
    })
    this.ready = true
    this.render()
  }

  // --- rendering -------------------------------------------------------------------------

  /** @param {boolean} [presenceOnly] only someone's presence changed (not the map, not the connection) */
  scheduleRender (presenceOnly = false) {
    if (!presenceOnly) this.screenNow = true
    if (this.renderQueued || !this.ready) return
    this.renderQueued = true
    requestAnimationFrame(() => this.render())
  }

  /** Typing in a card updates its own textarea at once; the rest (pairings) can wait. */
  scheduleSlowRender () {
    if (this.slowTimer !== null) return
    this.slowTimer = setTimeout(() => {
      this.slowTimer = null
      this.scheduleRender()
    }, this.board.present ? 150 : 600)
  }

  render () {
    const started = performance.now()
    this.renderQueued = false
    this.rendering = true
    const { session, board } = this
    board.read()
    this.status.update() // first: it learns that the meeting has ended, which the rest follow
    this.updateRoster()
    this.banners.setUnsaved(session.notSaving() && !board.ended && !session.main.refusal)
    this.waiting?.update()

    const editable = board.computeEditable()
    if (editable !== board.editable) {
      board.editable = editable
      this.parts.build()
    }
    const focus = captureFocus(this.root)
    this.parts.update()
    this.header.update()
    // Once the meeting has ended there is no screen to steer (the screen is closed too).
    if (board.ended && this.steer) {
      this.steer.el.remove()
      this.steer = null
    }
    this.updatePeopleList()
    this.pictureView?.update()
    this.tabs.setRegions(this.parts.tabs())
    autosizeAll(this.toSize)
    this.toSize.clear()
    this.rendering = false
    restoreFocus(focus)
    if (this.pendingFocus) {
      const fn = this.pendingFocus
      this.pendingFocus = null
      fn()
    }
    this.sectionOf = new Map(board.cards.map((c) => [`${c.layer}:${c.id}`, c.section]))
    this.withdrawnKeys = new Set(board.withdrawnCards.map((c) => `${c.layer}:${c.id}`))
    const loaded = session.main.everSynced || session.main.refusal !== null
    if (loaded && this.root.hasAttribute('aria-busy')) {
      this.root.removeAttribute('aria-busy')
      // For measuring: from the script starting to the first render of the synced map.
      performance.mark('board:rendered')
      try {
        performance.measure('board:first-render', 'board:start', 'board:rendered')
        performance.measure('board:render', { start: started, end: performance.now() })
      } catch {}
    }
    show(this.loading, !loaded && session.main.status !== 'disconnected')
    // In the same frame: a card that arrived is never drawn outside the screen's pages. After
    // presence alone (anyone's link can change it every few ms), once the screen has time.
    if (this.screenNow) this.screen?.layout()
    else this.screen?.relayout()
    this.screenNow = false
  }

  updateRoster () {
    const { session, board, t } = this
    const awareness = session.main.provider.awareness
    const states = new Map(awareness.getStates())
    const mine = states.get(awareness.clientID)
    if (mine && session.main.status === 'connected') {
      const p = this.config.participant
      states.set(awareness.clientID, { ...mine, user: { ...(mine.user ?? {}), id: p.id, name: p.name, role: p.role, relationship: p.relationship, agency: p.agency } })
    } else states.delete(awareness.clientID)
    const before = board.roster
    board.roster = rosterFromAwareness(states)
    const main = session.main
    const settled = main.status === 'connected' && main.synced && Date.now() - this.status.lastSyncAt > 3000
    if (settled) {
      const key = (/** @type {Present} */ p) => p.id || `client:${p.clientId}`
      const had = new Set(before.map(key))
      const has = new Set(board.roster.map(key))
      for (const p of board.roster) if (!had.has(key(p)) && p.clientId !== awareness.clientID) this.announcer.say(t('announce.joined', { name: p.name }))
      for (const p of before) if (!has.has(key(p))) this.announcer.say(t('announce.left', { name: p.name }))
    }
    this.header.setRoster(board.roster, this.waiting)
    const professional = session.professional?.provider.awareness
    board.professionalRoster = professional ? rosterFromAwareness(professional.getStates()) : []
  }

  updatePeopleList () {
    const { board } = this
    const names = new Set([...board.people.values()].map((p) => p.name).concat(board.roster.map((p) => p.name)))
    const key = [...names].sort().join('|')
    if (this.peopleList.dataset.key === key) return
    this.peopleList.dataset.key = key
    replaceChildren(this.peopleList, [...names].sort().map((name) => h('option', { value: name })))
  }

  /** Card text boxes fit their text again (after a resize, or a tab coming into view). */
  resizeTexts () {
    autosizeAll([...this.views.cards.values()].flatMap((view) => view.textarea ? [view.textarea] : []))
  }

  /** Fit a card's text box at the end of this render, with all the others. @param {HTMLTextAreaElement} textarea */
  sizeLater (textarea) {
    this.toSize.add(textarea)
    if (!this.rendering) this.scheduleRender()
  }

  // --- other people's changes --------------------------------------------------------------

  /**
   * @param {Layer} layer
   * @param {Y.YEvent<any>[]} events
   * @param {Y.Transaction} tr
   */
  onDocChange (layer, events, tr) {
    if (!this.ready) return
    if (!tr.local && layer.everSynced) {
      const { board } = this
      this.announcer.say(describeRemote(events, layer.items, layer.scales, {
        t: this.t,
        sectionLabel: (id) => board.sectionLabel(id),
        personName: (id) => board.personName(id),
        previousSection: (id) => this.sectionOf.get(`${layer.name}:${id}`) ?? '',
        previousWithdrawn: (id) => this.withdrawnKeys.has(`${layer.name}:${id}`)
      }))
    }
    if (events.every((e) => e.target instanceof Y.Text)) this.scheduleSlowRender()
    else this.scheduleRender()
    if (layer.name === 'main' && events.some((e) => e.currentTarget === layer.meta)) {
      // Someone may have replaced `meta.people` at the same moment as us: write ours again.
      queueMicrotask(() => this.session.rememberSelf())
    }
  }

  // --- keyboard ----------------------------------------------------------------------------

  /** @param {KeyboardEvent} e */
  onKeyDown (e) {
    if (!this.board.editable || e.defaultPrevented) return
    const target = /** @type {HTMLElement} */ (e.target)
    const mod = e.ctrlKey || e.metaKey
    const key = e.key.toLowerCase()
    if (mod && !e.altKey && (key === 'z' || key === 'y')) {
      // Plain fields (a new card, a speaker name) keep the browser's own undo.
      const plain = (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) && target.dataset.bound !== 'text'
      if (plain) return
      e.preventDefault()
      if (key === 'y' || e.shiftKey) this.actions.redo()
      else this.actions.undo()
      return
    }
    if (e.altKey && !mod && !e.shiftKey && ['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight'].includes(e.key)) {
      const el = target.closest('[data-item-id]')
      if (!(el instanceof HTMLElement)) return
      const view = this.views.cards.get(`${el.dataset.layer}:${el.dataset.itemId}`)
      if (!view) return
      e.preventDefault()
      if (e.key === 'ArrowUp') this.actions.moveStep(view.card, -1)
      else if (e.key === 'ArrowDown') this.actions.moveStep(view.card, 1)
      else this.actions.moveSection(view.card, readingKey(e.key) === 'ArrowLeft' ? -1 : 1)
      return
    }
    this.addHere(e)
  }

  /**
   * N: "Add a card" here. A plain letter, so never while typing, nor with a modifier (the
   * browser's and screen readers' keys), nor held down.
   * @param {KeyboardEvent} e
   */
  addHere (e) {
    const target = /** @type {HTMLElement} */ (e.target)
    if (!this.board.editable || e.defaultPrevented || e.key.toLowerCase() !== 'n') return
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || typing(target)) return
    if (this.actions.addCardHere(target)) e.preventDefault()
  }

  /**
   * A card's view, made on first use (and made again if the card became a table row).
   * @param {Card} card
   * @param {import('./card.js').CardKind} kind
   */
  viewFor (card, kind) {
    const key = `${card.layer}:${card.id}`
    const existing = this.views.cards.get(key)
    // Reused unless it must look different: a table row now, or a new Y.Text under the card.
    if (existing && existing.kind === kind && existing.card.text === card.text) return existing
    const hadFocus = existing ? existing.el.contains(document.activeElement) : false
    existing?.destroy()
    const view = new CardView(this.cardDeps, card, kind)
    this.views.cards.set(key, view)
    if (hadFocus) this.pendingFocus = () => view.focusText()
    return view
  }
}
