import assert from 'node:assert/strict'
import { test } from 'node:test'
import { jargonMatcher, shouted } from '../src/jargon.js'

const LIST = {
  terms: [
    { term: 'DV', suggestion: 'Say what happened.' },
    { term: 'neglect', suggestion: '' },
    { term: 'non-engagement', suggestion: 'Say which appointments were missed.' },
    { term: 'LAC', suggestion: 'Say where the child lives.' },
    { term: 'domestic violence', suggestion: 'Who hurt whom?' },
    { term: 'CP plan', suggestion: '' }
  ],
  allowed: ['OK', 'TV', 'GP']
}
const match = jargonMatcher(LIST)
/** @param {string} text */
const terms = (text) => match(text).map((f) => f.term)

test('a listed term matches whole words, whatever the capitals', () => {
  assert.deepEqual(terms('There was DV at home'), ['DV'])
  assert.deepEqual(terms('there was dv at home'), ['DV'])
  assert.deepEqual(terms('Worried about Neglect.'), ['neglect'])
  assert.deepEqual(match('there was dv')[0].found, 'dv')
})

test('never inside a longer word', () => {
  // "ADVICE" is asked about as a word in capitals, never as "DV".
  assert.deepEqual(terms('We gave ADVICE about the garden'), ['ADVICE'])
  assert.deepEqual(terms('We gave advice about the garden'), [])
  assert.deepEqual(terms('advice, neglected, lace, lacking'), [])
  assert.deepEqual(terms('SADV'), ['SADV'])
})

test('punctuation and hyphens around a term are boundaries', () => {
  assert.deepEqual(terms('(DV)'), ['DV'])
  assert.deepEqual(terms('DV-related incidents'), ['DV'])
  assert.deepEqual(terms('“neglect”, again'), ['neglect'])
  assert.deepEqual(terms('Was it DV?'), ['DV'])
})

test('a hyphen or space inside a term matches either, or nothing', () => {
  assert.deepEqual(terms('Non-engagement with services'), ['non-engagement'])
  assert.deepEqual(terms('non engagement'), ['non-engagement'])
  assert.deepEqual(terms('nonengagement'), ['non-engagement'])
  assert.deepEqual(terms('Domestic  violence'), ['domestic violence'])
  assert.deepEqual(terms('on a CP-plan'), ['CP plan'])
})

test('a plural still matches', () => {
  assert.deepEqual(terms('two LACs in the home'), ['LAC'])
  assert.deepEqual(terms("the LAC's review"), ['LAC'])
})

test('each term once, in the order it first appears, with its suggestion', () => {
  const flags = match('neglect and DV, and more DV and neglect')
  assert.deepEqual(flags.map((f) => f.term), ['neglect', 'DV'])
  assert.equal(flags[1].suggestion, 'Say what happened.')
})

test('other acronyms are asked about, unless allowed', () => {
  assert.deepEqual(terms('The IRO and CAMHS met'), ['IRO', 'CAMHS'])
  assert.deepEqual(terms('Is that OK? The GP saw the TV'), [])
  assert.deepEqual(terms('ok, the S47 started'), ['S47'])
  assert.equal(match('The IRO came')[0].suggestion, '')
})

test('not an acronym: one capital, a long capital word, mixed case', () => {
  assert.deepEqual(terms('I saw Mum at 10 AM'.replace('AM', 'am')), [])
  assert.deepEqual(terms('She said ABSOLUTELYNOT'), [])
  assert.deepEqual(terms('McDonald iPad'), [])
})

test('a listed acronym is not asked about twice', () => {
  assert.deepEqual(terms('DV, DV and LAC'), ['DV', 'LAC'])
})

test('shouting is not acronyms, but listed terms still count', () => {
  assert.equal(shouted('HE HIT HER AGAIN'), true)
  assert.equal(shouted('DV'), false)
  assert.equal(shouted('The DV and the LAC review'), false)
  assert.deepEqual(terms('HE HIT HER AGAIN AFTER THE DV'), ['DV'])
})

test('an empty list still asks about acronyms; empty text has nothing', () => {
  const plain = jargonMatcher({ terms: [], allowed: [] })
  assert.deepEqual(plain('The MASH team').map((f) => f.term), ['MASH'])
  assert.deepEqual(plain(''), [])
})

test('terms with regular-expression characters are taken literally', () => {
  const odd = jargonMatcher({ terms: [{ term: 'A&E', suggestion: '' }, { term: 'c.p.', suggestion: '' }], allowed: [] })
  assert.deepEqual(odd('went to a&e').map((f) => f.term), ['A&E'])
  assert.deepEqual(odd('cxp').map((f) => f.term), [])
})
