#!/usr/bin/env node
// The clients of bench/join_storm.py: every client of every meeting connects at the same moment.
//
//   node join_storm.mjs CONFIG.json     ({modules, urls, timeoutMs}; join_storm.py writes it)
//
// It waits for commands on standard input, one a line, and answers each with one JSON line:
//   join  -> every client opens at once; {event: 'joined', ok, failed, codes, wallMs, syncedMs}
//            when each has its sync step 2 (or failed). syncedMs: p50/p99/max of connect -> step 2.
//   leave -> every client closes; {event: 'left', wallMs} once every socket is closed.
//   quit  -> exits.
// A client speaks what a browser's y-websocket does on connect: sync step 1 (an empty state
// vector), its presence, and an empty sync step 2 in answer to the server's step 1.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const require = createRequire(join(config.modules, 'index.js'))
const WebSocket = require('ws')

const STEP1 = Buffer.from([0, 0, 1, 0]) // sync step 1, empty state vector
const STEP2 = Buffer.from([0, 1, 2, 0, 0]) // sync step 2, empty update

/** y-protocols awareness frame for one client: count, clientID, clock, JSON state. */
const presence = (/** @type {number} */ clientID, /** @type {string} */ name) => {
  const state = Buffer.from(JSON.stringify({ user: { name } }))
  const body = [1, ...varUint(clientID), 1, ...varUint(state.length), ...state]
  return Buffer.from([1, ...varUint(body.length), ...body])
}

const varUint = (/** @type {number} */ n) => {
  const out = []
  while (n > 0x7f) {
    out.push(0x80 | (n & 0x7f))
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}

/** @type {any[]} */
let sockets = []

/** Open one client; resolves with ms from connect to its sync step 2, or the close code. */
const open = (/** @type {string} */ url, /** @type {number} */ index) => new Promise((resolve) => {
  const start = performance.now()
  const ws = new WebSocket(url, { perMessageDeflate: false })
  sockets.push(ws)
  ws.binaryType = 'nodebuffer'
  const timer = setTimeout(() => resolve({ code: 'timeout' }), config.timeoutMs)
  ws.on('open', () => {
    ws.send(STEP1)
    ws.send(presence(1 + index, `Person ${index + 1}`))
  })
  ws.on('message', (/** @type {Buffer} */ data) => {
    if (data[0] !== 0) return
    if (data[1] === 0) ws.send(STEP2)
    else if (data[1] === 1) {
      clearTimeout(timer)
      resolve({ ms: performance.now() - start })
    }
  })
  ws.on('error', () => {})
  ws.on('close', (/** @type {number} */ code) => {
    clearTimeout(timer)
    resolve({ code: code || 1005 })
  })
})

const percentile = (/** @type {number[]} */ sorted, /** @type {number} */ p) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN

const joinAll = async () => {
  sockets = []
  const start = performance.now()
  const results = await Promise.all(config.urls.map((/** @type {string} */ url, /** @type {number} */ i) => open(url, i)))
  const wallMs = performance.now() - start
  const times = results.filter((r) => r.ms !== undefined).map((r) => r.ms).sort((a, b) => a - b)
  /** @type {Record<string, number>} */
  const codes = {}
  for (const r of results) if (r.ms === undefined) codes[r.code] = (codes[r.code] || 0) + 1
  return {
    event: 'joined',
    ok: times.length,
    failed: results.length - times.length,
    codes,
    wallMs,
    syncedMs: { p50: percentile(times, 50), p99: percentile(times, 99), max: times[times.length - 1] }
  }
}

const leaveAll = async () => {
  const start = performance.now()
  await Promise.all(sockets.map((ws) => new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve(null)
    ws.on('close', resolve)
    ws.close()
  })))
  sockets = []
  return { event: 'left', wallMs: performance.now() - start }
}

const say = (/** @type {object} */ message) => process.stdout.write(JSON.stringify(message) + '\n')

for await (const line of createInterface({ input: process.stdin })) {
  const command = line.trim()
  if (command === 'join') say(await joinAll())
  else if (command === 'leave') say(await leaveAll())
  else if (command === 'quit') break
}
process.exit(0)
