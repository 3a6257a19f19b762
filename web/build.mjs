// Bundles the web UI into dist/: src/main.js (+ OpenLayers, its CSS) and
// the static files.  No CDN, nothing is fetched at run time.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: { app: join(here, 'src/main.js'), phone: join(here, 'src/phone.js'), report: join(here, 'src/report.js') },
  bundle: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: true,
  outdir: dist,
  loader: { '.json': 'json' },
  legalComments: 'linked',
  logLevel: 'info',
});
for (const f of ['index.html', 'phone.html', 'report.html', 'favicon.svg']) cpSync(join(here, 'src', f), join(dist, f));
