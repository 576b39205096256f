#!/usr/bin/env node
// The load generator of bench/speed: many Yjs websocket clients in one Node process (one core).
//
//   node loadgen.mjs CONFIG.json      (run.py writes the config; the result is the last stdout line)
//
// Any y-websocket server works: clients speak the stock y-protocols framing (sync step 1/2,
// updates, awareness). With `framing: "hocuspocus"` they speak Hocuspocus's instead: every
// message in both directions starts with the document name (a varString, the URL's path
// here), and each client first sends an auth message (a token; the server's reply is read). An edit is a real Yjs update made by the writer's own Y.Doc: it sets one
// unique key `~bk<9 digits>` in the root map `bench` (about 30 bytes, a keystroke's size). The
// frames are made before the clock starts, so the timer measures the server, not Yjs encoding.
// Receivers do not keep a Y.Doc: they find the edit ids in each frame's bytes (the key is a
// length-prefixed string, so a real match is preceded by its length, 12), which lets one core
// check ~100k deliveries a second. Every (edit, receiver) pair is counted: lost and duplicate
// deliveries are reported, and a step with either fails.
// Joins, cold loads and races use full Y.Doc clients instead and check the document itself.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const require = createRequire(join(config.modules, 'index.js'))
const Y = require('yjs')
const WebSocket = require('ws')

const log = (/** @type {string} */ text) => process.stderr.write(`[loadgen] ${text}\n`)
const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms))

// Wire format (y-protocols) -----------------------------------------------------------------

/** @param {number[]} out @param {number} n */
const writeVarUint = (out, n) => {
  while (n > 0x7f) {
    out.push(0x80 | (n & 0x7f))
    n = Math.floor(n / 128)
  }
  out.push(n)
}

/** @param {Uint8Array} buf @param {number} pos @returns {[number, number]} value, next position */
const readVarUint = (buf, pos) => {
  let value = 0
  let mult = 1
  for (;;) {
    const byte = buf[pos++]
    value += (byte & 0x7f) * mult
    if (byte < 0x80) return [value, pos]
    mult *= 128
  }
}

/** `prefix` bytes, then `payload` as a varUint8Array. */
const frame = (/** @type {number[]} */ prefix, /** @type {Uint8Array} */ payload) => {
  const head = [...prefix]
  writeVarUint(head, payload.length)
  const out = Buffer.allocUnsafe(head.length + payload.length)
  out.set(head, 0)
  out.set(payload, head.length)
  return out
}
const syncStep1 = (/** @type {Uint8Array} */ sv) => frame([0, 0], sv)
const syncStep2 = (/** @type {Uint8Array} */ update) => frame([0, 1], update)
const syncUpdate = (/** @type {Uint8Array} */ update) => frame([0, 2], update)
const EMPTY_STEP1 = syncStep1(new Uint8Array([0]))
const EMPTY_STEP2 = syncStep2(new Uint8Array([0, 0]))

// Hocuspocus (@hocuspocus/server): the document name first, then the message. Its own types:
// 0 sync, 1 awareness, 2 auth (0 token, 1 permission denied, 2 authenticated), 4 sync reply
// (its sync step 1, answered like one in type 0), 8 sync status (an ack of the writer's update).
const HOCUSPOCUS = config.framing === 'hocuspocus'
const AUTH = 2
const SYNC_REPLY = 4
const AUTH_DENIED = 1

/** The varString of a Hocuspocus document name: the path of `url`. */
const documentPrefix = (/** @type {string} */ url) => {
  const name = Buffer.from(decodeURIComponent(new URL(url).pathname.slice(1)))
  const head = []
  writeVarUint(head, name.length)
  return Buffer.concat([Buffer.from(head), name])
}

/** Hocuspocus's auth message: a token (any: the server has no onAuthenticate hook). */
const authFrame = () => {
  const token = Buffer.from('bench')
  return frame([AUTH, 0], token)
}

/** The payload of a sync frame (after type, subtype and length). */
const syncPayload = (/** @type {Buffer} */ data) => {
  const [length, start] = readVarUint(data, 2)
  return data.subarray(start, start + length)
}

/** One awareness entry, as y-protocols encodes it: count, clientID, clock, JSON state. */
const awarenessFrame = (/** @type {number} */ clientID, /** @type {string} */ name) => {
  const payload = []
  writeVarUint(payload, 1)
  writeVarUint(payload, clientID)
  writeVarUint(payload, 1)
  const state = Buffer.from(JSON.stringify({ user: { name } }))
  writeVarUint(payload, state.length)
  payload.push(...state)
  return frame([1], Uint8Array.from(payload))
}

// Edits and their verification --------------------------------------------------------------

const MARK = Buffer.from('~bk')
const KEY_LENGTH = 12 // '~bk' + 9 digits
const editKey = (/** @type {number} */ id) => '~bk' + String(id).padStart(9, '0')

/**
 * The edits in flight: index j is edit id base + j.
 * @typedef {{ base: number, n: number, sent: Float64Array, writer: Int32Array,
 *   seqInRoom: Int32Array, lat: Float64Array, latN: number, dup: number, echo: number }} Batch
 */
/** @type {Batch | null} */
let current = null
const totals = { stale: 0, bogus: 0, denied: 0 }
let nextId = 1

// Fictional card texts, as in bench/live_numbers.py.
const TEXTS = [
  'Nan walks Ellie and Sam to school every weekday',
  'Dad has kept every contact visit since June',
  'Ellie told her teacher she is scared when the shouting starts',
  'Mum rings the family support worker when things get hard',
  'The neighbour, Mrs Okafor, has a spare key and checks in each evening',
  "Sam's attendance dropped to 70 percent this term"
]
const SECTIONS = ['harm', 'danger', 'complicating', 'strengths', 'safety', 'goals', 'next_steps']

// Clients -----------------------------------------------------------------------------------

let connectionsLost = 0

class Client {
  /** @param {string} url @param {number} room @param {number} index @param {boolean} full */
  constructor (url, room, index, full = false) {
    this.url = url
    this.room = room
    this.index = index
    this.full = full // a real Y.Doc that applies what arrives
    /** @type {Buffer | null} */
    this.prefix = HOCUSPOCUS ? documentPrefix(url) : null
    /** @type {any} */
    this.doc = full ? new Y.Doc() : null
    /** @type {any} */
    this.ws = null
    this.synced = false
    this.got = new Uint8Array(0)
    this.closeCode = 0
    this.step2Bytes = 0
    this.step2At = 0
    this.syncedAt = 0
    /** @type {Uint8Array | null} */
    this.lastUpdate = null
    /** @type {(() => void) | null} */
    this.onSynced = null
    /** @type {(() => void) | null} */
    this.onChange = null
    if (full) {
      this.doc.on('update', (/** @type {Uint8Array} */ update, /** @type {any} */ origin) => {
        if (origin !== this && this.ws && this.ws.readyState === 1) this.send(syncUpdate(update))
      })
    }
  }

  /** A message in this server's framing (with Hocuspocus, the document name first). */
  framed (/** @type {Uint8Array} */ message) {
    return this.prefix ? Buffer.concat([this.prefix, message]) : message
  }

  send (/** @type {Uint8Array} */ message) {
    this.ws.send(this.framed(message))
  }

  /** Connect and resolve once the server's sync step 2 has arrived (and been applied). */
  open (timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no sync within ${timeoutMs} ms`)), timeoutMs)
      this.onSynced = () => {
        clearTimeout(timer)
        resolve(this)
      }
      const ws = new WebSocket(this.url, { perMessageDeflate: config.offerDeflate !== false })
      this.ws = ws
      ws.binaryType = 'nodebuffer'
      ws.on('open', () => {
        if (HOCUSPOCUS) this.send(authFrame()) // before anything else, or it is queued
        this.send(this.full ? syncStep1(Y.encodeStateVector(this.doc)) : EMPTY_STEP1)
        if (config.awareness !== false) {
          this.send(awarenessFrame(this.full ? this.doc.clientID : 1 + ((Math.random() * 2 ** 31) >>> 0), `Person ${this.index + 1}`))
        }
      })
      ws.on('message', (/** @type {Buffer} */ data) => this.receive(data))
      ws.on('error', (/** @type {Error} */ err) => {
        clearTimeout(timer)
        reject(err)
      })
      ws.on('close', (/** @type {number} */ code) => {
        this.closeCode = code || 1005
        if (!this.closing) connectionsLost++
        clearTimeout(timer)
        reject(new Error(`closed with ${code} before sync`))
      })
    })
  }

  close () {
    this.closing = true
    if (this.ws) this.ws.close()
  }

  /** @param {Buffer} data */
  receive (data) {
    const now = performance.now() // before any parsing: latency is the path, not our work
    if (this.prefix) {
      // Our document's name (one document per connection), then Hocuspocus's message type.
      data = data.subarray(this.prefix.length)
      if (data[0] === SYNC_REPLY) data[0] = 0
      else if (data[0] === AUTH) {
        if (data[1] === AUTH_DENIED) totals.denied++
        return
      } else if (data[0] !== 0) return // awareness, sync status
    }
    const type = data[0]
    if (type === 0) {
      const sub = data[1]
      if (sub === 2) {
        if (this.full) Y.applyUpdate(this.doc, syncPayload(data), this)
        else scan(this, data, now)
        if (this.onChange) this.onChange()
      } else if (sub === 0) {
        if (this.full) this.send(syncStep2(Y.encodeStateAsUpdate(this.doc, syncPayload(data))))
        else if (this.doc) this.send(syncStep2(Y.encodeStateAsUpdate(this.doc, syncPayload(data))))
        else this.send(EMPTY_STEP2)
      } else if (sub === 1) {
        this.step2At = now
        this.step2Bytes = data.length
        if (this.full) Y.applyUpdate(this.doc, syncPayload(data), this)
        else scan(this, data, now)
        this.syncedAt = performance.now()
        if (!this.synced) {
          this.synced = true
          if (this.onSynced) this.onSynced()
        }
        if (this.onChange) this.onChange()
      }
    } else if (type === 2) {
      totals.denied++
    }
  }

  /** The update frame that sets edit `id` in this writer's own document. */
  editFrame (/** @type {number} */ id) {
    if (!this.doc) {
      this.doc = new Y.Doc()
      this.doc.on('update', (/** @type {Uint8Array} */ update) => { this.lastUpdate = update })
    }
    this.doc.getMap('bench').set(editKey(id), this.index)
    const update = /** @type {Uint8Array} */ (this.lastUpdate)
    return this.framed(syncUpdate(update))
  }
}

/** Find every edit id in `data` and count its delivery to `client`. */
const scan = (/** @type {Client} */ client, /** @type {Buffer} */ data, /** @type {number} */ now) => {
  let i = data.indexOf(MARK, 2)
  while (i !== -1) {
    if (data[i - 1] === KEY_LENGTH && i + KEY_LENGTH <= data.length) {
      let id = 0
      for (let k = i + 3; k < i + KEY_LENGTH; k++) id = id * 10 + (data[k] - 48)
      deliver(client, id, now)
      i = data.indexOf(MARK, i + KEY_LENGTH)
    } else {
      totals.bogus++
      i = data.indexOf(MARK, i + 1)
    }
  }
}

const deliver = (/** @type {Client} */ client, /** @type {number} */ id, /** @type {number} */ now) => {
  const batch = current
  const j = batch ? id - batch.base : -1
  if (!batch || j < 0 || j >= batch.n) {
    totals.stale++ // an edit of an earlier batch: arrived after that batch was judged
    return
  }
  if (batch.writer[j] === client.index) {
    batch.echo++ // some servers send an update back to its writer too
    return
  }
  const seq = batch.seqInRoom[j]
  if (client.got[seq]) {
    batch.dup++
    return
  }
  client.got[seq] = 1
  batch.lat[batch.latN++] = now - batch.sent[j]
}

/**
 * Open clients, `parallel` at a time (a crowd arriving, not a stampede). Each room's first
 * client goes first, alone in its room: pycrdt-websocket loses the sync of clients that race
 * into a room it is still creating (the race scenario shows that separately).
 */
const openAll = async (/** @type {Client[]} */ clients, parallel = 25) => {
  const open = async (/** @type {Client[]} */ group) => {
    let next = 0
    const worker = async () => {
      while (next < group.length) await group[next++].open()
    }
    await Promise.all(Array.from({ length: Math.min(parallel, group.length) }, worker))
  }
  const seen = new Set()
  const first = clients.filter((c) => !seen.has(c.room) && seen.add(c.room))
  await open(first)
  await open(clients.filter((c) => !first.includes(c)))
}

/** Wait until `done()` or `ms` pass; true if done. */
const until = async (/** @type {() => boolean} */ done, /** @type {number} */ ms, step = 5) => {
  const deadline = performance.now() + ms
  while (!done()) {
    if (performance.now() > deadline) return false
    await sleep(step)
  }
  return true
}

// Statistics --------------------------------------------------------------------------------

const percentile = (/** @type {Float64Array} */ sorted, /** @type {number} */ p) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN

const summary = (/** @type {Float64Array} */ values) => {
  const sorted = Float64Array.from(values).sort()
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN
  }
}

// A scheduled batch of edits ------------------------------------------------------------------

/**
 * Send edit j from client `writers[j]` at `times[j]` seconds after the start; wait until every
 * other client of each edit's room has it (or `drainMs` after the last send); report.
 * @param {Client[]} clients @param {number[]} roomSizes
 * @param {Float64Array} times @param {Int32Array} writers @param {number} drainMs
 */
const runBatch = async (clients, roomSizes, times, writers, drainMs) => {
  const n = times.length
  const roomEdits = new Array(roomSizes.length).fill(0)
  const seqInRoom = new Int32Array(n)
  let expected = 0
  for (let j = 0; j < n; j++) {
    const room = clients[writers[j]].room
    seqInRoom[j] = roomEdits[room]++
    expected += roomSizes[room] - 1
  }
  for (const client of clients) client.got = new Uint8Array(roomEdits[client.room])
  const base = nextId
  nextId += n
  const frames = new Array(n)
  for (let j = 0; j < n; j++) frames[j] = clients[writers[j]].editFrame(base + j)
  /** @type {Batch} */
  const batch = {
    base, n, sent: new Float64Array(n), writer: writers, seqInRoom,
    lat: new Float64Array(expected), latN: 0, dup: 0, echo: 0
  }
  const lostBefore = connectionsLost
  current = batch
  await sleep(50)
  const cpuStart = process.cpuUsage()
  const t0 = performance.now() + 100
  const lags = new Float64Array(n)
  await new Promise((resolve) => {
    let next = 0
    const tick = () => {
      let now = performance.now()
      while (next < n && t0 + times[next] * 1000 <= now) {
        batch.sent[next] = now // the writer's local edit
        lags[next] = now - (t0 + times[next] * 1000)
        clients[writers[next]].ws.send(frames[next])
        next++
        now = performance.now()
      }
      if (next >= n) return resolve(null)
      setTimeout(tick, Math.max(0, t0 + times[next] * 1000 - now))
    }
    tick()
  })
  const sendEnd = performance.now()
  const wall = (sendEnd - t0) / 1000
  await until(() => batch.latN >= expected, drainMs)
  const cpu = process.cpuUsage(cpuStart)
  const elapsed = (performance.now() - t0) / 1000
  const lat = batch.lat.subarray(0, batch.latN)
  return {
    edits: n,
    seconds: wall,
    sentRate: n / Math.max(wall, 1e-9),
    expected,
    delivered: batch.latN,
    lost: expected - batch.latN,
    duplicates: batch.dup,
    echoes: batch.echo,
    closed: connectionsLost - lostBefore,
    latencyMs: summary(lat),
    sendLagMs: summary(lags),
    loadgenCpu: (cpu.user + cpu.system) / 1e6 / elapsed
  }
}

/** Clients for `config.rooms` (a list of lists of URLs), each room's clients in order. */
const makeClients = () => {
  /** @type {Client[]} */
  const clients = []
  config.rooms.forEach((/** @type {string[]} */ urls, /** @type {number} */ room) => {
    for (const url of urls) clients.push(new Client(url, room, clients.length))
  })
  return { clients, roomSizes: config.rooms.map((/** @type {string[]} */ urls) => urls.length) }
}

// Scenarios ---------------------------------------------------------------------------------

/** `writersPerRoom` writers in every room, each `ratePerWriter` edits a second, evenly phased. */
const fanout = async () => {
  const { clients, roomSizes } = makeClients()
  await openAll(clients)
  const perWriter = Math.round(config.ratePerWriter * config.seconds)
  /** @type {[number, number][]} */
  const plan = []
  const rooms = roomSizes.length
  const writerCount = rooms * config.writersPerRoom
  let first = 0
  for (let room = 0; room < rooms; room++) {
    for (let k = 0; k < config.writersPerRoom; k++) {
      const phase = ((room * config.writersPerRoom + k) / writerCount) / config.ratePerWriter
      for (let i = 0; i < perWriter; i++) plan.push([phase + i / config.ratePerWriter, first + k])
    }
    first += roomSizes[room]
  }
  plan.sort((a, b) => a[0] - b[0])
  const result = await runBatch(
    clients, roomSizes,
    Float64Array.from(plan, (p) => p[0]), Int32Array.from(plan, (p) => p[1]), config.drainMs
  )
  return { ...result, clients: clients.length }
}

/** Everyone writes, round robin across rooms; raise the aggregate rate until a step fails. */
const steps = async () => {
  const { clients, roomSizes } = makeClients()
  await openAll(clients)
  if (config.announce) await ready() // e.g. run.py starts a profiler now
  // Consecutive edits go to different rooms, and within a room rotate through its clients.
  const order = []
  const maxSize = Math.max(...roomSizes)
  for (let k = 0; k < maxSize; k++) {
    let first = 0
    for (const size of roomSizes) {
      if (k < size) order.push(first + k)
      first += size
    }
  }
  const judge = (/** @type {any} */ r, /** @type {number} */ rate) => {
    const reasons = []
    if (r.lost) reasons.push(`${r.lost} lost`)
    if (r.duplicates) reasons.push(`${r.duplicates} duplicates`)
    if (r.closed) reasons.push(`${r.closed} connections closed`)
    if (!(r.latencyMs.p99 <= config.p99LimitMs)) reasons.push(`p99 ${r.latencyMs.p99.toFixed(1)} ms`)
    if (r.sentRate < 0.95 * rate) reasons.push('load generator could not send at this rate')
    return reasons
  }
  const runStep = async (/** @type {number} */ rate) => {
    const n = Math.round(rate * config.seconds)
    const times = new Float64Array(n)
    const writers = new Int32Array(n)
    for (let j = 0; j < n; j++) {
      times[j] = j / rate
      writers[j] = order[j % order.length]
    }
    const result = await runBatch(clients, roomSizes, times, writers, config.drainMs)
    const reasons = judge(result, rate)
    const step = { rate, pass: reasons.length === 0, reasons, ...result }
    log(`${rate}/s: ${step.pass ? 'pass' : 'FAIL ' + reasons.join(', ')}; p99 ` +
      `${result.latencyMs.p99.toFixed(1)} ms, loadgen CPU ${(100 * result.loadgenCpu).toFixed(0)}%`)
    return step
  }
  // A warm-up step, not judged: the first batch after hundreds of joins measured start-up
  // (the Node reference failed it too, at 250 edits/s), not the server's steady state.
  const warm = await runStep(Math.min(100, config.rates[0]))
  log(`warm-up done (p99 ${warm.latencyMs.p99.toFixed(1)} ms, not judged)`)
  await sleep(config.pauseMs)
  const done = []
  let best = 0
  let failed = 0
  for (const rate of config.rates) {
    const step = await runStep(rate)
    done.push(step)
    if (!step.pass) {
      failed = rate
      break
    }
    best = rate
    await sleep(config.pauseMs)
  }
  // Between the last pass and the first failure, try halfway, `refine` times: by default the
  // arithmetic middle rounded to 100/s; with `midpoint: "geometric"` (a ramp of ratios) the
  // geometric one, so the tries keep the ramp's shape.
  const middle = config.midpoint === 'geometric'
    ? (/** @type {number} */ a, /** @type {number} */ b) => Math.round(Math.sqrt(a * b))
    : (/** @type {number} */ a, /** @type {number} */ b) => Math.round((a + b) / 2 / 100) * 100
  for (let i = 0; i < config.refine && failed && connectionsLost === 0; i++) {
    const mid = middle(best, failed)
    if (mid <= best || mid >= failed) break
    // A failed step may have left a backlog: let it drain before the next one.
    await sleep(config.pauseMs * 3)
    const step = await runStep(mid)
    done.push(step)
    if (step.pass) best = mid
    else failed = mid
  }
  return { best, steps: done, clients: clients.length }
}

/** A Y.Doc with `count` cards (the document model's shape), as updates of `batch` cards. */
const cardUpdates = (/** @type {number} */ count, /** @type {number} */ batch) => {
  const doc = new Y.Doc()
  const items = doc.getMap('items')
  /** @type {Uint8Array[]} */
  const updates = []
  doc.on('update', (/** @type {Uint8Array} */ update) => updates.push(update))
  for (let start = 0; start < count; start += batch) {
    doc.transact(() => {
      for (let n = start; n < Math.min(count, start + batch); n++) {
        const card = new Y.Map()
        items.set(`card-${String(n).padStart(5, '0')}`, card)
        card.set('section', SECTIONS[n % SECTIONS.length])
        card.set('text', new Y.Text(`${TEXTS[n % TEXTS.length]} (${n})`))
        card.set('order', `a${String(n).padStart(6, '0')}V`)
        // No author: Safety Map refuses a new card that names anyone but its writer (a name
        // typed into a card proves nothing), and closed the writer of one naming 'bench'.
        card.set('createdAt', '2025-03-04T10:15:00+00:00')
      }
    })
  }
  return updates
}

/** Fill the room at `url` with `cards` cards and return once a fresh client sees them all. */
const populate = async (/** @type {string} */ url, /** @type {string} */ probeUrl, /** @type {number} */ cards) => {
  const writer = new Client(url, 0, 0, true)
  await writer.open()
  for (const update of cardUpdates(cards, config.batch || 100)) writer.send(syncUpdate(update))
  const deadline = performance.now() + 120000
  for (;;) {
    const probe = new Client(probeUrl, 0, 1, true)
    await probe.open(120000)
    const seen = probe.doc.getMap('items').size
    probe.close()
    if (seen === cards) break
    if (performance.now() > deadline) throw new Error(`the server holds ${seen} of ${cards} cards`)
    // Every probe is a join by the same link: Safety Map lets a link join 3 times a second
    // (after a burst of 30) and closes the next with 4529. Polled at 5 a second, a slow fill
    // ran out of that allowance and the scenario failed; at 2.5 a second it never does.
    await sleep(400)
  }
  return writer
}

/** Time from connect to a synced Y.Doc holding every card. */
const timedJoin = async (/** @type {string} */ url, /** @type {number} */ cards) => {
  const client = new Client(url, 0, 2, true)
  const start = performance.now()
  await client.open(120000)
  const seen = client.doc.getMap('items').size
  client.close()
  if (seen !== cards) throw new Error(`a joining client saw ${seen} of ${cards} cards`)
  return {
    totalMs: client.syncedAt - start,
    step2ArrivedMs: client.step2At - start,
    applyMs: client.syncedAt - client.step2At,
    step2Bytes: client.step2Bytes
  }
}

const medianOf = (/** @type {number[]} */ values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Each join's timings, and the median of each over all of them. */
const joinSummary = (/** @type {Awaited<ReturnType<typeof timedJoin>>[]} */ joins) => ({
  joins,
  totalMs: medianOf(joins.map((j) => j.totalMs)),
  step2ArrivedMs: medianOf(joins.map((j) => j.step2ArrivedMs)),
  applyMs: medianOf(joins.map((j) => j.applyMs)),
  step2Bytes: joins[0].step2Bytes
})

/** Join a warm room of `cards` cards: its writer stays connected so the room stays loaded. */
const joinScenario = async () => {
  const [writerUrl, probeUrl, ...joinUrls] = config.urls
  const writer = await populate(writerUrl, probeUrl, config.cards)
  const joins = []
  for (const url of joinUrls) joins.push(await timedJoin(url, config.cards))
  writer.close()
  return joinSummary(joins)
}

/** Fill rooms for a later cold load (run.py restarts the server in between). */
const populateScenario = async () => {
  for (const [url, probeUrl] of config.targets) {
    const writer = await populate(url, probeUrl, config.cards)
    writer.close()
  }
  await sleep(200)
  return { populated: config.targets.length }
}

/** The first connect to rooms only in the database, after one warm-up room. */
const coldScenario = async () => {
  await timedJoin(config.warmup, 0)
  const joins = []
  for (const url of config.urls) joins.push(await timedJoin(url, config.cards))
  return joinSummary(joins)
}

/** Every room open with its clients and a few edits delivered; hold until run.py says so. */
const memoryScenario = async () => {
  const { clients, roomSizes } = makeClients()
  await openAll(clients)
  // `config.edits` edits in each room by its first client, all delivered.
  const times = []
  const writers = []
  let first = 0
  for (const size of roomSizes) {
    for (let k = 0; k < config.edits; k++) {
      times.push(times.length / 500)
      writers.push(first)
    }
    first += size
  }
  const result = await runBatch(clients, roomSizes, Float64Array.from(times), Int32Array.from(writers), 30000)
  await sleep(1000)
  await ready()
  for (const client of clients) client.close()
  await sleep(500)
  return { clients: clients.length, lost: result.lost, duplicates: result.duplicates }
}

/** Tell run.py (stdout) and wait for its go-ahead (a line on stdin). */
const ready = async () => {
  process.stdout.write(JSON.stringify({ event: 'ready' }) + '\n')
  const lines = createInterface({ input: process.stdin })
  for await (const _line of lines) break
  lines.close()
}

/** `config.trials` times: three clients open a new room at once, each writes once; all converge? */
const raceScenario = async () => {
  const trials = []
  for (const urls of config.rooms) {
    const [a, b, c, late] = urls
    const racers = [a, b, c].map((url, i) => new Client(url, 0, i, true))
    let outcome = 'ok'
    const opened = await Promise.allSettled(racers.map((client) => client.open(config.timeoutMs)))
    const failedOpen = opened.filter((o) => o.status === 'rejected').length
    if (failedOpen) outcome = `${failedOpen} of 3 never synced`
    for (const [i, client] of racers.entries()) {
      if (client.synced) client.doc.getMap('bench').set(`race-${i}`, i)
    }
    const converged = () => racers.every((r) => r.synced && [0, 1, 2].every((i) => r.doc.getMap('bench').has(`race-${i}`)))
    if (outcome === 'ok' && !(await until(converged, config.timeoutMs, 10))) {
      const counts = racers.map((r) => r.doc.getMap('bench').size)
      outcome = `not converged after ${config.timeoutMs} ms (keys seen: ${counts.join('/')})`
    }
    if (outcome === 'ok') {
      const checker = new Client(late, 0, 3, true)
      try {
        await checker.open(config.timeoutMs)
        const size = checker.doc.getMap('bench').size
        if (size !== 3) outcome = `a later client saw ${size} of 3 edits`
      } catch (err) {
        outcome = `a later client did not sync (${/** @type {Error} */ (err).message})`
      }
      checker.close()
    }
    for (const client of racers) client.close()
    trials.push(outcome)
  }
  return { trials, ok: trials.filter((t) => t === 'ok').length, of: trials.length }
}

const SCENARIOS = {
  fanout, steps, join: joinScenario, populate: populateScenario, cold: coldScenario,
  memory: memoryScenario, race: raceScenario
}

const main = async () => {
  const scenario = SCENARIOS[/** @type {keyof typeof SCENARIOS} */ (config.mode)]
  const result = await scenario()
  process.stdout.write(JSON.stringify({ event: 'result', mode: config.mode, ...result, ...totals }) + '\n')
  process.exit(0)
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ event: 'error', error: String(err && err.stack || err) }) + '\n')
  process.exit(1)
})
