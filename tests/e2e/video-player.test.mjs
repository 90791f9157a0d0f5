// Cloudinary's REAL Video Player (npm cloudinary-video-player, pinned by scripts/setup.sh into
// target/vendor/) mounted through the plugin's JavaScript Widgets API with the player's script
// and stylesheet given as script overrides (`scripts: {video_player, video_player_css}`), the way
// a self-hosting host serves its own copy. Every request beyond loopback is blocked (and
// recorded: docs/widgets.md "Video Player: outbound requests" lists them for CSP-strict hosts).
// Checked: the source URL the player requests against the URL engine's, `fluid`, account switch,
// unmount, and a residue diff of every window property, <style>, <link>, <script> and the DOM.
// The Media Library test double (tests/doubles/) shares `window.cloudinary` with the player:
// the plugin restores the object the player replaced without losing the Media Library's member.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { launch, snapshot, instrument, repo } from './helpers.mjs';

const VERSION = '4.0.3';
const VENDOR = resolve(repo, `target/vendor/cloudinary-video-player-${VERSION}/dist`);
const DOUBLES = resolve(repo, 'tests/doubles');
// What the player itself asks for beyond the page's origin (observed with 4.0.3; README).
const PLAYER_HOSTS = ['analytics-api-s.cloudinary.com', 'res.cloudinary.com'];

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>video player test</title></head>
<body><main id="host"></main><script type="module">
import init, { Widgets, referenceUrl } from '/pkg/cloudinary_connector.js';
await init();
window.cc = { Widgets, referenceUrl };
window.ccReady = true;
</script></body></html>`;

let ctx;
before(async () => {
  if (!existsSync(resolve(VENDOR, 'cld-video-player.min.js'))) {
    throw new Error(`the real Video Player is not installed at ${VENDOR}: run scripts/setup.sh`);
  }
  ctx = await launch('chromium');
});
after(async () => { if (ctx) await ctx.close(); });

async function open() {
  const context = await ctx.browser.newContext();
  await context.addInitScript(instrument);
  const page = await context.newPage();
  const errors = [];
  const outbound = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/*', (r) => {
    const url = new URL(r.request().url());
    if (url.hostname !== '127.0.0.1') { outbound.push(url.href); return r.abort('blockedbyclient'); }
    if (url.pathname === '/vp-test.html') return r.fulfill({ body: PAGE, contentType: 'text/html; charset=utf-8' });
    const serve = (root, prefix) => {
      const file = resolve(root, url.pathname.slice(prefix.length));
      return file.startsWith(root) && existsSync(file)
        ? r.fulfill({ path: file, contentType: file.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8' })
        : r.fulfill({ status: 404, body: 'not found' });
    };
    if (url.pathname.startsWith('/vendor/')) return serve(VENDOR, '/vendor/');
    if (url.pathname.startsWith('/doubles/')) return serve(DOUBLES, '/doubles/');
    return r.continue();
  });
  await page.goto(`${ctx.base}vp-test.html`);
  await page.waitForFunction(() => window.ccReady === true);
  return { context, page, errors, outbound };
}

const config = () => ({
  platform: 'Test Host', platformVersion: '1.0.0', environment: 'dev',
  scripts: { video_player: `${ctx.base}vendor/cld-video-player.min.js`, video_player_css: `${ctx.base}vendor/cld-video-player.min.css`,
             media_library: `${ctx.base}doubles/media-library.double.js` },
});

/** The player's outbound requests for `cloud`'s video `id` (the source, not poster or sprite). */
function sources(outbound, cloud, id) {
  return outbound.filter((u) => u.startsWith(`https://res.cloudinary.com/${cloud}/video/upload/`) && new URL(u).pathname.endsWith(`/${id}`));
}

/** Only the blocked requests' own rejections ("Failed to fetch"), nothing of ours. */
function assertOnlyBlockedFetchErrors(errors) {
  assert.deepEqual(errors.filter((e) => e !== 'Failed to fetch'), [], 'page errors besides the blocked requests');
}

async function residueBaseline(page) {
  // Let the tasks already queued run first: the player's dispose() and the Media Library
  // double's hide() each queue zero-delay timeouts that fire on their own (CI once caught one
  // still pending). A timer of 50 ms or more, the kind that would be residue, is still counted.
  await page.evaluate(() => new Promise((ok) => setTimeout(ok, 50)));
  const s = await snapshot(page);
  return { dom: s.dom, globals: s.globals, scripts: s.scripts, links: s.links, styles: s.styles,
           listeners: s.listeners, timeouts: s.timeouts, intervals: s.intervals, observers: s.observers,
           localStorage: s.localStorage, sessionStorage: s.sessionStorage,
           styleText: await page.evaluate(() => [...document.querySelectorAll('style')].map((x) => x.outerHTML)) };
}

describe('the real Cloudinary Video Player through the plugin', () => {
  /** Mount (source URL vs the URL engine's), fluid / fixed, account switch, unmount of both;
   * `extra`: more player options for every mount. Returns the residue snapshots and requests. */
  async function mountSwitchUnmount(extra) {
    const { context, page, errors, outbound } = await open();
    try {
      const base = await residueBaseline(page);
      await page.evaluate(async ([config, extra]) => {
        window.w = new window.cc.Widgets(config);
        window.player = await window.w.mountVideoPlayer({ id: 'main', cloud_name: 'demo' }, { publicId: 'dog', ...extra }, document.getElementById('host'));
      }, [config(), extra]);
      await page.waitForFunction(() => document.querySelector('.video-js'));
      await waitFor(() => sources(outbound, 'demo', 'dog').length === 1);
      // The player adds /f_auto:video (its source types) and ?_s=vp (its analytics) to the URL
      // the plugin's options describe; the rest is the URL engine's URL for the same video.
      const engine = await page.evaluate(() => window.cc.referenceUrl(
        { public_id: 'dog', resource_type: 'video', delivery_type: 'upload', transformation: 'q_auto' },
        { cloud_name: 'demo', optimize: false }));
      assert.equal(engine, 'https://res.cloudinary.com/demo/video/upload/q_auto/dog');
      const requested = new URL(sources(outbound, 'demo', 'dog')[0]);
      assert.equal(requested.searchParams.get('_s'), 'vp');
      assert.equal(`${requested.origin}${requested.pathname.replace('/f_auto:video/', '/')}`, engine);
      // fluid is the plugin's default, and `fluid: false` is honoured (no cld-fluid class).
      assert.equal(await page.evaluate(() => !!document.querySelector('.video-js.vjs-fluid')), true);
      await page.evaluate(async (extra) => {
        window.fixed = await window.w.mountVideoPlayer({ id: 'main', cloud_name: 'demo' }, { publicId: 'cat', fluid: false, ...extra }, document.getElementById('host'));
      }, extra);
      await page.waitForFunction(() => document.querySelectorAll('.video-js').length === 2);
      assert.deepEqual(await page.evaluate(() => [...document.querySelectorAll('.video-js')].map((e) => e.classList.contains('vjs-fluid'))), [true, false]);
      // Account switch: the same handle, now on the other cloud.
      await page.evaluate(() => window.player.remount({ id: 'brand', cloud_name: 'brand-cloud' }));
      await waitFor(() => sources(outbound, 'brand-cloud', 'dog').length === 1);
      assert.equal(await page.evaluate(() => document.querySelectorAll('.video-js').length), 2);
      // Unmount both.
      await page.evaluate(() => { window.player.free(); window.fixed.free(); window.w.free(); delete window.player; delete window.fixed; delete window.w; });
      const now = await residueBaseline(page);
      assertOnlyBlockedFetchErrors(errors);
      return { base, now, hosts: [...new Set(outbound.map((u) => new URL(u).hostname))].sort() };
    } finally {
      await context.close();
    }
  }

  test('with cloudinaryAnalytics off: mounts, honours fluid, switches account, and leaves nothing on unmount', async () => {
    const { base, now, hosts } = await mountSwitchUnmount({ cloudinaryAnalytics: false });
    assert.deepEqual(now, base);
    // The player's own requests, as docs/widgets.md lists them for CSP-strict hosts.
    assert.deepEqual(hosts, PLAYER_HOSTS);
  });

  test('with the player\'s default analytics: exactly the documented residue (a beforeunload listener per player, its user-id key)', async () => {
    const { base, now, hosts } = await mountSwitchUnmount({});
    // Three players were created (dog, cat, dog on the other cloud).
    const beforeunload = (l) => l.filter((x) => x === 'window:beforeunload').length;
    assert.equal(beforeunload(now.listeners) - beforeunload(base.listeners), 3);
    assert.deepEqual(Object.keys(now.localStorage).filter((k) => !(k in base.localStorage)), ['cld-analytics-user-id']);
    assert.match(now.localStorage['cld-analytics-user-id'], /^[0-9a-f]{32}$/);
    // Everything else is as before.
    const strip = (s) => ({ ...s, listeners: s.listeners.filter((x) => x !== 'window:beforeunload'), localStorage: {} });
    assert.deepEqual(strip(now), strip(base));
    assert.deepEqual(hosts, PLAYER_HOSTS);
  });

  test('shares window.cloudinary with the Media Library: the replaced object is restored with its members', async () => {
    const { context, page, errors } = await open();
    try {
      const base = await residueBaseline(page);
      const seen = await page.evaluate(async (config) => {
        const w = new window.cc.Widgets(config);
        const ml = await w.mountMediaLibrary({ id: 'main', cloud_name: 'demo', api_key: '123456789012345' }, {}, { onInsert() {} });
        const original = window.cloudinary;
        const player = await w.mountVideoPlayer({ id: 'main', cloud_name: 'demo' }, { publicId: 'dog', cloudinaryAnalytics: false }, document.getElementById('host'));
        const replaced = window.cloudinary !== original;
        player.free();
        const restored = window.cloudinary === original;
        const members = Object.keys(window.cloudinary).sort();
        const videojs = 'videojs' in window;
        ml.free();
        w.free();
        return { replaced, restored, members, videojs };
      }, config());
      assert.deepEqual(seen, { replaced: true, restored: true, members: ['createMediaLibrary', 'openMediaLibrary'], videojs: false });
      assert.deepEqual(await residueBaseline(page), base);
      assertOnlyBlockedFetchErrors(errors);
    } finally {
      await context.close();
    }
  });

  test('the Media Library through the JS API: a remount leaves one widget node, unmount none', async () => {
    const { context, page, errors } = await open();
    try {
      const base = await residueBaseline(page);
      const counts = await page.evaluate(async (config) => {
        const n = () => document.querySelectorAll('body > [data-cld-double=media-library]').length;
        const w = new window.cc.Widgets(config);
        const ml = await w.mountMediaLibrary({ id: 'main', cloud_name: 'demo', api_key: '123456789012345' }, {}, { onInsert() {} });
        ml.show();
        const first = n();
        await ml.remount({ id: 'brand', cloud_name: 'brand-cloud', api_key: '123456789012345' });
        ml.show();
        const second = n();
        ml.free();
        const freed = n();
        w.free();
        return [first, second, freed];
      }, config());
      assert.deepEqual(counts, [1, 1, 0]);
      assert.deepEqual(await residueBaseline(page), base);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});

async function waitFor(cond, ms = 10000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms: ${cond}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
