// The waiting room, as the facilitator's board sees it: the participants API's answer read
// tolerantly into who waits and who may be taken out. DOM-free.
import { str } from './model.js'

/**
 * @typedef {'waiting' | 'admitted' | 'rejected' | 'removed'} Admission
 * @typedef {{ id: string, name: string, role: string, relationship: string, agency?: string, admission: Admission }} Entrant
 *   `name` is how the facilitator's lists show them: the server's `shownAs` when it gives one
 *   ("Jo (2)": two people gave the name Jo, and a name is only what someone typed), else
 *   the name itself.
 */

const ADMISSIONS = ['waiting', 'admitted', 'rejected', 'removed']

/**
 * Everyone the server lists, in its order; entries without an id or a known admission are dropped.
 * @param {unknown} json the body of GET /api/meetings/{id}/participants
 * @returns {Entrant[]}
 */
export function readParticipants (json) {
  const list = typeof json === 'object' && json !== null ? /** @type {Record<string, unknown>} */ (json).participants : null
  if (!Array.isArray(list)) return []
  /** @type {Entrant[]} */
  const out = []
  for (const raw of list) {
    if (typeof raw !== 'object' || raw === null) continue
    const p = /** @type {Record<string, unknown>} */ (raw)
    const id = str(p.id)
    const admission = str(p.admission)
    if (!id || !ADMISSIONS.includes(admission)) continue
    const name = str(p.shownAs) || str(p.name)
    out.push({ id, name, role: str(p.role), relationship: str(p.relationship), agency: str(p.agency), admission: /** @type {Admission} */ (admission) })
  }
  return out
}

/**
 * The people waiting to be let in, in the order they arrived (the server's order).
 * @param {readonly Entrant[]} people
 * @returns {Entrant[]}
 */
export function waitingList (people) {
  return people.filter((p) => p.admission === 'waiting')
}

/**
 * The ids of people the facilitator may take out: admitted, and not a facilitator (the
 * facilitator link is never held, and taking oneself out would end one's own board).
 * @param {readonly Entrant[]} people
 * @returns {Set<string>}
 */
export function removableIds (people) {
  return new Set(people.filter((p) => p.admission === 'admitted' && p.role !== 'facilitator').map((p) => p.id))
}

/**
 * Who started waiting since the last look (to say so once, not on every poll).
 * @param {ReadonlySet<string>} before ids waiting at the last look
 * @param {readonly Entrant[]} waiting
 * @returns {Entrant[]}
 */
export function newlyWaiting (before, waiting) {
  return waiting.filter((p) => !before.has(p.id))
}
