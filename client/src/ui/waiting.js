// The facilitator's waiting room on the board: who is waiting to join (Let in / Turn away),
// and taking an admitted person out again (after a confirmation: it closes their connection
// at once). Asks the participants API every few seconds while the page is in view.
import { newlyWaiting, readParticipants, removableIds, waitingList } from '../admission.js'
import { rosterEntry } from '../people.js'
import { h, replaceChildren, setText, show, uid } from './dom.js'

/**
 * @typedef {import('../admission.js').Entrant} Entrant
 * @typedef {import('../api.js').AdmissionAction} AdmissionAction
 * @typedef {{
 *   t: import('../strings.js').Translate,
 *   board: import('../board.js').Board,
 *   api: Pick<import('../api.js').MeetingApi, 'participants' | AdmissionAction>,
 *   announcer: import('./announcer.js').Announcer,
 *   render: () => void,
 *   root: HTMLElement,
 *   roster: HTMLElement
 * }} WaitingDeps
 */

/** How often to ask who is waiting (the waiting page itself checks every 5 s). */
const POLL_MS = 3000

export class WaitingRoom {
  /**
   * `render` asks for a render (the roster's "Take out" buttons); the focus goes to `roster`
   * when what held it is gone, unless it is still inside `root`.
   * @param {WaitingDeps} deps
   */
  constructor ({ t, board, api, announcer, render, root, roster }) {
    this.t = t
    this.board = board
    this.api = api
    this.announcer = announcer
    this.render = render
    this.root = root
    this.roster = roster
    /** @type {Entrant[]} */
    this.people = []
    /** @type {Entrant[]} */
    this.waiting = []
    /** @type {Set<string>} ids waiting at the last look: each newcomer is announced once */
    this.seen = new Set()
    /** @type {Set<string>} */
    this.removable = new Set()
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null
    this.asking = false
    this.stopped = false

    const headingId = uid('waiting')
    this.list = h('ul', { class: 'waiting-list', 'data-testid': 'waiting-list' })
    this.error = h('p', { class: 'field-error', role: 'alert' })
    this.el = h('section', { class: 'waiting-room', 'data-testid': 'waiting-room', 'aria-labelledby': headingId, hidden: true },
      h('h2', { class: 'waiting-title', id: headingId, text: t('waiting.heading') }),
      h('p', { class: 'hint', text: t('waiting.hint') }),
      this.error,
      this.list)

    /** @type {Entrant | null} who the "Take out?" dialog is about */
    this.leaving = null
    this.dialogTitle = h('h2', { id: uid('take-out-title') })
    this.dialogError = h('p', { class: 'field-error', role: 'alert' })
    this.confirm = h('button', { type: 'button', class: 'button button--warning', 'data-testid': 'take-out-confirm', onclick: () => this.takeOut() }, t('takeOut.confirm'))
    this.dialog = h('dialog', { class: 'dialog', 'data-testid': 'take-out-dialog', 'aria-labelledby': this.dialogTitle.id },
      this.dialogTitle,
      h('p', { text: t('takeOut.body') }),
      this.dialogError,
      h('div', { class: 'form-actions' },
        this.confirm,
        h('button', { type: 'button', class: 'button button--secondary', 'data-testid': 'take-out-cancel', onclick: () => this.dialog.close() }, t('takeOut.cancel'))))
    this.dialog.addEventListener('close', () => {
      this.leaving = null
      // The roster entry that opened it may be gone by now: keep the focus near it.
      if (!this.root.contains(document.activeElement) || document.activeElement === document.body) this.roster.focus()
    })

    document.addEventListener('visibilitychange', () => this.wake())
    this.wake()
  }

  /** Whether the roster should offer "Take out" for this participant. @param {string} id */
  mayTakeOut (id) {
    return !this.board.ended && id !== '' && id !== this.board.me && this.removable.has(id)
  }

  // --- asking the server -------------------------------------------------------------------

  /** Ask now (when the page comes into view), then every few seconds while it stays in view. */
  wake () {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    if (this.running()) void this.ask()
  }

  running () {
    return !this.stopped && !this.board.ended && document.visibilityState === 'visible'
  }

  async ask () {
    if (this.asking) return
    this.asking = true
    try {
      const response = await this.api.participants()
      // Not the facilitator after all, or the meeting is gone: asking again will not help.
      if ([401, 403, 404].includes(response.status)) this.stopped = true
      else if (response.ok) this.show(readParticipants(response.body))
    } catch {
      // Offline or the server is restarting: the connection banners say so; ask again later.
    } finally {
      this.asking = false
      if (this.timer === null && this.running()) this.timer = setTimeout(() => { this.timer = null; void this.ask() }, POLL_MS)
    }
  }

  /** @param {AdmissionAction} action @param {Entrant} person @returns {Promise<boolean>} whether it was done */
  async act (action, person) {
    const done = await this.api[action](person.id)
    // 409: someone else got there first (the meeting page, another tab). Either way, look again.
    this.wake()
    return done
  }

  // --- showing -------------------------------------------------------------------------------

  /** @param {Entrant[]} people */
  show (people) {
    const { t } = this
    this.people = people
    this.waiting = waitingList(people)
    for (const p of newlyWaiting(this.seen, this.waiting)) this.announcer.say(t('announce.waiting', { name: p.name }))
    this.seen = new Set(this.waiting.map((p) => p.id))
    const removable = removableIds(people)
    if ([...removable].join('|') !== [...this.removable].join('|')) {
      this.removable = removable
      this.render() // the roster's "Take out" buttons
    }
    this.renderList()
  }

  renderList () {
    const { t, board, announcer } = this
    show(this.el, this.waiting.length > 0 && !board.ended)
    const key = JSON.stringify(this.waiting.map((p) => [p.id, p.name, p.role, p.relationship, p.agency]))
    if (this.list.dataset.key === key) return
    this.list.dataset.key = key
    // Where the focus was, to put it on the next person (or the roster) after a rebuild.
    const focused = document.activeElement
    const at = [...this.list.children].findIndex((li) => li.contains(focused))
    replaceChildren(this.list, this.waiting.map((p) => {
      const whoId = uid('waiting-person')
      const who = rosterEntry(t, p, board.roleLabel(p.role))
      /** @type {HTMLButtonElement[]} */
      const buttons = []
      /** @param {AdmissionAction} action @param {string} done */
      const run = async (action, done) => {
        // aria-disabled, not disabled: a disabled button drops the focus, which must stay in
        // the list so that it can move on to the next person.
        if (buttons.some((b) => b.getAttribute('aria-disabled') === 'true')) return
        for (const b of buttons) b.setAttribute('aria-disabled', 'true')
        setText(this.error, '')
        try {
          if (await this.act(action, p)) announcer.now(done)
        } catch {
          setText(this.error, t('waiting.failed'))
          announcer.now(t('waiting.failed'))
        } finally {
          for (const b of buttons) b.removeAttribute('aria-disabled')
        }
      }
      buttons.push(
        h('button', { type: 'button', class: 'button', 'data-testid': 'waiting-admit', 'aria-describedby': whoId, onclick: () => run('admit', t('announce.admitted', { name: p.name })) }, t('waiting.admit')),
        h('button', { type: 'button', class: 'button button--secondary', 'data-testid': 'waiting-reject', 'aria-describedby': whoId, onclick: () => run('reject', t('announce.rejected', { name: p.name })) }, t('waiting.reject')))
      return h('li', { class: 'waiting-person', 'data-testid': 'waiting-person', 'data-participant': p.id },
        h('p', { class: 'waiting-who', id: whoId, text: who }),
        h('div', { class: 'waiting-actions' }, buttons))
    }))
    if (at >= 0) {
      const next = this.list.children[Math.min(at, this.list.children.length - 1)]
      const button = next?.querySelector('button')
      if (button) button.focus()
      else this.roster.focus()
    }
  }

  /** Called on every render of the board: an ended meeting stops asking. */
  update () {
    if (this.board.ended) {
      if (this.timer !== null) clearTimeout(this.timer)
      this.timer = null
      show(this.el, false)
    }
  }

  // --- taking someone out ----------------------------------------------------------------------

  /** @param {string} id @param {string} name */
  confirmTakeOut (id, name) {
    const person = this.people.find((p) => p.id === id)
    if (!person) return
    this.leaving = person
    setText(this.dialogTitle, this.t('takeOut.title', { name: name || person.name }))
    setText(this.dialogError, '')
    this.dialog.showModal()
  }

  async takeOut () {
    const person = this.leaving
    if (!person) return
    const { t } = this
    this.confirm.disabled = true
    try {
      if (await this.act('remove', person)) this.announcer.now(t('announce.takenOut', { name: person.name }))
      this.removable.delete(person.id)
      this.dialog.close()
      this.render()
    } catch {
      setText(this.dialogError, t('takeOut.failed', { name: person.name }))
    } finally {
      this.confirm.disabled = false
    }
  }
}
