// The npm package in a real application build: the Vite app of tests/vite-app installs the packed
// tarball (target/npm/cloudinary-connector-<version>.tgz, from scripts/npm-pack.sh) with npm,
// builds with `vite build` (pinned Vite 8 + vite-plugin-wasm), and the built app is served under
// a strict Content-Security-Policy (no 'unsafe-eval', no inline script; 'wasm-unsafe-eval' only)
// to headless Chromium. Checked there: every recorded SDK URL case gives, byte for byte, what
// url() of the same package gives in Node; srcset; the Upload widget (its test double) mounts and
// a widget upload is signed by the real signer; a chunked upload signed by the signer is accepted
// by the upload test double (tests/cld-test-server); the error codes reach the app.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium, repo } from './helpers.mjs';
import { installPackedPackage, serveStatic, uploadTestServer, VITE_APP as APP } from './hosts.mjs';
import { hs256Token, startSigner } from './signer.mjs';

const VERSION = JSON.parse(readFileSync(resolve(repo, 'npm/package.json'), 'utf8')).version;
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: https://res.cloudinary.com; "
  // The widgets' own frames: what an app that mounts Cloudinary's Upload widget and Media Library
  // must allow (their iframes are served from these hosts; the faithful doubles use the same URLs).
  + "connect-src 'self' http://127.0.0.1:*; frame-src 'self' https://upload-widget.cloudinary.com https://console.cloudinary.com; "
  + "object-src 'none'; base-uri 'none'";

const fixtures = resolve(repo, 'tests/fixtures/conformance');
const CASES = JSON.parse(readFileSync(resolve(fixtures, 'url_cases.json'), 'utf8'));
const ANNOTATIONS = JSON.parse(readFileSync(resolve(fixtures, 'url_cases_annotations.json'), 'utf8')).cases;

/** Every recorded case through `api` (the page's or Node's): its URL, its string to sign, or its error. */
function replay(api, cases, annotations) {
  const out = [];
  for (const suite of ['pycloudinary', 'cloudinary_npm']) {
    cases[suite].forEach((c, index) => {
      api.resetConfig();
      api.config(suite === 'pycloudinary' ? { cloud_name: 'test123', secure: false } : { cloud_name: 'test123' });
      api.config(c.config_overrides);
      for (const a of annotations.filter((x) => x.suite === suite && x.index === index)) api.config(a.config);
      try {
        const req = api.urlToSign(c.public_id, c.options);
        out.push(req ? `sign ${req.toSign}` : api.url(c.public_id, c.options));
      } catch (e) {
        out.push(`threw ${e.code}: ${e.message}`);
      }
    });
  }
  return out;
}

let browser;
let server;
let signer;
let uploads;
let node;
const timings = {};

before(async () => {
  let t = Date.now();
  const { dir: installed } = installPackedPackage();
  timings.install = Date.now() - t;
  t = Date.now();
  execFileSync(resolve(APP, 'node_modules/.bin/vite'), ['build'], { cwd: APP, stdio: 'pipe' });
  timings.build = Date.now() - t;
  node = await import(pathToFileURL(resolve(installed, 'web.js')).href);
  await node.default({ module_or_path: readFileSync(resolve(installed, 'cloudinary_connector_bg.wasm')) });
  // The Upload widget double, served from the app's origin as a self-hosted script would be.
  const doubles = resolve(APP, 'dist/doubles');
  mkdirSync(doubles, { recursive: true });
  for (const f of ['upload-widget.double.js', 'media-library.double.js']) cpSync(resolve(repo, 'tests/doubles', f), resolve(doubles, f));
  [browser, signer, uploads] = await Promise.all([launchChromium(), startSigner(), uploadTestServer()]);
  server = await serveStatic({ mounts: { '/': resolve(APP, 'dist') }, headers: { 'content-security-policy': CSP } });
});
after(async () => {
  await browser?.close();
  await server?.close();
  await signer?.stop();
  await uploads?.stop();
  rmSync(resolve(APP, 'dist/doubles'), { recursive: true, force: true });
  if (Object.keys(timings).length) console.log(`# npm-vite timings (ms): ${JSON.stringify(timings)}`);
});

async function open() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.route('https://res.cloudinary.com/**', (r) => r.fulfill({ status: 204, body: '' }));
  await page.goto(`${server.base}/`);
  await page.waitForFunction(() => window.appReady === true);
  return { context, page, errors };
}

describe('the npm package in a Vite app build, under a strict CSP', () => {
  test('the built app: URLs byte-identical to url() in Node for every recorded case, srcset, no eval needed', async () => {
    const { context, page, errors } = await open();
    timings.firstUrl = Math.round(await page.evaluate(() => window.firstUrlMs));
    const app = await page.evaluate(() => ({ codegen: window.app.codegen, src: document.getElementById('hero').getAttribute('src'),
      srcset: document.getElementById('hero').getAttribute('srcset'), version: window.app.cld.version() }));
    assert.equal(app.codegen, 'EvalError', 'the CSP forbids eval: the package runs without it');
    assert.equal(app.version, VERSION);
    const options = { cloud_name: 'demo', crop: 'fill', width: 800, gravity: 'auto' };
    assert.equal(app.src, node.url('samples/landscapes/beach', options));
    assert.equal(app.src, 'https://res.cloudinary.com/demo/image/upload/c_fill,g_auto,w_800/v1/samples/landscapes/beach');
    assert.equal(app.srcset, node.srcset('samples/landscapes/beach', options, { min_width: 200, max_width: 1600, max_images: 4 }, {}).srcset);

    const inPage = await page.evaluate(`(${replay.toString()})(window.app.cld, ${JSON.stringify(CASES)}, ${JSON.stringify(ANNOTATIONS)})`);
    const inNode = replay(node, CASES, ANNOTATIONS);
    assert.equal(inPage.length, 268);
    assert.deepEqual(inPage, inNode);
    assert.ok(inPage.filter((u) => u.startsWith('http')).length > 200, 'most cases are plain URLs');
    assert.deepEqual(errors, []);
    // The only violation is the app's own probe of eval (above).
    assert.deepEqual(await page.evaluate(() => window.app.violations), ['script-src eval']);
    await context.close();
  });

  test('the Upload widget double mounts and its upload is signed by the signer; a chunked upload is accepted by the upload test double', async () => {
    const { context, page, errors } = await open();
    const token = hs256Token({ sub: 'alice', aud: 'cld-signer', exp: Math.floor(Date.now() / 1000) + 600, roles: { demo: 'uploader' } });
    const out = await page.evaluate(async ({ signerUrl, token, apiBase }) => {
      const { cld } = window.app;
      const widgets = new cld.Widgets({ platform: 'Vite test app', platformVersion: '1.0.0', environment: 'dev', signerUrl, token: () => token,
        scripts: { upload_widget: `${location.origin}/doubles/upload-widget.double.js`, media_library: `${location.origin}/doubles/media-library.double.js` } });
      const account = { id: 'demo', cloud_name: 'dn6ot3ged', api_key: '614335564976464' };
      const events = [];
      const handle = await widgets.mountUploadWidget(account, { folder: 'vite', tags: ['npm'] }, (e) => events.push(e.event));
      handle.open();
      const created = window.__cldDoubles.calls.find((c) => c.method === 'createUploadWidget').options;
      const signed = await window.__cldDoubles.simulateUpload({ public_id: 'vite/a', resource_type: 'image', type: 'upload', version: 1,
        secure_url: 'https://res.cloudinary.com/dn6ot3ged/image/upload/v1/vite/a.png' });
      handle.free();
      const left = document.querySelectorAll('[data-cld-double]').length;

      const file = new Blob([new Uint8Array(2048).fill(7)], { type: 'image/png' });
      const up = new cld.ChunkedUpload(file, { signerUrl, token, account: 'demo', apiBase, params: { folder: 'vite' }, fileName: 'a.png' });
      const result = await up.result();
      up.free();

      const codes = [];
      for (const f of [() => new cld.Widgets({ platform: 'x', platformVersion: '1.0.0', signerUrl }),
        () => cld.url('sample', { cloud_name: 'demo', api_secret: 'x' })]) {
        try { f(); codes.push('no error'); } catch (e) { codes.push(`${e.code}: ${e instanceof Error}`); }
      }
      // The signer refuses a Media Library login on an account the token grants nothing on.
      const refused = await widgets.mountMediaLibrary({ id: 'brand', cloud_name: 'brand-cloud', api_key: '223344556677889' }, {}, { onInsert() {} })
        .then((h) => { h.free(); return 'no error'; }, (e) => ({ code: e.code, status: e.status, signerCode: e.signerCode, rule: e.rule ?? null, message: e.message }));
      return { created: { cloudName: created.cloudName, apiKey: created.apiKey, folder: created.folder, signature: created.uploadSignature },
        signed: { signed: signed.signed, signature: signed.signature, params: Object.keys(signed.params_to_sign).sort() }, events, left,
        result: { public_id: result.public_id, bytes: result.bytes }, codes, refused };
    }, { signerUrl: signer.url, token, apiBase: uploads.url });
    assert.deepEqual(out.created, { cloudName: 'dn6ot3ged', apiKey: '614335564976464', folder: 'vite', signature: '[function]' });
    assert.equal(out.signed.signed, true);
    assert.match(out.signed.signature, /^[0-9a-f]{40}$/);
    // What the Upload widget signs and sends, as the faithful double has it (tests/doubles/upload-widget.double.js):
    // its own `unique_filename` besides the options, and the queue events around the file's.
    assert.deepEqual(out.signed.params, ['folder', 'source', 'tags', 'timestamp', 'unique_filename']);
    assert.deepEqual(out.events, ['display-changed', 'queues-start', 'upload-added', 'success', 'queues-end']);
    assert.equal(out.left, 0, 'free() removed the widget');
    assert.equal(out.result.bytes, 2048);
    assert.match(out.result.public_id, /^[0-9a-z]{20}$/, 'the test double names uploads as Cloudinary does: a random id');
    assert.deepEqual(out.codes, ['invalid_options: true', 'invalid_options: true']);
    assert.deepEqual(out.refused, { code: 'signer_refused', status: 403, signerCode: 'no_role', rule: 'token.roles',
      message: 'the signer refused (403): user "alice" has no role on account "brand" [rule: token.roles]' });
    // The browser's own log line for the refused request is the only console error.
    assert.deepEqual(errors, ['Failed to load resource: the server responded with a status of 403 (Forbidden)']);
    await context.close();
  });
});
