import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as Y from 'yjs'
import { Awareness, applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import * as encoding from 'lib0/encoding'
import { SERVER_CLIENT_ID, ServerStatus, serverNotSaving } from '../src/serverstatus.js'

const UNSAVED = { server: { saving: false } }

/**
 * An awareness update as the server writes one (server/sync/awareness.py `encode_update`).
 * @param {number} clientId @param {number} clock @param {unknown} state
 */
function update (clientId, clock, state) {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 1)
  encoding.writeVarUint(e, clientId)
  encoding.writeVarUint(e, clock)
  encoding.writeVarString(e, JSON.stringify(state))
  return encoding.toUint8Array(e)
}

/** A real y-protocols awareness, as the stock provider holds one. */
function setup () {
  const awareness = new Awareness(new Y.Doc())
  let changes = 0
  const status = new ServerStatus(awareness, () => changes++)
  return { awareness, status, changes: () => changes, close: () => awareness.destroy() }
}

test('serverNotSaving reads the server entry only', () => {
  assert.equal(serverNotSaving(new Map()), false)
  assert.equal(serverNotSaving(new Map([[0, UNSAVED]])), true)
  assert.equal(serverNotSaving(new Map([[0, { server: { saving: true } }]])), false)
  assert.equal(serverNotSaving(new Map([[0, { server: null }]])), false)
  assert.equal(serverNotSaving(new Map([[7, UNSAVED]])), false) // a client cannot say it
})

test("the server's first word is heard, though its clock starts at 0", () => {
  const bare = new Awareness(new Y.Doc())
  applyAwarenessUpdate(bare, update(SERVER_CLIENT_ID, 0, UNSAVED), 'server')
  assert.equal(bare.getStates().has(0), false, 'stock y-protocols drops clock 0 (why ServerStatus exists)')
  bare.destroy()

  const { awareness, status, changes, close } = setup()
  applyAwarenessUpdate(awareness, update(SERVER_CLIENT_ID, 0, UNSAVED), 'server')
  assert.equal(status.notSaving, true)
  assert.equal(changes(), 1)
  applyAwarenessUpdate(awareness, update(SERVER_CLIENT_ID, 1, null), 'server') // saving again
  assert.equal(status.notSaving, false)
  assert.equal(changes(), 2)
  close()
})

test('a timed-out server entry is not taken as "saving again"', () => {
  const { awareness, status, close } = setup()
  applyAwarenessUpdate(awareness, update(SERVER_CLIENT_ID, 0, UNSAVED), 'server')
  removeAwarenessStates(awareness, [SERVER_CLIENT_ID], 'timeout') // y-protocols after 30 s
  assert.equal(status.notSaving, true)
  applyAwarenessUpdate(awareness, update(SERVER_CLIENT_ID, 1, null), 'server')
  assert.equal(status.notSaving, false)
  close()
})

test('after a reconnect (or a server restart, clock 0 again) the server is heard afresh', () => {
  const { awareness, status, close } = setup()
  applyAwarenessUpdate(awareness, update(SERVER_CLIENT_ID, 0, UNSAVED), 'server')
  applyAwarenessUpdate(awareness, update(SERVER_CLIENT_ID, 1, null), 'server')
  applyAwarenessUpdate(awareness, update(SERVER_CLIENT_ID, 2, UNSAVED), 'server')
  assert.equal(status.notSaving, true)
  status.expectServer() // the connection closed: nothing is known until the server speaks
  assert.equal(status.notSaving, false)
  assert.equal(awareness.getStates().has(0), false)
  applyAwarenessUpdate(awareness, update(SERVER_CLIENT_ID, 0, UNSAVED), 'server') // a new process
  assert.equal(status.notSaving, true)
  // Other people's entries do not matter.
  applyAwarenessUpdate(awareness, update(12345, 3, { user: { name: 'Jo' } }), 'server')
  assert.equal(status.notSaving, true)
  close()
})
