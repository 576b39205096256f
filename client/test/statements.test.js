import assert from 'node:assert/strict'
import { test } from 'node:test'
import { clean, missingFields, statement } from '../src/statements.js'
import { DEFAULT_STRINGS, createStrings } from '../src/strings.js'

const t = createStrings({}, 'en-GB')

test('a danger statement names who is worried, what, and what could happen to the child', () => {
  assert.equal(
    statement('danger', { who: 'School and the social worker', what: 'Dad might hit Mum when he has been drinking', child: 'Leo', harm: 'be hurt or very frightened' }, t),
    'School and the social worker are worried that Dad might hit Mum when he has been drinking, and that Leo could be hurt or very frightened if nothing changes.')
})

test('a danger statement without who says "we"; without a child, "the child"', () => {
  assert.equal(
    statement('danger', { what: 'Dad might hit Mum', harm: 'be hurt' }, t),
    'We are worried that Dad might hit Mum, and that the child could be hurt if nothing changes.')
  assert.equal(statement('danger', { who: 'we', what: 'Dad might hit Mum' }, t), 'We are worried that Dad might hit Mum.')
  assert.equal(statement('danger', { what: 'Dad might hit Mum.' }, t), 'We are worried that Dad might hit Mum.')
})

test('no sentence until the required fields are filled', () => {
  assert.equal(statement('danger', { who: 'School', harm: 'be hurt' }, t), '')
  assert.deepEqual(missingFields('danger', { who: 'School' }), ['what'])
  assert.equal(statement('goals', { what: 'keep a sober adult at home' }, t), '')
  assert.deepEqual(missingFields('goals', { what: '  ' }), ['who', 'what'])
})

test('a safety goal says what the adults will do, for how long, and what the child will notice', () => {
  const values = { who: 'Mum and Dad', what: 'make sure a sober adult always looks after Leo', howLong: 'the next six months', child: 'Leo', notice: 'there is no more shouting at night' }
  assert.equal(statement('goals', values, t),
    'Mum and Dad will make sure a sober adult always looks after Leo for the next six months, and Leo will notice that there is no more shouting at night.')
  assert.equal(statement('goals', { ...values, howLong: '' }, t),
    'Mum and Dad will make sure a sober adult always looks after Leo, and Leo will notice that there is no more shouting at night.')
  assert.equal(statement('goals', { ...values, notice: ' ' }, t),
    'Mum and Dad will make sure a sober adult always looks after Leo for the next six months.')
  assert.equal(statement('goals', { who: 'mum', what: 'take Leo to school' }, t), 'Mum will take Leo to school.')
})

test('fields are tidied: one line, no trailing full stop, the sentence starts with a capital', () => {
  assert.equal(clean('  Dad might\n hit Mum.  '), 'Dad might hit Mum')
  assert.equal(clean('be hurt!,'), 'be hurt')
  assert.equal(statement('danger', { who: 'school', what: 'x' }, t), 'School are worried that x.')
})

test('every sentence is one whole string, so a translation can reorder it', () => {
  const keys = Object.keys(DEFAULT_STRINGS).filter((k) => /^statement\.(danger|goals)\.(full|noHarm|weFull|weNoHarm|noNotice|noTime|plain)$/.test(k))
  assert.equal(keys.length, 8)
  const reordered = createStrings({ 'statement.danger.full': '{child} could {harm}: {who} fear that {what}.' }, 'en-GB')
  assert.equal(statement('danger', { who: 'we', what: 'x', child: 'Leo', harm: 'be hurt' }, reordered), 'Leo could be hurt: we fear that x.')
})
