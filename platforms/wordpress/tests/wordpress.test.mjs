// The WordPress plugin end to end, in the real WordPress (6.5 under WordPress Playground) and
// through WordPress's own screens: upload the built zip (Plugins › Add New › Upload Plugin),
// activate, configure (Settings › Cloudinary), log in to a Cloudinary account in the block
// editor's Cloudinary sidebar, insert from the Media Library double and upload through the Upload
// widget double (the upload's signature checked by the Upload API test double), publish, see the
// Cloudinary URL on the public page; upload a newer zip over it; deactivate; delete with "remove
// all data" and diff WordPress's database and wp-content against the state before install; a
// "keep data" run; the capability → role mapping; and bad input.
//
// Needs: www/pkg built (scripts/demo.sh --build-only), target/debug/cld-signer and
// cld-test-server built, and this folder's npm packages (scripts/setup.sh installs them).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { createHash, createHmac } from 'node:crypto';
import { join, resolve } from 'node:path';
import * as wp from './wp.mjs';

const PLUGIN = 'cloudinary-connector/cloudinary-connector.php';
const VERSION = readFileSync(resolve(wp.repo, 'Cargo.toml'), 'utf8').match(/\[workspace\.package\][^[]*?version = "([^"]+)"/)[1];
const NEWER = `${VERSION.replace(/\.(\d+)$/, (_, p) => `.${Number(p) + 1}`)}-test`;
const OLDER = '0.0.9-test';
const SCREENSHOTS = resolve(wp.repo, 'docs/images');
const timings = {};

let dir; let site; let keys; let wordpress; let signer; let doubles; let uploadApi; let chromium; let player;
let zips = {};

function buildZip(version) {
  const out = join(dir, 'zips', version || 'release');
  mkdirSync(out, { recursive: true });
  const env = { ...process.env };
  if (version) env.CLDC_ZIP_VERSION = version; else delete env.CLDC_ZIP_VERSION;
  const path = execFileSync('bash', [resolve(wp.repo, 'platforms/wordpress/build.sh'), '--no-wasm-build', '--out', out], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    .toString().trim().split('\n').pop();
  return path;
}

before(async () => {
  const t0 = Date.now();
  dir = wp.tempDir('cldc-wp-');
  keys = join(dir, 'keys');
  mkdirSync(keys);
  const pair = wp.keyPair();
  writeFileSync(join(keys, 'wordpress-ed25519.pem'), pair.privatePem);
  chmodSync(join(keys, 'wordpress-ed25519.pem'), 0o600);
  zips = { release: buildZip(), newer: buildZip(NEWER), older: buildZip(OLDER) };
  site = wp.siteTree(dir);
  [signer, doubles, uploadApi, chromium, player] = await Promise.all([
    wp.startSigner(dir, pair.publicPem), wp.startDoubles(), wp.startUploadApi(), wp.browser(), wp.startVideoPlayer(),
  ]);
  wordpress = await wp.startWordPress(site, keys);
  timings.boot = Date.now() - t0;
});

after(async () => {
  if (chromium) await chromium.close();
  for (const s of [wordpress, signer, doubles, uploadApi, player]) if (s) await s.stop();
  if (dir) wp.removeDir(dir);
  console.log(`# WordPress suite timings (ms): ${JSON.stringify(timings)}`);
});

// ---- page helpers ---------------------------------------------------------------------------

async function adminPage() {
  const ctx = await wp.context(chromium);
  const page = await ctx.newPage();
  page.setDefaultTimeout(60000);
  await page.goto(`${wordpress.url}/wp-admin/`);
  await page.waitForSelector('#wpadminbar');
  return page;
}

async function uploadZip(page, zip, { replace = false } = {}) {
  await page.goto(`${wordpress.url}/wp-admin/plugin-install.php?tab=upload`);
  await page.setInputFiles('#pluginzip', zip);
  await page.click('#install-plugin-submit');
  if (replace) {
    await page.waitForSelector('.update-from-upload-overwrite');
    const text = await page.textContent('.update-from-upload-comparison');
    await page.click('.update-from-upload-overwrite');
    await page.waitForSelector('text=/Plugin (updated|downgraded) successfully/');
    return text;
  }
  await page.waitForSelector('text=Plugin installed successfully.');
  return null;
}

async function activateFromInstallScreen(page) {
  await page.click('a.button-primary:has-text("Activate Plugin")');
  await page.waitForSelector(`tr[data-plugin="${PLUGIN}"].active`);
}

async function pluginRow(page) {
  await page.goto(`${wordpress.url}/wp-admin/plugins.php`);
  return page.$(`tr[data-plugin="${PLUGIN}"]`);
}

/** Deactivates through the Plugins screen, answering the plugin's keep-data question. */
async function deactivate(page, { keepData }) {
  await pluginRow(page);
  await page.evaluate((p) => document.querySelector(`tr[data-plugin="${p}"] .deactivate a`).click(), PLUGIN);
  await page.waitForSelector('#cldc-deactivate-dialog[open]');
  await page.click(keepData ? '#cldc-deactivate-dialog .cldc-keep' : '#cldc-deactivate-dialog .cldc-remove');
  await page.waitForSelector(`tr[data-plugin="${PLUGIN}"].inactive`);
}

async function deletePlugin(page) {
  await pluginRow(page);
  page.once('dialog', (d) => d.accept());
  await page.click(`tr[data-plugin="${PLUGIN}"] .delete a`);
  await page.waitForSelector('text=was successfully deleted');
}

async function configure(page, values) {
  await page.goto(`${wordpress.url}/wp-admin/options-general.php?page=cloudinary-connector`);
  for (const [sel, v] of Object.entries(values)) await page.fill(sel, v);
  await Promise.all([page.waitForNavigation(), page.click('#submit')]);
}

const settingsFor = () => ({
  '#cldc-signer-url': signer.url,
  '#cldc-accounts': 'demo',
  '#cldc-script-media_library': `${doubles.url}/media-library.double.js`,
  '#cldc-script-upload_widget': `${doubles.url}/upload-widget.double.js`,
  '#cldc-script-product_gallery': `${doubles.url}/product-gallery.double.js`,
  // The real Video Player (npm), self-hosted: there is no double of it.
  '#cldc-script-video_player': `${player.url}/cld-video-player.min.js`,
  '#cldc-script-video_player_css': `${player.url}/cld-video-player.min.css`,
});

async function newPost(page) {
  await page.goto(`${wordpress.url}/wp-admin/post-new.php`);
  await page.waitForFunction(() => window.wp && wp.data && wp.data.select('core/editor') && wp.data.select('core/block-editor'));
  await page.evaluate(() => wp.data.dispatch('core/preferences').set('core/edit-post', 'welcomeGuide', false));
  const guide = await page.$('.edit-post-welcome-guide .components-modal__header button, .edit-post-welcome-guide button[aria-label="Close"]');
  if (guide) await guide.click();
}

/** Loads the REST nonce of the logged-in user and calls a route of the plugin. */
async function rest(page, route, { method = 'POST', body, nonce = true } = {}) {
  return page.evaluate(async ({ base, route, method, body, nonce }) => {
    const headers = { 'content-type': 'application/json' };
    if (nonce) headers['X-WP-Nonce'] = await (await fetch(`${base}/wp-admin/admin-ajax.php?action=rest-nonce`)).text();
    const r = await fetch(`${base}/?rest_route=/${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, body: await r.json() };
  }, { base: wordpress.url, route, method, body, nonce });
}

/** The public page's HTML, as a visitor's browser gets it. */
async function publicHtml(url) {
  const ctx = await wp.context(chromium);
  const p = await ctx.newPage();
  await p.goto(url);
  const html = await p.content();
  await ctx.close();
  return html;
}

function claims(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

/** The database rows and wp-content files that differ from a snapshot. */
function diffSince(snap) {
  const rows = new Set(snap.rows);
  const files = new Set(snap.files);
  const nowRows = wp.dumpDatabase(site);
  const nowFiles = wp.listFiles(site);
  const nowSet = new Set(nowRows);
  return {
    added: nowRows.filter((r) => !rows.has(r)),
    removed: snap.rows.filter((r) => !nowSet.has(r)),
    filesAdded: nowFiles.filter((f) => !files.has(f)),
    filesRemoved: snap.files.filter((f) => !nowFiles.includes(f)),
  };
}

/** What of the plugin's own data a database/file diff holds: every row or file that names it,
 * except WordPress's own bookkeeping (the recently-activated list) and content (posts). */
function pluginResidue(d) {
  const names = /cldc|cloudinary[_-]connector/i;
  const content = (r) => r.startsWith('wp_posts\t') || r.startsWith('wp_postmeta\t');
  const bookkeeping = (r) => r.startsWith('wp_options\t') && JSON.parse(r.split('\t')[1]).option_name === 'recently_activated';
  return {
    rows: d.added.filter((r) => names.test(r) && !content(r) && !bookkeeping(r)),
    files: d.filesAdded.filter((f) => names.test(f)),
  };
}

/** WordPress's own changes in a diff, by kind (named in the report, not the plugin's). */
function wordpressBookkeeping(d) {
  const kinds = new Set();
  for (const r of d.added) {
    const [table, json] = r.split('\t');
    const v = JSON.parse(json);
    kinds.add(table === 'wp_options' ? `option ${v.option_name.replace(/_transient_(timeout_)?.*/, '_transient_*')}`
      : table === 'wp_usermeta' ? `user meta ${v.meta_key}`
        : table === 'wp_posts' ? `post (${v.post_type}, ${v.post_status})`
          : table === 'wp_postmeta' ? `post meta ${v.meta_key}` : table);
  }
  for (const f of d.filesAdded) kinds.add(`file ${f.replace(/\d{4}\/\d{2}\//, 'YYYY/MM/')}`);
  return [...kinds].sort();
}

const fixtureSecret = () => wp.testEnv().CLD_TEST_SECRET_DEMO;

// ---- the suite --------------------------------------------------------------------------------

describe('WordPress plugin lifecycle through WordPress screens', { concurrency: false }, () => {
  let page;
  let baseline;
  let postUrl;
  let insertedUrl;

  test('the built zip carries the one version in its plugin header and readme.txt, and no test file', () => {
    const header = execFileSync('unzip', ['-p', zips.release, 'cloudinary-connector/cloudinary-connector.php']).toString();
    assert.match(header, new RegExp(`^ \\* Version: +${VERSION.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(header, new RegExp(`^const CLDC_VERSION = '${VERSION.replace(/\./g, '\\.')}';$`, 'm'));
    const readme = execFileSync('unzip', ['-p', zips.release, 'cloudinary-connector/readme.txt']).toString();
    assert.match(readme, new RegExp(`^Stable tag: ${VERSION.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(readme, /^== Changelog ==$/m);
    assert.match(readme, new RegExp(`^= ${VERSION.replace(/\./g, '\\.')} = \\(\\d{4}-\\d{2}-\\d{2}\\)$`, 'm'));
    const manifest = JSON.parse(execFileSync('unzip', ['-p', zips.release, 'cloudinary-connector/pkg/pkg.json']).toString());
    assert.equal(manifest.version, VERSION);
    const list = execFileSync('unzip', ['-Z1', zips.release]).toString().split('\n').filter(Boolean);
    assert.deepEqual(list.filter((f) => /double|tests\/|fixture|\.d\.ts$/.test(f)), []);
    assert.ok(list.includes('cloudinary-connector/uninstall.php'));
    assert.ok(list.includes('cloudinary-connector/pkg/cloudinary_connector_bg.wasm'));
  });

  test('review scenario: install through Plugins › Add New › Upload Plugin and activate', async () => {
    const t0 = Date.now();
    page = await adminPage();
    baseline = { rows: wp.dumpDatabase(site), files: wp.listFiles(site) };
    await uploadZip(page, zips.release);
    await activateFromInstallScreen(page);
    // Default settings written with the version that wrote them.
    const row = await page.$(`tr[data-plugin="${PLUGIN}"]`);
    assert.match(await row.textContent(), new RegExp(`Version ${VERSION.replace(/\./g, '\\.')}`));
    assert.ok(await row.$('a:has-text("Settings")'), 'a Settings link in the plugin row');
    for (const link of ['Documentation', 'Known limitations', 'Support']) assert.ok(await row.$(`a:has-text("${link}")`), link);
    assert.match(await page.textContent('.cldc-notice-setup'), /has no signer configured/);
    const stored = wp.optionValue(site, 'cloudinary_connector_settings');
    assert.match(stored, new RegExp(`s:9:"writtenBy";s:${VERSION.length}:"${VERSION.replace(/\./g, '\\.')}"`));
    timings.install = Date.now() - t0;
  });

  test('settings: bad values get admin notices and keep what was stored; good ones are saved', async () => {
    await configure(page, { '#cldc-signer-url': 'ftp://signer.example', '#cldc-accounts': 'Demo!' });
    const errors = await page.$$eval('.notice-error, .error', (n) => n.map((e) => e.textContent.trim()).join('\n'));
    assert.match(errors, /Signer URL: "ftp:\/\/signer\.example" must be an https:\/\/ URL \(http:\/\/ only for 127\.0\.0\.1 or localhost\)\. The stored value was kept\./);
    assert.match(errors, /Accounts: "Demo!" is not a signer account id/);
    assert.equal(await page.inputValue('#cldc-signer-url'), '');
    // A transformation the URL engine's grammar refuses is stopped in the page, before saving.
    await page.fill('#cldc-default-transformation', 'c_blur,w_100');
    await page.click('#submit');
    await page.waitForSelector('#cldc-notice-transformation');
    assert.match(await page.textContent('#cldc-notice-transformation'), /^Default transformation: invalid transformation: .*unknown crop mode 'blur'.*\. The settings were not saved\.$/);
    await configure(page, { ...settingsFor(), '#cldc-default-transformation': 'f_auto,q_auto' });
    assert.match(await page.textContent('#setting-error-cldc_saved'), /Cloudinary settings saved\./);
    // The page checks the signer with this site's token and lists its accounts.
    await page.waitForSelector('#cldc-notice-signer');
    assert.match(await page.textContent('#cldc-notice-signer'), /answers and accepts this site's tokens/);
    assert.match(await page.textContent('#cldc-signer-accounts'), /demo\s*Demo \(Programmable Media\)\s*dn6ot3ged\s*admin/);
    assert.match(await page.textContent('#cldc-key-status'), /^Ed25519 \(EdDSA\) key from wp-config\.php, kid "wp-test"\.$/);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'wordpress-settings.png'), fullPage: true });
    // The Cloudinary user the administrator opens the Media Library as: set by an administrator
    // on the user's profile (never taken from the e-mail a user can change).
    await page.goto(`${wordpress.url}/wp-admin/profile.php`);
    await page.fill('#cldc-ml-username', 'admin@cloudinary.example');
    await Promise.all([page.waitForNavigation(), page.click('#submit')]);
    assert.equal(await page.inputValue('#cldc-ml-username'), 'admin@cloudinary.example');
  });

  test('review scenarios in the block editor (Media Library Widget, Upload widget, Video player, Product gallery, Breakpoints): log in to an account, insert, upload, publish', async () => {
    const t0 = Date.now();
    await newPost(page);
    assert.equal(await page.evaluate(() => window.cloudinaryConnectorWpLoaded), true);
    await page.evaluate(() => wp.data.dispatch('core/edit-post').openGeneralSidebar('cloudinary-connector/cloudinary-connector'));
    await page.waitForSelector('.cldc-wp-sidebar .cldc-panel:not([hidden])');
    await page.evaluate(() => document.querySelector('.cldc-signin').click());
    await page.waitForSelector('.cldc-account-list li[data-account="demo"] button[data-act="login"]');
    await page.evaluate(() => document.querySelector('.cldc-account-list li[data-account="demo"] button[data-act="login"]').click());
    await page.waitForFunction(() => document.querySelector('.cldc-current').textContent.startsWith('Current: Demo'));
    await page.evaluate(() => document.querySelector('.cldc-ml').click());
    await page.waitForFunction(() => window.__cldDoubles && window.__cldDoubles.calls.some((c) => c.method === 'createMediaLibrary'));
    const ml = await page.evaluate(() => window.__cldDoubles.calls.find((c) => c.method === 'createMediaLibrary').options);
    assert.equal(ml.cloud_name, 'dn6ot3ged');
    const mine = claims((await rest(page, 'cloudinary-connector/v1/token')).body.token);
    assert.equal(mine.ml_username, 'admin@cloudinary.example');
    assert.equal(ml.username, 'admin@cloudinary.example', 'the Media Library logs in as the Cloudinary user the administrator set');
    assert.match(String(ml.signature), /^[0-9a-f]{64}$/);
    const wpVersion = await page.evaluate(() => window.cloudinaryConnectorWp.platform.version);
    assert.deepEqual(ml.integration, { type: 'cloudinary_connector', platform: `WordPress ${wpVersion}`, version: VERSION, environment: 'prod' });
    // The ML login signature is the SDKs' (sha256 of cloud_name, timestamp, username + secret).
    const expected = createHash('sha256').update(`cloud_name=dn6ot3ged&timestamp=${ml.timestamp}&username=${ml.username}${fixtureSecret()}`).digest('hex');
    assert.equal(ml.signature, expected);

    await page.evaluate(() => window.__cldDoubles.simulateMediaLibraryInsert({ assets: [{
      public_id: 'shop/shoe', resource_type: 'image', type: 'upload', version: 17, format: 'jpg', width: 800, height: 600,
      secure_url: 'https://res.cloudinary.com/dn6ot3ged/image/upload/v17/shop/shoe.jpg',
    }] }));
    await page.waitForFunction(() => wp.data.select('core/block-editor').getBlocks().some((b) => b.name === 'core/image'));
    const image = await page.evaluate(() => wp.data.select('core/block-editor').getBlocks().find((b) => b.name === 'core/image').attributes);
    insertedUrl = 'https://res.cloudinary.com/dn6ot3ged/image/upload/f_auto,q_auto/v17/shop/shoe.jpg';
    assert.equal(image.url, insertedUrl);
    assert.equal(image.cldSrcset.split(', ')[0], 'https://res.cloudinary.com/dn6ot3ged/image/upload/f_auto,q_auto/c_scale,w_200/v17/shop/shoe.jpg 200w');
    assert.match(image.cldSrcset, /\/c_scale,w_800\/v17\/shop\/shoe\.jpg 800w$/);
    assert.deepEqual(image.cldReference, { public_id: 'shop/shoe', version: 17, resource_type: 'image', delivery_type: 'upload', format: 'jpg' });
    await page.screenshot({ path: join(SCREENSHOTS, 'wordpress-editor-sidebar.png') });

    // Upload widget: signed by the signer; the Upload API double checks the signature.
    await page.evaluate(() => document.querySelector('.cldc-upload').click());
    await page.waitForFunction(() => window.__cldDoubles.calls.some((c) => c.widget === 'upload' && c.method === 'open'));
    const signed = await page.evaluate(() => window.__cldDoubles.simulateUpload({
      public_id: 'uploads/new', resource_type: 'image', type: 'upload', version: 99, format: 'png', width: 640,
      secure_url: 'https://res.cloudinary.com/dn6ot3ged/image/upload/v99/uploads/new.png' }));
    assert.equal(signed.signed, true);
    const form = new FormData();
    for (const [k, v] of Object.entries(signed.params_to_sign)) form.append(k, String(v));
    form.append('api_key', '614335564976464');
    form.append('signature', signed.signature);
    form.append('file', new Blob([Buffer.from('a WordPress upload')]), 'new.png');
    const res = await fetch(`${uploadApi.url}/v1_1/dn6ot3ged/image/upload`, { method: 'POST', body: form });
    assert.equal(res.status, 200, await res.clone().text());
    await page.waitForFunction(() => wp.data.select('core/block-editor').getBlocks().filter((b) => b.name === 'core/image').length === 2);

    // The image block's own "Insert from Cloudinary" fills an empty image block.
    await page.evaluate(() => {
      const b = wp.blocks.createBlock('core/image');
      wp.data.dispatch('core/block-editor').insertBlocks(b);
      wp.data.dispatch('core/block-editor').selectBlock(b.clientId);
    });
    // DOM clicks: the block editor's own modals (the welcome guide comes when it likes) would catch
    // a pointer click, and they are not what this test is about.
    await page.evaluate(() => document.querySelector('.cldc-wp-insert-from-cloudinary').click());
    await page.waitForFunction(() => window.__cldDoubles.calls.filter((c) => c.method === 'show').length >= 2);
    await page.evaluate(() => window.__cldDoubles.simulateMediaLibraryInsert({ assets: [{
      public_id: 'shop/hat', resource_type: 'image', type: 'upload', version: 5, format: 'png', width: 300,
      secure_url: 'https://res.cloudinary.com/dn6ot3ged/image/upload/v5/shop/hat.png' }] }));
    await page.waitForFunction(() => wp.data.select('core/block-editor').getBlocks().filter((b) => b.name === 'core/image').length === 3
      && wp.data.select('core/block-editor').getBlocks().every((b) => b.name !== 'core/image' || b.attributes.url));

    // A video from the Media Library becomes the plugin's Video Player block (previewed with the
    // player script, saved as Cloudinary's embed player).
    await page.evaluate(() => wp.data.dispatch('core/block-editor').clearSelectedBlock());
    await page.evaluate(() => window.__cldDoubles.simulateMediaLibraryInsert({ assets: [{
      public_id: 'clips/dog', resource_type: 'video', type: 'upload', version: 3, format: 'mp4', width: 1280, height: 720,
      secure_url: 'https://res.cloudinary.com/dn6ot3ged/video/upload/v3/clips/dog.mp4' }] }));
    await page.waitForFunction(() => wp.data.select('core/block-editor').getBlocks().some((b) => b.name === 'cloudinary-connector/video'));
    const video = await page.evaluate(() => wp.data.select('core/block-editor').getBlocks().find((b) => b.name === 'cloudinary-connector/video').attributes);
    assert.equal(video.cloudName, 'dn6ot3ged');
    assert.match(video.embedUrl, /^https:\/\/player\.cloudinary\.com\/embed\/\?cloud_name=dn6ot3ged&public_id=clips%2Fdog/);
    // The player previews in the block's settings (the canvas is an iframe; the scripts run here).
    const inspect = (name) => page.evaluate((n) => {
      const b = wp.data.select('core/block-editor').getBlocks().find((x) => x.name === n);
      wp.data.dispatch('core/block-editor').selectBlock(b.clientId);
      wp.data.dispatch('core/edit-post').openGeneralSidebar('edit-post/block');
    }, name);
    // The real player asks Cloudinary for the source the URL engine's reference names.
    const source = page.waitForRequest(/^https:\/\/res\.cloudinary\.com\/dn6ot3ged\/video\/upload\/.*clips\/dog/);
    await inspect('cloudinary-connector/video');
    await source;
    await page.waitForFunction(() => document.querySelector('.cldc-wp-preview .video-js, .cldc-wp-preview video'));
    // A Product Gallery block collects the images chosen in the Media Library.
    await page.evaluate(() => {
      const b = wp.blocks.createBlock('cloudinary-connector/gallery');
      wp.data.dispatch('core/block-editor').insertBlocks(b);
      wp.data.dispatch('core/block-editor').selectBlock(b.clientId);
    });
    await page.frameLocator('iframe[name="editor-canvas"]').locator('.cldc-wp-gallery-add').evaluate((b) => b.click());
    await page.waitForFunction(() => window.__cldDoubles.calls.filter((c) => c.method === 'show').length >= 3);
    await page.evaluate(() => window.__cldDoubles.simulateMediaLibraryInsert({ assets: ['a', 'b'].map((n) => ({
      public_id: `shop/${n}`, resource_type: 'image', type: 'upload', version: 2, format: 'jpg', width: 600,
      secure_url: `https://res.cloudinary.com/dn6ot3ged/image/upload/v2/shop/${n}.jpg` })) }));
    await page.waitForFunction(() => wp.data.select('core/block-editor').getBlocks().find((b) => b.name === 'cloudinary-connector/gallery').attributes.items.length === 2);
    await inspect('cloudinary-connector/gallery');
    await page.waitForFunction(() => window.__cldDoubles.calls.some((c) => c.method === 'galleryWidget'));
    const gallery = await page.evaluate(() => window.__cldDoubles.calls.find((c) => c.method === 'galleryWidget').options);
    assert.equal(gallery.cloudName, 'dn6ot3ged');
    assert.deepEqual(gallery.mediaAssets.map((a) => a.publicId), ['shop/a', 'shop/b']);

    await page.evaluate(() => {
      wp.data.dispatch('core/editor').editPost({ title: 'A Cloudinary post', status: 'publish' });
      return wp.data.dispatch('core/editor').savePost();
    });
    await page.waitForFunction(() => !wp.data.select('core/editor').isSavingPost() && !wp.data.select('core/editor').isEditedPostDirty());
    postUrl = await page.evaluate(() => wp.data.select('core/editor').getPermalink());
    timings.editor = Date.now() - t0;
  });

  test('review scenario: assets delivered from Cloudinary — the public page shows the URLs, srcset and player', async () => {
    const html = await publicHtml(postUrl);
    assert.ok(html.includes(`src="${insertedUrl}"`), 'the delivery URL is on the public page');
    assert.match(html, /srcset="https:\/\/res\.cloudinary\.com\/dn6ot3ged\/image\/upload\/f_auto,q_auto\/c_scale,w_200\/v17\/shop\/shoe\.jpg 200w, /);
    assert.ok(html.includes('https://res.cloudinary.com/dn6ot3ged/image/upload/f_auto,q_auto/v99/uploads/new.png'));
    assert.ok(html.includes('https://res.cloudinary.com/dn6ot3ged/image/upload/f_auto,q_auto/v5/shop/hat.png'));
    assert.match(html, /<iframe src="https:\/\/player\.cloudinary\.com\/embed\/\?cloud_name=dn6ot3ged&amp;public_id=clips%2Fdog/);
    assert.match(html, /<figure><img [^>]*src="https:\/\/res\.cloudinary\.com\/dn6ot3ged\/image\/upload\/f_auto,q_auto\/v2\/shop\/a\.jpg"/, 'the gallery renders its images');
  });

  test('review scenario: update by uploading a newer zip (Replace current with uploaded)', async () => {
    const t0 = Date.now();
    const comparison = await uploadZip(page, zips.newer, { replace: true });
    assert.match(comparison, new RegExp(`${VERSION.replace(/\./g, '\\.')}[\\s\\S]*${NEWER.replace(/\./g, '\\.')}`));
    const row = await pluginRow(page);
    assert.match(await row.getAttribute('class'), /\bactive\b/, 'still active after the update');
    assert.match(await page.textContent('.cldc-notice-updated'), new RegExp(`updated from ${VERSION.replace(/\./g, '\\.')} to ${NEWER.replace(/\./g, '\\.')}; its settings were migrated \\(written by ${NEWER.replace(/\./g, '\\.')} \\(was ${VERSION.replace(/\./g, '\\.')}\\)\\)`));
    await page.goto(`${wordpress.url}/wp-admin/options-general.php?page=cloudinary-connector`);
    assert.equal(await page.inputValue('#cldc-signer-url'), signer.url, 'settings kept');
    assert.equal(await page.inputValue('#cldc-accounts'), 'demo');
    assert.match(wp.optionValue(site, 'cloudinary_connector_settings'), new RegExp(`"writtenBy";s:${NEWER.length}:"${NEWER.replace(/\./g, '\\.')}"`));
    // The editor still works after the update.
    await newPost(page);
    assert.equal(await page.evaluate(() => window.cloudinaryConnectorWpLoaded), true);
    timings.update = Date.now() - t0;
  });

  test('review scenario: deactivate leaves no UI, script or REST route; content still renders', async () => {
    await deactivate(page, { keepData: false });
    const html = await publicHtml(postUrl);
    assert.ok(html.includes(`src="${insertedUrl}"`), 'the post still shows the Cloudinary image');
    assert.ok(!html.includes('srcset="https://res.cloudinary.com'), 'the srcset came from the active plugin');
    assert.ok(!html.includes('player.cloudinary.com'), 'the embed player came from the active plugin');
    assert.match(html, /<video controls="" preload="metadata" src="https:\/\/res\.cloudinary\.com\/dn6ot3ged\/video\/upload\/[^"]*clips\/dog\.mp4">/, 'the saved video plays without the plugin');
    await newPost(page);
    const scripts = await page.$$eval('script[src], link[href]', (n) => n.map((e) => e.src || e.href).filter((u) => /cloudinary-connector/.test(u)));
    assert.deepEqual(scripts, []);
    assert.equal(await page.evaluate(() => typeof window.cloudinaryConnectorWp), 'undefined');
    assert.equal(await page.evaluate(() => !!wp.plugins.getPlugin('cloudinary-connector')), false);
    const r = await rest(page, 'cloudinary-connector/v1/token');
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'rest_no_route');
    await page.goto(`${wordpress.url}/wp-admin/options-general.php?page=cloudinary-connector`);
    assert.ok(!(await page.content()).includes('cldc-settings-form'));
    assert.ok(!/cldc/.test(wp.optionValue(site, 'cron') || ''), 'no scheduled event of the plugin');
  });

  test('review scenario: delete with "remove all data" leaves nothing of the plugin in the database or wp-content', async () => {
    // What the plugin stored is there before the delete (so the diff below can see it go).
    const before = wp.dumpDatabase(site);
    for (const name of ['"option_name": "cloudinary_connector_settings"', '"meta_key": "cldc_storage"', '"meta_key": "cldc_ml_username"']) {
      assert.ok(before.some((r) => r.includes(name)), `${name} before the delete`);
    }
    await deletePlugin(page);
    const d = diffSince(baseline);
    const residue = pluginResidue(d);
    assert.deepEqual(residue, { rows: [], files: [] });
    assert.equal(existsSync(join(site, 'wp-content/plugins/cloudinary-connector')), false);
    // What WordPress itself keeps (named, not the plugin's): its recently-activated list, the post
    // and its revisions, its editor preferences and session, the folders of the zip upload.
    const kept = wordpressBookkeeping(d);
    console.log(`# WordPress's own changes after install → delete: ${kept.join('; ')}`);
    assert.ok(kept.includes('option recently_activated'));
    assert.ok(d.added.some((r) => r.startsWith('wp_posts\t') && r.includes(insertedUrl)), 'the post keeps its image');
    for (const k of kept) {
      assert.match(k, /^(option (recently_activated|fresh_site|wp_calendar_block_has_published_posts|_transient_\*|_site_transient_\*|cron|can_compress_scripts|finished_splitting_shared_terms|db_upgraded|widget_\w+|sidebars_widgets|theme_mods_\w+|wp_force_deactivated_plugins|user_count|auto_update_plugins|active_plugins|uninstall_plugins|nav_menu_options|recovery_keys|WPLANG|https_detection_errors|wp_attachment_pages_enabled|_wp_suggested_policy_text_has_changed)|user meta (session_tokens|wp_user-settings|wp_user-settings-time|wp_persisted_preferences|wp_dashboard_quick_press_last_post_id|community-events-location|dismissed_wp_pointers|closedpostboxes_\w+|metaboxhidden_\w+)|post \(\w+, \w[\w-]*\)|post meta _\w+|wp_term_relationships|wp_terms|wp_term_taxonomy|file (upgrade\/|upgrade-temp-backup\/|uploads\/[\w/]*|uploads\/YYYY\/MM\/|languages\/\S*|fonts\/\S*))$/, `unexpected change: ${k}`);
    }
  });

  test('review scenario: "keep data" — a re-install finds the settings; a newer record is never downgraded', async () => {
    await uploadZip(page, zips.release);
    await activateFromInstallScreen(page);
    await configure(page, settingsFor());
    await deactivate(page, { keepData: true });
    await deletePlugin(page);
    assert.match(wp.optionValue(site, 'cloudinary_connector_settings'), new RegExp(signer.url.replace(/[/.:]/g, '\\$&')));
    await uploadZip(page, zips.release);
    await activateFromInstallScreen(page);
    await page.goto(`${wordpress.url}/wp-admin/options-general.php?page=cloudinary-connector`);
    assert.equal(await page.inputValue('#cldc-signer-url'), signer.url, 'the re-installed plugin found the kept settings');
    assert.equal(await page.isChecked('#cldc-keep-data'), true);
    // An older zip over this one: WordPress replaces the files; the plugin leaves the newer
    // settings untouched, says why, and keeps the editor integration off.
    await uploadZip(page, zips.older, { replace: true });
    await page.goto(`${wordpress.url}/wp-admin/`);
    assert.match(await page.textContent('.cldc-notice-downgrade'), new RegExp(`Cloudinary Connector ${OLDER.replace(/\./g, '\\.')} found settings written by the newer version ${VERSION.replace(/\./g, '\\.')} and left them untouched: downgrading is not supported`));
    await newPost(page);
    assert.equal(await page.evaluate(() => typeof window.cloudinaryConnectorWp), 'undefined');
    assert.match(wp.optionValue(site, 'cloudinary_connector_settings'), new RegExp(`"writtenBy";s:${VERSION.length}:"${VERSION.replace(/\./g, '\\.')}"`));
    await uploadZip(page, zips.release, { replace: true });
  });

  test('capabilities: an author gets an uploader token, a contributor a viewer token, a subscriber none', async () => {
    await page.goto(`${wordpress.url}/wp-admin/`);
    const users = {};
    for (const role of ['author', 'contributor', 'subscriber']) {
      const r = await page.evaluate(async ({ base, role }) => {
        const nonce = await (await fetch(`${base}/wp-admin/admin-ajax.php?action=rest-nonce`)).text();
        const res = await fetch(`${base}/?rest_route=/wp/v2/users`, { method: 'POST', headers: { 'content-type': 'application/json', 'X-WP-Nonce': nonce },
          body: JSON.stringify({ username: `cldc-${role}`, email: `${role}@example.com`, password: `pw-${role}-123456`, roles: [role] }) });
        return { status: res.status, body: await res.json() };
      }, { base: wordpress.url, role });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      users[role] = r.body.id;
    }
    const admin = await rest(page, 'cloudinary-connector/v1/token');
    assert.equal(admin.status, 200);
    assert.deepEqual(claims(admin.body.token).roles, { demo: 'admin' });
    const noNonce = await rest(page, 'cloudinary-connector/v1/token', { nonce: false });
    assert.equal(noNonce.status, 401, 'without the REST nonce the cookie does not authenticate');
    assert.equal(noNonce.body.message, 'log in to WordPress to use Cloudinary');

    const expect = { author: 'uploader', contributor: 'viewer', subscriber: null };
    for (const [role, want] of Object.entries(expect)) {
      const ctx = await wp.context(chromium, { autoLogin: false });
      const p = await ctx.newPage();
      await p.goto(`${wordpress.url}/wp-login.php`);
      await p.fill('#user_login', `cldc-${role}`);
      await p.fill('#user_pass', `pw-${role}-123456`);
      await Promise.all([p.waitForNavigation(), p.click('#wp-submit')]);
      const r = await p.evaluate(async ({ base }) => {
        const nonce = await (await fetch(`${base}/wp-admin/admin-ajax.php?action=rest-nonce`)).text();
        const res = await fetch(`${base}/?rest_route=/cloudinary-connector/v1/token`, { method: 'POST', headers: { 'X-WP-Nonce': nonce } });
        return { status: res.status, body: await res.json() };
      }, { base: wordpress.url });
      if (want === null) {
        assert.equal(r.status, 403, role);
        assert.equal(r.body.message, 'your WordPress role has no Cloudinary access (it needs at least the Edit posts capability)');
        assert.equal(r.body.token, undefined);
      } else {
        if (role === 'contributor') {
          // The storage route: the user's own keys only; the site's settings and the keep-data
          // choice are administrators'.
          const call = (route, body) => p.evaluate(async ({ base, route, body }) => {
            const nonce = await (await fetch(`${base}/wp-admin/admin-ajax.php?action=rest-nonce`)).text();
            const res = await fetch(`${base}/?rest_route=/cloudinary-connector/v1/${route}`, { method: 'POST', headers: { 'content-type': 'application/json', 'X-WP-Nonce': nonce }, body: JSON.stringify(body) });
            return { status: res.status, body: await res.json() };
          }, { base: wordpress.url, route, body });
          const settings = await call('storage', { key: 'settings', value: '{"writtenBy":"0.1.0","settings":{"cloudName":"evil"}}' });
          assert.equal(settings.status, 403);
          assert.equal(settings.body.message, 'only administrators change the Cloudinary settings (Settings > Cloudinary)');
          assert.equal((await call('keep-data', { keep: true })).status, 403);
          assert.equal((await call('storage', { key: 'Bad Key', value: 'x' })).status, 400);
          assert.equal((await call('storage', { key: 'ui-state', value: '{"open":false}' })).status, 200);
          assert.ok(wp.dumpDatabase(site).some((r) => r.includes('"meta_key": "cldc_storage"') && r.includes(`"user_id": ${users[role]}`)));
          assert.equal((await call('storage', { key: 'ui-state', value: null })).status, 200, 'null removes the key');
          assert.ok(!wp.dumpDatabase(site).some((r) => r.includes('"meta_key": "cldc_storage"') && r.includes(`"user_id": ${users[role]}`)), 'removed');
        }
        assert.equal(r.status, 200, `${role}: ${JSON.stringify(r.body)}`);
        const c = claims(r.body.token);
        assert.deepEqual(c.roles, { demo: want }, role);
        assert.equal(c.sub, `wp-${users[role]}`);
        assert.ok(c.exp - c.iat <= 300);
        // The signer accepts it and sees that role.
        const listing = await (await fetch(`${signer.url}/v1/accounts`, { headers: { authorization: `Bearer ${r.body.token}` } })).json();
        assert.equal(listing.accounts.find((a) => a.id === 'demo').role, want, role);
      }
      await ctx.close();
    }
  });

  test('bad input: a wrong token key, an unreachable signer, corrupted settings', async () => {
    // A key the signer does not hold: the settings page says the signer refuses the site's tokens.
    const keyFile = join(keys, 'wordpress-ed25519.pem');
    const good = readFileSync(keyFile);
    writeFileSync(keyFile, wp.keyPair().privatePem);
    await page.goto(`${wordpress.url}/wp-admin/options-general.php?page=cloudinary-connector`);
    await page.waitForSelector('#cldc-notice-signer');
    assert.match(await page.textContent('#cldc-notice-signer'), /^Cloudinary signer: the signer refused this site's token \(401\): the bearer token's signature does not verify with any configured key\. Check that it holds the public key of CLOUDINARY_CONNECTOR_SIGNING_KEY_FILE\.$/);
    writeFileSync(keyFile, good);
    // An unreachable signer: a specific notice; WordPress keeps working.
    await configure(page, { '#cldc-signer-url': 'http://127.0.0.1:9' });
    await page.waitForSelector('#cldc-notice-signer');
    assert.match(await page.textContent('#cldc-notice-signer'), /^Cloudinary signer: the signer at http:\/\/127\.0\.0\.1:9 does not answer \(.+\)$/);
    await configure(page, { '#cldc-signer-url': signer.url });
    // Corrupted settings: a notice, defaults in use, the stored value untouched, the editor
    // integration off and the editor working.
    const before = wp.optionValue(site, 'cloudinary_connector_settings');
    wp.sql(site, "UPDATE wp_options SET option_value = ? WHERE option_name = 'cloudinary_connector_settings'", ['a:1:{s:11:"environment";s:4:"moon";}']);
    await page.goto(`${wordpress.url}/wp-admin/`);
    assert.match(await page.textContent('.cldc-notice-corrupt'), /^The Cloudinary Connector settings could not be read \(Environment: "moon" must be prod, stag or dev\)\. The defaults are used until you save Settings > Cloudinary; the stored value was not changed\.$/);
    await newPost(page);
    assert.equal(await page.evaluate(() => typeof window.cloudinaryConnectorWp), 'undefined');
    assert.equal(await page.evaluate(() => !!wp.data.select('core/editor')), true, 'the editor works');
    assert.equal(wp.optionValue(site, 'cloudinary_connector_settings'), 'a:1:{s:11:"environment";s:4:"moon";}');
    wp.sql(site, "UPDATE wp_options SET option_value = ? WHERE option_name = 'cloudinary_connector_settings'", [before]);
  });
});
