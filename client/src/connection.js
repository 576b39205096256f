// One websocket room per document, through the stock y-websocket provider. The server's
// close codes are read here: 44xx are permanent, everything else reconnects and resyncs.
import { WebsocketProvider } from 'y-websocket'
import * as authProtocol from 'y-protocols/auth'

/**
 * @typedef {'invalid' | 'ended' | 'forbidden' | 'wrongAddress' | 'tooLarge' | 'failed'} RefusalKind
 * @typedef {{ kind: RefusalKind, code: number, reason: string }} Refusal
 * @typedef {'connecting' | 'connected' | 'disconnected'} SocketStatus
 */

/**
 * What a server close means for this client; null means "reconnect and resync".
 * @param {number} code
 * @param {string} reason
 * @returns {Refusal | null}
 */
export function classifyClose (code, reason) {
  if (code === 4401) return { kind: 'invalid', code, reason }
  if (code === 4403) {
    // A change that crossed the facilitator's lock on the way: reconnect, and it is sent again
    // (and kept) once the board is unlocked.
    if (/\blocked\b/i.test(reason)) return null
    // Opened at an address the server does not serve from (not its public one): nothing the
    // person's role says, and the page cannot fix it by itself.
    if (/\borigin\b/i.test(reason)) return { kind: 'wrongAddress', code, reason }
    return { kind: /\bended\b/i.test(reason) ? 'ended' : 'forbidden', code, reason }
  }
  // Resending the same change would only be refused again, so these stop too.
  if (code === 4413 || code === 1009) return { kind: 'tooLarge', code, reason }
  if (code >= 4400 && code < 4500) return { kind: 'failed', code, reason }
  return null
}

/** How often to ask the server for anything missed; also keeps a lone client's socket alive. */
const RESYNC_MS = 10000

/**
 * @param {{
 *   wsUrl: string, room: string, doc: import('yjs').Doc, params: Record<string, string>,
 *   onStatus: (status: SocketStatus) => void, onSynced: (synced: boolean) => void,
 *   onRefused: (refusal: Refusal) => void, onDenied?: (reason: string) => void,
 *   presence: Record<string, unknown> | null
 * }} options
 * @returns {WebsocketProvider}
 */
export function openRoom ({ wsUrl, room, doc, params, onStatus, onSynced, onRefused, onDenied, presence }) {
  const provider = new WebsocketProvider(wsUrl, room, doc, {
    connect: false,
    params,
    // Tabs of one browser must not share edits behind the server's back (a read-only tab
    // would otherwise "see" what another tab could not save).
    disableBc: true,
    resyncInterval: RESYNC_MS,
    maxBackoffTime: 5000,
    shouldReconnect: (event) => classifyClose(event.code, event.reason) === null
  })
  // The stock handler logs provider.url, which may carry the link's token: never log it.
  provider.messageHandlers[2] = (_encoder, decoder, p) => {
    authProtocol.readAuthMessage(decoder, p.doc, (_doc, reason) => onDenied?.(reason))
  }
  // Set before connecting, so the first awareness message already says who this is.
  provider.awareness.setLocalState(presence)
  provider.on('status', ({ status }) => onStatus(status))
  provider.on('sync', (synced) => onSynced(synced))
  provider.on('closed', ({ code, reason }) => {
    const refusal = classifyClose(code, reason)
    if (refusal) onRefused(refusal)
  })
  provider.connect()
  return provider
}
