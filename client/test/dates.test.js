import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readableDay } from '../src/dates.js'

test('an ISO day reads as the record writes it', () => {
  assert.equal(readableDay('2026-12-14'), '14 December 2026')
  assert.equal(readableDay(' 2027-01-05 '), '5 January 2027')
})

test('anything else is shown as it was written', () => {
  assert.equal(readableDay(''), '')
  assert.equal(readableDay('next Friday'), 'next Friday')
  assert.equal(readableDay('2026-02-31'), '2026-02-31')
  assert.equal(readableDay('2026-12-14T10:00'), '2026-12-14T10:00')
})
