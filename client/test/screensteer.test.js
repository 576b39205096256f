import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_PAGES, pageEnd, pageForKey, readView, ScreenFollower, shownOnScreen } from '../src/ui/screensteer.js'

const columns = ['worries', 'working_well', 'needs_to_happen', 'more']
/** @param {Record<string, unknown>} screen */
const facilitator = (screen, name = 'Sam') => ({ user: { name, role: 'facilitator', id: name }, screen })

test('readView keeps a known view and turns anything else into the whole map', () => {
  assert.deepEqual(readView({ show: 'column:worries', page: 2 }, columns), { show: 'column:worries', page: 2 })
  assert.deepEqual(readView({ show: 'scales', page: 3 }, columns), { show: 'scales', page: 3 })
  assert.deepEqual(readView({ show: 'column:nowhere', page: 4 }, columns), { show: 'map', page: 1 })
  assert.deepEqual(readView({ show: 42 }, columns), { show: 'map', page: 1 })
  assert.deepEqual(readView(null, columns), { show: 'map', page: 1 })
  assert.deepEqual(readView({ show: 'map', page: -5 }, columns), { show: 'map', page: 1 })
  assert.deepEqual(readView({ show: 'map', page: 1e9 }, columns), { show: 'map', page: MAX_PAGES })
  assert.deepEqual(readView({ show: 'map', page: 1.5 }, columns), { show: 'map', page: 1 })
})

test('the screen follows only entries the server stamped as the facilitator\'s', () => {
  const follower = new ScreenFollower(columns)
  /** @type {Map<number, unknown>} */
  const states = new Map([
    [1, { user: { name: 'Jo', role: 'family' }, screen: { show: 'scales', page: 2, at: 9e15 } }],
    [2, { user: { name: 'Ana', role: 'professional' }, screen: { show: 'scales', page: 1, at: 9e15 } }],
    [3, { screen: { show: 'scales', page: 1, at: 9e15 } }]
  ])
  assert.equal(follower.update(states), null)
  states.set(4, facilitator({ show: 'column:worries', page: 1, at: 10 }))
  assert.deepEqual(follower.update(states), { show: 'column:worries', page: 1 })
  // Nothing changed: nothing to follow (the screen's own paging stays).
  assert.equal(follower.update(states), null)
})

test('with several facilitators, the latest change wins', () => {
  const follower = new ScreenFollower(columns)
  /** @type {Map<number, unknown>} */
  const states = new Map([
    [1, facilitator({ show: 'scales', page: 1, at: 100 }, 'Sam')],
    [2, facilitator({ show: 'column:worries', page: 2, at: 200 }, 'Kim')]
  ])
  // First look: the newest by its own clock.
  assert.deepEqual(follower.update(states), { show: 'column:worries', page: 2 })
  // Sam changes theirs (even with a clock behind Kim's): Sam's is the change.
  states.set(1, facilitator({ show: 'map', page: 3, at: 150 }, 'Sam'))
  assert.deepEqual(follower.update(states), { show: 'map', page: 3 })
  // Sam leaves and comes back with the same view: not a change.
  states.delete(1)
  assert.equal(follower.update(states), null)
  states.set(1, facilitator({ show: 'map', page: 3, at: 150 }, 'Sam'))
  assert.equal(follower.update(states), null)
})

test('the facilitator\'s control reads what a screen shows, never a family member\'s or a professional\'s claim', () => {
  /** @type {Map<number, unknown>} */
  const states = new Map([
    [1, { user: { role: 'family' }, shown: { show: 'scales', page: 2, pages: 3 } }],
    [5, { user: { role: 'professional' }, shown: { show: 'map', page: 1, pages: 1 } }],
    [6, { shown: { show: 'map', page: 1, pages: 1 } }],
    [2, { user: { role: 'facilitator' }, screen: { show: 'map', page: 1 } }]
  ])
  assert.equal(shownOnScreen(states, columns), null)
  states.set(3, { user: { role: 'viewer' }, shown: { show: 'column:worries', page: 5, pages: 2 } })
  assert.deepEqual(shownOnScreen(states, columns), { show: 'column:worries', page: 2, pages: 2 })
})

test('a page ends before the first unit past the last column, never on a heading', () => {
  const heading = (/** @type {number[]} */ heads) => (/** @type {number} */ i) => heads.includes(i)
  // Units 0..4 fit in 2 columns, 5 does not.
  assert.equal(pageEnd([0, 0, 1, 1, 1, 2, 3], 0, 2, heading([])), 5)
  // Unit 4 is a heading whose first item (5) is on the next page: it goes there too.
  assert.equal(pageEnd([0, 0, 1, 1, 1, 2, 3], 0, 2, heading([4])), 4)
  // Everything fits: the last unit may be anything.
  assert.equal(pageEnd([0, 1, 1], 0, 2, heading([2])), 3)
  // A unit too big for any screen still gets a page.
  assert.equal(pageEnd([-1, -1, 5, 5], 2, 2, heading([])), 3)
  // From a later start.
  assert.equal(pageEnd([-1, -1, 0, 1, 2], 2, 2, heading([])), 4)
})

test('keys turn pages within the map', () => {
  assert.equal(pageForKey('PageDown', 1, 3), 2)
  assert.equal(pageForKey('ArrowRight', 3, 3), 3)
  assert.equal(pageForKey('PageUp', 1, 3), 1)
  assert.equal(pageForKey('ArrowLeft', 2, 3), 1)
  assert.equal(pageForKey('Home', 3, 3), 1)
  assert.equal(pageForKey('End', 1, 3), 3)
  assert.equal(pageForKey('a', 1, 3), null)
})
