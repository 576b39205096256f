import assert from 'node:assert/strict'
import { test } from 'node:test'
import { asPresentation, parseConfig } from '../src/config.js'
import { classifyClose } from '../src/connection.js'

test('parseConfig reads the contract and is tolerant of junk', () => {
  const c = parseConfig({
    wsUrl: 'ws://127.0.0.1:8000/ws',
    meetingId: 'm1',
    params: { token: 't', name: 'Jo', bad: 5 },
    professional: true,
    participant: { id: 'p1', name: 'Jo', role: 'family', relationship: 'Mum' },
    canEdit: true,
    isFacilitator: false,
    status: 'open',
    endedAt: null,
    mode: 'edit',
    labelSet: 'child_protection',
    columns: [{ id: 'worries', title: 'What are we worried about?', sections: ['harm', 7, 'danger'] }],
    sections: { harm: { label: 'What has happened', prompt: 'What happened?' } },
    optionalSections: { unknowns: { label: "Things we don't know yet" } },
    strings: { 'add.button': 'Add', n: 1 }
  })
  assert.deepEqual(c.params, { token: 't', name: 'Jo' })
  assert.deepEqual(c.columns[0].sections, ['harm', 'danger'])
  assert.equal(c.canEdit, true)
  assert.equal(c.endedAt, '')
  assert.deepEqual(c.optionalSections.unknowns, { label: "Things we don't know yet", prompt: '' })
  assert.deepEqual(c.strings, { 'add.button': 'Add' })
  const junk = parseConfig('nonsense')
  assert.equal(junk.canEdit, false)
  assert.equal(junk.mode, 'edit')
  assert.deepEqual(junk.columns, [])
})

test('an ended meeting or presentation mode is never editable', () => {
  assert.equal(parseConfig({ canEdit: true, status: 'ended' }).canEdit, false)
  assert.equal(parseConfig({ canEdit: true, mode: 'present' }).canEdit, false)
})

test('the presentation view never opens the professionals-only room, and says it is one', () => {
  const page = { meetingId: 'm1', professional: true, canEdit: true, params: { token: 't' } }
  for (const c of [parseConfig({ ...page, mode: 'present' }), asPresentation(parseConfig(page))]) {
    assert.equal(c.mode, 'present')
    assert.equal(c.professional, false)
    assert.equal(c.canEdit, false)
    assert.deepEqual(c.params, { token: 't', present: '1' })
  }
  const editing = parseConfig(page)
  assert.equal(editing.professional, true)
  assert.deepEqual(editing.params, { token: 't' })
})

test('close codes: 44xx (and too-big frames) are final, the rest reconnect', () => {
  assert.equal(classifyClose(4401, 'this link is not valid')?.kind, 'invalid')
  assert.equal(classifyClose(4403, 'read-only: the meeting has ended')?.kind, 'ended')
  assert.equal(classifyClose(4403, 'read-only: a viewer link can view the map but not change it')?.kind, 'forbidden')
  assert.equal(classifyClose(4403, 'read-only: the facilitator has locked the board'), null)
  assert.equal(classifyClose(4403, "this page's origin may not open the meeting")?.kind, 'wrongAddress')
  assert.equal(classifyClose(4413, '')?.kind, 'tooLarge')
  assert.equal(classifyClose(1009, '')?.kind, 'tooLarge')
  assert.equal(classifyClose(4422, '')?.kind, 'failed')
  assert.equal(classifyClose(4400, '')?.kind, 'failed')
  for (const code of [1000, 1001, 1006, 1011, 1012, 4508]) assert.equal(classifyClose(code, ''), null, String(code))
})

test('pictures are offered only when the server names where they go', () => {
  assert.equal(parseConfig({}).pictures, null)
  assert.equal(parseConfig({ pictures: { maxBytes: 5 } }).pictures, null)
  assert.deepEqual(parseConfig({ pictures: { uploadUrl: '/m/m1/pictures/', maxBytes: 10485760 } }).pictures, { uploadUrl: '/m/m1/pictures', maxBytes: 10485760 })
  assert.deepEqual(parseConfig({ pictures: { uploadUrl: '/m/m1/pictures', maxBytes: 'big' } }).pictures, { uploadUrl: '/m/m1/pictures', maxBytes: 0 })
})
