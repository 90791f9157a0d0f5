// URLs per second for a chained transformation, in one Node process:
//   ours   — the plugin's `url(id, options)` from the shipped build (`scripts/build-wasm.sh --target nodejs`)
//            (options object built per call, as with the SDK), and `new UrlFactory(options)`
//            once + `factory.url(id)` per URL (a gallery/grid of assets sharing a transformation),
//   url-gen — @cloudinary/url-gen 1.22 (the builder API, as its users write it),
//   npm    — cloudinary 2.x `cloudinary.url()` (same options object as ours),
//   url-gen reused — one url-gen image built once, `setPublicID(id).toURL()` per URL (the
//            like-for-like comparison for UrlFactory).
// All three outputs are checked byte-identical before timing.
//
// Build first:  scripts/build-wasm.sh --target nodejs --out-dir target/pkg-node
// Run:          node scripts/bench-url.mjs [seconds-per-round=1] [rounds=5]
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chainedOptions } from './bench-url-options.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const nm = [path.join(root, 'tools/node_modules')].find((p) => existsSync(path.join(p, 'cloudinary')));
if (!nm) throw new Error('tools/node_modules missing: run (cd tools && npm ci)');
const pkg = path.join(root, 'target/pkg-node/cloudinary_connector.js');
if (!existsSync(pkg)) throw new Error(`${pkg} missing: build it first (see the header of this script)`);

const ours = require(pkg);
const cloudinary = require(path.join(nm, 'cloudinary')).v2;
const { Cloudinary } = require(path.join(nm, '@cloudinary/url-gen/index.cjs'));
const { fill } = require(path.join(nm, '@cloudinary/url-gen/actions/resize.cjs'));
const { autoGravity } = require(path.join(nm, '@cloudinary/url-gen/qualifiers/gravity.cjs'));
const { sepia } = require(path.join(nm, '@cloudinary/url-gen/actions/effect.cjs'));
const { byRadius } = require(path.join(nm, '@cloudinary/url-gen/actions/roundCorners.cjs'));
const { format, quality } = require(path.join(nm, '@cloudinary/url-gen/actions/delivery.cjs'));

const cloud = 'demo';
cloudinary.config({ cloud_name: cloud, secure: true, urlAnalytics: false, analytics: false });
ours.config({ cloud_name: cloud });
const cld = new Cloudinary({ cloud: { cloudName: cloud }, url: { secure: true, analytics: false } });

// The chained transformation: resize+gravity / effect / radius / f_auto / q_auto.
const options = chainedOptions;
const factory = new ours.UrlFactory(options());
// `url()` keeps the template of the latest options. The "no memo" row alternates two option objects
// that differ only by a key the engine ignores (same URL), so every call builds from scratch.
let flip = 0;
const impls = {
  'ours url()': (id) => ours.url(id, options()),
  'ours url() no memo': (id) => {
    flip ^= 1;
    return ours.url(id, flip ? options() : { ...options(), unused_key: 1 });
  },
  'ours UrlFactory': (id) => factory.url(id),
  'url-gen': (id) =>
    cld
      .image(id)
      .resize(fill().width(400).height(300).gravity(autoGravity()))
      .effect(sepia())
      .roundCorners(byRadius(20))
      .delivery(format('auto'))
      .delivery(quality('auto'))
      .toURL(),
  'cloudinary npm': (id) => cloudinary.url(id, options()),
  // Like for like with UrlFactory: one url-gen image built once, only the public id changes.
  'url-gen reused': (() => {
    const img = cld
      .image('x')
      .resize(fill().width(400).height(300).gravity(autoGravity()))
      .effect(sepia())
      .roundCorners(byRadius(20))
      .delivery(format('auto'))
      .delivery(quality('auto'));
    return (id) => img.setPublicID(id).toURL();
  })(),
};

const expected = 'https://res.cloudinary.com/demo/image/upload/c_fill,g_auto,h_300,w_400/e_sepia/r_20/f_auto/q_auto/sample';
for (const [name, f] of Object.entries(impls)) {
  for (const id of ['sample', 'folder/sample']) {
    const want = id === 'sample' ? expected : expected.replace('/sample', '/v1/folder/sample');
    const got = f(id);
    if (got !== want) throw new Error(`${name} output differs for ${id}:\n  ${got}\n  ${want}`);
  }
}

const ids = Array.from({ length: 64 }, (_, i) => `sample_${i}`);
function rate(f, seconds) {
  let n = 0;
  let sink = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 256; i++) sink += f(ids[(n + i) & 63]).length;
    n += 256;
  }
  const dt = (performance.now() - t0) / 1000;
  if (sink === 0) throw new Error('unreachable');
  return n / dt;
}

const seconds = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 5);
for (const f of Object.values(impls)) rate(f, 0.3); // warm up
const best = {};
for (let r = 0; r < rounds; r++) {
  for (const [name, f] of Object.entries(impls)) best[name] = Math.max(best[name] ?? 0, rate(f, seconds));
}
console.log(`chained transformation, outputs byte-identical; best of ${rounds} x ${seconds}s (node ${process.version})`);
for (const [name, v] of Object.entries(best)) {
  console.log(`${name.padEnd(16)} ${Math.round(v).toString().padStart(10)} URLs/s  ${(v / best['url-gen']).toFixed(2)}x url-gen`);
}
