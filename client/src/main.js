// The board page's script: read the board-config the server put in the page, start the board.
import { readConfig } from './config.js'
import { BoardApp } from './ui/app.js'

performance.mark('board:start')
const root = document.getElementById('board')
if (root) {
  const config = readConfig(document)
  if (root.dataset.mode === 'present') config.mode = 'present'
  if (config.mode === 'present') config.canEdit = false
  new BoardApp(root, config) // eslint-disable-line no-new
}
