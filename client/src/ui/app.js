// The board: builds the page inside <main id="board">, keeps it in step with the documents
// (one render per animation frame), and carries out what people do.
import * as Y from 'yjs'
import { describeRemote } from '../announce.js'
import { groupBySection, readCards, readMeta, readPeople, readScales, ROLES, wasDeleted } from '../model.js'
import { editingByRoom, personOf, rosterFromAwareness } from '../people.js'
import { Session } from '../session.js'
import { createStrings } from '../strings.js'
import { cardActions, linkState, splitWithdrawn } from '../withdraw.js'
import { Actions } from './actions.js'
import { Announcer } from './announcer.js'
import { Banners } from './banners.js'
import { Dialogs } from './dialogs.js'
import { autosizeAll, h, replaceChildren, show, uid } from './dom.js'
import { DragController } from './dragdrop.js'
import { fitToScreen } from './fit.js'
import { captureFocus, restoreFocus } from './focus.js'
import { Header } from './header.js'
import { CardView, excerpt } from './card.js'
import { Regions } from './regions.js'
import { StatusView } from './status.js'
import { Tabs } from './tabs.js'
import { WaitingRoom } from './waiting.js'

/**
 * @typedef {import('../config.js').BoardConfig} BoardConfig
 * @typedef {import('../model.js').Card} Card
 * @typedef {import('../model.js').Scale} Scale
 * @typedef {import('../model.js').Meta} Meta
 * @typedef {import('../model.js').Person} Person
 * @typedef {import('../people.js').Present} Present
 * @typedef {import('../session.js').Layer} Layer
 * @typedef {import('./scale.js').ScaleView} ScaleView
 * @typedef {import('./section.js').SectionView} SectionView
 */

export class BoardApp {
  /**
   * @param {HTMLElement} root
   * @param {BoardConfig} config
   */
  constructor (root, config) {
    this.root = root
    this.config = config
    this.t = createStrings(config.strings, config.locale || document.documentElement.lang || undefined)
    this.me = config.participant.id
    this.present = config.mode === 'present'
    this.columnSections = config.columns.flatMap((c) => c.sections)
    this.optionalIds = Object.keys(config.optionalSections).filter((id) => !this.columnSections.includes(id))
    this.knownSections = new Set([...this.columnSections, ...this.optionalIds])
    /** @type {Card[]} every card read, on the map or withdrawn */
    this.cards = []
    /** @type {Card[]} the withdrawn cards, most recently withdrawn first */
    this.withdrawnCards = []
    /** @type {Set<string>} keys ("layer:id") of the cards withdrawn as last shown */
    this.withdrawnKeys = new Set()
    /** @type {Map<string, Card[]>} */
    this.bySection = new Map()
    /** @type {Map<string, Card>} */
    this.cardIndex = new Map()
    /** @type {Scale[]} */
    this.scales = []
    /** @type {Meta} */
    this.meta = { title: '', optionalSections: [], locked: null, ended: false, endedAt: '' }
    /** @type {Map<string, Person>} */
    this.people = new Map()
    /** @type {Present[]} */
    this.roster = []
    /** @type {Present[]} who is here in the professional room (for who is in its cards) */
    this.professionalRoster = []
    this.ended = config.status === 'ended'
    this.endedAt = config.endedAt
    /** @type {Map<string, CardView>} */
    this.cardViews = new Map()
    /** @type {Map<string, SectionView>} */
    this.sectionViews = new Map()
    /** @type {Map<string, ScaleView>} */
    this.scaleViews = new Map()
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

    this.session = new Session(config, {
      onDocChange: (layer, events, tr) => this.onDocChange(layer, events, tr),
      onPresence: () => this.scheduleRender(),
      onConnection: () => this.scheduleRender(),
      onServerStatus: () => this.scheduleRender()
    })
    this.session.history.onChange(() => this.scheduleRender())
    // Who is typing in a professionals-only card is said in that room's presence only.
    this.session.professional?.provider.awareness.on('change', () => this.scheduleRender())
    this.editable = this.computeEditable()

    this.liveRegion = h('div', { class: 'visually-hidden', 'aria-live': 'polite', role: 'status', 'data-testid': 'announcer' })
    this.announcer = new Announcer(this.liveRegion, (n) => this.t.plural('announce.many', n))
    this.actions = new Actions(this)
    /** @type {WaitingRoom | null} the facilitator's, on the editing view of an open meeting */
    this.waiting = null
    this.header = new Header(this)
    this.banners = new Banners(this)
    this.status = new StatusView(this)
    this.dialogs = new Dialogs(this)
    this.drag = new DragController(this)
    this.peopleListId = uid('people')
    this.peopleList = h('datalist', { id: this.peopleListId })
    this.tabList = h('div', { class: 'board-tabs', 'data-testid': 'tabs' })
    this.tabs = new Tabs(this.tabList, this.t('column.tabs'), () => this.resizeTexts())
    this.regions = h('div', { class: 'board-regions' })
    // The map's parts (columns, "More", scales) inside `regions`.
    this.parts = new Regions(this, this.regions)
    this.loading = h('p', { class: 'board-loading', 'data-testid': 'loading', text: this.t('board.loading') })
    root.classList.add('board', this.present ? 'board--present' : 'board--edit')
    root.setAttribute('aria-busy', 'true')
    if (config.isFacilitator && !this.present && !this.ended) this.waiting = new WaitingRoom(this)
    replaceChildren(root, this.header.el, this.banners.el, this.waiting?.el, this.loading, this.tabList, this.regions, this.banners.toast, this.liveRegion, this.dialogs.el, this.waiting?.dialog, this.peopleList)
    this.parts.build()

    root.addEventListener('keydown', (e) => this.onKeyDown(e))
    window.addEventListener('beforeunload', (e) => {
      // Also while the server says it cannot save: the page holds the only copy of the edits.
      if ((this.session.unsent || this.session.notSaving()) && !this.ended) {
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
        if (this.present) fitToScreen(this.root)
      }, 150)
    })
    this.ready = true
    this.render()
  }

  // --- looking things up -----------------------------------------------------------------

  /** @param {string} id */
  sectionText (id) {
    return this.config.sections[id] ?? this.config.optionalSections[id] ?? { label: id, prompt: '' }
  }

  /** @param {string} id */
  sectionLabel (id) { return this.sectionText(id).label }

  /** The sections shown now, in reading order. */
  visibleSections () {
    return [...this.columnSections, ...this.optionalIds.filter((id) => this.meta.optionalSections.includes(id) || this.bySection.has(id))]
  }

  /** @param {string} role */
  roleLabel (role) {
    return ROLES.includes(/** @type {any} */ (role)) ? this.t(/** @type {any} */ (`role.${role}`)) : role
  }

  /** @param {string} id @returns {Person | null} */
  person (id) {
    const known = personOf(id, this.people, this.roster)
    if (known) return known
    if (id && id === this.me) return { name: this.config.participant.name, role: this.config.participant.role, relationship: this.config.participant.relationship }
    return null
  }

  /** @param {string} id */
  personName (id) { return this.person(id)?.name || this.t('person.unknown') }

  /** "Jo (Family, Mum)". @param {string} id */
  personLabel (id) {
    const p = this.person(id)
    if (!p) return this.t('person.unknown')
    const role = this.roleLabel(p.role)
    if (!role) return p.name
    return p.relationship
      ? this.t('person.withRelationship', { name: p.name, role, relationship: p.relationship })
      : this.t('person.withRole', { name: p.name, role })
  }

  /** A speaker is a participant id or words such as "Mum said". @param {string} speaker */
  speakerLabel (speaker) { return this.person(speaker)?.name ?? speaker }

  /** A card on the map or withdrawn. @param {string} id */
  findCard (id) { return this.cardIndex.get(id) ?? null }

  /** The goals on the map that answer a worry. @param {string} dangerId */
  goalsFor (dangerId) { return (this.bySection.get('goals') ?? []).filter((g) => g.answers === dangerId) }

  /** The withdrawn goals that answered a worry. @param {string} dangerId */
  withdrawnGoalsFor (dangerId) { return this.withdrawnCards.filter((g) => g.section === 'goals' && g.answers === dangerId) }

  /** Who this person is, for what they are offered on a card. */
  viewer () {
    return { me: this.me, facilitator: this.config.isFacilitator, editable: this.editable }
  }

  /** @param {Card} card */
  actionsFor (card) { return cardActions(card, this.viewer()) }

  /**
   * What a link to a card (a goal's `answers`, a scale's `about`) shows: the card, or that it
   * was withdrawn or deleted. A card in a layer this person never receives is not "deleted".
   * @param {string} id
   */
  linkTo (id) {
    const layers = this.session.layers()
    const complete = !!this.config.professional && layers.length === 2 && layers.every((l) => l.everSynced && !l.refusal)
    return linkState(id, {
      find: (cardId) => this.findCard(cardId),
      deleted: (cardId) => layers.some((l) => wasDeleted(l.items, cardId)),
      complete
    })
  }

  /** The line on a goal about the worry it answers. @param {Card} card */
  answersText (card) {
    if (card.section !== 'goals') return { state: 'none', text: '' }
    const link = this.linkTo(card.answers)
    const quoted = `“${excerpt(link.card?.text?.toString() ?? '')}”`
    const text = link.state === 'shown'
      ? this.t('card.answers', { text: quoted })
      : link.state === 'withdrawn'
        ? this.t('card.answersWithdrawn', { text: quoted })
        : link.state === 'deleted' ? this.t('card.answersDeleted') : ''
    return { state: link.state, text }
  }

  /** Names of the other people typing in a card now (told in its own layer's room). @param {string} key */
  editingNames (key) {
    const professional = key.startsWith('professional:')
    const layer = professional ? this.session.professional : this.session.main
    if (!layer) return []
    const mine = layer.doc.clientID
    const roster = professional ? this.professionalRoster : this.roster
    return roster.filter((p) => p.editing === key && p.clientId !== mine && (!this.me || p.id !== this.me)).map((p) => p.name)
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

  /** Whether the facilitator has locked the board (the server writes `meta.locked`). */
  get locked () {
    return this.meta.locked ?? this.config.locked
  }

  computeEditable () {
    return this.config.canEdit && !this.ended && this.session.mayWrite() && !(this.locked && !this.config.isFacilitator)
  }

  // --- rendering -------------------------------------------------------------------------

  scheduleRender () {
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
    }, this.present ? 150 : 600)
  }

  render () {
    const started = performance.now()
    this.renderQueued = false
    this.rendering = true
    const session = this.session
    const layers = session.layers().filter((l) => !l.refusal || l.name === 'main')
    this.cards = layers.flatMap((l) => readCards(l.items, l.name, this.knownSections))
    const { active, withdrawn } = splitWithdrawn(this.cards)
    this.withdrawnCards = withdrawn
    // Sections (and so moving, and the worries a goal may answer) hold the cards on the map.
    this.bySection = groupBySection(active)
    this.cardIndex = new Map(this.cards.map((c) => [c.id, c]))
    this.meta = readMeta(session.main.meta, this.optionalIds)
    this.people = new Map([...(session.professional ? readPeople(session.professional.meta) : []), ...readPeople(session.main.meta)])
    const defaults = { question: this.t('scale.defaultQuestion'), low: this.t('scale.defaultLow'), high: this.t('scale.defaultHigh') }
    this.scales = layers.flatMap((l) => readScales(l.scales, l.name, defaults))
    this.updateRoster()
    this.status.update()
    this.banners.setUnsaved(session.notSaving() && !this.ended && !session.main.refusal)
    this.waiting?.update()

    const editable = this.computeEditable()
    if (editable !== this.editable) {
      this.editable = editable
      this.parts.build()
    }
    const focus = captureFocus(this.root)
    this.parts.update()
    this.header.update()
    this.updatePeopleList()
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
    this.sectionOf = new Map(this.cards.map((c) => [`${c.layer}:${c.id}`, c.section]))
    this.withdrawnKeys = new Set(withdrawn.map((c) => `${c.layer}:${c.id}`))
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
    if (this.present) requestAnimationFrame(() => fitToScreen(this.root))
  }

  updateRoster () {
    const awareness = this.session.main.provider.awareness
    const states = new Map(awareness.getStates())
    const mine = states.get(awareness.clientID)
    if (mine && this.session.main.status === 'connected') {
      const p = this.config.participant
      states.set(awareness.clientID, { ...mine, user: { ...(mine.user ?? {}), id: p.id, name: p.name, role: p.role, relationship: p.relationship } })
    } else states.delete(awareness.clientID)
    const before = this.roster
    this.roster = rosterFromAwareness(states)
    const main = this.session.main
    const settled = main.status === 'connected' && main.synced && Date.now() - this.status.lastSyncAt > 3000
    if (settled) {
      const key = (/** @type {Present} */ p) => p.id || `client:${p.clientId}`
      const had = new Set(before.map(key))
      const has = new Set(this.roster.map(key))
      for (const p of this.roster) if (!had.has(key(p)) && p.clientId !== awareness.clientID) this.announcer.say(this.t('announce.joined', { name: p.name }))
      for (const p of before) if (!has.has(key(p))) this.announcer.say(this.t('announce.left', { name: p.name }))
    }
    this.header.setRoster(this.roster)
    const professional = this.session.professional?.provider.awareness
    this.professionalRoster = professional ? rosterFromAwareness(professional.getStates()) : []
  }

  updatePeopleList () {
    const names = new Set([...this.people.values()].map((p) => p.name).concat(this.roster.map((p) => p.name)))
    const key = [...names].sort().join('|')
    if (this.peopleList.dataset.key === key) return
    this.peopleList.dataset.key = key
    replaceChildren(this.peopleList, [...names].sort().map((name) => h('option', { value: name })))
  }

  /** Card text boxes fit their text again (after a resize, or a tab coming into view). */
  resizeTexts () {
    autosizeAll([...this.cardViews.values()].flatMap((view) => view.textarea ? [view.textarea] : []))
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
      this.announcer.say(describeRemote(events, layer.items, layer.scales, {
        t: this.t,
        sectionLabel: (id) => this.sectionLabel(id),
        personName: (id) => this.personName(id),
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
    if (!this.editable || e.defaultPrevented) return
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
      const view = this.cardViews.get(`${el.dataset.layer}:${el.dataset.itemId}`)
      if (!view) return
      e.preventDefault()
      if (e.key === 'ArrowUp') this.actions.moveStep(view.card, -1)
      else if (e.key === 'ArrowDown') this.actions.moveStep(view.card, 1)
      else this.actions.moveSection(view.card, e.key === 'ArrowLeft' ? -1 : 1)
    }
  }

  /**
   * A card's view, made on first use (and made again if the card became a table row).
   * @param {Card} card
   * @param {import('./card.js').CardKind} kind
   */
  viewFor (card, kind) {
    const key = `${card.layer}:${card.id}`
    const existing = this.cardViews.get(key)
    // Reused unless it must look different: a table row now, or a new Y.Text under the card.
    if (existing && existing.kind === kind && existing.card.text === card.text) return existing
    const hadFocus = existing ? existing.el.contains(document.activeElement) : false
    existing?.destroy()
    const view = new CardView(this, card, kind)
    this.cardViews.set(key, view)
    if (hadFocus) this.pendingFocus = () => view.focusText()
    return view
  }
}
