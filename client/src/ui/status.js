// Connection state on screen: the pill, offline and back online, ended, locked, and problems
// with the link. Reads the session; says changes aloud through the announcer.

/**
 * @typedef {{
 *   t: import('../strings.js').Translate,
 *   config: Pick<import('../config.js').BoardConfig, 'canEdit' | 'isFacilitator'>,
 *   session: import('../session.js').Session,
 *   board: import('../board.js').Board,
 *   announcer: import('./announcer.js').Announcer,
 *   header: Pick<import('./header.js').Header, 'setConnection'>,
 *   banners: import('./banners.js').Banners,
 *   root: HTMLElement,
 *   hideMap: () => void
 * }} StatusDeps
 */

export class StatusView {
  /**
   * `hideMap` takes the map off the screen (a revoked link); `root` carries the state for styles.
   * @param {StatusDeps} deps
   */
  constructor ({ t, config, session, board, announcer, header, banners, root, hideMap }) {
    this.t = t
    this.config = config
    this.session = session
    this.board = board
    this.announcer = announcer
    this.header = header
    this.banners = banners
    this.root = root
    this.hideMap = hideMap
    /** @type {'hidden' | 'offline' | 'back'} */
    this.offlineShown = 'hidden'
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.offlineTimer = null
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.backTimer = null
    /** When the map last synced after (re)connecting: joins and leaves are not announced just after. */
    this.lastSyncAt = 0
  }

  update () {
    const { t, board } = this
    const main = this.session.main
    const refusal = main.refusal
    if (refusal?.kind === 'ended' || ((board.meta.ended || board.meta.endedAt) && !board.ended)) {
      if (!board.ended) this.announcer.say(t('announce.ended'))
      board.ended = true
      board.endedAt = board.endedAt || board.meta.endedAt || new Date().toISOString()
    }
    if (main.synced && main.status === 'connected' && this.lastSyncAt === 0) this.lastSyncAt = Date.now()
    /** @type {import('./header.js').ConnectionState} */
    let state
    if (refusal) state = refusal.kind === 'ended' ? 'ended' : 'closed'
    else if (main.status === 'connected' && main.synced && navigator.onLine !== false) state = board.ended ? 'ended' : 'online'
    else if (!main.everSynced && main.status !== 'disconnected' && navigator.onLine !== false) state = 'connecting'
    else state = 'offline'
    this.header.setConnection(state)

    if (state === 'offline' && !board.ended) {
      if (this.offlineShown !== 'offline' && this.offlineTimer === null) {
        this.offlineTimer = setTimeout(() => {
          this.offlineTimer = null
          this.lastSyncAt = 0
          this.offlineShown = 'offline'
          this.banners.setOffline('offline')
          this.announcer.say(t('connection.offline'))
        }, 1500)
      }
    } else {
      if (this.offlineTimer !== null) clearTimeout(this.offlineTimer)
      this.offlineTimer = null
      if (state === 'online' && this.offlineShown === 'offline') {
        this.offlineShown = 'back'
        this.lastSyncAt = Date.now()
        this.banners.setOffline('back')
        this.announcer.say(t('connection.back'))
        if (this.backTimer !== null) clearTimeout(this.backTimer)
        this.backTimer = setTimeout(() => {
          this.offlineShown = 'hidden'
          this.banners.setOffline('hidden')
        }, 6000)
      } else if (state !== 'online' && this.offlineShown !== 'offline') {
        this.banners.setOffline('hidden')
      }
    }

    const problems = {
      invalid: t('connection.linkInvalid'),
      forbidden: '',
      wrongAddress: t('connection.wrongAddress'),
      tooLarge: t('connection.tooLarge'),
      failed: t('connection.failed'),
      ended: ''
    }
    this.banners.setProblem(refusal ? problems[refusal.kind] : '')
    if (refusal?.kind === 'invalid') {
      // The link was revoked: take the map off this screen.
      this.hideMap()
    }
    const notes = []
    if (refusal?.kind === 'forbidden') notes.push(t('connection.forbidden'))
    else if (!this.config.canEdit && !board.present && !board.ended) notes.push(t('connection.readOnly'))
    const pro = this.session.professional
    if (pro?.refusal && pro.refusal.kind !== 'ended' && !refusal) notes.push(t('connection.professionalUnavailable'))
    this.banners.setNote(notes.join(' '))
    this.banners.setEnded(board.ended ? this.endedText() : '')
    this.banners.setLocked(board.locked && !board.ended
      ? (this.config.isFacilitator ? t('locked.bannerFacilitator') : t('locked.banner'))
      : '')
    this.root.dataset.connection = state
    this.root.classList.toggle('board--ended', board.ended)
  }

  endedText () {
    const { board } = this
    if (!board.endedAt) return this.t('ended.banner')
    const date = new Date(board.endedAt)
    if (Number.isNaN(date.getTime())) return this.t('ended.banner')
    let time
    try {
      time = new Intl.DateTimeFormat(this.t.locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date)
    } catch {
      time = date.toLocaleString()
    }
    return this.t('ended.bannerAt', { time })
  }
}
