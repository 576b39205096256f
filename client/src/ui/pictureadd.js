// "Add a picture" to a card: a photo (the file chooser, which on a phone offers the camera) or
// a drawing made here; a preview; a description, required before Share; then the upload, with
// its progress, and the card's `pictures` written in one transaction. A refusal shows the
// server's own words and keeps the photo or drawing, so nothing is lost.
import { ACCEPTED_TYPES, addPicture, descriptionProblem, MAX_ALT, sizeLabel, tooBig } from '../pictures.js'
import { excerpt } from './card.js'
import { h, setText, show, uid } from './dom.js'
import { Drawing } from './drawing.js'

/**
 * @typedef {import('../model.js').Card} Card
 * @typedef {import('../api.js').PictureUpload} PictureUpload
 * @typedef {import('../api.js').UploadAnswer} UploadAnswer
 * @typedef {{
 *   t: import('../strings.js').Translate,
 *   board: import('../board.js').Board,
 *   session: Pick<import('../session.js').Session, 'origin' | 'layer'>,
 *   announcer: Pick<import('./announcer.js').Announcer, 'now'>,
 *   upload: (target: { uploadUrl: string, csrfToken: string }, upload: PictureUpload,
 *     onProgress: (sent: number, total: number) => void, signal: AbortSignal) => Promise<UploadAnswer>,
 *   render: () => void
 * }} PictureDeps
 */

export class PictureAdd {
  /**
   * `upload` sends the picture (api.js); `render` asks for a render once it is on the card.
   * @param {PictureDeps} deps
   */
  constructor ({ t, board, session, announcer, upload, render }) {
    this.t = t
    this.board = board
    this.session = session
    this.announcer = announcer
    this.upload = upload
    this.render = render
    /** @type {Card | null} the card the picture is for */
    this.card = null
    /** @type {'none' | 'photo' | 'drawing'} */
    this.mode = 'none'
    /** @type {File | null} */
    this.file = null
    /** @type {AbortController | null} while sending */
    this.sending = null

    const titleId = uid('picture-add')
    const fileId = uid('picture-file')
    const descriptionId = uid('picture-description')
    const hintId = uid('picture-description-hint')
    const whyId = uid('picture-share-why')
    this.fileInput = h('input', {
      type: 'file', id: fileId, accept: ACCEPTED_TYPES, hidden: true, 'data-testid': 'picture-file',
      onchange: () => this.chosen()
    })
    this.photoButton = h('button', {
      type: 'button', class: 'button button--big picture-way', 'data-testid': 'picture-choose',
      onclick: () => this.fileInput.click()
    }, t('picture.choose'))
    this.drawButton = h('button', {
      type: 'button', class: 'button button--big button--secondary picture-way', 'data-testid': 'picture-draw',
      onclick: () => this.draw()
    }, t('picture.draw'))
    this.drawing = new Drawing({ t, onChange: () => this.sync() })
    // A file the browser cannot show (not a picture after all: the server will say so) has no
    // preview rather than a broken one.
    this.preview = h('img', {
      class: 'picture-preview', alt: '', 'data-testid': 'picture-preview', hidden: true,
      onerror: () => show(this.preview, false)
    })
    this.forCard = h('p', { class: 'hint picture-for' })
    this.description = h('textarea', {
      id: descriptionId, class: 'picture-description-input', rows: 2, maxlength: MAX_ALT, 'data-testid': 'picture-describe',
      'aria-describedby': hintId, oninput: () => this.sync()
    })
    this.why = h('p', { class: 'hint picture-why', id: whyId, 'data-testid': 'picture-share-why' })
    this.progress = h('progress', { class: 'picture-progress', max: 100, 'data-testid': 'picture-progress', hidden: true })
    this.progressText = h('p', { class: 'picture-progress-text', role: 'status', 'data-testid': 'picture-progress-text' })
    this.error = h('p', { class: 'field-error', role: 'alert', 'data-testid': 'picture-error' })
    this.share = h('button', {
      type: 'button', class: 'button button--big', 'data-testid': 'picture-share', disabled: true, 'aria-describedby': whyId,
      onclick: () => this.send()
    }, t('picture.share'))
    this.cancel = h('button', {
      type: 'button', class: 'button button--big button--secondary', 'data-testid': 'picture-cancel',
      onclick: () => this.stop()
    }, t('picture.cancel'))
    this.drawingBox = h('div', { class: 'picture-drawing', hidden: true }, this.drawing.el)
    this.dialog = h('dialog', {
      class: 'dialog dialog--picture', 'data-testid': 'picture-dialog', 'aria-labelledby': titleId,
      // Escape while sending stops the upload first; the dialog stays, with the picture.
      oncancel: (/** @type {Event} */ e) => { if (this.sending) { e.preventDefault(); this.stop() } },
      onkeydown: (/** @type {KeyboardEvent} */ e) => this.keys(e)
    },
    h('h2', { id: titleId, text: t('picture.addTitle') }),
    this.forCard,
    h('div', { class: 'picture-ways' }, this.photoButton, this.drawButton),
    this.fileInput,
    this.preview,
    this.drawingBox,
    h('div', { class: 'field' },
      h('label', { for: descriptionId, text: t('picture.describe') }),
      h('p', { class: 'hint', id: hintId, text: t('picture.describeHint') }),
      this.description),
    this.progress,
    this.progressText,
    this.error,
    this.why,
    h('div', { class: 'form-actions' }, this.share, this.cancel))
    this.el = this.dialog
  }

  /**
   * Ctrl+Z here is not the board's undo (the map behind the dialog): in the drawing it takes
   * back the last line; the description keeps the browser's own undo.
   * @param {KeyboardEvent} e
   */
  keys (e) {
    const key = e.key.toLowerCase()
    if (!(e.ctrlKey || e.metaKey) || e.altKey || (key !== 'z' && key !== 'y')) return
    e.stopPropagation()
    if (e.target === this.description) return
    e.preventDefault()
    if (key === 'z' && !e.shiftKey && this.mode === 'drawing') this.drawing.undo()
  }

  /**
   * Open for a card. What was chosen, drawn or typed for the same card and not shared yet is
   * still there (a refusal, or Cancel, loses nothing).
   * @param {Card} card
   */
  open (card) {
    if (!this.card || this.card.id !== card.id || this.card.layer !== card.layer) this.reset()
    this.card = card
    setText(this.forCard, this.t('picture.forCard', { text: `“${excerpt(card.text?.toString() ?? '') || this.t('card.emptyText')}”` }))
    setText(this.error, '')
    this.sync()
    if (!this.dialog.open) this.dialog.showModal()
    this.photoButton.focus()
  }

  reset () {
    this.mode = 'none'
    this.file = null
    this.fileInput.value = ''
    this.preview.removeAttribute('src')
    show(this.preview, false)
    show(this.drawingBox, false)
    this.drawing.reset()
    this.description.value = ''
    setText(this.progressText, '')
    show(this.progress, false)
  }

  /** A photo was chosen (or taken): its preview, and at once a word if it is too big. */
  chosen () {
    const file = this.fileInput.files?.[0]
    if (!file) return
    this.file = file
    this.mode = 'photo'
    show(this.drawingBox, false)
    setText(this.error, this.sizeProblem(file.size))
    // A data: URL (the page's CSP allows data: images, not blob:).
    const reader = new FileReader()
    reader.onload = () => {
      if (this.file !== file || typeof reader.result !== 'string') return
      this.preview.src = reader.result
      this.preview.alt = this.t('picture.previewAlt')
      show(this.preview, true)
    }
    reader.readAsDataURL(file)
    this.sync()
    this.description.focus()
  }

  draw () {
    this.mode = 'drawing'
    show(this.preview, false)
    show(this.drawingBox, true)
    setText(this.error, '')
    this.sync()
    this.drawing.canvas.scrollIntoView({ block: 'nearest' })
  }

  /** @param {number} size @returns {string} a plain message, or "" when it may be sent */
  sizeProblem (size) {
    const max = this.board.pictures?.maxBytes ?? 0
    return tooBig(size, max) ? this.t('picture.tooBig', { limit: sizeLabel(max) }) : ''
  }

  /** Share is offered only with a picture and a description; the hint beside it says why not. */
  sync () {
    const { t } = this
    const why = this.mode === 'none'
      ? t('picture.needPicture')
      : this.mode === 'drawing' && this.drawing.empty
        ? t('picture.needDrawing')
        : descriptionProblem(this.description.value) ? t('picture.needDescription') : ''
    setText(this.why, why)
    show(this.why, why !== '')
    this.share.disabled = why !== '' || this.sending !== null
    this.photoButton.disabled = this.sending !== null
    this.drawButton.disabled = this.sending !== null
    this.description.readOnly = this.sending !== null
    setText(this.cancel, this.sending ? t('picture.stop') : t('picture.cancel'))
  }

  /** Cancel: stop sending if it is, else close (what was chosen stays for next time). */
  stop () {
    if (this.sending) this.sending.abort()
    else this.dialog.close()
  }

  async send () {
    const { t, board } = this
    const card = this.card
    const target = board.pictures
    if (!card || !target || this.sending || descriptionProblem(this.description.value)) return
    const blob = this.mode === 'photo' ? this.file : this.mode === 'drawing' && !this.drawing.empty ? await this.drawing.toBlob() : null
    if (!blob) return
    const big = this.sizeProblem(blob.size)
    setText(this.error, big)
    if (big) return
    const description = this.description.value.trim()
    const filename = this.file && this.mode === 'photo' ? this.file.name : 'drawing.png'
    this.sending = new AbortController()
    this.sync()
    show(this.progress, true)
    this.progress.removeAttribute('value')
    setText(this.progressText, t('picture.sending'))
    let answer
    try {
      answer = await this.upload({ uploadUrl: target.uploadUrl, csrfToken: board.config.csrfToken }, { file: blob, filename, description, layer: card.layer }, (sent, total) => {
        this.progress.value = total ? Math.round((sent / total) * 100) : 0
        setText(this.progressText, t('picture.sendingPercent', { percent: String(this.progress.value) }))
      }, this.sending.signal)
    } finally {
      this.sending = null
      show(this.progress, false)
      setText(this.progressText, '')
      this.sync()
    }
    if (!answer.ok) {
      setText(this.error, answer.message || (answer.status === 0 ? t('picture.notSent') : t('picture.failed')))
      return
    }
    // The card as it is in the document now: someone may have removed it while this was sent.
    const map = this.session.layer(card.layer)?.items.get(card.id)
    if (map !== card.map) {
      setText(this.error, t('picture.cardGone'))
      return
    }
    if (!addPicture(card.map, { id: answer.picture.id, alt: description }, this.session.origin)) {
      setText(this.error, t('picture.cardFull'))
      return
    }
    board.addedPictures.add(answer.picture.id)
    this.reset()
    this.card = null
    this.dialog.close()
    this.announcer.now(t('picture.added'))
    this.render()
  }
}
