// Partner requirement "Installation & update" and review scenario "Integration disabled/enabled":
// install, update, disable/enable and uninstall the plugin through the reference host's
// Extensions panel, and prove that the host is left exactly as it was (DOM, globals, storage,
// listeners, timers, observers, script/link tags) and that its own features still pass their
// checks. Runs on Chromium, and on Firefox where it starts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openHost, snapshot, messages, clickAction, selfCheck, installFromUrl, routeMediaLibrary, ML_SCRIPT, ML_DOUBLE,
} from './helpers.mjs';
import { startSigner } from './signer.mjs';

const BROWSERS = (process.env.E2E_BROWSERS || 'chromium,firefox').split(',');
const SETTINGS_KEY = 'ext:cloudinary-connector:settings';

// The widgets need a Cloudinary account (API key, signed login): tests that open the Media
// Library log in to the real signer's `demo` account first (cld-signer --dev, test config).
let signer;
before(async () => { signer = await startSigner(); });
after(async () => { if (signer) await signer.stop(); });
const withSigner = () => `?signer=${encodeURIComponent(signer.url)}&user=alice&roles=demo:uploader`;

async function loginDemo(page) {
  await page.click('.cldc-signin');
  await page.click('.cldc-account-list li[data-account="demo"] button[data-act="login"]');
  await page.waitForFunction(() => document.querySelector('.cldc-current').textContent.startsWith('Current: Demo'));
}

async function baseline(page) {
  const check = await selfCheck(page);
  assert.ok(check.ok, `the host's own checks fail before install: ${JSON.stringify(check.checks)}`);
  return snapshot(page);
}

/** The host's own checks pass and the page equals `base` (all of it, or all but `except`). */
async function assertUntouched(page, base, except = []) {
  const check = await selfCheck(page);
  assert.ok(check.ok, `the host's own checks fail afterwards: ${JSON.stringify(check.checks)}`);
  const now = await snapshot(page);
  for (const k of Object.keys(base)) {
    if (except.includes(k)) continue;
    if (typeof base[k] === 'string' && now[k] !== base[k]) {
      let i = 0;
      while (now[k][i] === base[k][i]) i++;
      assert.fail(`the host's ${k} differs from before the install at ${i}:\n  before: …${base[k].slice(i - 80, i + 160)}\n  after:  …${now[k].slice(i - 80, i + 160)}`);
    }
    assert.deepEqual(now[k], base[k], `the host's ${k} differ from before the install`);
  }
  return now;
}

async function install(page) {
  await clickAction(page, 'install');
  const msgs = await messages(page);
  assert.ok(msgs.includes('info: Cloudinary Connector 0.1.0 installed'), msgs.join('\n'));
  await page.waitForSelector('.cldc-toolbar-button');
}

async function togglePanel(page) {
  await page.click('.cldc-toolbar-button');
}

for (const browserName of BROWSERS) {
  describe(`lifecycle on ${browserName}`, () => {
    let ctx;
    let launchError;
    before(async () => {
      try { ctx = await launch(browserName); } catch (e) { launchError = e; }
    });
    after(async () => { if (ctx) await ctx.close(); });
    const it = (name, fn) => test(name, async (t) => {
      if (launchError) {
        if (browserName === 'chromium') throw launchError;
        t.skip(launchError.message.split("\n")[0]);
        return;
      }
      const o = fn.options || {};
      const host = await openHost(ctx, { ...o, query: typeof o.query === 'function' ? o.query() : o.query });
      try {
        await fn(host);
        assert.deepEqual(host.errors, [], 'uncaught page errors');
      } finally {
        await host.context.close();
      }
    });

    it('install, use every feature, uninstall removing all data: the host is as before', Object.assign(async ({ page }) => {
      const base = await baseline(page);
      await install(page);
      // Toolbar button and panel; the panel state persists in the plugin's namespace.
      assert.equal(await page.isVisible('.cldc-panel'), false);
      await togglePanel(page);
      assert.equal(await page.isVisible('.cldc-panel'), true);
      assert.equal(await page.getAttribute('.cldc-toolbar-button', 'aria-pressed'), 'true');
      assert.equal(await page.evaluate(() => localStorage.getItem('ext:cloudinary-connector:ui-state')), '{"open":true}');
      // Keyboard shortcut.
      await page.keyboard.press('Control+Shift+M');
      assert.equal(await page.isVisible('.cldc-panel'), false);
      await page.keyboard.press('Control+Shift+M');
      assert.equal(await page.isVisible('.cldc-panel'), true);
      // The host re-renders its toolbar slot: the plugin puts its button back.
      await page.evaluate(() => document.getElementById('slot-toolbar').replaceChildren());
      await page.waitForSelector('#slot-toolbar .cldc-toolbar-button');
      // The global the plugin exposes.
      assert.deepEqual(await page.evaluate(() => ({ ...window.cloudinaryConnector })), { version: '0.1.0' });
      // Insert an image by public id into a new document.
      await page.click('#doc-new');
      await page.fill('.cldc-insert [name=publicId]', 'folder/my photo');
      await page.fill('.cldc-insert [name=alt]', 'A photo');
      await page.click('.cldc-insert button');
      assert.equal(await page.getAttribute('#editor img', 'src'), 'https://res.cloudinary.com/demo/image/upload/f_auto,q_auto/v1/folder/my%20photo');
      assert.equal(await page.getAttribute('#editor img', 'alt'), 'A photo');
      // An empty public id is refused in the panel.
      await page.click('.cldc-insert button');
      assert.equal(await page.textContent('.cldc-error'), 'Enter the public ID of the image to insert.');
      // Settings: a bad cloud name is refused, a good one saved.
      await page.click('.cldc-settings summary');
      await page.fill('[name=cloudName]', 'my cloud');
      await page.click('.cldc-settings-form button');
      assert.equal(await page.textContent('.cldc-error'), 'Settings not saved: the cloud name "my cloud" may contain only ASCII letters, digits, \'-\' and \'_\'.');
      assert.ok((await messages(page)).some((m) => m.startsWith('error: Cloudinary Connector: Settings not saved')), 'plugin errors are shown in the Extensions panel');
      await page.fill('[name=cloudName]', 'acme');
      await page.fill('[name=defaultTransformation]', 'q_auto');
      await page.click('.cldc-settings-form button');
      assert.equal(await page.isVisible('.cldc-error'), false);
      assert.match(await page.textContent('.cldc-status'), /^Cloud: acme · Signer: connected$/);
      const stored = JSON.parse(await page.evaluate((k) => localStorage.getItem(k), SETTINGS_KEY));
      assert.deepEqual(stored, { writtenBy: '0.1.0', settings: { cloudName: 'acme', delivery: { defaultTransformation: 'q_auto' }, ui: { shortcut: true } } });
      // Media Library (test double of the widget script): it needs an account.
      await page.click('.cldc-ml');
      assert.equal(await page.textContent('.cldc-error'), 'The Media Library needs a Cloudinary account: log in to one first.');
      await loginDemo(page);
      assert.match(await page.textContent('.cldc-status'), /^Cloud: dn6ot3ged · Signer: connected$/);
      await page.click('.cldc-ml');
      await page.waitForSelector('#cld-ml-double');
      // On the account's cloud, signed login from the signer, the host's default transformation.
      const call = await page.evaluate(() => window.__cldDoubles.calls[0]);
      assert.equal(call.method, 'createMediaLibrary');
      const { signature, timestamp, ...options } = call.options;
      assert.match(signature, /^[0-9a-f]{64}$/);
      assert.equal(typeof timestamp, 'number');
      assert.deepEqual(options, {
        cloud_name: 'dn6ot3ged', api_key: '614335564976464', username: 'alice', multiple: false,
        default_transformations: [[{ quality: 'auto' }]],
        integration: { type: 'cloudinary_connector', platform: 'Reference Host 1.0.0', version: '0.1.0', environment: 'dev' },
      });
      await page.click('#cld-ml-double button');
      // The URL is rebuilt by the URL engine from the asset's reference on the configured cloud
      // (the widget's insertHandler arrives asynchronously, from its iframe).
      const url = 'https://res.cloudinary.com/dn6ot3ged/image/upload/q_auto/v1/sample.jpg';
      await page.waitForFunction((u) => document.querySelector('#editor figure:last-child img')?.getAttribute('src') === u, url);
      // The document with the inserted images is the user's content: delete it with the host's feature.
      await page.click('#doc-delete');
      await clickAction(page, 'uninstall-remove');
      assert.ok((await messages(page)).includes('info: Cloudinary Connector: uninstalled; 3 stored keys removed'));
      await assertUntouched(page, base);
    }, { options: { query: withSigner, route: (p) => routeMediaLibrary(p, 'double') } }));

    it('uninstall keeping data leaves only the namespaced settings, and a reinstall reuses them', async ({ page }) => {
      const base = await baseline(page);
      await install(page);
      await togglePanel(page);
      await page.click('.cldc-settings summary');
      await page.fill('[name=cloudName]', 'kept-cloud');
      await page.click('.cldc-settings-form button');
      await clickAction(page, 'uninstall-keep');
      const now = await assertUntouched(page, base, ['localStorage']);
      const { [SETTINGS_KEY]: settings, 'ext:cloudinary-connector:ui-state': ui, ...rest } = now.localStorage;
      assert.deepEqual(rest, base.localStorage);
      assert.equal(JSON.parse(settings).settings.cloudName, 'kept-cloud');
      assert.equal(ui, '{"open":true}');
      await clickAction(page, 'install');
      assert.ok((await messages(page)).includes('info: Cloudinary Connector: installed with the settings kept from an earlier install'), (await messages(page)).join('\n'));
      assert.match(await page.textContent('.cldc-status'), /Cloud: kept-cloud/);
      await clickAction(page, 'uninstall-remove');
      await assertUntouched(page, base);
    });

    it('uninstall during work: Media Library script still loading and signer check in flight', Object.assign(async ({ page }) => {
      const base = await baseline(page);
      await install(page);
      await togglePanel(page);
      assert.match(await page.textContent('.cldc-status'), /Signer: checking…/);
      await loginDemo(page);
      await page.click('.cldc-ml');
      await page.waitForFunction((src) => [...document.scripts].some((s) => s.src === src), ML_SCRIPT);
      const live = await page.evaluate(() => window.__liveCounts());
      assert.ok(live.intervals >= 1 && live.timeouts >= 1, `signer poll and load timeout are live: ${JSON.stringify(live)}`);
      await clickAction(page, 'uninstall-remove');
      await assertUntouched(page, base);
    }, { options: { query: withSigner, route: async (p) => { await routeMediaLibrary(p, 'hang'); await p.route(`${signer.url}/v1/health`, () => {}); } } }));

    it('the panel shows the signer check: a refusal with its status', Object.assign(async ({ page }) => {
      const base = await baseline(page);
      await install(page);
      await togglePanel(page);
      await page.waitForFunction(() => document.querySelector('.cldc-status')?.textContent.includes('error'));
      assert.match(await page.textContent('.cldc-status'), /^Cloud: demo · Signer: error \(HTTP 503\)$/);
      await clickAction(page, 'uninstall-remove');
      await assertUntouched(page, base);
    }, { options: { query: withSigner, route: (p) => p.route(`${signer.url}/v1/health`, (r) => r.fulfill({ status: 503, body: 'down' })) } }));

    it('the panel shows the signer check: a signer the browser cannot reach', Object.assign(async ({ page }) => {
      const base = await baseline(page);
      await install(page);
      await togglePanel(page);
      await page.waitForFunction(() => document.querySelector('.cldc-status')?.textContent.includes('unreachable'));
      assert.match(await page.textContent('.cldc-status'), /^Cloud: demo · Signer: unreachable$/);
      await clickAction(page, 'uninstall-remove');
      await assertUntouched(page, base);
    }, { options: { query: withSigner, route: (p) => p.route(`${signer.url}/v1/health`, (r) => r.abort()) } }));

    it('uninstall during work: Media Library open', Object.assign(async ({ page }) => {
      const base = await baseline(page);
      await install(page);
      await togglePanel(page);
      await loginDemo(page);
      await page.click('.cldc-ml');
      await page.waitForSelector('#cld-ml-double');
      await clickAction(page, 'uninstall-remove');
      assert.equal(await page.$('#cld-ml-double'), null);
      await assertUntouched(page, base);
    }, { options: { query: withSigner, route: (p) => routeMediaLibrary(p, 'double') } }));

    it('uninstall after a script-load failure (HTTP 404)', Object.assign(async ({ page }) => {
      const base = await baseline(page);
      await install(page);
      await togglePanel(page);
      await loginDemo(page);
      await page.click('.cldc-ml');
      await page.waitForFunction(() => !document.querySelector('.cldc-error').hidden);
      const failed = `Could not open the Media Library: the script ${ML_SCRIPT} failed to load (network error, HTTP error or Content-Security-Policy refusal)`;
      assert.equal(await page.textContent('.cldc-error'), failed);
      assert.ok((await messages(page)).includes(`error: Cloudinary Connector: ${failed}`));
      assert.equal(await page.evaluate((src) => [...document.scripts].some((s) => s.src === src), ML_SCRIPT), false, 'the failed tag is removed at once');
      // The host keeps working while the plugin reports its error.
      assert.ok((await selfCheck(page)).ok);
      await clickAction(page, 'uninstall-remove');
      await assertUntouched(page, base);
    }, { options: { query: withSigner, route: (p) => routeMediaLibrary(p, 404) } }));

    let release;
    let lateLoaded;
    it('a widget script arriving after uninstall leaves no global behind', Object.assign(async ({ page }) => {
      const base = await baseline(page);
      await install(page);
      await togglePanel(page);
      await loginDemo(page);
      await page.click('.cldc-ml');
      await page.waitForFunction((src) => [...document.scripts].some((s) => s.src === src), ML_SCRIPT);
      await clickAction(page, 'uninstall-remove');
      // The double reports its own execution (a binding installed before the page's scripts): no
      // sleep window, the check runs once the late script has run.
      const ran = new Promise((ok) => { lateLoaded = ok; });
      release();
      await ran;
      await page.evaluate(() => new Promise((ok) => setTimeout(ok, 0)));
      assert.equal(await page.evaluate(() => 'cloudinary' in window), false);
      await assertUntouched(page, base);
    }, { options: { query: withSigner, route: async (p) => {
      await p.exposeFunction('__cldDoubleLoaded', () => lateLoaded && lateLoaded());
      await routeMediaLibrary(p, (r) => { release = () => r.fulfill({ path: ML_DOUBLE, contentType: 'text/javascript' }).catch(() => {}); });
    } } }));

    it('install → update → uninstall: 0.0.9 settings are migrated to 0.1.0', async ({ page }) => {
      const base = await baseline(page);
      await installFromUrl(page, 'fixtures/old/pkg.json');
      assert.ok(await page.isVisible('.old-cloudinary-button'));
      assert.equal(await page.textContent('.ext-card dl dd'), '0.0.9');
      await clickAction(page, 'update');
      const msgs = await messages(page);
      assert.ok(msgs.includes('info: Cloudinary Connector updated from 0.0.9 to 0.1.0 (settings migrated: 0.1.0)'), msgs.join('\n'));
      assert.equal(await page.$('.old-cloudinary-button'), null, 'the previous version released its button');
      assert.ok(await page.isVisible('.cldc-toolbar-button'));
      const stored = JSON.parse(await page.evaluate((k) => localStorage.getItem(k), SETTINGS_KEY));
      assert.deepEqual(stored, { writtenBy: '0.1.0', settings: { cloudName: 'old-cloud', delivery: { defaultTransformation: 'q_auto' }, ui: { shortcut: true } } });
      assert.equal(await page.$('.ext-card button[data-action=update]'), null);
      // The updated plugin works.
      await togglePanel(page);
      assert.match(await page.textContent('.cldc-status'), /Cloud: old-cloud/);
      await clickAction(page, 'uninstall-remove');
      await assertUntouched(page, base);
    });

    it('an update that would downgrade the stored settings is refused and the old version keeps running', async ({ page }) => {
      const base = await baseline(page);
      await installFromUrl(page, 'fixtures/old/pkg.json');
      await page.evaluate((k) => localStorage.setItem(k, JSON.stringify({ writtenBy: '0.3.0', settings: {} })), SETTINGS_KEY);
      await clickAction(page, 'update');
      const msgs = await messages(page);
      assert.ok(msgs.includes('error: Cloudinary Connector was not updated to 0.1.0: the stored settings were written by version 0.3.0, newer than this plugin (0.1.0): downgrading is not supported; install 0.3.0 or later, or uninstall with "remove all data"'), msgs.join('\n'));
      assert.ok(await page.isVisible('.old-cloudinary-button'), 'the previous version is active again');
      assert.equal(await page.$('.cldc-toolbar-button'), null);
      await clickAction(page, 'uninstall-remove');
      await assertUntouched(page, base);
    });

    it('disable → enable (also across a reload); disabled loads nothing', async ({ page }) => {
      const base = await baseline(page);
      await install(page);
      await togglePanel(page);
      await page.click('.cldc-settings summary');
      await page.fill('[name=cloudName]', 'still-here');
      await page.click('.cldc-settings-form button');
      await clickAction(page, 'disable');
      assert.equal(await page.getAttribute('.ext-card .badge', 'data-state'), 'disabled');
      await assertUntouched(page, base, ['localStorage', 'dom']);
      await page.reload();
      await page.evaluate(() => window.refhost.ready);
      assert.equal(await page.$('.cldc-toolbar-button'), null);
      assert.equal(await page.evaluate(() => performance.getEntriesByType('resource').some((e) => e.name.includes('cloudinary_connector'))), false, 'a disabled extension is not even loaded');
      await clickAction(page, 'enable');
      assert.equal(await page.getAttribute('.ext-card .badge', 'data-state'), 'enabled');
      assert.ok(await page.isVisible('.cldc-panel'), 'the panel state was kept');
      assert.match(await page.textContent('.cldc-status'), /Cloud: still-here/);
      await page.reload();
      await page.evaluate(() => window.refhost.ready);
      await page.waitForSelector('.cldc-toolbar-button');
      await clickAction(page, 'uninstall-remove');
      // After a reload the baseline's instrumentation restarted: compare what survives a reload.
      await assertUntouched(page, base, ['listeners', 'timeouts']);
    });
  });
}
