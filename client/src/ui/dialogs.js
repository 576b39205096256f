// Modal dialogs (native <dialog>: focus stays inside and Escape closes): keyboard shortcuts,
// and the facilitator's "End the meeting?".
import { h, setText } from './dom.js'

/** @typedef {import('./app.js').BoardApp} BoardApp */

export class Dialogs {
  /** @param {BoardApp} app */
  constructor (app) {
    this.app = app
    const { t } = app
    this.shortcutsDialog = h('dialog', { class: 'dialog', 'data-testid': 'shortcuts-dialog', 'aria-labelledby': 'shortcuts-title' },
      h('h2', { id: 'shortcuts-title', text: t('keys.title') }),
      h('ul', { class: 'shortcuts' },
        h('li', { text: t('keys.moveUpDown') }),
        h('li', { text: t('keys.moveSection') }),
        h('li', { text: t('keys.undo') }),
        h('li', { text: t('keys.add') })),
      h('form', { method: 'dialog' }, h('button', { class: 'button', 'data-testid': 'shortcuts-close' }, t('keys.close'))))
    this.endError = h('p', { class: 'field-error', role: 'alert' })
    this.endConfirm = h('button', { type: 'button', class: 'button button--warning', 'data-testid': 'end-confirm', onclick: () => this.end() }, t('end.confirm'))
    this.endDialog = h('dialog', { class: 'dialog', 'data-testid': 'end-dialog', 'aria-labelledby': 'end-title' },
      h('h2', { id: 'end-title', text: t('end.title') }),
      h('p', { text: t('end.body') }),
      this.endError,
      h('div', { class: 'form-actions' },
        this.endConfirm,
        h('button', { type: 'button', class: 'button button--secondary', 'data-testid': 'end-cancel', onclick: () => this.endDialog.close() }, t('end.cancel'))))
    this.el = h('div', null, this.shortcutsDialog, this.endDialog)
  }

  shortcuts () {
    this.shortcutsDialog.showModal()
  }

  confirmEnd () {
    setText(this.endError, '')
    this.endDialog.showModal()
  }

  async end () {
    this.endConfirm.disabled = true
    try {
      await this.app.actions.endMeeting()
      this.endDialog.close()
    } catch {
      setText(this.endError, this.app.t('end.failed'))
    } finally {
      this.endConfirm.disabled = false
    }
  }
}
