// Plain-language descriptions of other people's changes, for the screen-reader live region.
// Pure: reads Yjs events, returns sentences. Typing inside a card is never announced.
import * as Y from 'yjs'
import { readWithdrawal, str } from './model.js'
import { readPictures } from './pictures.js'

/**
 * @typedef {import('./strings.js').Translate} Translate
 * @typedef {{
 *   t: Translate,
 *   sectionLabel: (id: string) => string,
 *   personName: (id: string) => string,
 *   previousSection: (cardId: string) => string,
 *   previousWithdrawn?: (cardId: string) => boolean
 * }} Describe
 */

/**
 * @param {Y.YEvent<any>[]} events one root's events from one remote transaction
 * @param {Y.Map<unknown>} items
 * @param {Y.Map<unknown>} scales
 * @param {Describe} d
 * @returns {string[]}
 */
export function describeRemote (events, items, scales, d) {
  const { t } = d
  /** @type {string[]} */
  const out = []
  for (const event of events) {
    const path = event.path
    if (event.currentTarget === items) {
      if (path.length === 0) {
        for (const [id, change] of event.changes.keys) {
          if (change.action === 'add') {
            const card = items.get(id)
            if (!(card instanceof Y.Map)) continue
            out.push(t('announce.added', { name: d.personName(str(card.get('author'))), section: d.sectionLabel(str(card.get('section'))) }))
          } else if (change.action === 'delete') {
            if (d.previousWithdrawn?.(id)) out.push(t('announce.removedWithdrawn'))
            else out.push(t('announce.removed', { section: d.sectionLabel(d.previousSection(id)) }))
          }
        }
      } else if (path.length === 1) {
        const card = items.get(String(path[0]))
        if (!(card instanceof Y.Map)) continue
        const keys = event.changes.keys
        const section = d.sectionLabel(str(card.get('section')))
        const withdrawal = keys.get('withdrawn')
        if (withdrawal) {
          const now = readWithdrawal(card.get('withdrawn'))
          if (now) out.push(t('announce.withdrawn', { name: d.personName(now.by), section }))
          else if (withdrawal.action === 'delete') out.push(t('announce.restored', { section }))
        } else if (keys.has('section')) out.push(t('announce.movedTo', { section }))
        else if (keys.has('order')) out.push(t('announce.moved', { section }))
        else if (keys.has('pictures')) {
          const before = readPictures(keys.get('pictures')?.oldValue).length
          const after = readPictures(card.get('pictures')).length
          if (after > before) out.push(t('announce.pictureAdded', { section }))
          else if (after < before) out.push(t('announce.pictureRemoved', { section }))
          else out.push(t('announce.pictureChanged', { section }))
        }
      } else if (path.length === 2 && path[1] === 'stance') {
        const card = items.get(String(path[0]))
        if (!(card instanceof Y.Map)) continue
        const stances = card.get('stance')
        for (const [who, change] of event.changes.keys) {
          if (change.action === 'delete' || !(stances instanceof Y.Map)) continue
          const stance = stances.get(who)
          if (stance !== 'agree' && stance !== 'dispute' && stance !== 'unsure') continue
          out.push(t('announce.stance', {
            name: d.personName(who),
            section: d.sectionLabel(str(card.get('section'))),
            stance: t(/** @type {'stance.agree'} */ (`stance.${stance}`))
          }))
        }
      }
    } else if (event.currentTarget === scales) {
      if (path.length === 0) {
        for (const change of event.changes.keys.values()) if (change.action === 'add') out.push(t('announce.scaleAdded'))
      } else if (path.length === 2 && path[1] === 'ratings') {
        for (const [who, change] of event.changes.keys) {
          if (change.action !== 'delete') out.push(t('announce.mark', { name: d.personName(who) }))
        }
      }
    }
  }
  return out
}
