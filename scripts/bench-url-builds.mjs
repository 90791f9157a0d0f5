// URLs per second of `url(id, options)` in the URL-only builds, in one Node process each: the
// benchmark's chained transformation (scripts/bench-url.mjs), with the same options on every call
// ("repeated": the whole URL API's template memo applies) and with two option objects alternating
// ("new": every call builds from scratch). The minimal build has no memo (README "Delivery URLs").
//
// Build first (nodejs target; CommonJS glue):
//   scripts/build-wasm.sh --target nodejs --out-dir target/bench-url-only --out-name cloudinary_connector_url -- --features url-only
//   scripts/build-wasm.sh --target nodejs --out-dir target/bench-url-minimal --out-name cloudinary_connector_url -- --features url-minimal
// Run:  node scripts/bench-url-builds.mjs [rounds=5]   (one-second rounds; prints the median)
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chainedOptions } from './bench-url-options.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const rounds = Number(process.argv[2] ?? 5);
const options = chainedOptions;

for (const build of ['url-only', 'url-minimal']) {
  const file = path.join(root, `target/bench-${build}/cloudinary_connector_url.js`);
  if (!existsSync(file)) throw new Error(`${file} missing: build it first (see the header of this script)`);
  const m = require(file);
  m.config({ cloud_name: 'demo' });
  let flip = 0;
  const rows = {
    repeated: (id) => m.url(id, options()),
    new: (id) => {
      flip ^= 1;
      return m.url(id, flip ? options() : { ...options(), unused_key: 1 });
    },
  };
  const expected = 'https://res.cloudinary.com/demo/image/upload/c_fill,g_auto,h_300,w_400/e_sepia/r_20/f_auto/q_auto/sample';
  for (const [name, f] of Object.entries(rows)) {
    if (f('sample') !== expected || f('sample') !== expected) throw new Error(`${build} ${name}: unexpected URL ${f('sample')}`);
    const counts = [];
    for (let r = 0; r < rounds; r++) {
      let n = 0;
      const end = performance.now() + 1000;
      while (performance.now() < end) for (let i = 0; i < 100; i++) f(`sample${n++}`);
      counts.push(n);
    }
    counts.sort((a, b) => a - b);
    console.log(`${build.padEnd(12)} ${name.padEnd(9)} ${counts[Math.floor(counts.length / 2)].toLocaleString('en')} URLs/s (median of ${rounds})`);
  }
}
