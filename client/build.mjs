// Bundles the board client into server/static/board.js (committed, so `pip install` alone runs
// the board). Deterministic: the same sources and esbuild version give the same bytes.
//
//   node build.mjs           write the bundle
//   node build.mjs --check   fail if the committed bundle differs from a fresh build
import { build } from 'esbuild'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

const outfile = fileURLToPath(new URL('../server/static/board.js', import.meta.url))
const check = process.argv.includes('--check')

const result = await build({
  entryPoints: [fileURLToPath(new URL('src/main.js', import.meta.url))],
  bundle: true,
  format: 'esm',
  target: 'es2020',
  platform: 'browser',
  minify: true,
  charset: 'utf8',
  legalComments: 'eof',
  outfile,
  write: !check,
  logLevel: check ? 'silent' : 'info'
})

if (check) {
  const fresh = result.outputFiles?.[0]?.text ?? ''
  const committed = await readFile(outfile, 'utf8').catch(() => '')
  if (fresh !== committed) {
    console.error('server/static/board.js is out of date: run `npm run build --prefix client`')
    process.exit(1)
  }
  console.log('server/static/board.js is up to date')
}
