// The meeting's documents and their connections: the shared map and, for professionals, the
// professionals-only layer. Owns connection state; knows nothing about the DOM.
import * as Y from 'yjs'
import { openRoom } from './connection.js'
import { History } from './history.js'
import { writeSelf } from './people.js'
import { ServerStatus } from './serverstatus.js'

/**
 * @typedef {import('./model.js').LayerName} LayerName
 * @typedef {import('./connection.js').Refusal} Refusal
 * @typedef {import('./connection.js').SocketStatus} SocketStatus
 * @typedef {import('./config.js').BoardConfig} BoardConfig
 * @typedef {{
 *   name: LayerName, doc: Y.Doc, items: Y.Map<unknown>, scales: Y.Map<unknown>,
 *   meta: Y.Map<unknown>, provider: import('y-websocket').WebsocketProvider,
 *   status: SocketStatus, synced: boolean, everSynced: boolean, refusal: Refusal | null
 * }} Layer
 * @typedef {{
 *   onDocChange: (layer: Layer, events: Y.YEvent<any>[], transaction: Y.Transaction) => void,
 *   onPresence: () => void,
 *   onConnection: () => void,
 *   onServerStatus?: () => void
 * }} SessionEvents
 */

export class Session {
  /**
   * @param {BoardConfig} config
   * @param {SessionEvents} events
   */
  constructor (config, events) {
    this.config = config
    this.events = events
    /** The origin of this person's own changes: undo tracks exactly these. */
    this.origin = { local: true }
    /**
     * The origin of this person's changes that undo must never reverse, because the server
     * would refuse the reversal: a withdrawal (only the facilitator removes one), a restore,
     * a card deleted for good (recreating someone else's card is acting as them).
     */
    this.lasting = { local: true, lasting: true }
    /** Changes not yet confirmed by the server (made while offline or before a sync). */
    this.unsent = false
    /** @type {ServerStatus | null} what the server says about saving (set in openLayer) */
    this.server = null
    this.main = this.openLayer('main', config.meetingId, { user: { name: config.participant.name, role: config.participant.role } })
    /** @type {Layer | null} */
    this.professional = config.professional ? this.openLayer('professional', `${config.meetingId}/professional`, null) : null
    this.history = new History(
      this.layers().map((layer) => [layer.items, layer.scales]),
      this.origin
    )
  }

  /** @returns {Layer[]} */
  layers () {
    return this.professional ? [this.main, this.professional] : [this.main]
  }

  /**
   * @param {LayerName} name
   * @param {string} room
   * @param {Record<string, unknown> | null} presence
   * @returns {Layer}
   */
  openLayer (name, room, presence) {
    const doc = new Y.Doc()
    /** @type {Layer} */
    const layer = /** @type {any} */ ({
      name,
      doc,
      items: doc.getMap('items'),
      scales: doc.getMap('scales'),
      meta: doc.getMap('meta'),
      status: 'connecting',
      synced: false,
      everSynced: false,
      refusal: null
    })
    /** @param {Y.YEvent<any>[]} events @param {Y.Transaction} tr */
    const changed = (events, tr) => this.events.onDocChange(layer, events, tr)
    layer.items.observeDeep(changed)
    layer.scales.observeDeep(changed)
    layer.meta.observeDeep(changed)
    doc.on('update', (/** @type {Uint8Array} */ _update, /** @type {unknown} */ origin) => {
      if (origin !== layer.provider && !(layer.status === 'connected' && layer.synced)) {
        this.unsent = true
        this.events.onConnection()
      }
    })
    layer.provider = openRoom({
      wsUrl: this.config.wsUrl,
      room,
      doc,
      params: this.config.params,
      presence,
      onStatus: (status) => {
        layer.status = status
        if (name === 'main') this.server?.expectServer()
        this.events.onConnection()
      },
      onSynced: (synced) => {
        layer.synced = synced
        if (synced) {
          layer.everSynced = true
          if (name === 'main') this.rememberSelf()
          if (this.layers().every((l) => l.synced || l.refusal)) this.unsent = false
        }
        this.events.onConnection()
      },
      onRefused: (refusal) => {
        layer.refusal = refusal
        this.events.onConnection()
      }
    })
    if (name === 'main') {
      this.server = new ServerStatus(layer.provider.awareness, () => this.events.onServerStatus?.())
      layer.provider.awareness.on('change', () => this.events.onPresence())
    }
    return layer
  }

  /** Whether the server says this meeting's edits are not being saved (its database is down). */
  notSaving () {
    return this.server?.notSaving === true
  }

  /** Whether this person may write at all right now (the server enforces it too). */
  mayWrite () {
    return this.config.canEdit && !this.main.refusal
  }

  /** Keep this person's name in `meta.people`, so their cards keep it after they leave. */
  rememberSelf () {
    if (!this.mayWrite() || !this.main.synced) return
    // While the board is locked the server refuses everyone's writes but the facilitator's.
    if (this.main.meta.get('locked') === true && !this.config.isFacilitator) return
    if (this.main.meta.get('status') === 'ended') return
    writeSelf(this.main.doc, this.config.participant, this.origin)
  }

  /**
   * @param {LayerName} name
   * @returns {Layer | null}
   */
  layer (name) {
    return name === 'main' ? this.main : this.professional
  }

  /** @param {string | null} editing "layer:cardId" of the card being edited, or null */
  setEditing (editing) {
    const awareness = this.main.provider.awareness
    if ((awareness.getLocalState()?.editing ?? null) !== editing) awareness.setLocalStateField('editing', editing)
  }

  destroy () {
    this.history.destroy()
    for (const layer of this.layers()) {
      layer.provider.destroy()
      layer.doc.destroy()
    }
  }
}
