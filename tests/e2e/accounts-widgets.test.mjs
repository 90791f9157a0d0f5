// Partner review scenarios "Switching accounts and sub-accounts", "Media Library Widget",
// "Upload widget" and "Integration disabled/enabled", end to end: the plugin installed in the
// reference host logs in through the REAL signer (cld-signer --dev with the shared test
// configuration: 3 accounts, one with 2 sub-accounts, different roles), mounts the widgets'
// test doubles (tests/doubles/, served through the host's self-hosted script URLs), inserts
// assets into the host's editor with URLs rebuilt by the URL engine, and leaves nothing behind
// on uninstall. Chromium only (see README "Known limitations").
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { launch, snapshot, messages, clickAction, selfCheck, instrument, repo } from './helpers.mjs';
import { createHash } from 'node:crypto';
import { startSigner, hs256Token, testEnv } from './signer.mjs';

const DOUBLES = resolve(repo, 'tests/doubles');
// The doubles' own call recorders (test instrumentation, not the plugin's).
const RECORDERS = ['__cldDoubles', '__cldDoubleLoads'];
const ROLES = 'demo:uploader,brand:admin,brand-us:viewer,archive:admin';
const ACCOUNTS_KEY = 'ext:cloudinary-connector:accounts';

/** TEST ONLY: a short delivery signature with the fixture's test secret of "demo". */
function fixtureUrlSignature(toSign) {
  const digest = createHash('sha1').update(toSign + testEnv().CLD_TEST_SECRET_DEMO).digest('base64url');
  return digest.slice(0, 8);
}

let ctx;
let signer;
before(async () => {
  ctx = await launch('chromium');
  signer = await startSigner();
});
after(async () => {
  if (signer) await signer.stop();
  if (ctx) await ctx.close();
});

function query({ roles = ROLES, user = 'alice', signerUrl = signer.url, signerTimeoutMs } = {}) {
  const p = new URLSearchParams({
    signer: signerUrl, user, roles,
    ...(signerTimeoutMs ? { signerTimeoutMs: String(signerTimeoutMs) } : {}),
    mediaLibraryScript: 'doubles/media-library.double.js',
    uploadWidgetScript: 'doubles/upload-widget.double.js',
  });
  return `?${p}`;
}

async function open(opts = {}) {
  const context = await ctx.browser.newContext();
  await context.addInitScript(instrument);
  // The recorders exist before any double loads: they are the test's, not a widget script's
  // footprint (which the plugin removes with the script, remounts included).
  await context.addInitScript(() => {
    window.__cldDoubles = { calls: [], mediaLibrary: [], upload: [], gallery: [], video: [], signatures: [], errors: [] };
    window.__cldDoubleLoads = {};
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/doubles/**', (r) => {
    const file = resolve(DOUBLES, new URL(r.request().url()).pathname.replace(/^\/doubles\//, ''));
    return existsSync(file) && file.startsWith(DOUBLES)
      ? r.fulfill({ path: file, contentType: 'text/javascript' }) : r.fulfill({ status: 404, body: 'not found' });
  });
  await page.goto(`${ctx.base}${query(opts)}`);
  await page.evaluate(() => window.refhost.ready);
  await page.waitForSelector('.ext-card');
  return { context, page, errors };
}

function withPage(name, fn, opts) {
  test(name, async () => {
    const h = await open(opts);
    try {
      await fn(h);
      assert.deepEqual(h.errors, [], 'uncaught page errors');
    } finally {
      await h.context.close();
    }
  });
}

async function install(page) {
  await clickAction(page, 'install');
  await page.waitForSelector('.cldc-toolbar-button');
  await page.click('.cldc-toolbar-button');
}

/** The account rows: id → "label | cloud | role | session [buttons]". */
async function rows(page) {
  return page.$$eval('.cldc-account-list li', (lis) => Object.fromEntries(lis.map((li) => [li.dataset.account,
    [...li.children].map((c) => c.textContent).join(' | ') + (li.getAttribute('aria-current') ? ' (current)' : '')])));
}

async function signIn(page) {
  await page.click('.cldc-signin');
  await page.waitForSelector('.cldc-account-list li');
}

async function accountAct(page, account, act) {
  await page.click(`.cldc-account-list li[data-account="${account}"] button[data-act="${act}"]`);
}

async function waitForCurrent(page, text) {
  await page.waitForFunction((t) => document.querySelector('.cldc-current').textContent.startsWith(t), text);
}

/** The Media Library double's createMediaLibrary calls (options). */
async function mlCreates(page) {
  return page.evaluate(() => (window.__cldDoubles ? window.__cldDoubles.calls : [])
    .filter((c) => c.method === 'createMediaLibrary').map((c) => c.options));
}

async function waitForMlOn(page, cloud) {
  await page.waitForFunction((c) => (window.__cldDoubles ? window.__cldDoubles.calls : [])
    .some((x) => x.method === 'createMediaLibrary' && x.options.cloud_name === c), cloud);
}

/** Installs the plugin, opens a new document, logs in to "demo" and opens its Media Library. */
async function openMediaLibraryOnDemo(page) {
  await install(page);
  await page.click('#doc-new');
  await signIn(page);
  await accountAct(page, 'demo', 'login');
  await waitForCurrent(page, 'Current: Demo');
  await page.click('.cldc-ml');
  await waitForMlOn(page, 'dn6ot3ged');
}

async function errorText(page) {
  await page.waitForFunction(() => !document.querySelector('.cldc-error').hidden);
  return page.textContent('.cldc-error');
}

/** Everything equals the baseline (a reload restarts counting). */
async function assertNoResidue(page, base, except = []) {
  const check = await selfCheck(page);
  assert.ok(check.ok, `the host's own checks fail afterwards: ${JSON.stringify(check.checks)}`);
  const now = await snapshot(page);
  // The doubles' recorders are created before the page's scripts (open()): in both snapshots.
  assert.ok(RECORDERS.every((g) => now.globals.includes(g) && base.globals.includes(g)));
  for (const k of Object.keys(base)) {
    if (except.includes(k)) continue;
    assert.deepEqual(now[k], base[k], `the host's ${k} differ from before the install`);
  }
}

const EXPECTED_ROWS = {
  demo: 'Demo (Programmable Media) | dn6ot3ged | uploader | logged out | Log in',
  brand: 'Brand | brand-cloud | admin | logged out | Log in',
  archive: 'Archive (Assets / DAM) | archive-dam | admin | logged out | Log in',
};

describe('accounts and widgets in the reference host (real signer)', () => {
  withPage('Switching accounts and sub-accounts: login, switch, sub-account, remount on the new cloud, reload, logout, uninstall', async ({ page }) => {
    const base = await snapshot(page);
    await install(page);
    await signIn(page);
    assert.deepEqual(await rows(page), EXPECTED_ROWS);

    // Log in to demo: it becomes current; the Media Library mounts on its cloud.
    await accountAct(page, 'demo', 'login');
    await waitForCurrent(page, 'Current: Demo (Programmable Media) / Demo (Programmable Media) (dn6ot3ged) · role uploader');
    assert.equal(await page.textContent('.cldc-notice'), 'Logged in to "Demo (Programmable Media)"');
    await page.click('.cldc-ml');
    await waitForMlOn(page, 'dn6ot3ged');

    // Log in to brand (admin), then switch to it: the open widget is remounted on brand-cloud.
    await accountAct(page, 'brand', 'login');
    await page.waitForSelector('.cldc-account-list li[data-account="brand"] button[data-act="logout"]');
    if (!(await page.textContent('.cldc-current')).includes('brand-cloud')) await accountAct(page, 'brand', 'switch');
    await waitForCurrent(page, 'Current: Brand / Brand (brand-cloud) · role admin');
    await waitForMlOn(page, 'brand-cloud');
    const brandMl = (await mlCreates(page)).at(-1);
    assert.equal(brandMl.api_key, '223344556677889');
    assert.equal(brandMl.username, 'alice');
    assert.match(brandMl.signature, /^[0-9a-f]{64}$/);

    // Sub-accounts: Brand EU (admin, inherited) then Brand US (viewer).
    assert.equal(await page.isVisible('[name=subAccount]'), true);
    assert.deepEqual(await page.$$eval('[name=subAccount] option', (os) => os.map((o) => o.textContent)),
      ['Brand (brand-cloud)', 'Brand EU (brand-eu)', 'Brand US (brand-us)']);
    await page.selectOption('[name=subAccount]', 'brand-eu');
    await waitForCurrent(page, 'Current: Brand / Brand EU (brand-eu) · role admin');
    await waitForMlOn(page, 'brand-eu');
    assert.equal(await page.isVisible('.cldc-upload'), true);
    await page.selectOption('[name=subAccount]', 'brand-us');
    await waitForCurrent(page, 'Current: Brand / Brand US (brand-us) · role viewer');
    // A viewer: no upload button, and the panel says why; no Media Library login either.
    assert.equal(await page.isVisible('.cldc-upload'), false);
    assert.equal(await page.textContent('.cldc-upload-reason'), 'Uploading is not allowed for your role (viewer) on "Brand" / "Brand US".');
    assert.equal(await errorText(page), 'The Media Library is not allowed for your role (viewer) on "Brand" / "Brand US".');
    // The signer refuses too, whatever the UI: a forced upload signature is 403.
    const forced = await page.evaluate(async (url) => {
      const token = await window.refhost.extensions.userToken();
      const r = await fetch(`${url}/v1/sign/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ account: 'brand-us', params_to_sign: { timestamp: Math.floor(Date.now() / 1000), source: 'uw' } }) });
      return { status: r.status, body: await r.json() };
    }, signer.url);
    assert.equal(forced.status, 403, JSON.stringify(forced.body));
    assert.deepEqual(forced.body.error, { code: 'policy_refused', message: 'role viewer may not sign uploads on account "brand-us"',
      rule: 'accounts.brand-us.policy.viewer.upload_params' });
    // Back on a cloud that allows it, the Media Library the user had open is mounted again.
    await page.selectOption('[name=subAccount]', 'brand-eu');
    await waitForCurrent(page, 'Current: Brand / Brand EU (brand-eu) · role admin');
    await page.waitForFunction(() => window.__cldDoubles.calls.filter((x) => x.method === 'createMediaLibrary' && x.options.cloud_name === 'brand-eu').length === 2);
    await page.selectOption('[name=subAccount]', 'brand-us');
    await waitForCurrent(page, 'Current: Brand / Brand US (brand-us) · role viewer');

    // Reload: the accounts, the selection and the sessions come back from the host's storage.
    const stored = await page.evaluate((k) => localStorage.getItem(k), ACCOUNTS_KEY);
    assert.ok(stored && !stored.includes('eyJ'), 'the accounts are persisted without any token');
    await page.reload();
    await page.evaluate(() => window.refhost.ready);
    await page.waitForSelector('.cldc-account-list li');
    await waitForCurrent(page, 'Current: Brand / Brand US (brand-us) · role viewer');
    const after = await rows(page);
    assert.equal(after.demo, 'Demo (Programmable Media) | dn6ot3ged | uploader | logged in | Use | Log out');
    assert.equal(after.brand, 'Brand | brand-cloud | admin | logged in | Log out (current)');

    // Log out of demo: brand stays logged in and current.
    await accountAct(page, 'demo', 'logout');
    await page.waitForSelector('.cldc-account-list li[data-account="demo"] button[data-act="login"]');
    assert.equal((await rows(page)).brand, 'Brand | brand-cloud | admin | logged in | Log out (current)');
    // Log out of the current account: no account is selected any more.
    await accountAct(page, 'brand', 'logout');
    await waitForCurrent(page, 'No account selected');
    assert.equal(await page.isVisible('.cldc-upload'), false);

    await clickAction(page, 'uninstall-remove');
    assert.equal(await page.evaluate((k) => localStorage.getItem(k), ACCOUNTS_KEY), null);
    await assertNoResidue(page, base, ['listeners', 'timeouts']);
  });

  withPage('Media Library Widget and Upload widget: signed login, insert and upload reach the editor with engine-built URLs; DAM-only has no f_auto,q_auto; uninstall with widgets open', async ({ page }) => {
    const base = await snapshot(page);
    await openMediaLibraryOnDemo(page);
    const ml = (await mlCreates(page)).at(-1);
    const { signature, timestamp, ...rest } = ml;
    assert.match(signature, /^[0-9a-f]{64}$/);
    assert.ok(Math.abs(timestamp - Date.now() / 1000) < 120);
    assert.deepEqual(rest, {
      cloud_name: 'dn6ot3ged', api_key: '614335564976464', username: 'alice', multiple: false,
      default_transformations: [[{ fetch_format: 'auto' }, { quality: 'auto' }]],
      integration: { type: 'cloudinary_connector', platform: 'Reference Host 1.0.0', version: '0.1.0', environment: 'dev' },
    });
    // The user inserts an asset with a transformation: the editor gets the reference and a URL
    // rebuilt by the URL engine (f_auto,q_auto chained, version kept).
    await page.evaluate(() => window.__cldDoubles.simulateMediaLibraryInsert({ assets: [{
      public_id: 'shop/shoe', resource_type: 'image', type: 'upload', version: 17, format: 'jpg', width: 800, height: 600,
      secure_url: 'https://res.cloudinary.com/dn6ot3ged/image/upload/v17/shop/shoe.jpg',
      derived: [{ raw_transformation: 'c_fill,h_200,w_200', secure_url: 'https://res.cloudinary.com/dn6ot3ged/image/upload/c_fill,h_200,w_200/v17/shop/shoe.jpg' }],
    }] }));
    await page.waitForSelector('#editor img');
    assert.equal(await page.getAttribute('#editor img', 'src'),
      'https://res.cloudinary.com/dn6ot3ged/image/upload/c_fill,h_200,w_200/f_auto,q_auto/v17/shop/shoe.jpg');

    // An authenticated asset: its URL is signed by the signer (the page holds no secret), with
    // the signature of the string the URL engine built.
    await page.evaluate(() => window.__cldDoubles.simulateMediaLibraryInsert({ assets: [{
      public_id: 'team/plan', resource_type: 'image', type: 'authenticated', version: 3, format: 'png',
      secure_url: 'https://res.cloudinary.com/dn6ot3ged/image/authenticated/s--xxxxxxxx--/v3/team/plan.png' }] }));
    await page.waitForFunction(() => document.querySelectorAll('#editor img').length === 2);
    assert.equal(await page.getAttribute('#editor figure:last-child img', 'src'),
      `https://res.cloudinary.com/dn6ot3ged/image/authenticated/s--${fixtureUrlSignature('f_auto,q_auto/team/plan.png')}--/f_auto,q_auto/v3/team/plan.png`);
    assert.equal(await page.isVisible('.cldc-error'), false);
    assert.equal(await page.textContent('.cldc-notice'), 'Inserted 1 asset with signed URLs');
    // A private asset: the uploader role may not have private URLs signed. The signer says which
    // rule refused, nothing is inserted, and the editor keeps its content.
    await page.evaluate(() => window.__cldDoubles.simulateMediaLibraryInsert({ assets: [{
      public_id: 'team/secret', resource_type: 'image', type: 'private', version: 4, format: 'jpg',
      secure_url: 'https://res.cloudinary.com/dn6ot3ged/image/private/s--xxxxxxxx--/v4/team/secret.jpg' }] }));
    await page.waitForFunction(() => !document.querySelector('.cldc-error').hidden);
    assert.match(await page.textContent('.cldc-error'),
      /^Cannot insert team\/secret: the signer refused \(403\): .*private.* \[rule: [a-z_.]+\]$/);
    assert.equal(await page.evaluate(() => document.querySelectorAll('#editor img').length), 2);

    // Upload widget: signed through the signer, the upload reaches the editor.
    assert.equal(await page.isVisible('.cldc-upload'), true);
    await page.click('.cldc-upload');
    await page.waitForFunction(() => window.__cldDoubles.calls.some((c) => c.method === 'open'));
    const up = await page.evaluate(() => window.__cldDoubles.calls.find((c) => c.method === 'createUploadWidget').options);
    assert.equal(up.cloudName, 'dn6ot3ged');
    assert.equal(up.apiKey, '614335564976464');
    assert.equal(up.uploadSignature, '[function]');
    const res = await page.evaluate(() => window.__cldDoubles.simulateUpload({
      public_id: 'uploads/new', resource_type: 'image', type: 'upload', version: 99, format: 'png',
      secure_url: 'https://res.cloudinary.com/dn6ot3ged/image/upload/v99/uploads/new.png' }));
    assert.equal(res.signed, true);
    assert.match(res.signature, /^[0-9a-f]{40}$/);
    await page.waitForFunction(() => document.querySelectorAll('#editor img').length === 3);
    assert.equal(await page.getAttribute('#editor figure:last-child img', 'src'),
      'https://res.cloudinary.com/dn6ot3ged/image/upload/f_auto,q_auto/v99/uploads/new.png');

    // DAM-only account (admin): Media Library and Upload, but no f_auto,q_auto, and the UI says why.
    await accountAct(page, 'archive', 'login');
    await page.waitForSelector('.cldc-account-list li[data-account="archive"] button[data-act="logout"]');
    if (!(await page.textContent('.cldc-current')).includes('archive-dam')) await accountAct(page, 'archive', 'switch');
    await waitForCurrent(page, 'Current: Archive (Assets / DAM)');
    await waitForMlOn(page, 'archive-dam');
    const dam = (await mlCreates(page)).at(-1);
    assert.deepEqual(dam.default_transformations, [], 'no default transformation on a DAM-only cloud');
    assert.equal(await page.isVisible('.cldc-upload'), true);
    assert.match(await page.textContent('.cldc-delivery-note'), /^Optimised delivery \(f_auto,q_auto\) needs Cloudinary Programmable Media; .* Inserted images are delivered untransformed\.$/);
    await page.click('.cldc-ml');
    await page.evaluate(() => window.__cldDoubles.simulateMediaLibraryInsert({ assets: [{
      public_id: 'brand/logo', resource_type: 'image', type: 'upload', version: 5, format: 'svg',
      secure_url: 'https://res.cloudinary.com/archive-dam/image/upload/v5/brand/logo.svg' }] }));
    await page.waitForFunction(() => document.querySelectorAll('#editor img').length === 4);
    assert.equal(await page.getAttribute('#editor figure:last-child img', 'src'),
      'https://res.cloudinary.com/archive-dam/image/upload/v5/brand/logo.svg');

    // Uninstall with the Media Library open and the Upload widget mounted: nothing is left.
    await page.click('.cldc-upload');
    await page.click('#doc-delete');
    await clickAction(page, 'uninstall-remove');
    assert.equal(await page.$('[data-cld-double]'), null);
    await assertNoResidue(page, base);
  });

  withPage('bad input: unknown account, signer unreachable, expired token; the other accounts keep their state', async ({ page }) => {
    await install(page);
    await signIn(page);
    await accountAct(page, 'demo', 'login');
    await waitForCurrent(page, 'Current: Demo');
    const before = await rows(page);

    // The host's user loses the archive role: logging in to it is refused by name.
    await page.evaluate(() => window.refhost.extensions.setUser({ roles: { demo: 'uploader', brand: 'admin' } }));
    await accountAct(page, 'archive', 'login');
    assert.equal(await errorText(page), 'Cannot log in to "archive": the signer does not give alice access to account "archive" (it lists: demo, brand)');
    assert.equal((await rows(page)).demo, before.demo);

    // The signer is unreachable.
    await page.route(`${signer.url}/v1/accounts`, (r) => r.abort('connectionrefused'));
    await page.click('.cldc-signin');
    await page.waitForFunction(() => document.querySelector('.cldc-error').textContent.startsWith('Cannot load your Cloudinary accounts:'));
    assert.match(await page.textContent('.cldc-error'), /^Cannot load your Cloudinary accounts: the signer at http:\/\/127\.0\.0\.1:\d+\/v1\/accounts is unreachable: TypeError: Failed to fetch$/);
    assert.equal((await rows(page)).demo, before.demo);
    await page.unroute(`${signer.url}/v1/accounts`);

    // An expired token.
    const expired = hs256Token({ sub: 'alice', aud: 'cld-signer', exp: Math.floor(Date.now() / 1000) - 60, roles: { demo: 'uploader' } });
    await page.evaluate((token) => window.refhost.extensions.setUser({ token }), expired);
    await page.evaluate(() => { document.querySelector('.cldc-error').textContent = ''; });
    await accountAct(page, 'brand', 'login');
    await page.waitForFunction(() => document.querySelector('.cldc-error').textContent.startsWith('Cannot'));
    assert.match(await page.textContent('.cldc-error'), /^Cannot load your Cloudinary accounts: the signer refused the account listing \(401\): the bearer token expired at \d+ \(signer clock \d+\); ask the host for a new one$/);
    assert.equal((await rows(page)).demo, before.demo);
    await waitForCurrent(page, 'Current: Demo');
    assert.ok((await messages(page)).some((m) => m.startsWith('error: Cloudinary Connector: Cannot')));
    await clickAction(page, 'uninstall-remove');
  });

  /** Simulates a Media Library insert of `ids` delivered as `type(i)`. */
  async function insertFromMediaLibrary(page, ids, type = () => 'authenticated') {
    await page.evaluate(({ ids, types }) => window.__cldDoubles.simulateMediaLibraryInsert({ assets: ids.map((id, i) => ({
      public_id: id, resource_type: 'image', type: types[i], version: 7, format: 'jpg',
      secure_url: `https://res.cloudinary.com/dn6ot3ged/image/${types[i]}/s--xxxxxxxx--/v7/${id}.jpg` })) }),
    { ids, types: ids.map((_, i) => type(i)) });
  }

  /** Counts the page's signing requests: single and batch (with the items of each batch). */
  async function countSigning(page, url = signer.url) {
    const seen = { single: 0, batches: [] };
    await page.route(`${url}/v1/sign/delivery`, (route) => { seen.single += 1; return route.continue(); });
    await page.route(`${url}/v1/sign/delivery/batch`, (route) => {
      seen.batches.push(JSON.parse(route.request().postData()).items.length);
      return route.continue();
    });
    return seen;
  }

  const signedSrc = (id) =>
    `https://res.cloudinary.com/dn6ot3ged/image/authenticated/s--${fixtureUrlSignature(`f_auto,q_auto/${id}.jpg`)}--/f_auto,q_auto/v7/${id}.jpg`;

  withPage('a batch of signed inserts: every URL signed in one batch request, inserted in order', async ({ page }) => {
    await openMediaLibraryOnDemo(page);
    const seen = await countSigning(page);
    const ids = Array.from({ length: 8 }, (_, i) => `team/doc-${i}`);
    await insertFromMediaLibrary(page, ids);
    await page.waitForFunction(() => document.querySelectorAll('#editor img').length === 8);
    const srcs = await page.$$eval('#editor img', (imgs) => imgs.map((i) => i.getAttribute('src')));
    assert.deepEqual(srcs, ids.map(signedSrc));
    assert.deepEqual(seen, { single: 0, batches: [8] }, 'one batch request for the 8 assets');
    assert.equal(await page.textContent('.cldc-notice'), 'Inserted 8 assets with signed URLs');
    await page.unroute(`${signer.url}/v1/sign/delivery`);
    await page.unroute(`${signer.url}/v1/sign/delivery/batch`);
    await clickAction(page, 'uninstall-remove');
  });

  test('70 signed inserts on a signer with the production rate limit (burst 60): 2 batch requests, all inserted', async () => {
    const strict = await startSigner({ rateLimitPerMinute: 600, rateLimitBurst: 60 });
    const h = await open({ signerUrl: strict.url });
    try {
      const { page } = h;
      await openMediaLibraryOnDemo(page);
      const seen = await countSigning(page, strict.url);
      const ids = Array.from({ length: 70 }, (_, i) => `team/doc-${i}`);
      await insertFromMediaLibrary(page, ids);
      await page.waitForFunction(() => document.querySelectorAll('#editor img').length === 70);
      const srcs = await page.$$eval('#editor img', (imgs) => imgs.map((i) => i.getAttribute('src')));
      assert.deepEqual(srcs, ids.map(signedSrc));
      assert.deepEqual(seen, { single: 0, batches: [50, 20] });
      assert.equal(await page.textContent('.cldc-notice'), 'Inserted 70 assets with signed URLs');
      assert.deepEqual(h.errors, [], 'uncaught page errors');
    } finally {
      await h.context.close();
      await strict.stop();
    }
  });

  withPage('a signed batch with one asset the role may not sign inserts nothing and names that asset', async ({ page }) => {
    await openMediaLibraryOnDemo(page);
    // The fixture's uploader role on "demo" may sign `authenticated` URLs, not `private` ones.
    const ids = Array.from({ length: 5 }, (_, i) => `team/doc-${i}`);
    await insertFromMediaLibrary(page, ids, (i) => (i === 2 ? 'private' : 'authenticated'));
    assert.equal(await errorText(page),
      'Cannot insert team/doc-2: the signer refused (403): items[2]: role uploader may not sign "private" delivery URLs on account "demo" [rule: accounts.demo.policy.uploader.delivery_types]');
    assert.equal(await page.evaluate(() => document.querySelectorAll('#editor img').length), 0);
    await clickAction(page, 'uninstall-remove');
  });

  withPage('a mixed batch (upload, authenticated, private, upload): the refusal names the private asset, nothing is inserted', async ({ page }) => {
    await openMediaLibraryOnDemo(page);
    const types = ['upload', 'authenticated', 'private', 'upload'];
    await insertFromMediaLibrary(page, ['mix/a', 'mix/b', 'mix/c', 'mix/d'], (i) => types[i]);
    // items[1]: the second asset that needs a signature, which is the third asset.
    assert.equal(await errorText(page),
      'Cannot insert mix/c: the signer refused (403): items[1]: role uploader may not sign "private" delivery URLs on account "demo" [rule: accounts.demo.policy.uploader.delivery_types]');
    assert.equal(await page.evaluate(() => document.querySelectorAll('#editor img').length), 0);
    await clickAction(page, 'uninstall-remove');
  });

  withPage('a mixed batch the role may sign: one batch request for the signed ones, all inserted in order', async ({ page }) => {
    await openMediaLibraryOnDemo(page);
    const seen = await countSigning(page);
    const types = ['upload', 'authenticated', 'upload', 'authenticated'];
    const ids = ['mix/a', 'mix/b', 'mix/c', 'mix/d'];
    await insertFromMediaLibrary(page, ids, (i) => types[i]);
    await page.waitForFunction(() => document.querySelectorAll('#editor img').length === 4);
    const srcs = await page.$$eval('#editor img', (imgs) => imgs.map((i) => i.getAttribute('src')));
    assert.deepEqual(srcs, ids.map((id, i) => (types[i] === 'upload'
      ? `https://res.cloudinary.com/dn6ot3ged/image/upload/f_auto,q_auto/v7/${id}.jpg`
      : signedSrc(id))));
    assert.deepEqual(seen, { single: 0, batches: [2] }, 'only the two authenticated assets are signed');
    await page.unroute(`${signer.url}/v1/sign/delivery`);
    await page.unroute(`${signer.url}/v1/sign/delivery/batch`);
    await clickAction(page, 'uninstall-remove');
  });

  withPage('a signer that never answers a signed insert: the insert gives up after signerTimeoutMs and says so', async ({ page }) => {
    await openMediaLibraryOnDemo(page);
    await page.route(`${signer.url}/v1/sign/delivery/batch`, () => { /* never answered */ });
    await insertFromMediaLibrary(page, ['team/plan', 'team/memo']);
    // Not one item's fault: the message names the batch, not its first asset.
    assert.equal(await errorText(page),
      `Cannot insert the 2 assets: the signer at ${signer.url}/v1/sign/delivery/batch gave no answer within 2 s`);
    assert.equal(await page.evaluate(() => document.querySelectorAll('#editor img').length), 0);
    await page.unroute(`${signer.url}/v1/sign/delivery/batch`);
    await clickAction(page, 'uninstall-remove');
  }, { signerTimeoutMs: 2000 });

  withPage('a signed insert still waiting for its signature when the user logs out inserts nothing', async ({ page }) => {
    await openMediaLibraryOnDemo(page);
    // Hold the signer's answer until the user has logged out.
    let release;
    const gate = new Promise((r) => { release = r; });
    let asked = 0;
    await page.route(`${signer.url}/v1/sign/delivery/batch`, async (route) => {
      asked += 1;
      await gate;
      await route.continue().catch(() => {});
    });
    await page.evaluate(() => window.__cldDoubles.simulateMediaLibraryInsert({ assets: [{
      public_id: 'team/plan', resource_type: 'image', type: 'authenticated', version: 3, format: 'png',
      secure_url: 'https://res.cloudinary.com/dn6ot3ged/image/authenticated/s--xxxxxxxx--/v3/team/plan.png' }] }));
    for (let i = 0; i < 50 && asked === 0; i++) await page.waitForTimeout(20);
    assert.equal(asked, 1, 'the plugin asked the signer');
    await accountAct(page, 'demo', 'logout');
    await waitForCurrent(page, 'No account selected');
    release();
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => document.querySelectorAll('#editor img').length), 0);
    await page.unroute(`${signer.url}/v1/sign/delivery/batch`);
    await clickAction(page, 'uninstall-remove');
  });

  withPage('Integration disabled/enabled: a disabled plugin mounts no widget, re-enabled it restores the current account', async ({ page }) => {
    await install(page);
    await signIn(page);
    await accountAct(page, 'demo', 'login');
    await waitForCurrent(page, 'Current: Demo');
    await page.click('.cldc-ml');
    await waitForMlOn(page, 'dn6ot3ged');
    await clickAction(page, 'disable');
    assert.equal(await page.$('.cldc-panel'), null);
    assert.equal(await page.evaluate(() => [...document.scripts].some((s) => s.src.includes('/doubles/'))), false);
    await clickAction(page, 'enable');
    await page.waitForSelector('.cldc-account-list li');
    await waitForCurrent(page, 'Current: Demo');
    await clickAction(page, 'uninstall-remove');
  });
});
