// The board's language control, in its menu: a plain select listing each language named in
// itself ("English", "Polski"). Choosing one stores it with the person (the server keeps it for
// the record too) and loads the page again in it: the map comes back from this browser's
// copy and the server, so nothing typed is lost.
import { chooseLanguage, reloadPage } from '../api.js'
import { h, uid } from './dom.js'

/**
 * @param {import('../strings.js').Translate} t
 * @param {import('../config.js').BoardConfig} config
 * @returns {HTMLElement | null} nothing when there is no other language to choose
 */
export function languageControl (t, config) {
  if (config.languages.length < 2 || !config.csrfToken) return null
  const id = uid('language')
  const said = h('p', { class: 'language-failed', role: 'status' })
  const select = h('select', {
    id,
    class: 'language-select',
    'data-testid': 'language-select',
    onchange: async () => {
      select.disabled = true
      if (await chooseLanguage(config, select.value)) {
        reloadPage()
        return
      }
      select.disabled = false
      select.value = config.language
      said.textContent = t('toolbar.languageFailed')
    }
  }, config.languages.map((l) => h('option', { value: l.code, lang: l.code, 'data-own-words': '', selected: l.code === config.language }, l.name)))
  return h('div', { class: 'language-menu' }, h('label', { for: id, text: t('toolbar.language') }), select, said)
}
