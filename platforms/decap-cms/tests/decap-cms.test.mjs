// The Decap CMS adapter in the real Decap CMS (3.16.3's self-contained `decap-cms` bundle,
// tests/hosts/decap-cms, installed by scripts/setup.sh) with its in-browser `test-repo` backend,
// in headless Chromium, with the real signer (signed Media Library login) and the Media Library
// test double (tests/doubles/). The connector is the `--target web` build (www/pkg).
//
// Checked: choosing an image through the Media Library (signed login, the partner integration
// object) fills the field and the preview; publishing stores the engine's URL, folder path kept,
// in window.repoFiles; a field with `allow_multiple: false` and a field with its own config mount
// the widget as configured; a multiple insert stores a list; `hide()` leaves nothing behind; the
// admin page without the registration (what removal means in Decap) shows the stored entries and
// carries nothing of the adapter.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { instrument, launchChromium, pkgBuilt, repo, snapshot } from '../../../tests/e2e/helpers.mjs';
import { serveStatic } from '../../../tests/e2e/hosts.mjs';
import { hs256Token, startSigner } from '../../../tests/e2e/signer.mjs';

const RECORDERS = ['__cldDoubles', '__cldDoubleLoads'];
const ACCOUNT = { id: 'demo', cloud_name: 'dn6ot3ged', api_key: '614335564976464' };

const CONFIG = {
  load_config_file: false,
  backend: { name: 'test-repo' },
  media_folder: 'static/img', public_folder: '/img',
  media_library: { name: 'cloudinary-connector', config: { multiple: true, max_files: 5 } },
  collections: [{
    name: 'posts', label: 'Posts', folder: 'posts', create: true, slug: '{{slug}}',
    fields: [
      { label: 'Title', name: 'title', widget: 'string' },
      { label: 'Image', name: 'image', widget: 'image', required: false },
      { label: 'Thumbnail', name: 'thumb', widget: 'image', required: false, media_library: { allow_multiple: false } },
      { label: 'Hero', name: 'hero', widget: 'image', required: false, media_library: { config: { folder: 'heroes', multiple: false, default_transformations: false } } },
    ],
  }],
};

function page({ register }) {
  return `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script>window.CMS_MANUAL_INIT = true;
window.repoFiles = { posts: { 'existing-post.md': { content: '---\\ntitle: Existing\\nimage: https://res.cloudinary.com/dn6ot3ged/image/upload/f_auto,q_auto/v5/blog/2024/cover.jpg\\n---\\n' } } };</script>
<script src="/decap/decap-cms.js"></script>
</head><body>
<script type="module">
const config = ${JSON.stringify(CONFIG)};
${register ? `
import init, * as connector from '/pkg/cloudinary_connector.js';
import { cloudinaryMediaLibrary } from '/platforms/decap-cms/cloudinary-decap-cms.js';
await init();
const p = new URLSearchParams(location.search);
const library = cloudinaryMediaLibrary({ connector, account: ${JSON.stringify(ACCOUNT)},
  widgets: { platformVersion: '3.16.3', environment: 'dev', signerUrl: p.get('signer'), token: () => p.get('token'),
    scripts: { media_library: location.origin + '/doubles/media-library.double.js' } },
  onError: (e) => (window.cloudinaryErrors ||= []).push(e.message) });
// Test instrumentation: keep what init() returns, to call hide() as Decap would.
const init0 = library.init;
library.init = (args) => {
  const lib = init0(args);
  const show0 = lib.show;
  lib.show = (a) => { (window.__shows ||= []).push(JSON.parse(JSON.stringify(a ?? null))); return show0(a); };
  return (window.__library = lib);
};
window.CMS.registerMediaLibrary(library);` : `delete config.media_library;`}
window.CMS.init({ config });
</script></body></html>`;
}

let browser;
let server;
let signer;
let node;
const token = () => hs256Token({ sub: 'alice', aud: 'cld-signer', exp: Math.floor(Date.now() / 1000) + 600, roles: { demo: 'uploader' } });

before(async () => {
  pkgBuilt();
  [browser, signer] = await Promise.all([launchChromium(), startSigner()]);
  server = await serveStatic({
    pages: { '/admin/': page({ register: true }), '/plain/': page({ register: false }) },
    mounts: { '/decap/': resolve(repo, 'tests/hosts/decap-cms/dist'), '/pkg/': resolve(repo, 'www/pkg'),
      '/platforms/': resolve(repo, 'platforms'), '/doubles/': resolve(repo, 'tests/doubles') },
  });
  node = await import(pathToFileURL(resolve(repo, 'www/pkg/cloudinary_connector.js')).href);
  await node.default({ module_or_path: readFileSync(resolve(repo, 'www/pkg/cloudinary_connector_bg.wasm')) });
});
after(async () => {
  await browser?.close();
  await server?.close();
  await signer?.stop();
});

async function open(path) {
  const context = await browser.newContext();
  await context.addInitScript(instrument);
  const p = await context.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.route('https://res.cloudinary.com/**', (r) => r.fulfill({ status: 200, contentType: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>' }));
  await p.goto(`${server.base}${path}?${new URLSearchParams({ signer: signer.url, token: token() })}`);
  await domClick(p, 'button', '^Login$');
  return { context, page: p, errors };
}

async function newPost(p, title) {
  await p.getByRole('link', { name: 'Create entry of type Posts' }).click();
  await p.getByLabel('Title', { exact: true }).fill(title);
}

/** A DOM click on the first `tag` whose text matches `pattern` (a regex source), once there:
 * Playwright's own click adds window listeners that the residue check would count. */
async function domClick(p, tag, pattern) {
  await p.waitForFunction(({ tag, pattern }) => [...document.querySelectorAll(tag)].some((x) => new RegExp(pattern).test(x.textContent.trim())), { tag, pattern });
  await p.evaluate(({ tag, pattern }) => [...document.querySelectorAll(tag)].find((x) => new RegExp(pattern).test(x.textContent.trim())).click(), { tag, pattern });
}

const clickChoose = (p) => domClick(p, 'button', '^Choose (an image|images)$');

/** Clicks the first empty image field's "Choose an image" (a filled field's button says
 * "Choose different image"): Image, then Thumbnail, then Hero. */
async function choose(p) {
  const before = await p.evaluate(() => window.__cldDoubles?.calls.filter((c) => c.method === 'createMediaLibrary').length ?? 0);
  await clickChoose(p);
  await p.waitForFunction((b) => (window.__cldDoubles?.calls.filter((c) => c.method === 'createMediaLibrary').length ?? 0) > b
    && window.__cldDoubles.mediaLibrary.at(-1).shown, before, { timeout: 5000 })
    .catch(async (e) => { throw new Error(`${e.message}: ${JSON.stringify(await p.evaluate(() => [window.cloudinaryErrors, window.__shows, window.__cldDoubles?.calls.map((c) => c.method)]))}`); });
  return p.evaluate(() => window.__cldDoubles.calls.filter((c) => c.method === 'createMediaLibrary').at(-1).options);
}

const asset = (id, version = 11) => ({
  public_id: id, resource_type: 'image', type: 'upload', version, format: 'jpg', width: 640, height: 480,
  secure_url: `https://res.cloudinary.com/dn6ot3ged/image/upload/v${version}/${id}.jpg`,
});
const insert = (p, ...assets) => p.evaluate((assets) => window.__cldDoubles.simulateMediaLibraryInsert({ mlId: 'ml', assets }), assets);
const urlOf = (id, version = 11, extra = {}) => node.deliveryUrl(id, { cloud_name: 'dn6ot3ged', type: 'upload', resource_type: 'image', version, format: 'jpg', ...extra }, {});

/** The residue snapshot, with the random name of jQuery's expando (jQuery is inside Decap's
 * bundle: `jQuery` + version + random digits) made stable, inline scripts by kind only, and the
 * test's own globals left out. */
async function residue(p) {
  const s = await snapshot(p);
  s.globals = s.globals.map((g) => g.replace(/^jQuery\d+$/, 'jQuery<expando>')).filter((g) => !RECORDERS.includes(g) && g !== '__library' && g !== '__shows');
  // The admin page's own inline scripts differ by the registration's text only.
  s.scripts = s.scripts.map((x) => (x.startsWith('inline:') ? 'inline' : x));
  return s;
}

async function publish(p) {
  await p.getByRole('button', { name: 'Publish' }).click();
  await p.getByRole('menuitem', { name: 'Publish now' }).click();
  await p.waitForFunction(() => Object.keys(window.repoFiles.posts).length > 1);
}

describe('Decap CMS adapter in Decap CMS 3.16.3 (test-repo backend, real signer, Media Library double)', () => {
  test('choose through the Media Library with signed login; per-field options; publish stores the engine URLs with folders', async () => {
    const { context, page: p, errors } = await open('/admin/');
    await newPost(p, 'Hello Cloudinary');

    // "Image": the global config (multiple, max_files), signed login, integration object.
    const ml = await choose(p);
    assert.match(ml.signature, /^[0-9a-f]{64}$/);
    assert.equal(ml.username, 'alice');
    assert.ok(Math.abs(ml.timestamp - Date.now() / 1000) < 120);
    assert.equal(ml.multiple, true);
    assert.equal(ml.max_files, 5);
    assert.deepEqual(ml.integration, { type: 'cloudinary_connector', platform: 'Decap CMS 3.16.3', version: node.version(), environment: 'dev' });
    await insert(p, asset('blog/2026/one'), asset('blog/2026/two', 12));
    // Inserting unmounts the widget: nothing of it stays on the page.
    await p.waitForFunction(() => !window.cloudinary && !document.querySelector('[data-cld-double]'));

    // "Thumbnail": allow_multiple: false wins over the global multiple: true.
    const thumb = await choose(p);
    assert.equal(thumb.multiple, false);
    assert.equal(thumb.max_files, undefined);
    await insert(p, asset('blog/2026/thumbs/small', 3));

    // "Hero": its own config (folder, multiple, no default transformations).
    const hero = await choose(p);
    assert.deepEqual({ folder: hero.folder, multiple: hero.multiple, dt: hero.default_transformations }, { folder: { path: 'heroes' }, multiple: false, dt: [] });
    await insert(p, { ...asset('heroes/sunset', 8), derived: [{ raw_transformation: 'c_fill,w_1200,h_400', secure_url: 'https://res.cloudinary.com/dn6ot3ged/image/upload/c_fill,w_1200,h_400/v8/heroes/sunset.jpg' }] });

    // The preview shows the stored URLs.
    await p.frameLocator('iframe').first().locator(`img[src="${urlOf('heroes/sunset', 8, { transformation: [{ raw_transformation: 'c_fill,w_1200,h_400' }] })}"]`).waitFor();
    await publish(p);
    const files = await p.evaluate(() => window.repoFiles.posts);
    const content = files['hello-cloudinary.md'].content;
    assert.equal(content, [
      '---',
      'title: Hello Cloudinary',
      'image:',
      `  - ${urlOf('blog/2026/one')}`,
      `  - ${urlOf('blog/2026/two', 12)}`,
      `thumb: ${urlOf('blog/2026/thumbs/small', 3)}`,
      `hero: ${urlOf('heroes/sunset', 8, { transformation: [{ raw_transformation: 'c_fill,w_1200,h_400' }] })}`,
      '---',
      '',
    ].join('\n'));
    assert.equal(urlOf('blog/2026/one'), 'https://res.cloudinary.com/dn6ot3ged/image/upload/f_auto,q_auto/v11/blog/2026/one.jpg?_a=DBTABkAAZAA0');
    assert.deepEqual(errors, []);
    assert.equal(await p.evaluate(() => window.cloudinaryErrors), undefined);
    await context.close();
  });

  test('hide() unmounts the widget and leaves what the page had before; the page without the registration carries nothing of the adapter', async () => {
    // Removal in Decap = the admin page without the registration: the stored entry still shows.
    const plain = await open('/plain/');
    await domClick(plain.page, 'a', 'Existing');
    await plain.page.frameLocator('iframe').first()
      .locator('img[src="https://res.cloudinary.com/dn6ot3ged/image/upload/f_auto,q_auto/v5/blog/2024/cover.jpg"]').waitFor();
    const without = await residue(plain.page);
    assert.deepEqual(plain.errors, []);
    await plain.context.close();

    const { context, page: p, errors } = await open('/admin/');
    await domClick(p, 'a', 'Existing');
    await p.frameLocator('iframe').first().locator('img').first().waitFor();
    const before = await residue(p);
    // The same page, with the registration, before any use: nothing of the adapter is there (its
    // DOM and <style> count are Decap's own: without a registered library Decap renders its own).
    for (const k of ['globals', 'localStorage', 'sessionStorage', 'scripts', 'links', 'intervals']) {
      assert.deepEqual(before[k], without[k], `${k}: the registered page differs from the page without it`);
    }
    // Show, then hide() as Decap's API allows: back to before. The DOM and the <style>s are
    // compared by what could be the widget's (nodes of the double, iframes): Decap itself marks
    // the clicked button (what-input's data-what* attributes) and adds CSS-in-JS for it.
    const ours = () => p.evaluate(() => ({ doubles: document.querySelectorAll('[data-cld-double]').length, iframes: document.querySelectorAll('iframe').length, cloudinary: 'cloudinary' in window }));
    const oursBefore = await ours();
    await choose(p);
    assert.deepEqual(await ours(), { doubles: 1, iframes: oursBefore.iframes + 1, cloudinary: true });
    await p.evaluate(() => window.__library.hide());
    const now = await residue(p);
    for (const k of Object.keys(before).filter((k) => !['dom', 'page', 'styles'].includes(k))) assert.deepEqual(now[k], before[k], `${k} differ after hide()`);
    assert.deepEqual(await ours(), oursBefore);
    // hide() while the widget is still mounting: the mount is dropped when it lands.
    await clickChoose(p);
    await p.evaluate(() => window.__library.hide());
    await p.waitForTimeout(300);
    assert.ok(await p.evaluate(() => !window.cloudinary && !document.querySelector('[data-cld-double]')));
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('bad options are refused at registration, by name', async () => {
    const { context, page: p } = await open('/plain/');
    const out = await p.evaluate(async () => {
      const connector = await import('/pkg/cloudinary_connector.js');
      await connector.default();
      const { cloudinaryMediaLibrary } = await import('/platforms/decap-cms/cloudinary-decap-cms.js');
      const res = [];
      for (const o of [{ connector }, { connector, account: { id: 'demo', cloud_name: 'c' }, widgets: {} },
        { connector, account: { id: 'demo', cloud_name: 'c' }, widget: {} }]) {
        try { cloudinaryMediaLibrary(o); res.push('ok'); } catch (e) { res.push(`${e.code}: ${e.message}`); }
      }
      return res;
    });
    assert.deepEqual(out, [
      "invalid_options: cloudinary media library: `account` must be {id, cloud_name, api_key?} (the signer's account id and its cloud)",
      'invalid_options: bad widgets config: missing field `platformVersion`',
      'invalid_options: cloudinary media library: unknown option "widget" (expected one of connector, account, widgets, name, delivery, onError)',
    ]);
    await context.close();
  });
});
