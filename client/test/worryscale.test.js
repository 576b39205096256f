import assert from 'node:assert/strict'
import { test } from 'node:test'
import { QUOTE_MAX, quotedWorry, worryScaleWording } from '../src/worryscale.js'
import { createStrings } from '../src/strings.js'

const t = createStrings({}, 'en-GB')

test('a worry scale asks about that worry, quoted', () => {
  const wording = worryScaleWording('Dad might hit Leo when he has been drinking.', t)
  assert.equal(wording.question, 'On a scale of 0 to 10, how safe are the children from this worry: “Dad might hit Leo when he has been drinking”?')
  assert.equal(wording.low, 'This is sure to happen if nothing changes')
  assert.equal(wording.high, 'Everyone agrees the children are safe from this')
})

test('a long worry is shortened at a word, with an ellipsis', () => {
  const long = 'Children’s services and the school are worried that Leo will be left alone overnight again when Dad works nights, and that nobody will know'
  const quoted = quotedWorry(long)
  assert.ok(quoted.length <= QUOTE_MAX, quoted)
  assert.ok(quoted.endsWith('…'))
  assert.ok(long.startsWith(quoted.slice(0, -1)), quoted)
  assert.match(quoted, /\w…$/) // a whole word, then the ellipsis
  assert.equal(quoted, 'Children’s services and the school are worried that Leo will be left alone overnight again when Dad works…')
  assert.ok(worryScaleWording(long, t).question.includes(`“${quoted}”?`))
})

test('one very long word is cut where it must be', () => {
  const word = 'x'.repeat(300)
  assert.equal(quotedWorry(word), `${'x'.repeat(QUOTE_MAX - 1)}…`)
})

test('spaces and line breaks are one line; a worry without words keeps the overall wording', () => {
  assert.equal(quotedWorry('  Dad  might\n\nhit Leo!  '), 'Dad might hit Leo')
  assert.equal(worryScaleWording(' \n ', t).question, t('scale.defaultQuestion'))
})
