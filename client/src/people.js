// Who is who: the participant-name cache in `meta.people` (so cards keep their authors' names
// after people leave) and the live roster from awareness. DOM-free.
import * as Y from 'yjs'
import { readPeople, str } from './model.js'

/**
 * @typedef {import('./model.js').Person} Person
 * @typedef {{ id: string, name: string, role: string, relationship: string, agency?: string }} Participant
 * @typedef {{ clientId: number, id: string, name: string, role: string, relationship: string, agency?: string, editing: string }} Present
 */

/**
 * Write this participant's own entry into `meta.people` if it is missing or out of date.
 * Safe to call again and again: it writes nothing when the entry is already right (two
 * clients creating `people` at once lose one map; the loser's next call writes it again).
 * @param {Y.Doc} doc
 * @param {Participant} me
 * @param {unknown} origin
 * @returns {boolean} whether anything was written
 */
export function writeSelf (doc, me, origin) {
  if (!me.id) return false
  const meta = doc.getMap('meta')
  const known = readPeople(meta).get(me.id)
  if (known && known.name === me.name && known.role === me.role && known.relationship === me.relationship && (known.agency ?? '') === (me.agency ?? '')) {
    return false
  }
  doc.transact(() => {
    let people = meta.get('people')
    if (!(people instanceof Y.Map)) {
      people = new Y.Map()
      meta.set('people', people)
    }
    /** @type {Record<string, string>} */
    const entry = { name: me.name, role: me.role }
    if (me.relationship) entry.relationship = me.relationship
    if (me.agency) entry.agency = me.agency
    ;/** @type {Y.Map<unknown>} */ (people).set(me.id, entry)
  }, origin)
  return true
}

/**
 * The people here now, one entry per participant (a person on two devices shows once),
 * facilitator first, then by role and name.
 * @param {Map<number, Record<string, any>>} states awareness states by client id
 * @returns {Present[]}
 */
export function rosterFromAwareness (states) {
  /** @type {Map<string, Present>} */
  const byPerson = new Map()
  const order = ['facilitator', 'professional', 'family', 'viewer']
  for (const [clientId, state] of states) {
    const user = state && typeof state.user === 'object' && state.user !== null ? state.user : null
    if (!user) continue
    const name = str(user.name)
    if (!name) continue
    const id = str(user.id)
    const entry = {
      clientId,
      id,
      name,
      role: str(user.role),
      relationship: str(user.relationship),
      agency: str(user.agency),
      editing: str(state.editing)
    }
    const key = id || `client:${clientId}`
    const existing = byPerson.get(key)
    if (!existing || (!existing.editing && entry.editing)) byPerson.set(key, entry)
  }
  return [...byPerson.values()].sort((a, b) => {
    const ra = order.indexOf(a.role)
    const rb = order.indexOf(b.role)
    return (ra < 0 ? 9 : ra) - (rb < 0 ? 9 : rb) || a.name.localeCompare(b.name) || a.clientId - b.clientId
  })
}

/**
 * Which room's presence says what card this person is typing in: a shared card's in the main
 * room's, a professionals-only card's in the professional room's only. The family and the
 * shared screen hear the main room: they must not learn that such a card exists, nor when
 * someone is in it.
 * @param {string | null} key "layer:cardId" of the card being edited, or null
 * @returns {{ main: string | null, professional: string | null }}
 */
export function editingByRoom (key) {
  if (key !== null && key.startsWith('main:')) return { main: key, professional: null }
  if (key !== null && key.startsWith('professional:')) return { main: null, professional: key }
  return { main: null, professional: null }
}

/**
 * Look up a participant's name and role: the live roster first, then the cache in the document.
 * @param {string} id
 * @param {Map<string, Person>} cache
 * @param {readonly Present[]} roster
 * @returns {Person | null}
 */
export function personOf (id, cache, roster) {
  if (!id) return null
  const here = roster.find((p) => p.id === id)
  if (here) return { name: here.name, role: here.role, relationship: here.relationship, agency: here.agency }
  return cache.get(id) ?? null
}

/**
 * How a list of people names someone: "Jo, Family (Mum)", or with a professional's service
 * "DC Dana Reid, Police (Professional)".
 * @param {import('./strings.js').Translate} t
 * @param {{ name: string, relationship: string, agency?: string }} p
 * @param {string} role the role in words
 * @returns {string}
 */
export function rosterEntry (t, p, role) {
  if (p.agency) return t('roster.entryAgency', { name: p.name, role, agency: p.agency })
  return p.relationship
    ? t('roster.entryRelationship', { name: p.name, role, relationship: p.relationship })
    : t('roster.entry', { name: p.name, role })
}
