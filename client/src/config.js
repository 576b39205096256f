// The page's board-config (a JSON <script>), read tolerantly into one typed object.
import { str } from './model.js'

/**
 * @typedef {{ id: string, title: string, sections: string[] }} Column
 * @typedef {{ label: string, prompt: string }} SectionText
 * @typedef {{ code: string, name: string }} LanguageChoice a language, named in itself
 * @typedef {{
 *   wsUrl: string, meetingId: string, params: Record<string, string>, professional: boolean,
 *   participant: { id: string, name: string, role: string, relationship: string, agency?: string },
 *   canEdit: boolean, isFacilitator: boolean, status: 'open' | 'ended', endedAt: string,
 *   mode: 'edit' | 'present', labelSet: string, columns: Column[],
 *   sections: Record<string, SectionText>, optionalSections: Record<string, SectionText>,
 *   strings: Record<string, string>, title: string, locale: string, locked: boolean,
 *   dir: 'ltr' | 'rtl', language: string, languages: LanguageChoice[], languageUrl: string,
 *   endUrl: string, lockUrl: string, participantsUrl: string, csrfToken: string, presentUrl: string, editUrl: string,
 *   jargon: import('./jargon.js').JargonList,
 *   lastMarks: Record<string, LastMark[]>,
 *   pictures: PictureConfig | null
 * }} BoardConfig
 * @typedef {{ name: string, value: number }} LastMark a mark from the meeting this one reviews
 * @typedef {{ uploadUrl: string, maxBytes: number }} PictureConfig where pictures are sent
 *   (and fetched from, `{uploadUrl}/{id}`), and the largest the server takes
 */

/** @param {unknown} v @returns {Record<string, any>} */
const obj = (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? /** @type {Record<string, any>} */ (v) : {})

/** @param {unknown} v @returns {Record<string, SectionText>} */
function sectionTexts (v) {
  /** @type {Record<string, SectionText>} */
  const out = {}
  for (const [id, value] of Object.entries(obj(v))) {
    const o = obj(value)
    out[id] = { label: str(o.label) || id, prompt: str(o.prompt) }
  }
  return out
}

/** @param {unknown} v @returns {Record<string, string>} */
function stringMap (v) {
  /** @type {Record<string, string>} */
  const out = {}
  for (const [key, value] of Object.entries(obj(v))) if (typeof value === 'string') out[key] = value
  return out
}

/**
 * The organisation's jargon list (server/board/jargon.py): terms with suggestions, and the
 * capital-letter words not to ask about.
 * @param {unknown} v
 * @returns {import('./jargon.js').JargonList}
 */
function jargonList (v) {
  const o = obj(v)
  const terms = Array.isArray(o.terms) ? o.terms : []
  const allowed = Array.isArray(o.allowed) ? o.allowed : []
  return {
    terms: terms.map(obj).filter((t) => str(t.term).trim()).map((t) => ({ term: str(t.term), suggestion: str(t.suggestion) })),
    allowed: allowed.filter((w) => typeof w === 'string')
  }
}

/**
 * Last meeting's marks in a review, by "layer:scale id" (server/record/last_marks.py).
 * @param {unknown} v
 * @returns {Record<string, LastMark[]>}
 */
function lastMarks (v) {
  /** @type {Record<string, LastMark[]>} */
  const out = {}
  for (const [key, marks] of Object.entries(obj(v))) {
    if (!Array.isArray(marks)) continue
    out[key] = marks.map(obj)
      .filter((m) => Number.isInteger(m.value) && m.value >= 0 && m.value <= 10)
      .map((m) => ({ name: str(m.name), value: m.value }))
  }
  return out
}

/**
 * Pictures on cards, when the server takes them (an older one names no `pictures`: then the
 * board offers none).
 * @param {unknown} v
 * @returns {PictureConfig | null}
 */
function pictureConfig (v) {
  const o = obj(v)
  const uploadUrl = str(o.uploadUrl)
  if (!uploadUrl) return null
  const maxBytes = typeof o.maxBytes === 'number' && Number.isFinite(o.maxBytes) && o.maxBytes > 0 ? Math.floor(o.maxBytes) : 0
  return { uploadUrl: uploadUrl.replace(/\/+$/, ''), maxBytes }
}

/**
 * @param {unknown} raw the parsed JSON
 * @returns {BoardConfig}
 */
export function parseConfig (raw) {
  const c = obj(raw)
  const p = obj(c.participant)
  const columns = Array.isArray(c.columns) ? c.columns : []
  const mode = c.mode === 'present' ? 'present' : 'edit'
  const status = c.status === 'ended' ? 'ended' : 'open'
  const meetingId = str(c.meetingId)
  const id = encodeURIComponent(meetingId)
  /** @type {BoardConfig} */
  const config = {
    wsUrl: str(c.wsUrl),
    meetingId,
    params: stringMap(c.params),
    professional: c.professional === true,
    participant: { id: str(p.id), name: str(p.name), role: str(p.role), relationship: str(p.relationship), agency: str(p.agency) },
    canEdit: c.canEdit === true && status === 'open' && mode === 'edit',
    isFacilitator: c.isFacilitator === true,
    status,
    endedAt: str(c.endedAt),
    mode,
    labelSet: str(c.labelSet),
    columns: columns.map((col) => {
      const o = obj(col)
      return { id: str(o.id), title: str(o.title), sections: Array.isArray(o.sections) ? o.sections.filter((s) => typeof s === 'string') : [] }
    }),
    sections: sectionTexts(c.sections),
    optionalSections: sectionTexts(c.optionalSections),
    strings: stringMap(c.strings),
    title: str(c.title),
    locale: str(c.locale),
    dir: c.dir === 'rtl' ? 'rtl' : 'ltr',
    language: str(c.language),
    // The languages this person may switch to (each named in itself), and where to say so.
    languages: (Array.isArray(c.languages) ? c.languages : []).map((l) => ({ code: str(obj(l).code), name: str(obj(l).name) })).filter((l) => l.code && l.name),
    languageUrl: str(c.languageUrl) || `/m/${id}/language`,
    locked: c.locked === true,
    // The server's routes, unless the page names others.
    endUrl: str(c.endUrl) || `/api/meetings/${id}/end`,
    lockUrl: str(c.lockUrl) || `/api/meetings/${id}/lock`,
    // Who is waiting (GET), and …/{participant id}/admit|reject|remove (POST).
    participantsUrl: str(c.participantsUrl) || `/api/meetings/${id}/participants`,
    csrfToken: str(c.csrfToken),
    presentUrl: str(c.presentUrl) || `/m/${id}/present`,
    editUrl: str(c.editUrl) || `/m/${id}`,
    jargon: jargonList(c.jargon),
    lastMarks: lastMarks(c.lastMarks),
    pictures: pictureConfig(c.pictures)
  }
  return mode === 'present' ? asPresentation(config) : config
}

/**
 * The presentation view (the shared screen), whoever opens it: read-only, and never the
 * professionals-only layer: not even a connection to its room. The connections say so
 * (`present=1`), and the server refuses that room to them.
 * @param {BoardConfig} config
 * @returns {BoardConfig}
 */
export function asPresentation (config) {
  return { ...config, mode: 'present', canEdit: false, professional: false, params: { ...config.params, present: '1' } }
}

/**
 * @param {Document} doc
 * @returns {BoardConfig}
 */
export function readConfig (doc) {
  const element = doc.getElementById('board-config')
  let raw = {}
  try {
    raw = JSON.parse(element?.textContent || '{}')
  } catch {
    raw = {}
  }
  return parseConfig(raw)
}
