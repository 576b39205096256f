// A disclosure: a button that shows and hides a panel (the phone's menu of tools, the names of
// the people here). Whether the panel shows is a class on `owner`, not `hidden`: on wide
// screens the stylesheet shows the panel whatever the button says (the button is not shown).
import { h } from './dom.js'

export class Disclosure {
  /**
   * @param {HTMLElement} owner carries `is-open` while the panel is shown
   * @param {HTMLElement} panel what the button shows (given an id if it has none)
   * @param {Record<string, string>} attrs the button's attributes (class, data-testid…)
   * @param {string} label the button's text
   */
  constructor (owner, panel, attrs, label) {
    this.owner = owner
    this.panel = panel
    if (!panel.id) panel.id = `${attrs['data-testid'] ?? 'disclosure'}-panel`
    this.button = h('button', { type: 'button', ...attrs, 'aria-expanded': 'false', 'aria-controls': panel.id, onclick: () => this.toggle() }, label)
    // Escape closes it (also once the focus has left it: a tool that became disabled) and
    // gives the focus back to its button.
    document.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape' || !this.open || e.defaultPrevented) return
      const at = document.activeElement
      if (at && at !== document.body && !owner.contains(at) && at !== this.button) return
      e.preventDefault()
      this.toggle(false)
      this.button.focus()
    })
  }

  get open () { return this.button.getAttribute('aria-expanded') === 'true' }

  /** @param {boolean} [open] */
  toggle (open = !this.open) {
    this.button.setAttribute('aria-expanded', String(open))
    this.owner.classList.toggle('is-open', open)
  }
}
