// One 0–10 scale: the question and both end texts (editable by the facilitator), everyone's
// marks as named chips on the line and as a list with reasons (no average), and this
// person's own mark. Chips never overlap: each is placed at its number, then lifted above any
// chip already there; more than STACK people on one number show as "8 people", which opens
// their names.
import { SCALE_MAX, SCALE_MIN } from '../model.js'
import { makeRating, marksByValue, setRating, setRevealed, setScaleText, visibleMarks } from '../scales.js'
import { excerpt } from './card.js'
import { autosize, h, replaceChildren, setText, show, uid } from './dom.js'
import { bindField } from './fields.js'
import { LastMarks } from './lastmarks.js'

/** Up to this many names stack on one number; more fold into "N people". */
const STACK = 3
/** Pixels kept between chips. */
const GAP = 3

/**
 * @typedef {import('../model.js').Scale} Scale
 * @typedef {{
 *   board: import('../board.js').Board,
 *   session: Pick<import('../session.js').Session, 'origin'>,
 *   t: import('../strings.js').Translate,
 *   actions: Pick<import('./actions.js').Actions, 'deleteScale'>,
 *   announcer: import('./announcer.js').Announcer
 * }} ScaleDeps
 */

export class ScaleView {
  /**
   * @param {ScaleDeps} deps
   * @param {Scale} scale
   */
  constructor ({ board, session, t, actions, announcer }, scale) {
    this.board = board
    this.session = session
    this.t = t
    this.announcer = announcer
    this.scale = scale
    this.key = `${scale.layer}:${scale.id}`
    const headingId = uid('scale')
    this.heading = h('h3', { id: headingId, class: 'scale-title', 'data-testid': 'scale-title' })
    this.editable = board.editable
    const wording = this.editable && board.facilitator

    // The question and the meaning of both ends.
    /** @type {{ set: (v: string) => void } | null} */
    this.questionField = null
    /** @type {{ set: (v: string) => void } | null} */
    this.lowField = null
    /** @type {{ set: (v: string) => void } | null} */
    this.highField = null
    this.question = h('p', { class: 'scale-question', 'data-testid': 'scale-question-text' })
    this.lowText = h('p', { class: 'scale-end scale-end--low', 'data-testid': 'scale-low-text' })
    this.highText = h('p', { class: 'scale-end scale-end--high', 'data-testid': 'scale-high-text' })
    let wordingFields = null
    if (wording) {
      /** @param {'question' | 'low' | 'high'} key @param {string} label @param {'textarea' | 'input'} tag */
      const field = (key, label, tag) => {
        const id = uid(`scale-${key}`)
        const input = tag === 'textarea'
          ? h('textarea', { id, rows: 2, 'data-testid': `scale-${key}`, oninput: () => autosize(/** @type {HTMLTextAreaElement} */ (input)) })
          : h('input', { id, type: 'text', 'data-testid': `scale-${key}` })
        const field = bindField(input, (value) => {
          if (value.trim()) setScaleText(this.scale, key, value.trim(), session.origin)
        })
        const bound = {
          set: (/** @type {string} */ value) => {
            field.set(value)
            if (input instanceof HTMLTextAreaElement) requestAnimationFrame(() => autosize(input))
          }
        }
        return { el: h('div', { class: 'field' }, h('label', { for: id, text: label }), input), bound }
      }
      const q = field('question', t('scale.question'), 'textarea')
      const lo = field('low', t('scale.low'), 'input')
      const hi = field('high', t('scale.high'), 'input')
      this.questionField = q.bound
      this.lowField = lo.bound
      this.highField = hi.bound
      wordingFields = h('div', { class: 'scale-wording' }, q.el, h('div', { class: 'scale-wording-ends' }, lo.el, hi.el))
    }

    // The line: ticks 0–10 and named chips. The list below says the same in words.
    // The names are aria-hidden (the list says them); "8 people" is a button everyone can use.
    this.chips = h('div', { class: 'scale-chips' })
    /** @type {Set<number>} numbers whose folded names are open */
    this.openValues = new Set()
    const ticks = []
    for (let v = SCALE_MIN; v <= SCALE_MAX; v++) {
      const tick = h('span', { class: 'scale-tick', 'aria-hidden': 'true', text: String(v) })
      tick.style.insetInlineStart = `${v * 10}%` // 0 at the start: the right, right to left
      ticks.push(tick)
    }
    const line = this.line = h('div', { class: 'scale-line' },
      h('div', { class: 'scale-track', 'aria-hidden': 'true' }), ticks, this.chips)
    this.laidWidth = -1
    // Laid out again when the line gets its width (a tab shown) or changes it (a resize).
    new ResizeObserver(() => { if (this.line.clientWidth !== this.laidWidth) this.layoutChips() }).observe(line)

    // A review: last meeting's marks, faint, in a row of their own (lastmarks.js).
    const last = board.config.lastMarks[this.key] ?? []
    this.lastMarks = last.length ? new LastMarks({ t }, last) : null

    this.hiddenNote = h('p', { class: 'scale-hidden-note', 'data-testid': 'scale-hidden-note' })
    this.marks = h('ul', { class: 'scale-marks', 'data-testid': 'scale-marks' })
    this.noMarks = h('p', { class: 'scale-no-marks', text: t('scale.noMarks') })

    // Facilitator: private scoring and deleting the scale.
    this.revealButton = null
    let facilitatorTools = null
    if (wording) {
      this.revealButton = h('button', {
        type: 'button', class: 'button button--secondary', 'data-testid': 'scale-reveal',
        onclick: () => setRevealed(this.scale, !this.scale.revealed, session.origin)
      })
      facilitatorTools = h('div', { class: 'scale-tools' },
        this.revealButton,
        h('button', {
          type: 'button', class: 'button button--warning', 'data-testid': 'scale-delete',
          onclick: () => actions.deleteScale(this.scale)
        }, t('scale.delete')))
    }

    /** @type {HTMLInputElement[]} */
    this.radios = []
    this.error = h('p', { class: 'field-error', role: 'alert' })
    this.form = this.editable && board.me ? this.buildForm() : null
    this.el = h('article', { class: 'scale', 'data-testid': 'scale', 'data-scale-id': scale.id, 'aria-labelledby': headingId },
      this.heading,
      wording ? wordingFields : this.question,
      h('div', { class: 'scale-figure' },
        line,
        this.lastMarks?.el,
        h('div', { class: 'scale-ends' }, this.lowText, this.highText)),
      this.hiddenNote,
      h('h4', { class: 'scale-marks-title', text: t('scale.marks') }),
      this.marks,
      this.noMarks,
      this.form,
      facilitatorTools)
    this.update(scale)
  }

  buildForm () {
    const { t } = this
    const name = uid('mark')
    const legendId = uid('mark-legend')
    const errorId = uid('mark-error')
    const options = []
    for (let v = SCALE_MIN; v <= SCALE_MAX; v++) {
      const radio = h('input', {
        type: 'radio', name, value: String(v), class: 'mark-radio', 'data-testid': `scale-value-${v}`,
        onchange: () => { this.dirty = true; setText(this.error, '') }
      })
      this.radios.push(radio)
      options.push(h('label', { class: 'mark-option' }, radio, h('span', { class: 'mark-number', text: String(v) })))
    }
    const reasonId = uid('mark-reason')
    const upId = uid('mark-up')
    this.reason = h('textarea', { id: reasonId, rows: 2, 'data-testid': 'scale-reason', oninput: () => { this.dirty = true } })
    this.up = h('textarea', { id: upId, rows: 2, 'data-testid': 'scale-up', oninput: () => { this.dirty = true } })
    this.error.id = errorId
    this.saveButton = h('button', { type: 'submit', class: 'button', 'data-testid': 'scale-save' })
    this.removeButton = h('button', {
      type: 'button', class: 'button button--secondary', 'data-testid': 'scale-remove',
      onclick: () => {
        setRating(this.scale, this.board.me, null, this.session.origin)
        this.dirty = false
        for (const radio of this.radios ?? []) radio.checked = false
        if (this.reason) this.reason.value = ''
        if (this.up) this.up.value = ''
      }
    }, t('scale.remove'))
    this.dirty = false
    return h('form', {
      class: 'my-mark', 'data-testid': 'scale-form',
      onsubmit: (/** @type {SubmitEvent} */ e) => {
        e.preventDefault()
        this.save()
      }
    },
    h('fieldset', { class: 'mark-fieldset', 'aria-describedby': errorId },
      h('legend', { id: legendId, class: 'field-label' }, t('scale.yourMark'), h('span', { class: 'hint', text: ` — ${t('scale.yourNumber')}` })),
      h('div', { class: 'mark-options' }, options),
      this.error),
    h('div', { class: 'field' }, h('label', { for: reasonId, text: t('scale.reasonLabel') }), this.reason),
    h('div', { class: 'field' }, h('label', { for: upId, text: t('scale.upLabel') }), this.up),
    h('div', { class: 'form-actions' }, this.saveButton, this.removeButton))
  }

  save () {
    const checked = this.radios?.find((r) => r.checked)
    if (!checked) {
      setText(this.error, this.t('scale.pickNumber'))
      this.radios?.[0]?.focus()
      return
    }
    const rating = makeRating(Number(checked.value), this.reason?.value.trim() ?? '', this.up?.value.trim() ?? '', new Date().toISOString())
    setRating(this.scale, this.board.me, rating, this.session.origin)
    this.dirty = false
    this.announcer.now(this.t('announce.markSaved'))
  }

  /** @param {Scale} scale */
  update (scale) {
    this.scale = scale
    const { board, t } = this
    // A scale about a worry says so, and says when that worry was withdrawn or deleted.
    const about = scale.about ? board.linkTo(scale.about) : null
    const quoted = `“${excerpt(about?.card?.text?.toString() ?? '', 80)}”`
    this.heading.dataset.link = about?.state ?? 'none'
    setText(this.heading, !about
      ? t('scale.overall')
      : about.state === 'shown'
        ? t('scale.about', { text: quoted })
        : about.state === 'withdrawn'
          ? t('scale.aboutWithdrawn', { text: quoted })
          : about.state === 'deleted' ? t('scale.aboutDeleted') : t('scale.aboutUnknown'))
    setText(this.question, scale.question)
    setText(this.lowText, t('scale.lowEnd', { text: scale.low }))
    setText(this.highText, t('scale.highEnd', { text: scale.high }))
    this.questionField?.set(scale.question)
    this.lowField?.set(scale.low)
    this.highField?.set(scale.high)
    if (this.revealButton) setText(this.revealButton, scale.revealed ? t('scale.hide') : t('scale.reveal'))
    this.el.classList.toggle('scale--private', !scale.revealed)

    const { visible, hiddenCount } = visibleMarks(scale, board.me)
    const nameOf = (/** @type {string} */ id) => board.personName(id)
    const groups = marksByValue(visible, nameOf)
    const chipsKey = JSON.stringify([[...this.openValues], ...[...groups].map(([v, ids]) => [v, ids.map(nameOf)])])
    if (this.chips.dataset.key !== chipsKey) {
      this.chips.dataset.key = chipsKey
      const focused = document.activeElement instanceof HTMLElement && this.chips.contains(document.activeElement) ? document.activeElement.dataset.value : undefined
      /** @type {HTMLElement[]} */
      const chips = []
      for (const [value, ids] of [...groups].sort((a, b) => a[0] - b[0])) {
        const folded = ids.length > STACK
        if (folded) {
          const open = this.openValues.has(value)
          chips.push(h('button', {
            type: 'button', class: 'scale-chip scale-chip--group', 'data-testid': 'scale-chip-group', 'data-value': String(value), 'aria-expanded': String(open),
            onclick: () => {
              if (open) this.openValues.delete(value)
              else this.openValues.add(value)
              this.update(this.scale)
            }
          }, t.plural('scale.people', ids.length), h('span', { class: 'visually-hidden', text: ` ${t('scale.peopleAt', { value })}` })))
          if (!open) continue
        }
        for (const id of ids) {
          chips.push(h('span', { class: `scale-chip${id === board.me ? ' scale-chip--me' : ''}`, 'aria-hidden': 'true', 'data-testid': 'scale-chip', 'data-value': String(value), text: nameOf(id) }))
        }
      }
      replaceChildren(this.chips, chips)
      if (focused !== undefined) /** @type {HTMLElement | null} */ (this.chips.querySelector(`button[data-value="${focused}"]`))?.focus()
      this.layoutChips()
    }

    // The list reads from 0 to 10, so the spread is plain in words too.
    const ids = [...groups.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, group]) => group)
    const marksKey = JSON.stringify(ids.map((id) => [id, board.personLabel(id), visible[id]]))
    if (this.marks.dataset.key !== marksKey) {
      this.marks.dataset.key = marksKey
      replaceChildren(this.marks, ids.map((id) => {
        const r = visible[id]
        const person = id === board.me ? t('roster.you', { name: board.personLabel(id) }) : board.personLabel(id)
        return h('li', { class: 'scale-mark', 'data-testid': 'scale-mark', 'data-participant': id },
          h('span', { class: 'scale-mark-value', text: t('scale.mark', { person, value: r.value }) }),
          r.reason ? h('span', { class: 'scale-mark-reason', text: t('scale.reason', { text: r.reason }) }) : null,
          r.up ? h('span', { class: 'scale-mark-up', text: t('scale.upText', { text: r.up }) }) : null)
      }))
    }
    show(this.marks, ids.length > 0)
    show(this.noMarks, ids.length === 0 && hiddenCount === 0)
    setText(this.hiddenNote, hiddenCount ? t.plural('scale.hidden', hiddenCount) : '')
    show(this.hiddenNote, hiddenCount > 0)

    if (this.form) {
      const mine = scale.ratings[board.me]
      if (!this.dirty && document.activeElement !== this.reason && document.activeElement !== this.up) {
        for (const radio of this.radios ?? []) radio.checked = mine !== undefined && Number(radio.value) === mine.value
        if (this.reason) this.reason.value = mine?.reason ?? ''
        if (this.up) this.up.value = mine?.up ?? ''
      }
      if (this.saveButton) setText(this.saveButton, mine ? t('scale.update') : t('scale.save'))
      if (this.removeButton) show(this.removeButton, mine !== undefined)
    }
  }

  /** Each chip at its number (kept inside the line), lifted above any chip it would touch. */
  layoutChips () {
    const width = this.line.clientWidth
    this.laidWidth = width
    if (!width) return
    const chips = /** @type {HTMLElement[]} */ ([...this.chips.children])
    for (const chip of chips) chip.style.insetInlineStart = '0px' // measured at their own width
    const sizes = chips.map((chip) => [chip.offsetWidth, chip.offsetHeight])
    /** @type {{ left: number, right: number, bottom: number, top: number }[]} */
    const placed = []
    let height = 0
    chips.forEach((chip, i) => {
      const [w, ht] = sizes[i]
      const x = (Number(chip.dataset.value) - SCALE_MIN) / (SCALE_MAX - SCALE_MIN) * width
      const left = Math.max(0, Math.min(width - w, x - w / 2))
      const touches = (/** @type {number} */ y) => placed.some((p) =>
        left < p.right + GAP && p.left < left + w + GAP && y < p.top + GAP && p.bottom < y + ht + GAP)
      const y = [0, ...placed.map((p) => p.top + GAP)].sort((a, b) => a - b).find((y) => !touches(y)) ?? 0
      placed.push({ left, right: left + w, bottom: y, top: y + ht })
      height = Math.max(height, y + ht)
      chip.style.insetInlineStart = `${left}px` // from the start: mirrored right to left
      chip.style.setProperty('--lift', `${y}px`)
    })
    this.line.style.setProperty('--chips', `${height}px`)
  }

  destroy () {
    this.el.remove()
  }
}
