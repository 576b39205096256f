// Connection state on screen: the pill, offline and back online, ended, locked, and problems
// with the link. Reads the session; says changes aloud through the announcer.

import { show } from './dom.js'

/** @typedef {import('./app.js').BoardApp} BoardApp */

export class StatusView {
  /** @param {BoardApp} app */
  constructor (app) {
    this.app = app
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
    const { t } = this.app
    const main = this.app.session.main
    const refusal = main.refusal
    if (refusal?.kind === 'ended' || ((this.app.meta.ended || this.app.meta.endedAt) && !this.app.ended)) {
      if (!this.app.ended) this.app.announcer.say(t('announce.ended'))
      this.app.ended = true
      this.app.endedAt = this.app.endedAt || this.app.meta.endedAt || new Date().toISOString()
    }
    if (main.synced && main.status === 'connected' && this.lastSyncAt === 0) this.lastSyncAt = Date.now()
    /** @type {import('./header.js').ConnectionState} */
    let state
    if (refusal) state = refusal.kind === 'ended' ? 'ended' : 'closed'
    else if (main.status === 'connected' && main.synced && navigator.onLine !== false) state = this.app.ended ? 'ended' : 'online'
    else if (!main.everSynced && main.status !== 'disconnected' && navigator.onLine !== false) state = 'connecting'
    else state = 'offline'
    this.app.header.setConnection(state)

    if (state === 'offline' && !this.app.ended) {
      if (this.offlineShown !== 'offline' && this.offlineTimer === null) {
        this.offlineTimer = setTimeout(() => {
          this.offlineTimer = null
          this.lastSyncAt = 0
          this.offlineShown = 'offline'
          this.app.banners.setOffline('offline')
          this.app.announcer.say(t('connection.offline'))
        }, 1500)
      }
    } else {
      if (this.offlineTimer !== null) clearTimeout(this.offlineTimer)
      this.offlineTimer = null
      if (state === 'online' && this.offlineShown === 'offline') {
        this.offlineShown = 'back'
        this.lastSyncAt = Date.now()
        this.app.banners.setOffline('back')
        this.app.announcer.say(t('connection.back'))
        if (this.backTimer !== null) clearTimeout(this.backTimer)
        this.backTimer = setTimeout(() => {
          this.offlineShown = 'hidden'
          this.app.banners.setOffline('hidden')
        }, 6000)
      } else if (state !== 'online' && this.offlineShown !== 'offline') {
        this.app.banners.setOffline('hidden')
      }
    }

    const problems = {
      invalid: t('connection.linkInvalid'),
      forbidden: '',
      tooLarge: t('connection.tooLarge'),
      failed: t('connection.failed'),
      ended: ''
    }
    this.app.banners.setProblem(refusal ? problems[refusal.kind] : '')
    if (refusal?.kind === 'invalid') {
      // The link was revoked: take the map off this screen.
      show(this.app.regions, false)
      show(this.app.tabList, false)
    }
    const notes = []
    if (refusal?.kind === 'forbidden') notes.push(t('connection.forbidden'))
    else if (!this.app.config.canEdit && !this.app.present && !this.app.ended) notes.push(t('connection.readOnly'))
    const pro = this.app.session.professional
    if (pro?.refusal && pro.refusal.kind !== 'ended' && !refusal) notes.push(t('connection.professionalUnavailable'))
    this.app.banners.setNote(notes.join(' '))
    this.app.banners.setEnded(this.app.ended ? this.endedText() : '')
    this.app.banners.setLocked(this.app.locked && !this.app.ended
      ? (this.app.config.isFacilitator ? t('locked.bannerFacilitator') : t('locked.banner'))
      : '')
    this.app.root.dataset.connection = state
    this.app.root.classList.toggle('board--ended', this.app.ended)
  }

  endedText () {
    if (!this.app.endedAt) return this.app.t('ended.banner')
    const date = new Date(this.app.endedAt)
    if (Number.isNaN(date.getTime())) return this.app.t('ended.banner')
    let time
    try {
      time = new Intl.DateTimeFormat(this.app.t.locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date)
    } catch {
      time = date.toLocaleString()
    }
    return this.app.t('ended.bannerAt', { time })
  }
}
