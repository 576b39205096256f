// One card on the map: its text (live, shared), who wrote it and whose view it is, stances
// (this person's own as buttons on the card), the danger-statement/goal pairing, and — for
// people who may edit — its tools (shown on hover and focus on wide screens, board.css).
// Next steps render as table rows with owner, due date and status cells.
import { setCardField } from '../cards.js'
import { readableDay } from '../dates.js'
import { STANCES, STATUSES } from '../model.js'
import { CardPictures } from './cardpictures.js'
import { h, replaceChildren, setText, show, uid } from './dom.js'
import { bindField } from './fields.js'
import { JargonHint } from './jargonhint.js'
import { roving } from './roving.js'
import { StanceButtons } from './stances.js'
import { bindText } from './textbinding.js'

/**
 * @typedef {import('../model.js').Card} Card
 * @typedef {import('../board.js').Board} Board
 * @typedef {import('../strings.js').Translate} Translate
 * @typedef {'item' | 'row'} CardKind
 * @typedef {{
 *   board: Board,
 *   session: Pick<import('../session.js').Session, 'origin'>,
 *   t: Translate,
 *   actions: Pick<import('./actions.js').Actions, 'moveStep' | 'moveToEnd' | 'addScaleFor' | 'askRemove' | 'setEditing'>,
 *   drag: Pick<import('./dragdrop.js').DragController, 'start'>,
 *   sizeLater: (textarea: HTMLTextAreaElement) => void,
 *   peopleListId: string,
 *   pictures: import('./cardpictures.js').CardPicturesDeps['pictures']
 * }} CardDeps
 */

/** A one-line excerpt of a card's text, for pairings and headings. @param {string} text */
export function excerpt (text, max = 90) {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line
}

/**
 * The line on a goal about the worry it answers (on the map, withdrawn or deleted).
 * @param {Card} card
 * @param {Board} board
 * @param {Translate} t
 */
export function answersText (card, board, t) {
  if (card.section !== 'goals') return { state: 'none', text: '' }
  const link = board.linkTo(card.answers)
  const quoted = `“${excerpt(link.card?.text?.toString() ?? '')}”`
  const text = link.state === 'shown'
    ? t('card.answers', { text: quoted })
    : link.state === 'withdrawn'
      ? t('card.answersWithdrawn', { text: quoted })
      : link.state === 'deleted' ? t('card.answersDeleted') : ''
  return { state: link.state, text }
}

export class CardView {
  /**
   * `sizeLater` fits the text box with all the others at the end of the render;
   * `peopleListId` is the datalist of names offered for the speaker and a step's owner.
   * @param {CardDeps} deps
   * @param {Card} card
   * @param {CardKind} kind
   */
  constructor ({ board, session, t, actions, drag, sizeLater, peopleListId, pictures }, card, kind) {
    this.board = board
    this.session = session
    this.t = t
    this.actions = actions
    this.drag = drag
    this.sizeLater = sizeLater
    this.peopleListId = peopleListId
    this.card = card
    this.kind = kind
    this.key = `${card.layer}:${card.id}`
    this.editable = board.editable
    /** @type {(() => void)[]} */
    this.cleanup = []

    this.badges = h('p', { class: 'card-badges' })
    this.answersLine = h('p', { class: 'card-answers', 'data-testid': 'card-answers-line' })
    this.goalsList = h('ul', { class: 'card-goals', 'data-testid': 'card-goals' })
    this.byLine = h('p', { class: 'card-by', 'data-testid': 'card-by' })
    this.stanceLine = h('p', { class: 'card-stances', 'data-testid': 'card-stances' })
    this.editingLine = h('p', { class: 'card-editing', 'data-testid': 'card-editing' })
    this.pictures = new CardPictures({ board, t, pictures }, card)

    /** @type {HTMLTextAreaElement | null} */
    this.textarea = null
    /** @type {JargonHint | null} */
    this.jargon = null
    /** @type {HTMLElement} */
    // People's own words read in their own direction, whatever the board's language (dir=auto).
    this.textEl = h('p', { class: 'card-text', 'data-testid': 'card-text', dir: 'auto' })
    if (this.editable && card.text) {
      const textarea = h('textarea', {
        class: 'card-text card-input',
        'data-testid': 'card-text',
        dir: 'auto',
        'data-bound': 'text',
        rows: 1,
        spellcheck: 'true',
        onfocus: () => actions.setEditing(this.key),
        onblur: () => actions.setEditing(null)
      })
      this.textarea = textarea
      this.textEl = textarea
      const binding = bindText(textarea, card.text, session.origin)
      this.jargon = new JargonHint({ t, flag: board.flagJargon }, textarea, { clearOnBlur: true })
      this.cleanup.push(binding.destroy, () => this.jargon?.destroy())
    } else if (card.text) {
      const ytext = card.text
      const show = () => setText(this.textEl, ytext.toString() || t('card.emptyText'))
      show()
      ytext.observe(show)
      this.cleanup.push(() => ytext.unobserve(show))
    } else {
      setText(this.textEl, t('card.emptyText'))
    }

    /** Makes a button the toolbar's one Tab stop (set by buildTools). @type {(button: HTMLButtonElement) => void} */
    this.rove = () => {}
    this.tools = this.editable ? this.buildTools() : null
    this.panel = this.editable ? this.buildPanel() : null
    // Everyone who may edit takes a view on the card itself.
    this.stances = this.editable && board.me
      ? new StanceButtons({ t, origin: session.origin, me: board.me, card: () => this.card })
      : null
    // The stance buttons and the tools share one row under the text.
    const foot = this.editable ? h('div', { class: 'card-foot' }, this.stances?.el, this.tools) : null

    const body = [
      this.badges,
      this.answersLine,
      this.textEl,
      this.jargon?.el,
      this.pictures.el,
      this.byLine,
      this.stanceLine,
      this.goalsList,
      this.editingLine
    ]
    const attrs = {
      'data-testid': 'card',
      'data-item-id': card.id,
      'data-layer': card.layer,
      class: `card card--${card.layer}`
    }
    if (kind === 'row') {
      this.owner = this.fieldCell('owner', 'step-owner', t('steps.owner'))
      this.due = this.fieldCell('due', 'step-due', t('steps.due'))
      this.status = this.statusCell()
      this.el = h('tr', { ...attrs, role: 'row' },
        h('td', { class: 'step-action', role: 'cell', 'data-label': t('steps.action') }, body),
        this.owner.cell,
        this.due.cell,
        this.status.cell,
        foot ? h('td', { class: 'step-tools', role: 'cell' }, foot, this.panel) : null
      )
    } else {
      this.el = h('li', attrs, body, foot, this.panel)
    }
    this.update(card)
  }

  buildTools () {
    const { t } = this
    const handle = h('span', {
      class: 'card-handle',
      'aria-hidden': 'true',
      title: t('card.dragHandle'),
      'data-testid': 'card-drag',
      onpointerdown: (/** @type {PointerEvent} */ e) => this.drag.start(e, this)
    })
    this.upButton = h('button', {
      type: 'button', class: 'icon-button', 'data-testid': 'move-up', 'aria-label': t('card.moveUp'), title: t('card.moveUp'),
      onclick: () => this.actions.moveStep(this.card, -1)
    }, h('span', { 'aria-hidden': 'true', text: '↑' }))
    this.downButton = h('button', {
      type: 'button', class: 'icon-button', 'data-testid': 'move-down', 'aria-label': t('card.moveDown'), title: t('card.moveDown'),
      onclick: () => this.actions.moveStep(this.card, 1)
    }, h('span', { 'aria-hidden': 'true', text: '↓' }))
    this.moreButton = h('button', {
      type: 'button', class: 'icon-button card-more', 'data-testid': 'card-menu', 'aria-expanded': 'false',
      'aria-label': t('card.more'), title: t('card.more'),
      onclick: () => this.togglePanel()
    }, h('span', { 'aria-hidden': 'true', text: '⋯' }))
    // One Tab stop for the three buttons; Left and Right arrows move between them.
    const buttons = [this.upButton, this.downButton, this.moreButton]
    const tools = h('div', { class: 'card-tools', role: 'toolbar', 'aria-label': t('card.tools') }, handle, buttons)
    this.rove = roving(tools, () => buttons)
    return tools
  }

  buildPanel () {
    const { t } = this
    const card = this.card
    const panelId = uid('card-panel')
    this.moreButton?.setAttribute('aria-controls', panelId)

    const moveId = uid('move-to')
    this.moveSelect = h('select', { id: moveId, 'data-testid': 'move-to' })
    const move = h('div', { class: 'field field--inline' },
      h('label', { for: moveId, text: t('card.moveTo') }),
      h('div', { class: 'field-row' },
        this.moveSelect,
        h('button', {
          type: 'button', class: 'button button--secondary', 'data-testid': 'move-to-submit',
          onclick: () => {
            const section = this.moveSelect?.value
            if (section && section !== this.card.section) this.actions.moveToEnd(this.card, section)
          }
        }, t('card.moveToButton'))
      )
    )

    const speakerId = uid('speaker')
    const hintId = uid('speaker-hint')
    const speakerInput = h('input', {
      id: speakerId, type: 'text', 'data-testid': 'card-speaker', autocomplete: 'off',
      list: this.peopleListId, 'aria-describedby': hintId
    })
    this.speaker = bindField(speakerInput, (value) => setCardField(this.card, 'speaker', value.trim(), this.session.origin))
    const speaker = h('div', { class: 'field' },
      h('label', { for: speakerId, text: t('card.speakerLabel') }),
      h('p', { class: 'hint', id: hintId, text: t('card.speakerHint') }),
      speakerInput
    )

    let answers = null
    if (card.section === 'goals') {
      const answersId = uid('answers')
      this.answersSelect = h('select', { id: answersId, 'data-testid': 'card-answers' })
      bindField(this.answersSelect, (value) => setCardField(this.card, 'answers', value, this.session.origin))
      answers = h('div', { class: 'field' }, h('label', { for: answersId, text: t('card.answersLabel') }), this.answersSelect)
    }

    const scale = card.section === 'danger' && this.board.facilitator
      ? h('button', {
        type: 'button', class: 'button button--secondary', 'data-testid': 'card-add-scale',
        onclick: () => this.actions.addScaleFor(this.card)
      }, t('card.scaleForWorry'))
      : null

    // Your own card you may delete; anyone else's you withdraw (the facilitator too: deleting
    // it for good is offered from the withdrawn list only). Both ask first.
    const removal = this.board.actionsFor(card).remove
    let remove = null
    if (removal === 'delete') {
      remove = h('button', {
        type: 'button', class: 'button button--warning', 'data-testid': 'card-delete',
        onclick: () => this.actions.askRemove(this.card)
      }, t('card.delete'))
    } else if (removal === 'withdraw') {
      const hintId = uid('withdraw-hint')
      remove = h('div', { class: 'field card-withdraw' },
        h('p', { class: 'hint', id: hintId, text: t('card.withdrawHint') }),
        h('button', {
          type: 'button', class: 'button button--secondary', 'data-testid': 'card-withdraw', 'aria-describedby': hintId,
          onclick: () => this.actions.askRemove(this.card)
        }, t('card.withdraw')))
    }

    const panel = h('div', {
      class: 'card-panel', id: panelId, hidden: true, 'data-testid': 'card-panel',
      onkeydown: (/** @type {KeyboardEvent} */ e) => {
        if (e.key === 'Escape') {
          e.preventDefault()
          this.togglePanel(false)
          this.moreButton?.focus()
        }
      }
    }, move, speaker, answers, scale, remove)
    return panel
  }

  /**
   * @param {'owner' | 'due'} key
   * @param {string} testid
   * @param {string} label
   */
  fieldCell (key, testid, label) {
    const cell = h('td', { class: `step-${key}`, role: 'cell', 'data-label': label })
    if (!this.editable) {
      const shown = key === 'due' ? (/** @type {string} */ value) => readableDay(value, document.documentElement.lang || undefined) : (/** @type {string} */ value) => value
      return { cell, set: (/** @type {string} */ value) => setText(cell, shown(value)) }
    }
    const input = h('input', {
      type: key === 'due' ? 'date' : 'text', class: 'cell-input', 'data-testid': testid, autocomplete: 'off', 'aria-label': label,
      list: key === 'owner' ? this.peopleListId : undefined
    })
    const field = bindField(input, (value) => setCardField(this.card, key, value.trim(), this.session.origin))
    cell.append(input)
    return { cell, input, set: field.set }
  }

  statusCell () {
    const { t } = this
    const cell = h('td', { class: 'step-status', role: 'cell', 'data-label': t('steps.status') })
    if (!this.editable) return { cell, input: null, set: (/** @type {string} */ value) => setText(cell, value ? t(/** @type {any} */ (`status.${value}`)) : '') }
    const select = h('select', { class: 'cell-input', 'data-testid': 'step-status', 'aria-label': t('steps.status') },
      h('option', { value: '', text: t('status.none') }),
      STATUSES.map((status) => h('option', { value: status, text: t(`status.${status}`) }))
    )
    const field = bindField(select, (value) => setCardField(this.card, 'status', value, this.session.origin))
    cell.append(select)
    return { cell, input: select, set: field.set }
  }

  /** @param {boolean} [open] */
  togglePanel (open) {
    if (!this.panel || !this.moreButton) return
    const next = open ?? this.panel.hidden !== false
    this.panel.hidden = !next
    this.moreButton.setAttribute('aria-expanded', String(next))
    this.moreButton.setAttribute('aria-label', next ? this.t('card.less') : this.t('card.more'))
    this.el.classList.toggle('card--open', next)
    if (next) this.panel.querySelector('select, input, button')?.scrollIntoView({ block: 'nearest' })
  }

  /** @param {Card} card */
  update (card) {
    this.card = card
    const { board, t } = this
    const author = board.personLabel(card.author)
    this.el.dataset.section = card.section

    // Badges: professionals-only layer, and a visible dispute.
    const disputed = Object.values(card.stance).includes('dispute')
    this.el.classList.toggle('card--disputed', disputed)
    const badges = []
    if (card.layer === 'professional') badges.push(h('span', { class: 'badge badge--professional', text: t('card.professionalOnly') }))
    if (disputed) badges.push(h('span', { class: 'badge badge--disputed', text: t('card.disputed') }))
    const badgeKey = `${card.layer}|${disputed}`
    if (this.badges.dataset.key !== badgeKey) {
      this.badges.dataset.key = badgeKey
      replaceChildren(this.badges, badges)
    }
    show(this.badges, badges.length > 0)

    // The pairing of a safety goal with the worry it answers (or that the worry was withdrawn
    // or deleted), and on a worry, its goals.
    const answers = answersText(card, board, t)
    setText(this.answersLine, answers.text)
    this.answersLine.dataset.link = answers.state
    show(this.answersLine, answers.text !== '')
    const goals = card.section === 'danger'
      ? [
          ...board.goalsFor(card.id).map((g) => t('card.goalsForWorry', { text: `“${excerpt(g.text?.toString() ?? '')}”` })),
          ...board.withdrawnGoalsFor(card.id).map((g) => t('card.goalWithdrawn', { text: `“${excerpt(g.text?.toString() ?? '')}”` }))
        ]
      : []
    const goalsKey = goals.join('\n')
    if (this.goalsList.dataset.key !== goalsKey) {
      this.goalsList.dataset.key = goalsKey
      replaceChildren(this.goalsList, goals.map((text) => h('li', { text })))
    }
    show(this.goalsList, goals.length > 0)

    // Who wrote it, and whose view it is.
    const speaker = card.speaker ? board.speakerLabel(card.speaker) : ''
    setText(this.byLine, t('card.by', { person: author }) + (speaker ? ` · ${t('card.speaker', { speaker })}` : ''))
    if (this.textarea) this.textarea.setAttribute('aria-label', t('card.textBy', { name: author }))

    // Stances, by name.
    /** @type {string[]} */
    const parts = []
    for (const stance of STANCES) {
      const names = Object.entries(card.stance).filter(([, s]) => s === stance).map(([who]) => board.personName(who)).sort((a, b) => a.localeCompare(b))
      if (names.length) parts.push(t(`stance.${stance}By`, { names: names.join(', ') }))
    }
    setText(this.stanceLine, parts.join(' · '))
    show(this.stanceLine, parts.length > 0)

    // Live presence: who else is in this card right now.
    const editing = board.editingNames(this.key)
    setText(this.editingLine, editing.map((name) => t('card.editing', { name })).join(' · '))
    show(this.editingLine, editing.length > 0)
    this.el.classList.toggle('card--busy', editing.length > 0)

    this.pictures.update(card)

    if (this.kind === 'row') {
      this.owner?.set(card.owner)
      this.due?.set(card.due)
      this.status?.set(card.status)
    }
    if (this.editable) this.updateTools(card)
    if (this.textarea) this.sizeLater(this.textarea)
  }

  /** @param {Card} card */
  updateTools (card) {
    const { board, t } = this
    const list = board.bySection.get(card.section) ?? []
    const index = list.findIndex((c) => c.id === card.id && c.layer === card.layer)
    if (this.upButton) this.upButton.disabled = index <= 0
    if (this.downButton) this.downButton.disabled = index < 0 || index >= list.length - 1
    // Keep one enabled button as the toolbar's Tab stop.
    const tools = [this.upButton, this.downButton, this.moreButton]
    const stop = tools.find((b) => b && b.tabIndex === 0 && !b.disabled) ?? tools.find((b) => b && !b.disabled)
    if (stop) this.rove(stop)
    if (this.moveSelect) {
      const sections = board.visibleSections()
      const key = sections.join('|')
      if (this.moveSelect.dataset.key !== key) {
        this.moveSelect.dataset.key = key
        const chosen = this.moveSelect.value
        replaceChildren(this.moveSelect, sections.map((id) => h('option', { value: id, text: board.sectionLabel(id) })))
        this.moveSelect.value = sections.includes(chosen) ? chosen : card.section
      }
      // Follow the card's section only when it changes: a choice not yet confirmed with
      // "Move" must survive other people's changes.
      if (this.moveSelect.dataset.section !== card.section || this.moveSelect.value === '') {
        this.moveSelect.dataset.section = card.section
        this.moveSelect.value = card.section
      }
    }
    this.speaker?.set(card.speaker ? board.speakerLabel(card.speaker) : '')
    if (this.answersSelect) {
      const dangers = board.bySection.get('danger') ?? []
      // A worry withdrawn or deleted is still what the goal answers until someone changes it.
      const link = card.answers && !dangers.some((d) => d.id === card.answers) ? board.linkTo(card.answers) : null
      const gone = link && (link.state === 'withdrawn' || link.state === 'deleted')
        ? h('option', {
          value: card.answers,
          text: link.state === 'withdrawn'
            ? t('card.answersOptionWithdrawn', { text: excerpt(link.card?.text?.toString() ?? '', 60) })
            : t('card.answersOptionDeleted')
        })
        : null
      const key = dangers.map((d) => `${d.id}:${excerpt(d.text?.toString() ?? '', 60)}`).join('|') + (gone ? `|${card.answers}:${gone.textContent}` : '')
      if (this.answersSelect.dataset.key !== key) {
        this.answersSelect.dataset.key = key
        replaceChildren(this.answersSelect,
          h('option', { value: '', text: t('card.answersNone') }),
          dangers.map((d) => h('option', { value: d.id, text: excerpt(d.text?.toString() ?? '', 60) || t('card.emptyText') })),
          gone)
      }
      if (document.activeElement !== this.answersSelect) this.answersSelect.value = card.answers
    }
    this.stances?.update(card)
  }

  focusText () {
    (this.textarea ?? this.moreButton ?? this.el).focus()
  }

  destroy () {
    if (this.textarea && document.activeElement === this.textarea) this.actions.setEditing(null)
    for (const fn of this.cleanup) fn()
    this.cleanup = []
    this.el.remove()
  }
}
