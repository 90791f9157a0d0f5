// The CKEditor 5 adapter in the real CKEditor 5 (48.5.2's self-contained browser build, no
// bundler: tests/hosts/ckeditor5, installed by scripts/setup.sh), in headless Chromium, with the
// real signer (signed Media Library login, signed uploads) and Cloudinary's widget scripts played
// by the test doubles (tests/doubles/). The connector is the `--target web` build (www/pkg).
//
// Checked: the toolbar buttons, an insert from the Media Library double lands in getData() with
// the URL engine's src and srcset and the stored reference (which survives setData(getData()));
// an upload through the Upload widget double is signed and inserted; editor.destroy() leaves the
// page as an editor without the plugin does (DOM, globals, live listeners, timers, observers,
// storage, scripts, styles: the residue snapshot of tests/e2e/helpers.mjs); a new editor
// without the plugin works afterwards; bad configuration is refused by name.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { instrument, launchChromium, pkgBuilt, repo, snapshot } from '../../../tests/e2e/helpers.mjs';
import { serveStatic } from '../../../tests/e2e/hosts.mjs';
import { hs256Token, startSigner } from '../../../tests/e2e/signer.mjs';

const CK = resolve(repo, 'tests/hosts/ckeditor5/dist/browser');
// The doubles' own call recorders (test instrumentation, not the adapter's).
const RECORDERS = ['__cldDoubles', '__cldDoubleLoads'];
const ACCOUNT = { id: 'demo', cloud_name: 'dn6ot3ged', api_key: '614335564976464' };

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<link rel="stylesheet" href="/ck/ckeditor5.css">
<script type="importmap">{"imports": {"ckeditor5": "/ck/ckeditor5.js", "cloudinary-connector": "/pkg/cloudinary_connector.js"}}</script>
</head><body>
<div id="editor"><p>Hello</p></div>
<script type="module">
import { ClassicEditor, Essentials, Paragraph, Image, ImageToolbar, ImageTextAlternative, Notification } from 'ckeditor5';
import init, * as connector from 'cloudinary-connector';
await init();
const base = { licenseKey: 'GPL', plugins: [Essentials, Paragraph, Image, ImageToolbar, ImageTextAlternative, Notification] };
window.host = {
  connector,
  async create(cloudinary) {
    const el = document.querySelector('#editor');
    if (!cloudinary) return ClassicEditor.create(el, { ...base, toolbar: ['undo', 'redo'] });
    const { CloudinaryConnector } = await import('/platforms/ckeditor5/cloudinary-ckeditor5.js');
    return ClassicEditor.create(el, { ...base, plugins: [...base.plugins, CloudinaryConnector],
      toolbar: ['undo', 'redo', 'cloudinaryMediaLibrary', 'cloudinaryUpload'], cloudinary });
  },
};
window.hostReady = true;
</script></body></html>`;

/** The editor's cloudinary config, built in the page (functions cannot cross from Node). */
function configIn(page, { signerUrl, token, base }) {
  return page.evaluateHandle(({ signerUrl, token, base, account }) => ({
    connector: window.host.connector, account,
    widgets: { platform: 'CKEditor 5 test page', platformVersion: '48.5.2', environment: 'dev', signerUrl, token: () => token,
      scripts: { media_library: `${base}/doubles/media-library.double.js`, upload_widget: `${base}/doubles/upload-widget.double.js` } },
    onError: (e) => { (window.cloudinaryErrors ||= []).push(`${e.code ?? ''}: ${e.message}`); },
  }), { signerUrl, token, base, account: ACCOUNT });
}

async function clickButton(page, label) {
  // A DOM click: Playwright's own click adds window listeners the residue check would count.
  await page.evaluate((label) => {
    const b = [...document.querySelectorAll('.ck-toolbar .ck-button')].find((x) => x.textContent.includes(label));
    if (!b) throw new Error(`no toolbar button "${label}"`);
    b.click();
  }, label);
}

let browser;
let server;
let signer;
let node; // the connector in Node, for the expected URLs
const token = () => hs256Token({ sub: 'alice', aud: 'cld-signer', exp: Math.floor(Date.now() / 1000) + 600, roles: { demo: 'uploader' } });

before(async () => {
  pkgBuilt();
  [browser, signer] = await Promise.all([launchChromium(), startSigner()]);
  server = await serveStatic({
    pages: { '/': PAGE },
    mounts: { '/ck/': CK, '/pkg/': resolve(repo, 'www/pkg'), '/platforms/': resolve(repo, 'platforms'), '/doubles/': resolve(repo, 'tests/doubles') },
  });
  node = await import(pathToFileURL(resolve(repo, 'www/pkg/cloudinary_connector.js')).href);
  await node.default({ module_or_path: readFileSync(resolve(repo, 'www/pkg/cloudinary_connector_bg.wasm')) });
});
after(async () => {
  await browser?.close();
  await server?.close();
  await signer?.stop();
});

async function open() {
  const context = await browser.newContext();
  await context.addInitScript(instrument);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.route('https://res.cloudinary.com/**', (r) => r.fulfill({ status: 204, body: '' }));
  await page.goto(`${server.base}/`);
  await page.waitForFunction(() => window.hostReady === true);
  return { context, page, errors };
}

/** What a page holds after an editor was created and destroyed, without the doubles' recorders. */
async function residue(page) {
  const s = await snapshot(page);
  s.globals = s.globals.filter((g) => !RECORDERS.includes(g) && g !== 'cloudinaryErrors');
  return s;
}

const SHOE = {
  public_id: 'shop/shoe', resource_type: 'image', type: 'upload', version: 17, format: 'jpg', width: 800, height: 600,
  secure_url: 'https://res.cloudinary.com/dn6ot3ged/image/upload/v17/shop/shoe.jpg',
  derived: [{ raw_transformation: 'c_fill,h_200,w_200', secure_url: 'https://res.cloudinary.com/dn6ot3ged/image/upload/c_fill,h_200,w_200/v17/shop/shoe.jpg' }],
};

describe('CKEditor 5 adapter in CKEditor 5 48.5.2 (real signer, widget doubles)', () => {
  let baseline;

  test('host-only baseline: an editor without the plugin, created and destroyed', async () => {
    const { context, page, errors } = await open();
    await page.evaluate(async () => { const e = await window.host.create(null); e.setData('<p>x</p>'); await e.destroy(); });
    baseline = await residue(page);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('insert from the Media Library (signed login) and upload (signed): getData() holds the engine URLs and the reference; destroy() leaves the baseline; a new editor works', async () => {
    const { context, page, errors } = await open();
    const config = await configIn(page, { signerUrl: signer.url, token: token(), base: server.base });
    await page.evaluate(async (cfg) => { window.editor = await window.host.create(cfg); }, config);
    const labels = await page.$$eval('.ck-toolbar .ck-button', (bs) => bs.map((b) => b.textContent.trim()).filter(Boolean));
    assert.deepEqual(labels.filter((l) => /Cloudinary/.test(l)), ['Cloudinary Media Library', 'Upload to Cloudinary']);

    // The Media Library: mounted on the first click with the signer's login, shown.
    await clickButton(page, 'Cloudinary Media Library');
    await page.waitForFunction(() => window.__cldDoubles?.mediaLibrary?.[0]?.shown === true);
    const created = await page.evaluate(() => window.__cldDoubles.calls.find((c) => c.method === 'createMediaLibrary').options);
    assert.match(created.signature, /^[0-9a-f]{64}$/);
    assert.equal(created.username, 'alice');
    assert.deepEqual(created.integration, { type: 'cloudinary_connector', platform: 'CKEditor 5 test page 48.5.2', version: node.version(), environment: 'dev' });

    await page.evaluate((asset) => window.__cldDoubles.simulateMediaLibraryInsert({ mlId: 'ml1', assets: [asset] }), SHOE);
    await page.waitForFunction(() => window.editor.getData().includes('<img'));
    const options = { cloud_name: 'dn6ot3ged', type: 'upload', resource_type: 'image', version: 17, format: 'jpg', transformation: [{ raw_transformation: 'c_fill,h_200,w_200' }] };
    const src = node.deliveryUrl('shop/shoe', options, {});
    const { srcset } = node.srcset('shop/shoe', options, { min_width: 320, max_width: 1600, max_images: 5 }, {});
    assert.equal(src, 'https://res.cloudinary.com/dn6ot3ged/image/upload/c_fill,h_200,w_200/f_auto,q_auto/v17/shop/shoe.jpg?_a=DBTABkAAZAA0');
    const reference = { public_id: 'shop/shoe', version: 17, resource_type: 'image', delivery_type: 'upload', format: 'jpg', transformation: 'c_fill,h_200,w_200' };
    const data = await page.evaluate(() => window.editor.getData());
    const img = await page.evaluate((html) => {
      const i = new DOMParser().parseFromString(html, 'text/html').querySelector('figure.image > img');
      return i && { src: i.getAttribute('src'), srcset: i.getAttribute('srcset'), ref: i.getAttribute('data-cloudinary-reference') };
    }, data);
    assert.deepEqual({ ...img, ref: JSON.parse(img.ref) }, { src, srcset, ref: reference }, data);
    // The reference is in the model and survives a data round trip.
    await page.evaluate(() => window.editor.setData(window.editor.getData()));
    const again = await page.evaluate(() => {
      const root = window.editor.model.document.getRoot();
      const image = [...root.getChildren()].find((c) => c.is('element', 'imageBlock'));
      return image.getAttribute('cloudinaryReference');
    });
    assert.deepEqual(JSON.parse(again), reference);

    // The Upload widget: mounted on first click, the upload is signed by the signer, then inserted.
    await clickButton(page, 'Upload to Cloudinary');
    await page.waitForFunction(() => window.__cldDoubles?.upload?.[0]?.showing === true);
    const upload = await page.evaluate(() => window.__cldDoubles.simulateUpload({
      public_id: 'uploads/new', resource_type: 'image', type: 'upload', version: 99, format: 'png',
      secure_url: 'https://res.cloudinary.com/dn6ot3ged/image/upload/v99/uploads/new.png' }));
    assert.equal(upload.signed, true);
    assert.match(upload.signature, /^[0-9a-f]{40}$/);
    await page.waitForFunction(() => (window.editor.getData().match(/<img/g) || []).length === 2, null, { timeout: 3000 }).catch(async (e) => { console.log(await page.evaluate(() => [window.editor.getData(), window.cloudinaryErrors, window.__cldDoubles.calls.map((c) => c.method)])); throw e; });
    const uploaded = node.deliveryUrl('uploads/new', { cloud_name: 'dn6ot3ged', type: 'upload', resource_type: 'image', version: 99, format: 'png' }, {});
    assert.ok((await page.evaluate(() => window.editor.getData())).includes(`src="${uploaded.replaceAll('&', '&amp;')}"`));

    // A video from the Media Library is refused by name; nothing is inserted for it.
    await page.evaluate(() => window.__cldDoubles.simulateMediaLibraryInsert({ mlId: 'ml1', assets: [{
      public_id: 'clips/intro', resource_type: 'video', type: 'upload', version: 3, format: 'mp4',
      secure_url: 'https://res.cloudinary.com/dn6ot3ged/video/upload/v3/clips/intro.mp4' }] }));
    assert.deepEqual(await page.evaluate(() => window.cloudinaryErrors), [': clips/intro is a video, not an image: the CKEditor 5 adapter inserts images only']);

    // destroy(): the page is as the host-only editor left it.
    await page.evaluate(async () => { await window.editor.destroy(); delete window.editor; });
    const after = await residue(page);
    for (const k of Object.keys(baseline)) assert.deepEqual(after[k], baseline[k], `${k} differ from the host-only baseline`);

    // A new editor without the plugin works.
    const text = await page.evaluate(async () => {
      const e = await window.host.create(null);
      e.model.change((w) => w.insertText(' world', e.model.document.getRoot().getChild(0), 'end'));
      const d = e.getData();
      await e.destroy();
      return d;
    });
    assert.match(text, /world<\/p>$/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a bad configuration is refused by name (editor creation fails, the page keeps working)', async () => {
    const { context, page } = await open();
    const refused = await page.evaluate(async () => {
      const out = [];
      for (const cfg of [undefined, { connector: window.host.connector }, { connector: {}, account: { id: 'a', cloud_name: 'c' } },
        { connector: window.host.connector, account: { id: 'a', cloud_name: 'c' }, widgets: { platform: 'x', platformVersion: '1', sigerUrl: 'x' } },
        { connector: window.host.connector, account: { id: 'a', cloud_name: 'c' }, imgae: {} }]) {
        try { const e = await window.host.create(cfg ?? {}); await e.destroy(); out.push('created'); } catch (e) { out.push(`${e.code}: ${e.message}`); }
      }
      const e = await window.host.create(null);
      out.push(e.getData());
      await e.destroy();
      return out;
    });
    assert.deepEqual(refused, [
      'invalid_options: cloudinary config: `connector` must be the initialised cloudinary-connector module (import * as connector; await init())',
      "invalid_options: cloudinary config: `account` must be {id, cloud_name, api_key?} (the signer's account id and its cloud)",
      'invalid_options: cloudinary config: `connector` must be the initialised cloudinary-connector module (import * as connector; await init())',
      'invalid_options: bad widgets config: unknown field `sigerUrl`, expected one of `platform`, `platformVersion`, `environment`, `enabled`, `scripts`, `nonce`, `timeoutMs`, `signerUrl`, `signerTimeoutMs`, `sync`',
      'invalid_options: cloudinary config: unknown key "imgae" (expected one of connector, account, widgets, mediaLibrary, upload, image, onError)',
      '<p>Hello</p>',
    ]);
    await context.close();
  });
});
