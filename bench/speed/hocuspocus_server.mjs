#!/usr/bin/env node
// Hocuspocus as bench/speed measures it: `@hocuspocus/server` with its defaults, nothing added.
//
//   MODULES=bench/.peers/node/node_modules HOST=127.0.0.1 PORT=1234 node hocuspocus_server.mjs
//
// No extension, so no persistence (documents live in memory and go when their last client
// leaves), no onAuthenticate hook (any token is let in, after the auth message every client
// sends first), and the default flushDelay (0): every update of a document that arrives in one
// event-loop turn goes out as one merged broadcast. Clients speak Hocuspocus's framing, the
// document name before every y-protocols message (loadgen.mjs, `framing: "hocuspocus"`).

import { createRequire } from 'node:module'
import { join } from 'node:path'

const require = createRequire(join(process.env.MODULES ?? '', 'index.js'))
const { Server } = require('@hocuspocus/server')

const server = new Server({
  address: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 1234),
  quiet: true // no banner; stopOnSignals (the default) stops it on SIGINT and SIGTERM
})
await server.listen()
