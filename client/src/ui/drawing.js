// "Draw a picture": a pen canvas that works with a finger on a tablet, a stylus or a mouse
// (pointer events; `touch-action: none` keeps the finger from scrolling the page), a few
// colours, a thicker pen, undo and clear. Exported as a PNG on white.
import { PEN_COLOURS, PEN_WIDTHS, Sketch, drawStroke } from '../sketch.js'
import { h, setText } from './dom.js'

// The canvas's own pixels (4:3); CSS scales it to the dialog's width.
const WIDTH = 960
const HEIGHT = 720
const PAPER = '#ffffff'

/**
 * @typedef {{
 *   t: import('../strings.js').Translate,
 *   onChange: () => void
 * }} DrawingDeps
 */

export class Drawing {
  /**
   * `onChange` runs after every stroke, undo and clear (the dialog's Share follows it).
   * @param {DrawingDeps} deps
   */
  constructor ({ t, onChange }) {
    this.t = t
    this.onChange = onChange
    this.sketch = new Sketch()
    /** @type {string} */
    this.colour = PEN_COLOURS[0].value
    this.thick = false
    /** @type {number | null} the pointer drawing now: a second finger (or a palm) is ignored */
    this.pointer = null

    this.canvas = h('canvas', {
      class: 'drawing-canvas', width: WIDTH, height: HEIGHT, 'data-testid': 'drawing-canvas',
      role: 'img', 'aria-label': t('drawing.canvas'),
      onpointerdown: (/** @type {PointerEvent} */ e) => this.down(e),
      onpointermove: (/** @type {PointerEvent} */ e) => this.move(e),
      onpointerup: (/** @type {PointerEvent} */ e) => this.up(e),
      onpointercancel: (/** @type {PointerEvent} */ e) => this.up(e),
      onlostpointercapture: (/** @type {PointerEvent} */ e) => this.up(e)
    })
    const ctx = this.canvas.getContext('2d')
    if (!ctx) throw new Error('no 2D canvas')
    this.ctx = ctx

    /** @type {Record<typeof PEN_COLOURS[number]['id'], string>} */
    const names = {
      black: t('drawing.colour.black'),
      blue: t('drawing.colour.blue'),
      red: t('drawing.colour.red'),
      green: t('drawing.colour.green'),
      orange: t('drawing.colour.orange'),
      purple: t('drawing.colour.purple')
    }
    /** @type {HTMLButtonElement[]} */
    this.colourButtons = PEN_COLOURS.map((c, i) => h('button', {
      type: 'button', class: 'button button--secondary drawing-colour', 'data-testid': `drawing-colour-${c.id}`,
      'aria-pressed': String(i === 0),
      onclick: () => this.setColour(c.value),
      title: names[c.id]
    }, h('span', { class: `drawing-swatch drawing-swatch--${c.id}`, 'aria-hidden': 'true' }), h('span', { class: 'visually-hidden', text: names[c.id] })))
    this.thickButton = h('button', {
      type: 'button', class: 'button button--secondary', 'data-testid': 'drawing-thick', 'aria-pressed': 'false',
      onclick: () => this.setThick(!this.thick)
    }, t('drawing.thick'))
    this.undoButton = h('button', { type: 'button', class: 'button button--secondary', 'data-testid': 'drawing-undo', onclick: () => this.undo() }, t('drawing.undo'))
    this.clearButton = h('button', { type: 'button', class: 'button button--secondary', 'data-testid': 'drawing-clear', onclick: () => this.clear() }, t('drawing.clear'))
    this.status = h('p', { class: 'visually-hidden', 'aria-live': 'polite' })
    this.el = h('div', { class: 'drawing', 'data-testid': 'drawing' },
      h('div', { class: 'drawing-colours', role: 'group', 'aria-label': t('drawing.colours') }, this.colourButtons),
      h('div', { class: 'drawing-tools', role: 'group', 'aria-label': t('drawing.tools') }, this.thickButton, this.undoButton, this.clearButton),
      this.canvas,
      this.status)
    this.redraw()
  }

  /** Whether nothing is drawn. */
  get empty () { return this.sketch.empty }

  /** Start a new, empty drawing. */
  reset () {
    this.sketch = new Sketch()
    this.pointer = null
    this.redraw()
  }

  /** @param {string} colour */
  setColour (colour) {
    this.colour = colour
    PEN_COLOURS.forEach((c, i) => this.colourButtons[i].setAttribute('aria-pressed', String(c.value === colour)))
  }

  /** @param {boolean} thick */
  setThick (thick) {
    this.thick = thick
    this.thickButton.setAttribute('aria-pressed', String(thick))
  }

  undo () {
    this.sketch.undo()
    this.redraw()
    setText(this.status, this.t('drawing.undone'))
    this.onChange()
  }

  clear () {
    this.sketch.clear()
    this.redraw()
    setText(this.status, this.t('drawing.cleared'))
    this.onChange()
  }

  /** Where a pointer is, in the canvas's own pixels. @param {PointerEvent} e @returns {[number, number]} */
  at (e) {
    const box = this.canvas.getBoundingClientRect()
    const x = ((e.clientX - box.left) / (box.width || 1)) * WIDTH
    const y = ((e.clientY - box.top) / (box.height || 1)) * HEIGHT
    return [Math.round(Math.min(Math.max(x, 0), WIDTH)), Math.round(Math.min(Math.max(y, 0), HEIGHT))]
  }

  /** @param {PointerEvent} e */
  down (e) {
    if (this.pointer !== null || (e.pointerType === 'mouse' && e.button !== 0)) return
    e.preventDefault()
    this.pointer = e.pointerId
    try {
      this.canvas.setPointerCapture(e.pointerId)
    } catch {}
    const [x, y] = this.at(e)
    drawStroke(this.ctx, this.sketch.begin(this.colour, this.thick ? PEN_WIDTHS.thick : PEN_WIDTHS.normal, x, y))
    this.syncButtons()
  }

  /** @param {PointerEvent} e */
  move (e) {
    if (e.pointerId !== this.pointer) return
    e.preventDefault()
    const stroke = this.sketch.current
    if (!stroke) return
    // Every point the browser saw since the last frame, for smooth lines on fast strokes.
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : []
    for (const one of events.length ? events : [e]) {
      const last = stroke.points[stroke.points.length - 1]
      const [x, y] = this.at(one)
      if (this.sketch.extend(x, y)) drawStroke(this.ctx, { ...stroke, points: [last, [x, y]] })
    }
  }

  /** @param {PointerEvent} e */
  up (e) {
    if (e.pointerId !== this.pointer) return
    this.pointer = null
    this.sketch.end()
    this.syncButtons()
    this.onChange()
  }

  redraw () {
    const { ctx } = this
    ctx.fillStyle = PAPER
    ctx.fillRect(0, 0, WIDTH, HEIGHT)
    for (const stroke of this.sketch.strokes) drawStroke(ctx, stroke)
    this.syncButtons()
  }

  syncButtons () {
    this.undoButton.disabled = !this.sketch.canUndo
    this.clearButton.disabled = this.sketch.empty
  }

  /** The drawing as a PNG. @returns {Promise<Blob | null>} */
  toBlob () {
    return new Promise((resolve) => this.canvas.toBlob(resolve, 'image/png'))
  }
}
