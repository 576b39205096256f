// The wording of a scale made for a worry ("Add a scale for this worry"): a question that
// quotes the worry, shortened at a word with an ellipsis when it is long, and ends that speak
// of that worry. DOM-free. The map does not know the children's names: the question says "the
// children", as the overall scale's does. The facilitator can change it on the scale.

/** A quoted worry longer than this is shortened (at a word where it can be). */
export const QUOTE_MAX = 110

/**
 * The worry as the question quotes it: one line, no closing full stop, at most `max`
 * characters with "…" when cut.
 * @param {string} text
 * @param {number} [max]
 */
export function quotedWorry (text, max = QUOTE_MAX) {
  const line = text.replace(/\s+/g, ' ').trim().replace(/[\s.,;:!?]+$/u, '')
  if (line.length <= max) return line
  const cut = line.slice(0, max - 1)
  const space = cut.lastIndexOf(' ')
  // At the last whole word, unless that throws away most of it (one very long word).
  const head = space > max * 0.6 ? cut.slice(0, space) : cut
  return `${head.replace(/[\s.,;:!?—–-]+$/u, '')}…`
}

/**
 * A worry's scale: its question and what 0 and 10 mean; the overall wording when the worry
 * has no words yet.
 * @param {string} worry the danger card's text
 * @param {import('./strings.js').Translate} t
 * @returns {{ question: string, low: string, high: string }}
 */
export function worryScaleWording (worry, t) {
  const quoted = quotedWorry(worry)
  if (!quoted) return { question: t('scale.defaultQuestion'), low: t('scale.defaultLow'), high: t('scale.defaultHigh') }
  return {
    question: t('scale.worryQuestion', { worry: quoted }),
    low: t('scale.worryLow'),
    high: t('scale.worryHigh')
  }
}
