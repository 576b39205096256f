// The board page's script: read the board-config the server put in the page, start the board.
import { asPresentation, readConfig } from './config.js'
import { BoardApp } from './ui/app.js'

performance.mark('board:start')
const root = document.getElementById('board')
if (root) {
  const config = readConfig(document)
  // The presentation page: read-only, and the professionals-only room is never opened.
  new BoardApp(root, root.dataset.mode === 'present' ? asPresentation(config) : config) // eslint-disable-line no-new
}
