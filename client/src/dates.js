// A next step's due date as people read it ("14 December 2026"), where it is only shown (the
// shared screen, a read-only board). The map keeps the date as the ISO day a date box writes.

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/

/**
 * @param {string} value the stored date, e.g. "2026-12-14"
 * @param {string} [locale] the page's language (the record's form for en-GB)
 * @returns {string} the day written out, or the value as it is when it is not an ISO day
 */
export function readableDay (value, locale = 'en-GB') {
  const found = ISO_DAY.exec(value.trim())
  if (!found) return value
  const [, year, month, day] = found.map(Number)
  const date = new Date(Date.UTC(year, month - 1, day))
  // Date.UTC rolls 2026-02-31 over into March: such a value is not a day.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return value
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(date)
}
