// Modal dialogs (native <dialog>: focus stays inside and Escape closes): keyboard shortcuts,
// the facilitator's "End the meeting?", and "Are you sure?" before a card leaves the map
// (withdraw, delete, delete for good).
import { h, replaceChildren, setText } from './dom.js'

/**
 * @typedef {'withdraw' | 'delete' | 'forGood'} ConfirmKind
 * @typedef {{
 *   t: import('../strings.js').Translate,
 *   actions: { endMeeting: () => Promise<void> }
 * }} DialogsDeps
 */

export class Dialogs {
  /**
   * `actions.endMeeting` ends the meeting once the facilitator says yes (it throws on failure).
   * @param {DialogsDeps} deps
   */
  constructor ({ t, actions }) {
    this.t = t
    this.actions = actions
    this.shortcutsDialog = h('dialog', { class: 'dialog', 'data-testid': 'shortcuts-dialog', 'aria-labelledby': 'shortcuts-title' },
      h('h2', { id: 'shortcuts-title', text: t('keys.title') }),
      h('ul', { class: 'shortcuts' },
        h('li', { text: t('keys.moveUpDown') }),
        h('li', { text: t('keys.moveSection') }),
        h('li', { text: t('keys.undo') }),
        h('li', { text: t('keys.addHere') }),
        h('li', { text: t('keys.add') }),
        h('li', { text: t('keys.skip') })),
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
    // One "Are you sure?" for cards. The safe choice comes first and has the focus: a slip of
    // the finger or of the Enter key keeps the card.
    /** @type {(() => void) | null} */
    this.onConfirm = null
    this.confirmTitle = h('h2', { id: 'confirm-title' })
    this.confirmBody = h('p', { id: 'confirm-body' })
    this.confirmQuote = h('blockquote', { class: 'confirm-quote', 'data-testid': 'confirm-card' })
    this.confirmYes = h('button', { type: 'button', class: 'button button--warning button--big', 'data-testid': 'confirm-yes', onclick: () => this.confirmed() })
    this.confirmNo = h('button', { type: 'button', class: 'button button--secondary button--big', 'data-testid': 'confirm-no', autofocus: true, onclick: () => this.confirmDialog.close() })
    this.confirmDialog = h('dialog', {
      class: 'dialog dialog--confirm', 'data-testid': 'confirm-dialog', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-body'
    },
    this.confirmTitle,
    this.confirmQuote,
    this.confirmBody,
    h('div', { class: 'form-actions confirm-actions' }, this.confirmNo, this.confirmYes))
    this.el = h('div', null, this.shortcutsDialog, this.endDialog, this.confirmDialog)
  }

  /**
   * Ask before a card leaves the map; `then` runs only if the person says yes.
   * @param {ConfirmKind} kind
   * @param {string} text the card's text, quoted so it is plain which card this is
   * @param {() => void} then
   */
  confirmCard (kind, text, then) {
    const { t } = this
    const [title, body, yes, no] = kind === 'withdraw'
      ? [t('confirm.withdraw.title'), t('confirm.withdraw.body'), t('confirm.withdraw.yes'), t('confirm.withdraw.no')]
      : kind === 'delete'
        ? [t('confirm.delete.title'), t('confirm.delete.body'), t('confirm.delete.yes'), t('confirm.delete.no')]
        : [t('confirm.forGood.title'), t('confirm.forGood.body'), t('confirm.forGood.yes'), t('confirm.forGood.no')]
    this.confirmDialog.dataset.kind = kind
    setText(this.confirmTitle, title)
    setText(this.confirmBody, body)
    replaceChildren(this.confirmQuote, text || t('card.emptyText'))
    setText(this.confirmYes, yes)
    setText(this.confirmNo, no)
    if (this.confirmDialog.open) this.confirmDialog.close()
    this.onConfirm = then
    this.confirmDialog.showModal()
    this.confirmNo.focus()
  }

  confirmed () {
    const then = this.onConfirm
    this.onConfirm = null
    // Closed first: the action then puts the focus where it belongs (closing would move it
    // back to the button that opened the dialog).
    this.confirmDialog.close()
    then?.()
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
      await this.actions.endMeeting()
      this.endDialog.close()
    } catch {
      setText(this.endError, this.t('end.failed'))
    } finally {
      this.endConfirm.disabled = false
    }
  }
}
