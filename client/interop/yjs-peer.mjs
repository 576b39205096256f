#!/usr/bin/env node
// A stock Yjs peer for interop tests: yjs + y-websocket's WebsocketProvider, nothing custom.
//
// It joins a meeting room, waits for sync, writes one card into `items`, then waits for a card
// written by another peer. Every event is one JSON line on stdout; exit 0 means the run went
// as expected, anything else came with an {"event":"error",...} line.
//
//   node yjs-peer.mjs --ws-url ws://127.0.0.1:8000/ws --room MEETING_ID --token T --name Ana \
//     --id node-1 --text "Fictional card" --wait-for py-1 [--timeout 10]
//
// With --expect-close the peer expects the server to close it (by default with 4403, see
// --close-code): it writes its card once synced, and exits 0 when the close comes with that
// code. A refusal before sync (e.g. a family link opening the professional layer) counts too.
//
// --key K sends the participant key (docs/protocol.md, "Connecting a Yjs client"): a peer started again
// with the same key is the same participant (let in once, it is not held again); without one,
// every run is someone new.

import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

const { values: opts } = parseArgs({
  options: {
    'ws-url': { type: 'string' },
    room: { type: 'string' },
    token: { type: 'string', default: '' },
    name: { type: 'string', default: 'Node peer' },
    key: { type: 'string', default: '' },
    id: { type: 'string' },
    text: { type: 'string', default: '' },
    section: { type: 'string', default: 'strengths' },
    'wait-for': { type: 'string' },
    timeout: { type: 'string', default: '10' },
    'expect-close': { type: 'boolean', default: false },
    'close-code': { type: 'string', default: '4403' }
  },
  strict: true
})

/** @param {Record<string, unknown>} event */
const emit = (event) => process.stdout.write(JSON.stringify(event) + '\n')

if (!opts['ws-url'] || !opts.room || !opts.id) {
  emit({ event: 'error', error: 'usage', detail: '--ws-url, --room and --id are required' })
  process.exit(64)
}
const expectClose = opts['expect-close']
const expectedCode = Number(opts['close-code'])
const waitFor = opts['wait-for']
if (!expectClose && !waitFor) {
  emit({ event: 'error', error: 'usage', detail: '--wait-for is required without --expect-close' })
  process.exit(64)
}

const doc = new Y.Doc()
/** @type {Y.Map<Y.Map<any>>} */
const items = doc.getMap('items')

/** @returns {Record<string, string>} every card's text, by id */
const cards = () => {
  /** @type {Record<string, string>} */
  const result = {}
  items.forEach((card, key) => {
    const text = card instanceof Y.Map ? card.get('text') : null
    if (text instanceof Y.Text) result[key] = text.toString()
  })
  return result
}

const provider = new WebsocketProvider(opts['ws-url'], opts.room, doc, {
  params: { token: opts.token, name: opts.name, ...(opts.key ? { key: opts.key } : {}) },
  WebSocketPolyfill: /** @type {any} */ (WebSocket),
  disableBc: true,
  // Never retry after a server close: a test wants to see every close, not a reconnect loop.
  shouldReconnect: () => false
})

let finished = false

/** Tear the provider down, let the close frame go out, then exit with `code`. */
const finish = (/** @type {number} */ code) => {
  if (finished) return
  finished = true
  clearTimeout(deadline)
  const ws = /** @type {any} */ (provider.ws)
  provider.destroy()
  const exit = () => process.exit(code)
  setTimeout(exit, 2000).unref()
  if (ws && ws.readyState !== WebSocket.CLOSED) ws.once('close', exit)
  else exit()
}

const deadline = setTimeout(() => {
  const waiting = expectClose ? `close with code ${expectedCode}` : `card ${waitFor}`
  emit({ event: 'error', error: 'timeout', detail: `no ${waiting} within ${opts.timeout}s` })
  finish(3)
}, Number(opts.timeout) * 1000)

provider.on('connection-close', (/** @type {any} */ event) => {
  if (finished || event == null) return // null: closed by us
  const closed = { code: event.code, reason: event.reason || '' }
  if (expectClose && closed.code === expectedCode) {
    emit({ event: 'closed', ...closed, cards: cards() })
    finish(0)
  } else {
    emit({ event: 'error', error: 'closed', ...closed })
    finish(2)
  }
})

provider.on('connection-error', () => {
  if (finished) return
  emit({ event: 'error', error: 'connection-error' })
  finish(4)
})

const checkSeen = () => {
  if (finished || !waitFor) return
  const text = cards()[waitFor]
  if (text === undefined) return
  emit({ event: 'seen', id: waitFor, text })
  if (!expectClose) {
    emit({ event: 'cards', cards: cards() })
    finish(0)
  }
}

let wrote = false
provider.on('sync', (/** @type {boolean} */ synced) => {
  if (!synced || wrote || finished) return
  wrote = true
  emit({ event: 'synced' })
  doc.transact(() => {
    const card = new Y.Map()
    card.set('section', opts.section)
    card.set('text', new Y.Text(opts.text))
    card.set('order', 'a0')
    items.set(/** @type {string} */ (opts.id), card)
  })
  emit({ event: 'wrote', id: opts.id })
  items.observeDeep(checkSeen)
  checkSeen()
})
