// Replays all 268 recorded SDK cases (tests/fixtures/conformance/url_cases.json, with
// url_cases_annotations.json) through a URL-only build (`--target web`, loaded in Node from its
// bytes), as tests/url_web.rs does for the whole plugin in the browser: the smaller builds that
// README offers give the same URLs. Signed cases get the fixture signature (secret "b").
// Usage: node scripts/check-url-only.mjs <dir> <stem>      (scripts/size.sh --check runs it)
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [dir, stem] = process.argv.slice(2);
if (!dir || !stem) throw new Error('usage: node scripts/check-url-only.mjs <dir> <stem>');
const api = await import(pathToFileURL(path.resolve(dir, `${stem}.js`)).href);
await api.default({ module_or_path: readFileSync(path.resolve(dir, `${stem}_bg.wasm`)) });

const fixtures = path.join(root, 'tests/fixtures/conformance');
const cases = JSON.parse(readFileSync(path.join(fixtures, 'url_cases.json'), 'utf8'));
const annotations = JSON.parse(readFileSync(path.join(fixtures, 'url_cases_annotations.json'), 'utf8')).cases;

/** TEST ONLY: the signature with the fixtures' secret "b" (base64url of the digest, truncated). */
function fixtureSignature(req) {
  const digest = createHash(req.algorithm === 'sha1' ? 'sha1' : 'sha256').update(`${req.toSign}b`).digest('base64url');
  return digest.slice(0, req.length);
}

const failures = [];
let ran = 0;
for (const suite of ['pycloudinary', 'cloudinary_npm']) {
  cases[suite].forEach((c, index) => {
    api.resetConfig();
    api.config(suite === 'pycloudinary' ? { cloud_name: 'test123', secure: false } : { cloud_name: 'test123' });
    api.config(c.config_overrides);
    for (const a of annotations.filter((x) => x.suite === suite && x.index === index)) api.config(a.config);
    ran += 1;
    try {
      const req = api.urlToSign(c.public_id, c.options);
      const got = req ? api.signedUrl(c.public_id, c.options, fixtureSignature(req)) : api.url(c.public_id, c.options);
      if (got !== c.expected_url) failures.push(`${suite}[${index}] expected ${c.expected_url} got ${got}`);
    } catch (e) {
      failures.push(`${suite}[${index}] error ${e.message}`);
    }
  });
}
api.resetConfig();
if (ran !== 268) failures.push(`ran ${ran} cases, not 268`);
if (failures.length) {
  console.error(`${stem} (${dir}): ${failures.length} of ${ran} recorded SDK cases differ:\n${failures.join('\n')}`);
  process.exit(1);
}
console.log(`${path.relative(root, dir)}: all ${ran} recorded SDK cases give the SDKs' URLs`);
