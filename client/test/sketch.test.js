import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PEN_WIDTHS, Sketch, drawStroke } from '../src/sketch.js'

test('strokes grow while the pen is down; a point where the pen already is adds nothing', () => {
  const sketch = new Sketch()
  assert.equal(sketch.empty, true)
  assert.equal(sketch.extend(1, 1), false, 'no pen down')
  sketch.begin('#000', PEN_WIDTHS.normal, 10, 10)
  assert.equal(sketch.extend(10, 10), false)
  assert.equal(sketch.extend(20, 15), true)
  sketch.end()
  assert.equal(sketch.extend(30, 30), false, 'pen lifted')
  assert.deepEqual(sketch.strokes, [{ colour: '#000', width: 6, points: [[10, 10], [20, 15]] }])
  assert.equal(sketch.empty, false)
})

test('undo takes back the last stroke, and brings back what Clear took', () => {
  const sketch = new Sketch()
  sketch.begin('#000', 6, 0, 0)
  sketch.end()
  sketch.begin('#f00', 18, 5, 5)
  sketch.end()
  sketch.undo()
  assert.deepEqual(sketch.strokes.map((s) => s.colour), ['#000'])
  sketch.begin('#00f', 6, 1, 1)
  sketch.end()
  sketch.clear()
  assert.equal(sketch.empty, true)
  assert.equal(sketch.canUndo, true)
  sketch.clear() // clearing nothing is not a step
  sketch.undo()
  assert.deepEqual(sketch.strokes.map((s) => s.colour), ['#000', '#00f'])
  sketch.undo()
  sketch.undo()
  assert.equal(sketch.empty, true)
  assert.equal(sketch.canUndo, false)
  sketch.undo() // nothing left: no error
})

test('a tap draws a dot; a stroke a round-ended line through its points', () => {
  /** @type {unknown[][]} */
  const calls = []
  const ctx = /** @type {any} */ (new Proxy({}, {
    get: (_, name) => (/** @type {unknown[]} */ ...args) => calls.push([name, ...args]),
    set: (_, name, value) => { calls.push([`${String(name)}=`, value]); return true }
  }))
  drawStroke(ctx, { colour: '#c0171d', width: 18, points: [[10, 20]] })
  assert.deepEqual(calls, [['beginPath'], ['fillStyle=', '#c0171d'], ['arc', 10, 20, 9, 0, Math.PI * 2], ['fill']])
  calls.length = 0
  drawStroke(ctx, { colour: '#000', width: 6, points: [[0, 0], [5, 5], [9, 2]] })
  assert.deepEqual(calls, [
    ['beginPath'], ['strokeStyle=', '#000'], ['lineWidth=', 6], ['lineCap=', 'round'], ['lineJoin=', 'round'],
    ['moveTo', 0, 0], ['lineTo', 5, 5], ['lineTo', 9, 2], ['stroke']
  ])
})
