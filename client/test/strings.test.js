import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { DEFAULT_STRINGS, createStrings } from '../src/strings.js'

test('placeholders are filled and overrides win', () => {
  const t = createStrings({ 'add.button': 'Ychwanegu cerdyn', 'bogus.key': 'x', 'card.by': 42 })
  assert.equal(t('add.button'), 'Ychwanegu cerdyn')
  assert.equal(t('card.by', { person: 'Jo (Family)' }), 'Written by Jo (Family)')
  assert.equal(t('card.speaker'), 'View of: {speaker}')
})

test('plural forms follow the language', () => {
  const en = createStrings({}, 'en')
  assert.equal(en.plural('roster.count', 1), '1 person here')
  assert.equal(en.plural('roster.count', 3), '3 people here')
  const cy = createStrings({ 'roster.count.two': '{count} berson yma', 'roster.count.other': '{count} o bobl yma' }, 'cy')
  assert.equal(cy.plural('roster.count', 2), '2 berson yma')
  assert.equal(cy.plural('roster.count', 7), '7 o bobl yma')
  assert.equal(createStrings({}, 'not a locale!!').plural('roster.count', 1), '1 person here')
})

/** @param {string} dir @returns {string[]} */
const sources = (dir) => readdirSync(dir).flatMap((name) => {
  const path = join(dir, name)
  return statSync(path).isDirectory() ? sources(path) : path.endsWith('.js') ? [path] : []
})

test('every string key the code uses exists, and every key is used', () => {
  const src = new URL('../src/', import.meta.url).pathname
  const code = sources(src).filter((p) => !p.endsWith('strings.js')).map((p) => readFileSync(p, 'utf8')).join('\n')
  const used = new Set([...code.matchAll(/\bt(?:\.plural)?\(\s*'([a-zA-Z]+\.[a-zA-Z.]+)'/g)].map((m) => m[1]))
  // Keys built from a value: `stance.${s}`, `status.${s}`, `role.${r}`, `stance.${s}By`.
  for (const prefix of ['stance.', 'status.', 'role.']) {
    for (const key of Object.keys(DEFAULT_STRINGS)) if (key.startsWith(prefix)) used.add(key)
  }
  const keys = new Set(Object.keys(DEFAULT_STRINGS).map((k) => k.replace(/\.(one|other)$/, '')))
  assert.deepEqual([...used].filter((k) => !keys.has(k)), [], 'keys used but missing from DEFAULT_STRINGS')
  assert.deepEqual([...keys].filter((k) => !used.has(k)), [], 'keys nobody uses')
})
