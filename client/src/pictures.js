// Pictures on cards (docs/document-model.md): a card's `pictures` is a plain JSON array of
// `{id, alt}`, written whole each time. The bytes live on the server; the document holds only
// the reference and the description. DOM-free: reading, where pictures are allowed, who may
// change one, and the writes.

/** At most this many pictures on one card (the server refuses more). */
export const MAX_PICTURES = 6
/** A description is 1 to this many characters, after trimming (the server refuses more). */
export const MAX_ALT = 300
/** What the file chooser offers: what the server re-encodes. */
export const ACCEPTED_TYPES = 'image/jpeg,image/png,image/webp'
/** The optional section that always takes pictures. */
export const PICTURE_SECTION = 'child_voice'

/**
 * @typedef {{ id: string, alt: string }} Picture
 * @typedef {import('yjs').Map<unknown>} CardMap
 */

/** @param {unknown} value (model.js reads cards with this module: no import back) */
const str = (value) => (typeof value === 'string' ? value : '')

/** @param {unknown} value @returns {value is Record<string, unknown>} */
const isEntry = (value) => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * A card's pictures as a reader shows them: entries with a string id and a description;
 * anything else (any client can write anything) is skipped, never a crash.
 * @param {unknown} value the card's `pictures`
 * @returns {Picture[]}
 */
export function readPictures (value) {
  if (!Array.isArray(value)) return []
  /** @type {Picture[]} */
  const out = []
  const seen = new Set()
  for (const entry of value) {
    if (!isEntry(entry)) continue
    const id = str(entry.id)
    const alt = str(entry.alt).trim()
    if (!id || !alt || seen.has(id)) continue
    seen.add(id)
    out.push({ id, alt })
  }
  return out
}

/**
 * Whether a card in `section` may take pictures: the child's voice always, any card when the
 * facilitator allows it (`meta.picturesEverywhere`).
 * @param {string} section
 * @param {boolean} everywhere
 */
export function picturesAllowed (section, everywhere) {
  return section === PICTURE_SECTION || everywhere
}

/**
 * What is wrong with a description, if anything.
 * @param {string} text
 * @returns {'empty' | 'long' | null}
 */
export function descriptionProblem (text) {
  const trimmed = text.trim()
  if (!trimmed) return 'empty'
  if (trimmed.length > MAX_ALT) return 'long'
  return null
}

/**
 * Whether a file or drawing of `size` bytes may be sent (checked before sending: a phone on
 * poor signal should not spend minutes on an upload the server will refuse).
 * @param {number} size
 * @param {number} maxBytes 0: the page names no limit
 */
export function tooBig (size, maxBytes) {
  return maxBytes > 0 && size > maxBytes
}

/**
 * The limit as people read it, worded as the server words its own refusal ("10 MB", "97 KB").
 * @param {number} bytes
 */
export function sizeLabel (bytes) {
  return bytes >= 2 ** 20 ? `${Math.round(bytes / 2 ** 20)} MB` : `${Math.floor(bytes / 1024)} KB`
}

/**
 * Where a picture is fetched from; `small`: its thumbnail (at most 480 px a side), for the
 * cards, so that a phone on poor signal does not fetch the whole picture for each.
 * @param {string} uploadUrl
 * @param {string} id
 * @param {boolean} [small]
 */
export function pictureUrl (uploadUrl, id, small = false) {
  return `${uploadUrl}/${encodeURIComponent(id)}${small ? '?size=small' : ''}`
}

/**
 * Who may remove a picture or change its description: the facilitator, the card's author,
 * and whoever added it (this browser remembers the pictures it uploaded: the document names
 * no uploader).
 * @param {{ me: string, facilitator: boolean, editable: boolean }} viewer
 * @param {{ author: string }} card
 * @param {boolean} added whether this person added the picture
 */
export function mayChangePicture (viewer, card, added) {
  if (!viewer.editable) return false
  return viewer.facilitator || (!!viewer.me && card.author === viewer.me) || added
}

/**
 * Write a card's pictures again, changed, in one transaction, from what the document holds now
 * (someone else may have changed them since the page last drew the card). What is written is
 * exactly `[{id, alt}]`: the server refuses any other shape, so an entry it could not read is
 * left out rather than written back.
 * @param {CardMap} map
 * @param {(pictures: Picture[]) => Picture[] | null} change null: nothing to write
 * @param {unknown} origin
 */
function rewrite (map, change, origin) {
  let written = false
  const run = () => {
    const next = change(readPictures(map.get('pictures')))
    if (next === null) return
    if (next.length === 0) map.delete('pictures')
    else map.set('pictures', next.map((p) => ({ id: p.id, alt: p.alt })))
    written = true
  }
  if (map.doc) map.doc.transact(run, origin)
  else run()
  return written
}

/**
 * Add a picture to a card.
 * @param {CardMap} map the card's
 * @param {Picture} picture
 * @param {unknown} origin
 * @returns {boolean} false when the card is full (or already holds it)
 */
export function addPicture (map, picture, origin) {
  return rewrite(map, (pictures) => {
    if (pictures.length >= MAX_PICTURES || pictures.some((p) => p.id === picture.id)) return null
    return [...pictures, { id: picture.id, alt: picture.alt.trim() }]
  }, origin)
}

/**
 * Take a picture off a card (the array written again without it).
 * @param {CardMap} map
 * @param {string} id
 * @param {unknown} origin
 * @returns {boolean} false when the card no longer holds it
 */
export function removePicture (map, id, origin) {
  return rewrite(map, (pictures) => {
    const kept = pictures.filter((p) => p.id !== id)
    return kept.length === pictures.length ? null : kept
  }, origin)
}

/**
 * Change a picture's description.
 * @param {CardMap} map
 * @param {string} id
 * @param {string} alt
 * @param {unknown} origin
 * @returns {boolean} false when the card no longer holds it, or nothing changed
 */
export function describePicture (map, id, alt, origin) {
  const text = alt.trim()
  return rewrite(map, (pictures) => {
    const at = pictures.findIndex((p) => p.id === id)
    if (at < 0 || pictures[at].alt === text) return null
    return pictures.map((p, i) => (i === at ? { id, alt: text } : p))
  }, origin)
}

/**
 * The pictures this browser added, per meeting, so that their uploader may change them after
 * a reload. Only ids are kept (no description, no bytes); storage that fails (private mode,
 * full) leaves the set in memory only.
 */
export class AddedPictures {
  /**
   * @param {Pick<Storage, 'getItem' | 'setItem'> | null} storage
   * @param {string} meetingId
   */
  constructor (storage, meetingId) {
    this.storage = storage
    this.key = `safetymap:pictures:${meetingId}`
    /** @type {Set<string>} */
    this.ids = new Set()
    try {
      const raw = JSON.parse(storage?.getItem(this.key) ?? '[]')
      if (Array.isArray(raw)) for (const id of raw) if (typeof id === 'string') this.ids.add(id)
    } catch {}
  }

  /** @param {string} id */
  has (id) { return this.ids.has(id) }

  /** @param {string} id */
  add (id) {
    this.ids.add(id)
    try {
      this.storage?.setItem(this.key, JSON.stringify([...this.ids].slice(-200)))
    } catch {}
  }
}

/** The browser's local storage, or null where reading it throws (blocked cookies, old Safari). */
export function localStore () {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null
  }
}
