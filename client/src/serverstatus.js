// What the server says about itself through its own awareness entry (clientID 0): for now,
// whether edits are being saved ({"server": {"saving": false}} while its database is down;
// the entry is removed once saving works again). DOM-free.
import { removeAwarenessStates } from 'y-protocols/awareness'

/** The server's awareness entry: no Yjs client has this id. */
export const SERVER_CLIENT_ID = 0

/**
 * Whether the server says edits are not being saved right now.
 * @param {Map<number, Record<string, any>>} states awareness states by client id
 * @returns {boolean}
 */
export function serverNotSaving (states) {
  const state = states.get(SERVER_CLIENT_ID)
  const server = state && typeof state === 'object' ? state.server : null
  return typeof server === 'object' && server !== null && server.saving === false
}

/**
 * Follows the server's entry on one awareness instance. Two quirks of y-protocols are met:
 * - it ignores an entry whose clock is not above the one it knows (none known counts as 0),
 *   and the server starts its clock at 0 (again after a restart): so the entry's clock is
 *   set to -1 whenever a connection opens, and whatever the server says first is taken;
 * - it forgets a remote entry not renewed within 30 s, and the server does not renew its
 *   own: that silence is not news, so a timeout does not clear "not saving" here.
 */
export class ServerStatus {
  /**
   * @param {import('y-protocols/awareness').Awareness} awareness
   * @param {() => void} [onChange]
   */
  constructor (awareness, onChange) {
    this.awareness = awareness
    this.onChange = onChange
    /** Whether the server last said edits are not being saved. */
    this.notSaving = false
    awareness.on('change', (/** @type {{ added: number[], updated: number[], removed: number[] }} */ changes, /** @type {unknown} */ origin) => {
      const { added, updated, removed } = changes
      if (![...added, ...updated, ...removed].includes(SERVER_CLIENT_ID)) return
      if (origin === 'timeout' && removed.includes(SERVER_CLIENT_ID)) return
      this.set(serverNotSaving(awareness.getStates()))
    })
    this.expectServer()
  }

  /** Call whenever the connection changes state: the server's next word is taken as new. */
  expectServer () {
    const { awareness } = this
    if (awareness.states.has(SERVER_CLIENT_ID)) {
      // A closed connection says nothing about the server any more.
      removeAwarenessStates(awareness, [SERVER_CLIENT_ID], 'reconnect')
    }
    awareness.meta.set(SERVER_CLIENT_ID, { clock: -1, lastUpdated: 0 })
    // Until it says otherwise: a server that cannot save tells every client that connects.
    this.set(false)
  }

  /** @param {boolean} notSaving */
  set (notSaving) {
    if (notSaving === this.notSaving) return
    this.notSaving = notSaving
    this.onChange?.()
  }
}
