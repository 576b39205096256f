// Drag and drop of cards with pointer events (mouse, pen and touch alike), within and between
// sections. Keyboard users have the same moves through each card's buttons and Alt+arrows.
import { excerpt } from './card.js'
import { h } from './dom.js'

/**
 * @typedef {import('./card.js').CardView} CardView
 * @typedef {{
 *   board: Pick<import('../board.js').Board, 'editable'>,
 *   sectionViews: Map<string, import('./section.js').SectionView>,
 *   actions: Pick<import('./actions.js').Actions, 'moveTo'>
 * }} DragDeps
 * @typedef {{ section: string, index: number, before: Element | null, list: HTMLElement, sectionEl: HTMLElement }} DropTarget
 */

const THRESHOLD = 6
const EDGE = 48

export class DragController {
  /**
   * `sectionViews` are where a card may be dropped.
   * @param {DragDeps} deps
   */
  constructor ({ board, sectionViews, actions }) {
    this.board = board
    this.sectionViews = sectionViews
    this.actions = actions
    /** @type {null | { view: CardView, x: number, y: number, active: boolean, ghost: HTMLElement | null, target: DropTarget | null, handle: HTMLElement, pointerId: number, stop: () => void }} */
    this.state = null
  }

  /**
   * @param {PointerEvent} event
   * @param {CardView} view
   */
  start (event, view) {
    if (event.button !== 0 || this.state || !this.board.editable) return
    const handle = /** @type {HTMLElement} */ (event.currentTarget)
    event.preventDefault()
    handle.setPointerCapture(event.pointerId)
    const move = (/** @type {PointerEvent} */ e) => this.move(e)
    const up = (/** @type {PointerEvent} */ e) => this.end(e, true)
    const cancel = (/** @type {PointerEvent} */ e) => this.end(e, false)
    const key = (/** @type {KeyboardEvent} */ e) => {
      if (e.key === 'Escape') this.finish(false)
    }
    handle.addEventListener('pointermove', move)
    handle.addEventListener('pointerup', up)
    handle.addEventListener('pointercancel', cancel)
    window.addEventListener('keydown', key, true)
    this.state = {
      view,
      x: event.clientX,
      y: event.clientY,
      active: false,
      ghost: null,
      target: null,
      handle,
      pointerId: event.pointerId,
      stop: () => {
        handle.removeEventListener('pointermove', move)
        handle.removeEventListener('pointerup', up)
        handle.removeEventListener('pointercancel', cancel)
        window.removeEventListener('keydown', key, true)
      }
    }
  }

  /** @param {PointerEvent} e */
  move (e) {
    const s = this.state
    if (!s || e.pointerId !== s.pointerId) return
    if (!s.active) {
      if (Math.hypot(e.clientX - s.x, e.clientY - s.y) < THRESHOLD) return
      s.active = true
      s.ghost = h('div', { class: 'drag-ghost', 'aria-hidden': 'true', text: excerpt(s.view.card.text?.toString() ?? '', 60) })
      document.body.append(s.ghost)
      s.view.el.classList.add('is-dragging')
      document.body.classList.add('is-dragging-card')
    }
    if (s.ghost) s.ghost.style.transform = `translate(${e.clientX + 12}px, ${e.clientY + 12}px)`
    this.mark(this.hitTest(e.clientX, e.clientY))
    if (e.clientY < EDGE) window.scrollBy(0, -16)
    else if (e.clientY > window.innerHeight - EDGE) window.scrollBy(0, 16)
  }

  /**
   * Which section and position the pointer is over (positions count the other cards only).
   * @param {number} x
   * @param {number} y
   * @returns {DropTarget | null}
   */
  hitTest (x, y) {
    const sectionEl = document.elementFromPoint(x, y)?.closest('.map-section')
    return sectionEl instanceof HTMLElement ? this.targetIn(sectionEl, y) : null
  }

  /** @param {HTMLElement} sectionEl @param {number} y @returns {DropTarget | null} */
  targetIn (sectionEl, y) {
    const s = this.state
    const section = sectionEl.dataset.section ?? ''
    const view = this.sectionViews.get(section)
    if (!s || !view) return null
    const children = [...view.list.children].filter((c) => c !== s.view.el)
    let index = children.length
    for (let i = 0; i < children.length; i++) {
      const rect = children[i].getBoundingClientRect()
      if (y < rect.top + rect.height / 2) {
        index = i
        break
      }
    }
    return { section, index, before: children[index] ?? null, list: view.list, sectionEl: view.el }
  }

  /** @param {DropTarget | null} target */
  mark (target) {
    const s = this.state
    if (!s) return
    const old = s.target
    if (old && target && old.before === target.before && old.list === target.list) return
    this.unmark()
    s.target = target
    if (!target) return
    target.sectionEl.classList.add('drop-target')
    if (target.before) target.before.classList.add('drop-before')
    else target.list.classList.add('drop-end')
  }

  unmark () {
    for (const el of document.querySelectorAll('.drop-target, .drop-before, .drop-end')) {
      el.classList.remove('drop-target', 'drop-before', 'drop-end')
    }
  }

  /** @param {PointerEvent} e @param {boolean} drop */
  end (e, drop) {
    const s = this.state
    if (!s || e.pointerId !== s.pointerId) return
    if (drop && s.active) s.target = this.hitTest(e.clientX, e.clientY) ?? s.target
    this.finish(drop)
  }

  /** @param {boolean} drop */
  finish (drop) {
    const s = this.state
    if (!s) return
    this.state = null
    s.stop()
    if (s.handle.hasPointerCapture(s.pointerId)) s.handle.releasePointerCapture(s.pointerId)
    s.ghost?.remove()
    s.view.el.classList.remove('is-dragging')
    document.body.classList.remove('is-dragging-card')
    this.unmark()
    if (drop && s.active && s.target) this.actions.moveTo(s.view.card, s.target.section, s.target.index)
  }
}
