// Shared helpers of the end-to-end tests: a static server over www/, Debian's Chromium (or
// Firefox) driven by playwright-core, page instrumentation that counts live listeners, timers and
// observers, and a snapshot of everything an extension could leave behind.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { startServer } from '../../scripts/serve-www.mjs';

export const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const fixtures = resolve(repo, 'tests/e2e/fixtures');

const require = createRequire(import.meta.url);
function playwright() {
  for (const p of [resolve(repo, 'tools/node_modules/playwright-core')]) {
    if (existsSync(p)) return require(p);
  }
  throw new Error('playwright-core not found: run (cd tools && npm ci)');
}

export const ML_SCRIPT = 'https://media-library.cloudinary.com/global/all.js';
/** The one Media Library test double (tests/doubles/), served in place of ML_SCRIPT. */
export const ML_DOUBLE = resolve(repo, 'tests/doubles/media-library.double.js');

export function pkgBuilt() {
  if (!existsSync(resolve(repo, 'www/pkg/cloudinary_connector_bg.wasm'))) {
    throw new Error('www/pkg is not built: run `scripts/demo.sh --build-only` (wasm-pack build --target web --out-dir www/pkg --release)');
  }
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Debian's Chromium, headless, driven by playwright-core (no page server: see `launch`). */
export async function launchChromium() {
  return playwright().chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

export async function launch(browserName = 'chromium') {
  pkgBuilt();
  const pw = playwright();
  const browser = browserName === 'firefox'
    ? await pw.firefox.launch({ channel: 'moz-firefox', executablePath: '/usr/bin/firefox-esr', headless: true })
    : await launchChromium();
  if (browserName === 'firefox') {
    // Debian's Firefox ESR has no Juggler; playwright-core drives it over WebDriver BiDi
    // (channel moz-*), where some commands may be missing: probe once and report why it fails.
    try {
      await (await browser.newContext()).close();
    } catch (e) {
      await browser.close();
      throw new Error(`playwright-core cannot drive ${browserName} here: ${e.message.split('\n')[0]}`);
    }
  }
  const server = await startServer({ port: 0 });
  const base = `http://127.0.0.1:${server.address().port}/`;
  return {
    browser, server, base,
    async close() { await browser.close(); await new Promise((ok) => server.close(ok)); },
  };
}

// Installed before any page script: wraps the registration APIs to count what is live.
export function instrument() {
  const live = { listeners: new Set(), timeouts: new Map(), intervals: new Set(), observers: new Set() };
  const keyOf = (t, type, fn, capture) => ({ t: new WeakRef(t), type, fn, capture: !!capture });
  const P = EventTarget.prototype;
  const add = P.addEventListener;
  const remove = P.removeEventListener;
  const regs = [];
  P.addEventListener = function (type, fn, opts) {
    const capture = typeof opts === 'boolean' ? opts : !!(opts && opts.capture);
    if (fn && !regs.some((r) => r.t.deref() === this && r.type === type && r.fn === fn && r.capture === capture)) {
      const r = keyOf(this, type, fn, capture);
      r.once = typeof opts === 'object' && opts && opts.once;
      regs.push(r);
      if (r.once) {
        const self = this;
        add.call(this, type, () => { const i = regs.indexOf(r); if (i >= 0) regs.splice(i, 1); }, { once: true, capture });
        void self;
      }
    }
    return add.call(this, type, fn, opts);
  };
  P.removeEventListener = function (type, fn, opts) {
    const capture = typeof opts === 'boolean' ? opts : !!(opts && opts.capture);
    const i = regs.findIndex((r) => r.t.deref() === this && r.type === type && r.fn === fn && r.capture === capture);
    if (i >= 0) regs.splice(i, 1);
    return remove.call(this, type, fn, opts);
  };
  const st = window.setTimeout, ct = window.clearTimeout, si = window.setInterval, ci = window.clearInterval;
  window.setTimeout = function (fn, ms, ...a) {
    const id = st.call(window, (...x) => { live.timeouts.delete(id); if (typeof fn === 'function') fn(...x); }, ms, ...a);
    live.timeouts.set(id, true);
    return id;
  };
  window.clearTimeout = function (id) { live.timeouts.delete(id); return ct.call(window, id); };
  window.setInterval = function (...a) { const id = si.apply(window, a); live.intervals.add(id); return id; };
  window.clearInterval = function (id) { live.intervals.delete(id); return ci.call(window, id); };
  const MO = window.MutationObserver;
  const obs = MO.prototype.observe, disc = MO.prototype.disconnect;
  MO.prototype.observe = function (...a) { live.observers.add(this); return obs.apply(this, a); };
  MO.prototype.disconnect = function () { live.observers.delete(this); return disc.call(this); };
  // Listeners on nodes no longer in the document are unreachable garbage and not counted.
  window.__liveCounts = () => ({
    listeners: regs.filter((r) => { const t = r.t.deref(); return t && (t === window || t === document || (t instanceof Node ? t.isConnected : true)); })
      .map((r) => `${r.t.deref() === window ? 'window' : r.t.deref() === document ? 'document' : r.t.deref().nodeName}:${r.type}${r.capture ? ':capture' : ''}`).sort(),
    timeouts: live.timeouts.size,
    intervals: live.intervals.size,
    observers: live.observers.size,
  });
  // Properties present before the page's scripts ran, to separate the page's own globals.
  window.__baselineGlobals = Object.getOwnPropertyNames(window);
}

export async function snapshot(page) {
  return page.evaluate(() => {
    const clone = document.documentElement.cloneNode(true);
    clone.querySelectorAll('[data-snapshot-ignore]').forEach((e) => e.replaceChildren());
    const storage = (s) => Object.fromEntries(Object.keys(s).sort().map((k) => [k, s.getItem(k)]));
    const page = clone.cloneNode(true);
    page.querySelector('#ext-catalog')?.replaceChildren();
    return {
      dom: clone.outerHTML,
      // The page without the Extensions panel's cards (which show the extension's state).
      page: page.outerHTML,
      globals: Object.getOwnPropertyNames(window).sort(),
      localStorage: storage(localStorage),
      sessionStorage: storage(sessionStorage),
      ...window.__liveCounts(),
      scripts: [...document.scripts].map((s) => s.src || `inline:${s.textContent.length}`),
      links: [...document.querySelectorAll('link')].map((l) => `${l.rel} ${l.href}`),
      styles: document.querySelectorAll('style').length,
    };
  });
}

export async function openHost(ctx, { query = '', route } = {}) {
  const context = await ctx.browser.newContext();
  await context.addInitScript(instrument);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Test fixtures (previous release, bad manifests, widget doubles) are served under /fixtures/.
  await page.route('**/fixtures/**', (r) => {
    const file = resolve(fixtures, new URL(r.request().url()).pathname.replace(/^\/fixtures\//, ''));
    return existsSync(file) && file.startsWith(fixtures) ? r.fulfill({ path: file }) : r.fulfill({ status: 404, body: 'not found' });
  });
  if (route) await route(page);
  await page.goto(`${ctx.base}${query}`);
  await page.evaluate(() => window.refhost.ready);
  await page.waitForSelector('.ext-card');
  return { context, page, errors };
}

export async function messages(page) {
  return page.$$eval('#ext-messages li', (lis) => lis.map((li) => `${li.className}: ${li.textContent}`));
}

export async function clickAction(page, action) {
  await page.click(`.ext-card button[data-action="${action}"]`);
  await page.evaluate(() => window.refhost.extensions.queue);
}

export async function selfCheck(page) {
  return page.evaluate(() => window.refhost.selfCheck());
}

/** Installs from a manifest URL through the panel's "Install from a manifest URL" form. */
export async function installFromUrl(page, url) {
  await page.fill('#ext-url', url);
  await page.click('#ext-from-url button');
  await page.evaluate(() => window.refhost.extensions.queue);
}

/** Routes the Media Library script: 'double' serves the test double (tests/doubles/), a number an HTTP status,
 * 'hang' never answers, and a function gets the route to fulfil later. */
export async function routeMediaLibrary(page, how) {
  await page.route(ML_SCRIPT, (r) => {
    if (how === 'double') return r.fulfill({ path: ML_DOUBLE, contentType: 'text/javascript' });
    if (typeof how === 'number') return r.fulfill({ status: how, body: 'not found' });
    if (typeof how === 'function') return how(r);
    return undefined; // 'hang': never answered
  });
}
