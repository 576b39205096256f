// The top of the board: the meeting's title, the connection state, the tools (undo, redo,
// shortcuts; for the facilitator: present, pause changes, extra sections, end) and the roster
// (for the facilitator, with "Take out" next to each admitted person). On a phone the tools
// fold into a menu and the roster into a count ("5 here") that opens the names.
import { rosterEntry } from '../people.js'
import { h, replaceChildren, setText, show, uid } from './dom.js'
import { languageControl } from './language.js'
import { Disclosure } from './menu.js'

/** Past this many people the roster is a count that opens the names, on every screen. */
const FOLD_ROSTER_AT = 4

/**
 * @typedef {'connecting' | 'online' | 'offline' | 'ended' | 'closed'} ConnectionState
 * @typedef {{
 *   t: import('../strings.js').Translate,
 *   config: import('../config.js').BoardConfig,
 *   board: import('../board.js').Board,
 *   session: Pick<import('../session.js').Session, 'history' | 'mayWrite'>,
 *   root: HTMLElement,
 *   actions: Pick<import('./actions.js').Actions, 'undo' | 'redo' | 'toggleLock' | 'setOptionalSections' | 'setPicturesEverywhere'>,
 *   dialogs: Pick<import('./dialogs.js').Dialogs, 'shortcuts' | 'confirmEnd'>
 * }} HeaderDeps
 * @typedef {Pick<import('./waiting.js').WaitingRoom, 'mayTakeOut' | 'confirmTakeOut'>} TakeOut
 */

export class Header {
  /**
   * `root` is the board's element (a title outside it means the page names the meeting).
   * @param {HeaderDeps} deps
   */
  constructor ({ t, config, board, session, root, actions, dialogs }) {
    this.t = t
    this.config = config
    this.board = board
    this.session = session
    this.actions = actions
    // The page may already name the meeting in its own <h1>; then the board does not repeat it.
    this.ownTitle = ![...document.querySelectorAll('h1')].some((el) => !root.contains(el))
    this.title = h('h1', { class: 'board-name', 'data-testid': 'board-title', dir: 'auto' })
    this.pill = h('p', { class: 'conn-pill', 'data-testid': 'connection-status', 'data-state': 'connecting', text: t('connection.connecting') })

    const rosterHeading = uid('roster')
    this.rosterCount = h('span', { class: 'roster-count', 'aria-hidden': 'true' })
    this.rosterCountText = h('span', { class: 'visually-hidden' })
    this.rosterList = h('ul', { class: 'roster-list', 'data-testid': 'roster-list' })
    // Focusable from script: the focus lands here when the person it was on leaves the list.
    this.roster = h('section', { class: 'roster', 'data-testid': 'roster', 'aria-labelledby': rosterHeading, tabindex: '-1' },
      h('h2', { class: 'roster-title', id: rosterHeading }, t('roster.heading'), ' ', this.rosterCount, this.rosterCountText),
      this.rosterList)

    this.toolbar = h('div', { class: 'board-toolbar', role: 'group', 'aria-label': t('toolbar.label') })
    this.undo = h('button', { type: 'button', class: 'button button--tool', 'data-testid': 'undo', onclick: () => actions.undo() }, t('toolbar.undo'))
    this.redo = h('button', { type: 'button', class: 'button button--tool', 'data-testid': 'redo', onclick: () => actions.redo() }, t('toolbar.redo'))
    this.keys = h('button', { type: 'button', class: 'button button--tool', 'data-testid': 'shortcuts', onclick: () => dialogs.shortcuts() }, t('toolbar.keys'))
    /** @type {HTMLElement[]} */
    const facilitator = []
    /** @type {HTMLElement[]} what no longer works once the meeting has ended */
    this.openOnly = []
    this.lock = null
    this.sections = null
    if (config.isFacilitator && config.mode === 'edit' && config.status === 'open') {
      if (config.presentUrl) {
        const present = h('a', { class: 'button button--tool', href: config.presentUrl, target: '_blank', rel: 'noopener', 'data-testid': 'present' }, t('toolbar.present'))
        facilitator.push(present)
        this.openOnly.push(present)
      }
      this.lock = !config.csrfToken ? null : h('button', { type: 'button', class: 'button button--tool', 'data-testid': 'lock-toggle', 'aria-pressed': 'false', onclick: () => actions.toggleLock() }, t('toolbar.lock'))
      if (this.lock) facilitator.push(this.lock)
      if (Object.keys(config.optionalSections).length) {
        this.sections = this.buildSections()
        facilitator.push(this.sections.wrap)
      }
      if (config.endUrl && config.csrfToken) {
        const end = h('button', { type: 'button', class: 'button button--tool button--warning', 'data-testid': 'end-meeting', onclick: () => dialogs.confirmEnd() }, t('toolbar.end'))
        facilitator.push(end)
        this.openOnly.push(end)
      }
    }
    if (config.mode === 'present' && config.isFacilitator && config.editUrl) {
      facilitator.push(h('a', { class: 'button button--tool', href: config.editUrl, 'data-testid': 'edit-link' }, t('toolbar.edit')))
    }
    this.editTools = [this.undo, this.redo, this.keys]
    // Each person's own words: not on the shared screen, which the whole room reads.
    const language = config.mode === 'edit' ? languageControl(t, config) : null
    replaceChildren(this.toolbar, this.editTools, facilitator, language)

    // The presentation view says what it is, whoever opened it: the shared screen, read-only.
    const presenting = config.mode === 'present' ? h('p', { class: 'present-badge', 'data-testid': 'presenting', text: t('role.viewer') }) : null
    // Phones: the roster's count opens the names, "Menu" opens the tools (wide screens show both).
    this.rosterToggle = new Disclosure(this.roster, this.rosterList, { class: 'button button--tool roster-toggle', 'data-testid': 'roster-toggle' }, '')
    this.menuWrap = h('div', { class: 'board-menu' })
    this.menu = new Disclosure(this.menuWrap, this.toolbar, { class: 'button button--tool board-menu-toggle', 'data-testid': 'board-menu' }, t('toolbar.menu'))
    this.menuWrap.append(this.menu.button, this.toolbar)
    this.el = h('header', { class: 'board-header' },
      h('div', { class: 'board-heading' }, this.ownTitle ? this.title : null, presenting, this.pill),
      h('div', { class: 'board-header-buttons' }, this.rosterToggle.button, this.menuWrap),
      this.roster)
  }

  /** Put a small control of the facilitator's in the header's first row, beside the title
   * (the "Shared screen" control: a row of its own pushed the map down). @param {HTMLElement} el */
  besideTitle (el) {
    this.el.firstElementChild?.after(el)
  }

  buildSections () {
    const { t, config, actions } = this
    const panelId = uid('sections')
    const button = h('button', {
      type: 'button', class: 'button button--tool', 'data-testid': 'sections-toggle', 'aria-expanded': 'false', 'aria-controls': panelId,
      onclick: () => {
        const open = panel.hidden
        panel.hidden = !open
        button.setAttribute('aria-expanded', String(open))
      }
    }, t('toolbar.sections'))
    /** @type {Map<string, HTMLInputElement>} */
    const boxes = new Map()
    const items = Object.entries(config.optionalSections).map(([id, text]) => {
      const boxId = uid(`optional-${id}`)
      const box = h('input', { type: 'checkbox', id: boxId, 'data-testid': `optional-${id}`, onchange: () => actions.setOptionalSections([...boxes].filter(([, b]) => b.checked).map(([sid]) => sid)) })
      boxes.set(id, box)
      return h('div', { class: 'checkbox' }, box, h('label', { for: boxId, text: text.label }))
    })
    // Pictures: always in the child's voice; on every card when the facilitator allows it.
    const picturesId = uid('pictures-everywhere')
    const pictures = config.pictures
      ? h('input', { type: 'checkbox', id: picturesId, 'data-testid': 'pictures-everywhere', onchange: () => actions.setPicturesEverywhere(!!pictures?.checked) })
      : null
    const panel = h('fieldset', { class: 'sections-panel', id: panelId, hidden: true },
      h('legend', { text: t('toolbar.sectionsHeading') }), items,
      pictures ? h('div', { class: 'checkbox sections-pictures' }, pictures, h('label', { for: picturesId, text: t('toolbar.picturesEverywhere') })) : null)
    return { wrap: h('div', { class: 'sections-menu' }, button, panel), boxes, pictures }
  }

  /** @param {ConnectionState} state */
  setConnection (state) {
    const { t } = this
    const text = {
      connecting: t('connection.connecting'),
      online: t('connection.online'),
      offline: t('connection.offlineShort'),
      ended: t('connection.endedShort'),
      closed: t('connection.closedShort')
    }[state]
    this.pill.dataset.state = state
    setText(this.pill, text)
  }

  update () {
    const { t, board, session } = this
    setText(this.title, this.config.title || board.meta.title || t('board.untitled'))
    this.title.title = this.title.textContent ?? ''
    const editing = board.editable
    for (const tool of this.editTools) show(tool, editing)
    for (const tool of this.openOnly) show(tool, !board.ended)
    this.undo.disabled = !session.history.canUndo()
    this.redo.disabled = !session.history.canRedo()
    if (this.lock) {
      show(this.lock, !board.ended && session.mayWrite())
      this.lock.setAttribute('aria-pressed', String(board.locked))
      setText(this.lock, board.locked ? t('toolbar.unlock') : t('toolbar.lock'))
    }
    if (this.sections) {
      show(this.sections.wrap, editing)
      for (const [id, box] of this.sections.boxes) box.checked = board.meta.optionalSections.includes(id)
      if (this.sections.pictures) this.sections.pictures.checked = board.meta.picturesEverywhere
    }
    const tools = [...this.toolbar.children].some((c) => c instanceof HTMLElement && !c.hidden)
    show(this.toolbar, tools)
    show(this.menuWrap, tools)
  }

  /**
   * @param {import('../people.js').Present[]} roster
   * @param {TakeOut | null} waiting the facilitator's waiting room (it knows who was let in)
   */
  setRoster (roster, waiting) {
    const { t, board } = this
    setText(this.rosterCount, `(${roster.length})`)
    setText(this.rosterCountText, t.plural('roster.count', roster.length))
    setText(this.rosterToggle.button, t.plural('roster.here', roster.length))
    // More people than fit one row fold into the count on wide screens too: a room of ten
    // took three rows above the map.
    this.el.classList.toggle('board-header--many', roster.length > FOLD_ROSTER_AT)
    // The facilitator may take out anyone admitted (the waiting room knows who that is).
    const removable = roster.map((p) => waiting?.mayTakeOut(p.id) === true)
    const key = JSON.stringify(roster.map((p, i) => [p.id, p.name, p.role, p.relationship, p.agency, removable[i]]))
    if (this.rosterList.dataset.key === key) return
    this.rosterList.dataset.key = key
    replaceChildren(this.rosterList, roster.map((p, i) => {
      const entry = rosterEntry(t, p, board.roleLabel(p.role))
      const mine = p.id !== '' && p.id === board.me
      const text = mine ? t('roster.you', { name: entry }) : entry
      const li = h('li', { class: `roster-person roster-person--${p.role || 'unknown'}`, 'data-testid': 'roster-person', 'data-participant': p.id })
      if (!waiting || !removable[i]) {
        li.textContent = text
        return li
      }
      const whoId = uid('roster-person')
      li.classList.add('roster-person--removable')
      li.append(h('span', { id: whoId, text }),
        h('button', { type: 'button', class: 'button button--secondary roster-take-out', 'data-testid': 'take-out', 'aria-describedby': whoId, onclick: () => waiting.confirmTakeOut(p.id, p.name) }, t('roster.takeOut')))
      return li
    }))
  }
}
