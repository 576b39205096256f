// Undo and redo of this person's own changes, across both layers (one Y.UndoManager each,
// scoped to the local origin, so nobody ever undoes someone else's work).
import * as Y from 'yjs'

export class History {
  /**
   * @param {Y.AbstractType<any>[][]} scopes the shared types of each document to track
   * @param {unknown} origin the transaction origin of this person's own changes
   */
  constructor (scopes, origin) {
    let seq = 0
    /** @type {Y.UndoManager[]} */
    this.managers = scopes.map((scope) => {
      const manager = new Y.UndoManager(scope, { trackedOrigins: new Set([origin]), captureTimeout: 700 })
      /** @param {{ stackItem: { meta: Map<any, any> } }} event */
      const stamp = (event) => { event.stackItem.meta.set('seq', ++seq) }
      manager.on('stack-item-added', stamp)
      manager.on('stack-item-updated', stamp)
      return manager
    })
    /** @type {Set<() => void>} */
    this.listeners = new Set()
    for (const manager of this.managers) {
      for (const name of /** @type {const} */ (['stack-item-added', 'stack-item-popped', 'stack-cleared'])) {
        manager.on(name, () => { for (const fn of this.listeners) fn() })
      }
    }
  }

  /** @param {'undoStack' | 'redoStack'} stack */
  latest (stack) {
    let best = null
    let bestSeq = -1
    for (const manager of this.managers) {
      const items = manager[stack]
      const top = items[items.length - 1]
      const seq = top ? Number(top.meta.get('seq') ?? 0) : -1
      if (top && seq > bestSeq) {
        best = manager
        bestSeq = seq
      }
    }
    return best
  }

  canUndo () { return this.latest('undoStack') !== null }
  canRedo () { return this.latest('redoStack') !== null }
  /** @returns {boolean} whether anything was undone */
  undo () {
    const manager = this.latest('undoStack')
    return manager ? manager.undo() !== null : false
  }

  /** @returns {boolean} whether anything was redone */
  redo () {
    const manager = this.latest('redoStack')
    return manager ? manager.redo() !== null : false
  }

  /** Make the next change its own undo step (a delete or a move is one step). */
  stopCapturing () { for (const manager of this.managers) manager.stopCapturing() }

  /** @param {() => void} fn */
  onChange (fn) { this.listeners.add(fn) }

  destroy () { for (const manager of this.managers) manager.destroy() }
}
