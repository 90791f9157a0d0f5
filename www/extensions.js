// The reference host's extension manager: the host side of the host extension API 1.0
// (docs/host-api.md). It installs extensions from their manifest, shows what users must know
// before installing (version, permissions, support contact, known limitations), updates,
// disables/enables and uninstalls them, and shows every extension error in the panel instead of
// letting it break the page.

const REGISTRY_KEY = 'refhost:extensions';
const PLATFORM = { name: 'Reference Host', version: '1.0.0' };
// semver.org's official regular expression.
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const EXPORTS = ['install', 'activate', 'deactivate', 'update', 'uninstall'];

/** Compares two SemVer strings (pre-releases sort before their release). */
export function compareVersions(a, b) {
  const pa = SEMVER.exec(a);
  const pb = SEMVER.exec(b);
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d) return Math.sign(d);
  }
  if (pa[4] === pb[4]) return 0;
  if (!pa[4]) return 1;
  if (!pb[4]) return -1;
  // SemVer 2.0.0 §11.4: dot-separated identifiers left to right; numeric ones compare as numbers
  // and sort before alphanumeric ones; a shorter list that is a prefix sorts first.
  const ia = pa[4].split('.');
  const ib = pb[4].split('.');
  for (let i = 0; i < Math.min(ia.length, ib.length); i++) {
    const na = /^\d+$/.test(ia[i]);
    const nb = /^\d+$/.test(ib[i]);
    if (na && nb) {
      const d = Number(ia[i]) - Number(ib[i]);
      if (d) return Math.sign(d);
    } else if (na !== nb) {
      return na ? -1 : 1;
    } else if (ia[i] !== ib[i]) {
      return ia[i] < ib[i] ? -1 : 1;
    }
  }
  return Math.sign(ia.length - ib.length);
}

/** Host-side checks made before any extension code is loaded. Throws with a clear message. */
export function validateManifest(m, url) {
  const bad = (msg) => { throw new Error(`The manifest at ${url} is invalid: ${msg}`); };
  if (!m || typeof m !== 'object' || Array.isArray(m)) bad('it must be a JSON object');
  for (const f of ['id', 'name', 'version', 'entry', 'hostApi']) {
    if (typeof m[f] !== 'string' || !m[f].trim()) bad(`the field "${f}" must be a non-empty string`);
  }
  if (!/^[a-z0-9-]+$/.test(m.id)) bad(`the id "${m.id}" may contain only a-z, 0-9 and "-"`);
  if (!SEMVER.test(m.version)) bad(`the version "${m.version}" is not SemVer (MAJOR.MINOR.PATCH, e.g. 1.4.2)`);
  if (!Array.isArray(m.permissions) || m.permissions.some((p) => typeof p !== 'string')) bad('"permissions" must be an array of strings');
  if (!m.support || (!m.support.email && !m.support.url)) bad('"support" must give an email or a url');
  if (/^[a-z]+:/i.test(m.entry) && !/^https?:/i.test(m.entry)) bad(`the entry "${m.entry}" must be a relative path or an http(s) URL`);
}

export class ExtensionManager {
  constructor({ config, editor, slots, catalogEl, messagesEl }) {
    this.config = config;
    this.editor = editor;
    this.slots = slots;
    this.catalogEl = catalogEl;
    this.messagesEl = messagesEl;
    this.loaded = new Map(); // id -> {mod, manifest, text, url, host}
    this.catalog = null; // {manifest, text, url} | {error}
    this.failed = new Set();
    this.queue = Promise.resolve();
    this.timings = {};
    catalogEl.addEventListener('click', (e) => this.onClick(e));
    document.getElementById('ext-from-url').addEventListener('submit', (e) => {
      e.preventDefault();
      const url = document.getElementById('ext-url').value.trim();
      if (url) this.run(() => this.install(url));
    });
    // An extension's uncaught errors (from its event handlers or a WebAssembly trap) are shown in
    // the panel; the host keeps working.
    window.addEventListener('error', (e) => this.onUncaught(e.error || e.message, e.filename));
    window.addEventListener('unhandledrejection', (e) => this.onUncaught(e.reason, ''));
  }

  // -- registry ------------------------------------------------------------------------------
  records() {
    try { return JSON.parse(localStorage.getItem(REGISTRY_KEY) || '{}'); } catch { return {}; }
  }
  saveRecords(r) {
    if (Object.keys(r).length) localStorage.setItem(REGISTRY_KEY, JSON.stringify(r));
    else localStorage.removeItem(REGISTRY_KEY);
  }

  // -- messages ------------------------------------------------------------------------------
  message(text, level = 'info') {
    const li = document.createElement('li');
    li.className = level;
    li.textContent = text;
    this.messagesEl.append(li);
    (level === 'error' ? console.error : console.info)(`[extensions] ${text}`);
  }
  onUncaught(err, filename) {
    const text = err && err.message ? err.message : String(err);
    const ext = [...this.loaded.values()].find((l) => (filename && filename.startsWith(new URL('.', l.entryUrl).href))
      || (err && err.stack && err.stack.includes(new URL('.', l.entryUrl).href))
      || (typeof WebAssembly !== 'undefined' && err instanceof WebAssembly.RuntimeError));
    if (!ext) return;
    this.failed.add(ext.manifest.id);
    this.message(`${ext.manifest.name}: uncaught error: ${text}`, 'error');
    this.render();
  }

  /** Serialises lifecycle operations; an operation's error is shown, never rethrown. */
  run(op) {
    this.queue = this.queue.then(op).catch((e) => this.message(e.message || String(e), 'error')).then(() => this.render());
    return this.queue;
  }

  // -- loading -------------------------------------------------------------------------------
  async fetchManifest(url) {
    const abs = new URL(url, location.href).href;
    let res;
    try {
      res = await fetch(abs, { cache: 'no-store' });
    } catch (e) {
      throw new Error(`Could not fetch the manifest ${abs}: ${e.message}`);
    }
    if (!res.ok) throw new Error(`Could not fetch the manifest ${abs}: HTTP ${res.status}`);
    const text = await res.text();
    let manifest;
    try {
      manifest = JSON.parse(text);
    } catch (e) {
      throw new Error(`The manifest at ${abs} is not valid JSON: ${e.message}`);
    }
    validateManifest(manifest, abs);
    return { manifest, text, url: abs };
  }

  async loadModule({ manifest, url }) {
    const entryUrl = new URL(manifest.entry, url);
    // A new version is a new module instance: the version is part of the module URL.
    entryUrl.searchParams.set('v', manifest.version);
    let mod;
    try {
      mod = await import(entryUrl.href);
      if (typeof mod.default === 'function') await mod.default();
    } catch (e) {
      throw new Error(`Could not load the extension module ${entryUrl.href}: ${e.message}`);
    }
    const missing = EXPORTS.filter((f) => typeof mod[f] !== 'function');
    if (missing.length) throw new Error(`The extension module ${entryUrl.href} does not export ${missing.map((f) => `${f}()`).join(', ')}`);
    return { mod, entryUrl: entryUrl.href };
  }

  hostApi(manifest, text) {
    const ns = `ext:${manifest.id}:`;
    const name = manifest.name;
    return {
      apiVersion: this.config.apiVersion,
      platform: { ...PLATFORM },
      environment: this.config.environment,
      manifest: text,
      storage: {
        get: (k) => localStorage.getItem(ns + k),
        set: (k, v) => localStorage.setItem(ns + k, String(v)),
        remove: (k) => localStorage.removeItem(ns + k),
        keys: () => Object.keys(localStorage).filter((k) => k.startsWith(ns)).map((k) => k.slice(ns.length)),
      },
      ui: { slot: (slot) => this.slots[slot] || null },
      editor: { insertMedia: (m) => this.editor.insertMedia(m) },
      getSignerToken: () => this.userToken(),
      signerUrl: this.config.signerUrl,
      ...(this.config.signerTimeoutMs !== undefined ? { signerTimeoutMs: this.config.signerTimeoutMs } : {}),
      ...(this.config.scripts ? { scripts: { ...this.config.scripts } } : {}),
      log: {
        info: (m) => this.message(`${name}: ${m}`),
        warn: (m) => this.message(`${name}: ${m}`, 'warn'),
        error: (m) => this.message(`${name}: ${m}`, 'error'),
      },
    };
  }

  /** The signed-in user's signer token: the configured one, or (demo) one from a signer in
   * development mode, renewed a minute before it expires. */
  async userToken() {
    const c = this.config;
    if (c.signerToken) return c.signerToken;
    if (!c.signerUrl) throw new Error('no signer is configured (?signer=<url>)');
    const now = Date.now() / 1000;
    if (this.token && this.token.expires_at - 60 > now) return this.token.token;
    const res = await fetch(`${c.signerUrl.replace(/\/$/, '')}/v1/dev/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: c.user, roles: c.roles, ttl_secs: 600 }),
    });
    if (!res.ok) throw new Error(`the signer gave no development token (HTTP ${res.status}): start it with --dev`);
    this.token = await res.json();
    return this.token.token;
  }

  /** Signs in as another user (demo and tests): `{user, roles}` or a fixed `{token}`. */
  setUser({ user, roles, token } = {}) {
    if (user !== undefined) this.config.user = user;
    if (roles !== undefined) this.config.roles = roles;
    this.config.signerToken = token || null;
    this.token = null;
  }

  async load(source) {
    const { mod, entryUrl } = await this.loadModule(source);
    const host = this.hostApi(source.manifest, source.text);
    const entry = { ...source, mod, entryUrl, host };
    return entry;
  }

  // -- lifecycle -----------------------------------------------------------------------------
  async start() {
    try {
      this.catalog = await this.fetchManifest(this.config.catalog);
    } catch (e) {
      this.catalog = { error: e.message };
    }
    const records = this.records();
    for (const [id, rec] of Object.entries(records)) {
      if (!rec.enabled) continue;
      await this.run(() => this.activateInstalled(id, rec));
    }
    this.render();
  }

  async activateInstalled(id, rec) {
    const source = await this.fetchManifest(rec.manifestUrl);
    const c = compareVersions(source.manifest.version, rec.version);
    if (c < 0) throw new Error(`${source.manifest.name}: version ${rec.version} is installed but ${rec.manifestUrl} now offers the older ${source.manifest.version}; not loading it (downgrades are not supported)`);
    const entry = await this.load(source);
    if (c > 0) {
      const r = await entry.mod.update(entry.host, rec.version);
      this.message(`${source.manifest.name} updated from ${r.from} to ${r.to}${r.migrations.length ? ` (settings migrated: ${r.migrations.join(', ')})` : ''}`);
      const all = this.records();
      all[id] = { ...rec, version: source.manifest.version };
      this.saveRecords(all);
    }
    await entry.mod.activate(entry.host);
    this.loaded.set(id, entry);
  }

  async install(url) {
    const t0 = performance.now();
    const source = await this.fetchManifest(url);
    const { id, name, version } = source.manifest;
    const records = this.records();
    if (records[id]) {
      if (compareVersions(version, records[id].version) > 0) return this.update(id, url);
      throw new Error(`${name} ${records[id].version} is already installed`);
    }
    const entry = await this.load(source);
    const tLoaded = performance.now();
    const hadData = entry.host.storage.keys().length > 0;
    try {
      const r = await entry.mod.install(entry.host);
      await entry.mod.activate(entry.host);
    } catch (e) {
      // Roll back: nothing of the extension may stay in the page or in storage it did not find.
      try { await entry.mod.deactivate(); } catch { /* already reported below */ }
      if (!hadData) for (const k of entry.host.storage.keys()) entry.host.storage.remove(k);
      throw new Error(`${name} ${version} was not installed: ${e.message || e}`);
    }
    const tReady = performance.now();
    this.timings = { load: tLoaded - t0, installToReady: tReady - tLoaded, total: tReady - t0 };
    this.loaded.set(id, entry);
    this.failed.delete(id);
    records[id] = { version, manifestUrl: source.url, enabled: true };
    this.saveRecords(records);
    this.message(`${name} ${version} installed`);
  }

  async update(id, url) {
    const records = this.records();
    const rec = records[id];
    if (!rec) throw new Error(`no extension "${id}" is installed`);
    const source = await this.fetchManifest(url);
    const { name, version } = source.manifest;
    if (source.manifest.id !== id) throw new Error(`The manifest at ${source.url} is for "${source.manifest.id}", not "${id}"`);
    const c = compareVersions(version, rec.version);
    if (c === 0) throw new Error(`${name} ${version} is already installed`);
    if (c < 0) throw new Error(`${name}: cannot replace ${rec.version} by the older ${version} (downgrades are not supported)`);
    const entry = await this.load(source);
    const old = this.loaded.get(id);
    if (old && rec.enabled) await old.mod.deactivate();
    try {
      const r = await entry.mod.update(entry.host, rec.version);
      if (rec.enabled) await entry.mod.activate(entry.host);
      this.message(`${name} updated from ${r.from} to ${r.to}${r.migrations.length ? ` (settings migrated: ${r.migrations.join(', ')})` : ''}`);
    } catch (e) {
      try { await entry.mod.deactivate(); } catch { /* reported below */ }
      if (old && rec.enabled) await old.mod.activate(old.host);
      throw new Error(`${name} was not updated to ${version}: ${e.message || e}`);
    }
    this.loaded.set(id, entry);
    this.failed.delete(id);
    records[id] = { ...rec, version, manifestUrl: source.url };
    this.saveRecords(records);
  }

  async setEnabled(id, enabled) {
    const records = this.records();
    const rec = records[id];
    if (enabled) {
      await this.activateInstalled(id, rec);
    } else {
      const l = this.loaded.get(id);
      if (l) await l.mod.deactivate();
    }
    records[id] = { ...this.records()[id], enabled };
    this.saveRecords(records);
    this.message(`${this.displayName(id)} ${enabled ? 'enabled' : 'disabled'}`);
  }

  async uninstall(id, keepData) {
    const records = this.records();
    const rec = records[id];
    if (!rec) throw new Error(`no extension "${id}" is installed`);
    let entry = this.loaded.get(id);
    let problem = null;
    try {
      if (!entry) entry = await this.load(await this.fetchManifest(rec.manifestUrl));
      await entry.mod.uninstall(entry.host, { keepData });
    } catch (e) {
      problem = e;
    }
    // The host owns the namespace: whatever the extension left there goes too.
    const ns = `ext:${id}:`;
    const left = Object.keys(localStorage).filter((k) => k.startsWith(ns));
    if (!keepData && left.length) {
      left.forEach((k) => localStorage.removeItem(k));
      this.message(`${this.displayName(id)} left ${left.length} stored keys; the host removed them`, 'warn');
    }
    delete records[id];
    this.saveRecords(records);
    this.loaded.delete(id);
    this.failed.delete(id);
    this.message(`${this.displayName(id, entry)} uninstalled${keepData ? ' (data kept)' : ' (all data removed)'}`);
    if (problem) throw new Error(`${this.displayName(id, entry)}: uninstall reported an error: ${problem.message || problem}`);
  }

  displayName(id, entry) {
    const e = entry || this.loaded.get(id);
    if (e) return e.manifest.name;
    if (this.catalog && this.catalog.manifest && this.catalog.manifest.id === id) return this.catalog.manifest.name;
    return id;
  }

  // -- UI ------------------------------------------------------------------------------------
  onClick(e) {
    const b = e.target.closest('button[data-action]');
    if (!b) return;
    const { action, id } = b.dataset;
    const url = this.catalog && this.catalog.url;
    if (action === 'install') this.run(() => this.install(url));
    else if (action === 'update') this.run(() => this.update(id, url));
    else if (action === 'disable') this.run(() => this.setEnabled(id, false));
    else if (action === 'enable') this.run(() => this.setEnabled(id, true));
    else if (action === 'uninstall-keep') this.run(() => this.uninstall(id, true));
    else if (action === 'uninstall-remove') this.run(() => this.uninstall(id, false));
  }

  render() {
    const records = this.records();
    const cards = [];
    const seen = new Set();
    const cat = this.catalog && this.catalog.manifest;
    if (this.catalog && this.catalog.error) {
      const p = document.createElement('p');
      p.className = 'error';
      p.textContent = this.catalog.error;
      cards.push(p);
    }
    if (cat) { cards.push(this.card(cat, records[cat.id])); seen.add(cat.id); }
    for (const [id, rec] of Object.entries(records)) {
      if (seen.has(id)) continue;
      const l = this.loaded.get(id);
      cards.push(this.card(l ? l.manifest : { id, name: id, version: rec.version }, rec));
    }
    this.catalogEl.replaceChildren(...cards);
  }

  card(m, rec) {
    const el = document.createElement('article');
    el.className = 'ext-card';
    el.dataset.extId = m.id;
    const h = document.createElement('h3');
    h.textContent = m.name;
    const state = !rec ? 'not installed' : this.failed.has(m.id) ? 'error' : rec.enabled ? 'enabled' : 'disabled';
    const badge = document.createElement('span');
    badge.className = `badge ${state === 'error' ? 'error' : ''}`;
    badge.dataset.state = state;
    badge.textContent = state;
    h.append(' ', badge);
    el.append(h);
    if (m.description) { const p = document.createElement('p'); p.textContent = m.description; el.append(p); }
    const dl = document.createElement('dl');
    const row = (k, v) => { const dt = document.createElement('dt'); dt.textContent = k; const dd = document.createElement('dd'); if (v instanceof Node) dd.append(v); else dd.textContent = v; dl.append(dt, dd); };
    const link = (href, text) => { const a = document.createElement('a'); a.href = href; a.textContent = text || href; a.target = '_blank'; a.rel = 'noopener'; return a; };
    if (rec) row('Installed', rec.version);
    const cat = this.catalog && this.catalog.manifest;
    if (cat && cat.id === m.id) row('Available', cat.version);
    if (m.permissions) row('Permissions', m.permissions.join(', '));
    if (m.support) {
      const s = document.createElement('span');
      if (m.support.email) s.append(link(`mailto:${m.support.email}`, m.support.email));
      if (m.support.email && m.support.url) s.append(' · ');
      if (m.support.url) s.append(link(m.support.url, 'report an issue'));
      row('Support', s);
    }
    if (m.docs) row('Documentation', link(m.docs, 'usage guide'));
    if (m.knownLimitations) row('Known limitations', link(m.knownLimitations, 'read before installing'));
    el.append(dl);
    const actions = document.createElement('div');
    actions.className = 'ext-actions';
    const btn = (action, text) => { const b = document.createElement('button'); b.type = 'button'; b.dataset.action = action; b.dataset.id = m.id; b.textContent = text; actions.append(b); };
    if (!rec) btn('install', 'Install');
    else {
      if (cat && cat.id === m.id && compareVersions(cat.version, rec.version) > 0) btn('update', `Update to ${cat.version}`);
      btn(rec.enabled ? 'disable' : 'enable', rec.enabled ? 'Disable' : 'Enable');
      btn('uninstall-keep', 'Uninstall (keep data)');
      btn('uninstall-remove', 'Uninstall and remove all data');
    }
    el.append(actions);
    return el;
  }
}
