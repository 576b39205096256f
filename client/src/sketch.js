// A drawing made on the board, as data: strokes of one colour and width each, in the canvas's
// own pixels, with undo (of a stroke, or of "Clear"). DOM-free; ui/drawing.js draws it.

/** The pen's colours: plain names people know, dark enough to see on white. */
export const PEN_COLOURS = /** @type {const} */ ([
  { id: 'black', value: '#1b1b1b' },
  { id: 'blue', value: '#1d4f91' },
  { id: 'red', value: '#c0171d' },
  { id: 'green', value: '#17703a' },
  { id: 'orange', value: '#c75000' },
  { id: 'purple', value: '#5c2d91' }
])
/** The pen's widths in canvas pixels: normal, and "Thicker pen". */
export const PEN_WIDTHS = /** @type {const} */ ({ normal: 6, thick: 18 })

/**
 * @typedef {{ colour: string, width: number, points: [number, number][] }} Stroke
 * @typedef {{ kind: 'stroke' } | { kind: 'clear', strokes: Stroke[] }} Step
 */

export class Sketch {
  constructor () {
    /** @type {Stroke[]} what is drawn now, oldest first */
    this.strokes = []
    /** @type {Step[]} what Undo takes back, latest last */
    this.steps = []
    /** @type {Stroke | null} the stroke being drawn */
    this.current = null
  }

  /** Whether nothing is drawn. */
  get empty () {
    return this.strokes.length === 0
  }

  /** Whether Undo has something to take back. */
  get canUndo () {
    return this.steps.length > 0
  }

  /**
   * Put the pen down.
   * @param {string} colour
   * @param {number} width
   * @param {number} x
   * @param {number} y
   * @returns {Stroke}
   */
  begin (colour, width, x, y) {
    const stroke = { colour, width, points: /** @type {[number, number][]} */ ([[x, y]]) }
    this.current = stroke
    this.strokes.push(stroke)
    this.steps.push({ kind: 'stroke' })
    return stroke
  }

  /**
   * Move the pen while it is down; a point where the pen already is adds nothing.
   * @param {number} x
   * @param {number} y
   * @returns {boolean} whether the stroke grew
   */
  extend (x, y) {
    const stroke = this.current
    if (!stroke) return false
    const [lx, ly] = stroke.points[stroke.points.length - 1]
    if (lx === x && ly === y) return false
    stroke.points.push([x, y])
    return true
  }

  /** Lift the pen. */
  end () {
    this.current = null
  }

  /** Take back the last stroke, or bring back what "Clear" took away. */
  undo () {
    this.current = null
    const step = this.steps.pop()
    if (!step) return
    if (step.kind === 'stroke') this.strokes.pop()
    else this.strokes = step.strokes
  }

  /** Clear the drawing (Undo brings it back). */
  clear () {
    this.current = null
    if (this.empty) return
    this.steps.push({ kind: 'clear', strokes: this.strokes })
    this.strokes = []
  }
}

/**
 * Draw one stroke: a dot for a tap, else a line through its points with round ends.
 * @param {Pick<CanvasRenderingContext2D, 'beginPath' | 'moveTo' | 'lineTo' | 'arc' | 'fill' | 'stroke' | 'fillStyle' | 'strokeStyle' | 'lineWidth' | 'lineCap' | 'lineJoin'>} ctx
 * @param {Stroke} stroke
 */
export function drawStroke (ctx, stroke) {
  const [first, ...rest] = stroke.points
  ctx.beginPath()
  if (rest.length === 0) {
    ctx.fillStyle = stroke.colour
    ctx.arc(first[0], first[1], stroke.width / 2, 0, Math.PI * 2)
    ctx.fill()
    return
  }
  ctx.strokeStyle = stroke.colour
  ctx.lineWidth = stroke.width
  ctx.lineCap = 'round'
  ctx.lineJoin = 'round'
  ctx.moveTo(first[0], first[1])
  for (const [x, y] of rest) ctx.lineTo(x, y)
  ctx.stroke()
}
