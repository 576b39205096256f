// The map as this page last read it from both documents, and the lookups the views make into
// it: sections, people's names, what a link to a card shows, who is typing in a card, and what
// this person may do. Read again once per render; knows nothing about the DOM.
import { jargonMatcher } from './jargon.js'
import { groupBySection, readCards, readMeta, readPeople, readScales, ROLES, wasDeleted } from './model.js'
import { personOf } from './people.js'
import { AddedPictures, localStore, MAX_PICTURES, mayChangePicture, picturesAllowed } from './pictures.js'
import { cardActions, linkState, splitWithdrawn } from './withdraw.js'

/**
 * @typedef {import('./config.js').BoardConfig} BoardConfig
 * @typedef {import('./strings.js').Translate} Translate
 * @typedef {import('./session.js').Session} Session
 * @typedef {import('./model.js').Card} Card
 * @typedef {import('./model.js').Scale} Scale
 * @typedef {import('./model.js').Meta} Meta
 * @typedef {import('./model.js').Person} Person
 * @typedef {import('./people.js').Present} Present
 */

export class Board {
  /**
   * @param {BoardConfig} config
   * @param {Translate} t
   * @param {Session} session
   */
  constructor (config, t, session) {
    this.config = config
    this.t = t
    this.session = session
    this.me = config.participant.id
    this.facilitator = config.isFacilitator
    this.present = config.mode === 'present'
    this.columnSections = config.columns.flatMap((c) => c.sections)
    this.optionalIds = Object.keys(config.optionalSections).filter((id) => !this.columnSections.includes(id))
    this.knownSections = new Set([...this.columnSections, ...this.optionalIds])
    /** @type {Card[]} every card read, on the map or withdrawn */
    this.cards = []
    /** @type {Card[]} the withdrawn cards, most recently withdrawn first */
    this.withdrawnCards = []
    /** @type {Map<string, Card[]>} */
    this.bySection = new Map()
    /** @type {Map<string, Card>} */
    this.cardIndex = new Map()
    /** @type {Scale[]} */
    this.scales = []
    /** @type {Meta} */
    this.meta = { title: '', optionalSections: [], locked: null, ended: false, endedAt: '', picturesEverywhere: false }
    /** @type {Map<string, Person>} */
    this.people = new Map()
    // Presence is read by ui/app.js, which also says who joined and left.
    /** @type {Present[]} who is here */
    this.roster = []
    /** @type {Present[]} who is here in the professional room (for who is in its cards) */
    this.professionalRoster = []
    // Ended as the page was served; later by the document or the server's refusal (ui/status.js),
    // or by this facilitator ending it (ui/actions.js).
    this.ended = config.status === 'ended'
    this.endedAt = config.endedAt
    this.editable = this.computeEditable()
    /** Words in a card that may not be clear to everyone (jargon.js), by the organisation's list. */
    this.flagJargon = jargonMatcher(config.jargon)
    /** The pictures this browser added (their uploader may change them). */
    this.addedPictures = new AddedPictures(localStore(), config.meetingId)
  }

  /** Read both documents again (the board does, once per render). */
  read () {
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
  }

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
    if (id && id === this.me) {
      const me = this.config.participant
      return { name: me.name, role: me.role, relationship: me.relationship, agency: me.agency }
    }
    return null
  }

  /** @param {string} id */
  personName (id) { return this.person(id)?.name || this.t('person.unknown') }

  /** "Jo (Family, Mum)"; a professional with their service "DC Dana Reid, Police". @param {string} id */
  personLabel (id) {
    const p = this.person(id)
    if (!p) return this.t('person.unknown')
    if (p.agency) return this.t('person.withAgency', { name: p.name, agency: p.agency })
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
    return { me: this.me, facilitator: this.facilitator, editable: this.editable }
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

  /** Names of the other people typing in a card now (told in its own layer's room). @param {string} key */
  editingNames (key) {
    // The shared screen never shows who is typing: a link toggling it every few ms must not
    // make the screen lay its pages out again.
    if (this.present) return []
    const professional = key.startsWith('professional:')
    const layer = professional ? this.session.professional : this.session.main
    if (!layer) return []
    const mine = layer.doc.clientID
    const roster = professional ? this.professionalRoster : this.roster
    return roster.filter((p) => p.editing === key && p.clientId !== mine && (!this.me || p.id !== this.me)).map((p) => p.name)
  }

  /** Where pictures are sent and fetched from; null when the server takes none. */
  get pictures () { return this.config.pictures }

  /** Whether this person is offered "Add a picture" on a card now. @param {Card} card */
  mayAddPicture (card) {
    return !!this.config.pictures && this.editable && !this.present && !card.withdrawn &&
      picturesAllowed(card.section, this.meta.picturesEverywhere) && card.pictures.length < MAX_PICTURES
  }

  /** Whether this person may remove a picture from a card or change its description (not on a withdrawn card: it is kept as it was). @param {Card} card @param {string} id */
  mayChangePicture (card, id) {
    return !this.present && !card.withdrawn && mayChangePicture(this.viewer(), card, this.addedPictures.has(id))
  }

  /** Whether the facilitator has locked the board (the server writes `meta.locked`). */
  get locked () {
    return this.meta.locked ?? this.config.locked
  }

  computeEditable () {
    return this.config.canEdit && !this.ended && this.session.mayWrite() && !(this.locked && !this.config.isFacilitator)
  }
}
