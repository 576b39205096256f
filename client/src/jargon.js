// Words that may not be clear to everyone (the organisation's list, SAFETYMAP_JARGON_FILE,
// handed over in board-config `jargon`), found in what someone types. DOM-free. The board only
// ever asks, gently: nothing here blocks a card or changes its text.
//
// A listed term matches whole words, whatever the capitals: "DV" is found in "DV.", "(dv)"
// and "DV-related", never in "ADVICE". A space or hyphen inside a term matches a space, a
// hyphen or nothing ("non-engagement", "non engagement", "nonengagement"). A plural "s"
// ("LACs", "ACE's") still matches.
//
// Any other word of 2 to 6 capitals (digits allowed after the first: "S47") is asked about too,
// unless the list allows it ("OK", "TV", "GP"). Text typed mostly in capitals (at least 4 words,
// more than half of them capitals) is shouting, not acronyms: only listed terms count there.

/**
 * @typedef {{ term: string, suggestion: string }} JargonTerm
 * @typedef {{ terms: JargonTerm[], allowed: string[] }} JargonList
 * @typedef {{ term: string, found: string, suggestion: string }} Flag
 */

const LETTER = '\\p{L}\\p{N}_'
const PLURAL = "(?:s|'s|’s)?"
const ACRONYM = new RegExp(`(?<![${LETTER}])(\\p{Lu}[\\p{Lu}\\d]{1,5})${PLURAL}(?![${LETTER}])`, 'gu')
const WORD = /[\p{L}\p{N}]+/gu
const CAPITALS = /^[\p{Lu}\d]+$/u

/** @param {string} text */
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** A term as a pattern: its spaces and hyphens match a space, a hyphen or nothing. @param {string} term */
const termPattern = (term) =>
  term.trim().split(/[\s\-‐‑]+/u).filter(Boolean).map(escape).join('[\\s\\-‐‑]*')

/**
 * @param {string} text
 * @returns {boolean} whether the text is shouted (mostly capitals), not written with acronyms
 */
export function shouted (text) {
  const words = (text.match(WORD) ?? []).filter((w) => /\p{L}/u.test(w))
  if (words.length < 4) return false
  return words.filter((w) => CAPITALS.test(w)).length * 2 > words.length
}

/**
 * A matcher for one list: text in, the flags in the order they first appear (each term once).
 * @param {JargonList} list
 * @returns {(text: string) => Flag[]}
 */
export function jargonMatcher (list) {
  const terms = list.terms.filter((t) => t.term.trim())
  /** @type {Map<string, JargonTerm>} */
  const byKey = new Map(terms.map((t) => [fold(t.term), t]))
  const allowed = new Set(list.allowed.map((w) => w.toUpperCase()))
  // Longest first: "domestic violence" before "domestic".
  const patterns = [...terms].sort((a, b) => b.term.length - a.term.length).map((t) => `(${termPattern(t.term)})`)
  const listed = patterns.length
    ? new RegExp(`(?<![${LETTER}])(?:${patterns.join('|')})${PLURAL}(?![${LETTER}])`, 'giu')
    : null
  const order = [...terms].sort((a, b) => b.term.length - a.term.length)
  return (text) => {
    /** @type {{ at: number, flag: Flag }[]} */
    const found = []
    /** @type {Set<string>} */
    const seen = new Set()
    /** @type {[number, number][]} where listed terms were found */
    const spans = []
    if (listed) {
      for (const m of text.matchAll(listed)) {
        const index = m.slice(1).findIndex((g) => g !== undefined)
        const term = order[index]
        spans.push([m.index, m.index + m[0].length])
        const key = fold(term.term)
        if (seen.has(key)) continue
        seen.add(key)
        found.push({ at: m.index, flag: { term: term.term, found: m[index + 1], suggestion: term.suggestion } })
      }
    }
    if (!shouted(text)) {
      for (const m of text.matchAll(ACRONYM)) {
        const word = m[1]
        if (allowed.has(word) || spans.some(([a, b]) => m.index >= a && m.index < b)) continue
        const key = fold(word)
        if (seen.has(key)) continue
        seen.add(key)
        const listedTerm = byKey.get(key)
        found.push({ at: m.index, flag: { term: word, found: word, suggestion: listedTerm?.suggestion ?? '' } })
      }
    }
    return found.sort((a, b) => a.at - b.at).map((f) => f.flag)
  }
}

/** @param {string} text */
function fold (text) {
  return text.trim().toLocaleLowerCase('en').replace(/[\s\-‐‑]+/gu, ' ')
}
