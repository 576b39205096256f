// Withdrawn cards (docs/document-model.md, `items[id].withdrawn`): nothing silently
// disappears. Someone else's card is withdrawn, not deleted: it stays in the document with who
// took it off the map and when, and only the facilitator puts it back or deletes it for good.
// DOM-free: the writes, what this person may do to a card, and what a link to a card shows.

/**
 * @typedef {import('./model.js').Card} Card
 * @typedef {import('./model.js').Withdrawal} Withdrawal
 * @typedef {{ me: string, facilitator: boolean, editable: boolean }} Viewer
 * @typedef {{
 *   remove: 'delete' | 'withdraw' | null,
 *   restore: boolean,
 *   deleteForGood: boolean
 * }} CardActions
 * @typedef {'none' | 'shown' | 'withdrawn' | 'deleted'} LinkState
 */

/**
 * What this person is offered on a card. Never what the server would refuse: deleting a card
 * whose author is someone else (unless facilitator), withdrawing in anyone's name but one's
 * own, or changing a withdrawal (facilitator only).
 * - On the map: your own card, Delete; anyone else's (the facilitator's default too), Withdraw.
 * - In the withdrawn list: the facilitator alone may Restore or Delete for good.
 * @param {{ author: string, withdrawn: Withdrawal | null }} card
 * @param {Viewer} viewer
 * @returns {CardActions}
 */
export function cardActions (card, viewer) {
  const none = { remove: null, restore: false, deleteForGood: false }
  if (!viewer.editable) return none
  if (card.withdrawn) return { remove: null, restore: viewer.facilitator, deleteForGood: viewer.facilitator }
  if (!viewer.me) return none
  return { remove: card.author === viewer.me ? 'delete' : 'withdraw', restore: false, deleteForGood: false }
}

/**
 * Take a card off the map, keeping it: `withdrawn` = `{by, at}`, written whole.
 * @param {Card} card
 * @param {string} by this person's own participant id
 * @param {unknown} origin
 * @param {string} [at] ISO-8601 date-time with an offset
 */
export function withdrawCard (card, by, origin, at = new Date().toISOString()) {
  const run = () => card.map.set('withdrawn', { by, at })
  if (card.map.doc) card.map.doc.transact(run, origin)
  else run()
}

/**
 * Put a withdrawn card back where it was (the facilitator's): its section and order never
 * changed while it was withdrawn.
 * @param {Card} card
 * @param {unknown} origin
 */
export function restoreCard (card, origin) {
  const run = () => card.map.delete('withdrawn')
  if (card.map.doc) card.map.doc.transact(run, origin)
  else run()
}

/**
 * The cards on the map, and the withdrawn ones (most recently withdrawn first, then by id, so
 * every screen lists them in the same order).
 * @param {readonly Card[]} cards
 * @returns {{ active: Card[], withdrawn: Card[] }}
 */
export function splitWithdrawn (cards) {
  /** @type {Card[]} */
  const active = []
  /** @type {Card[]} */
  const withdrawn = []
  for (const card of cards) (card.withdrawn ? withdrawn : active).push(card)
  withdrawn.sort((a, b) => {
    const at = a.withdrawn?.at ?? ''
    const bt = b.withdrawn?.at ?? ''
    const ta = Date.parse(at)
    const tb = Date.parse(bt)
    if (ta !== tb && !(Number.isNaN(ta) && Number.isNaN(tb))) {
      if (Number.isNaN(ta)) return 1
      if (Number.isNaN(tb)) return -1
      return tb - ta
    }
    if (a.id !== b.id) return a.id < b.id ? -1 : 1
    return a.layer < b.layer ? -1 : a.layer > b.layer ? 1 : 0
  })
  return { active, withdrawn }
}

/**
 * What a link to a card (a goal's `answers`, a scale's `about`) shows.
 * - `shown`: the card is on the map;
 * - `withdrawn`: it was withdrawn (it is in the withdrawn list);
 * - `deleted`: it no longer exists, as far as this person can tell: its key was deleted in a
 *   layer they hold, or they hold every layer and it is in none;
 * - `none`: no link, or a link to a card this person does not receive.
 * @param {string} id
 * @param {{ find: (id: string) => Card | null, deleted: (id: string) => boolean, complete: boolean }} where
 * @returns {{ state: LinkState, card: Card | null }}
 */
export function linkState (id, where) {
  if (!id) return { state: 'none', card: null }
  const card = where.find(id)
  if (card) return { state: card.withdrawn ? 'withdrawn' : 'shown', card }
  return { state: where.deleted(id) || where.complete ? 'deleted' : 'none', card: null }
}

/**
 * "14:32" today, else "3 May 2031, 14:32", in the page's language.
 * @param {string} at ISO-8601 date-time
 * @param {string | undefined} locale
 * @param {Date} [now]
 * @returns {{ time: string, today: boolean } | null}
 */
export function whenText (at, locale, now = new Date()) {
  const date = new Date(at)
  if (!at || Number.isNaN(date.getTime())) return null
  const today = date.toDateString() === now.toDateString()
  try {
    const format = new Intl.DateTimeFormat(locale, today ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' })
    return { time: format.format(date), today }
  } catch {
    return { time: today ? date.toLocaleTimeString() : date.toLocaleString(), today }
  }
}
