// The reference host: a small notes editor with its own features (documents saved in
// localStorage, a formatting toolbar) and an Extensions panel implementing the host side of the
// host extension API 1.0 (docs/host-api.md).
import { ExtensionManager } from './extensions.js';

const DOCS_KEY = 'refhost:docs';
const CURRENT_KEY = 'refhost:current';
const $ = (sel) => document.querySelector(sel);

// ---------------------------------------------------------------------------------------------
// Documents (the host's own feature)
// ---------------------------------------------------------------------------------------------
export const docs = {
  all() {
    try { return JSON.parse(localStorage.getItem(DOCS_KEY) || '[]'); } catch { return []; }
  },
  write(list) {
    if (list.length) localStorage.setItem(DOCS_KEY, JSON.stringify(list));
    else localStorage.removeItem(DOCS_KEY);
  },
  current() { return localStorage.getItem(CURRENT_KEY); },
  setCurrent(id) {
    if (id) localStorage.setItem(CURRENT_KEY, id); else localStorage.removeItem(CURRENT_KEY);
  },
};

function renderList() {
  const list = $('#doc-list');
  list.replaceChildren(...docs.all().map((d) => {
    const li = document.createElement('li');
    if (d.id === docs.current()) li.setAttribute('aria-current', 'true');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = d.title || 'Untitled';
    b.dataset.docId = d.id;
    li.append(b);
    return li;
  }));
}

function open(id) {
  const d = docs.all().find((x) => x.id === id);
  docs.setCurrent(d ? d.id : null);
  $('#doc-title').value = d ? d.title : '';
  $('#editor').innerHTML = d ? d.html : '';
  renderList();
}

function status(text) { $('#doc-status').textContent = text; }

export const editor = {
  newDoc() {
    const list = docs.all();
    const d = { id: `d${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`, title: '', html: '' };
    list.push(d);
    docs.write(list);
    open(d.id);
    status('New document');
    return d.id;
  },
  save() {
    let id = docs.current();
    if (!id) id = this.newDoc();
    const list = docs.all();
    const d = list.find((x) => x.id === id);
    d.title = $('#doc-title').value.trim();
    d.html = $('#editor').innerHTML;
    docs.write(list);
    renderList();
    status(`Saved “${d.title || 'Untitled'}”`);
  },
  remove() {
    const id = docs.current();
    if (!id) return;
    docs.write(docs.all().filter((x) => x.id !== id));
    open(null);
    status('Document deleted');
  },
  command(cmd) {
    $('#editor').focus();
    if (cmd === 'h2') document.execCommand('formatBlock', false, 'h2');
    else document.execCommand(cmd);
  },
  // Host API 1.0 `editor.insertMedia`: used by extensions.
  insertMedia(media) {
    if (!media || typeof media.url !== 'string' || !/^https:\/\//.test(media.url)) {
      throw new TypeError('insertMedia needs {url: "https://…"}');
    }
    const fig = document.createElement('figure');
    const img = document.createElement('img');
    img.src = media.url;
    img.alt = media.alt || '';
    if (media.publicId) img.dataset.publicId = media.publicId;
    fig.append(img);
    $('#editor').append(fig);
    status('Image inserted');
  },
};

// The host's own checks: create, format, save, reopen and delete a document, leaving the host
// exactly as it was. Used by the end-to-end tests before and after extensions come and go.
export async function selfCheck() {
  const checks = [];
  const check = (name, ok, detail = '') => checks.push({ name, ok: !!ok, detail });
  const before = { current: docs.current(), title: $('#doc-title').value, html: $('#editor').innerHTML, status: $('#doc-status').textContent, count: docs.all().length };
  const id = editor.newDoc();
  check('new document is current', docs.current() === id);
  $('#doc-title').value = 'Self-check';
  $('#editor').textContent = 'hello';
  const range = document.createRange();
  range.selectNodeContents($('#editor'));
  const sel = getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  document.querySelector('[data-cmd=bold]').click();
  check('bold formats the selection', /<(b|strong)>hello<\/(b|strong)>/.test($('#editor').innerHTML), $('#editor').innerHTML);
  $('#doc-save').click();
  const saved = docs.all().find((d) => d.id === id);
  check('save stores the document', saved && saved.title === 'Self-check' && /hello/.test(saved.html));
  check('the list shows the document', [...document.querySelectorAll('#doc-list button')].some((b) => b.textContent === 'Self-check'));
  open(null);
  open(id);
  check('reopening restores the body', /hello/.test($('#editor').innerHTML));
  $('#doc-delete').click();
  check('delete removes the document', !docs.all().some((d) => d.id === id) && docs.all().length === before.count);
  sel.removeAllRanges();
  open(before.current);
  $('#doc-title').value = before.title;
  $('#editor').innerHTML = before.html;
  $('#doc-status').textContent = before.status;
  return { ok: checks.every((c) => c.ok), checks };
}

function wire() {
  $('#doc-new').addEventListener('click', () => editor.newDoc());
  $('#doc-save').addEventListener('click', () => editor.save());
  $('#doc-delete').addEventListener('click', () => editor.remove());
  $('#doc-list').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-doc-id]');
    if (b) open(b.dataset.docId);
  });
  document.querySelector('.toolbar').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-cmd]');
    if (b) editor.command(b.dataset.cmd);
  });
  // Ctrl+S saves (the host's own shortcut).
  document.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 's') {
      e.preventDefault();
      editor.save();
    }
  });
}

const params = new URLSearchParams(location.search);
const config = {
  // Overridable for demos and tests: ?hostApi=2.0.0 simulates another host API version;
  // ?signer=http://127.0.0.1:8787 configures the signer endpoint; ?catalog=url the catalog manifest.
  apiVersion: params.get('hostApi') || '1.0.0',
  signerUrl: params.get('signer') || null,
  // ?signerTimeoutMs=500: how long the plugin waits for the signer (default 30 s).
  signerTimeoutMs: params.has('signerTimeoutMs') ? Number(params.get('signerTimeoutMs')) : undefined,
  catalog: params.get('catalog') || 'pkg.json',
  environment: params.get('env') || 'dev',
  // The signed-in user the signer token is for. A real host gets the token from its own login;
  // the demo asks a signer started with --dev (POST /v1/dev/token): ?user=alice&roles=demo:admin,
  // or a fixed ?token=<JWT>.
  user: params.get('user') || 'demo-user',
  roles: parseRoles(params.get('roles') || 'demo:admin'),
  signerToken: params.get('token') || null,
  // Self-hosted widget scripts (?mediaLibraryScript=url&uploadWidgetScript=url), as a host that
  // serves Cloudinary's scripts from its own origin would configure them.
  scripts: scriptOverrides(),
};

/** `demo:admin,brand:viewer` → `{demo: 'admin', brand: 'viewer'}`. */
function parseRoles(text) {
  return Object.fromEntries(text.split(',').map((p) => p.trim()).filter(Boolean).map((p) => p.split(':').map((x) => x.trim())));
}

function scriptOverrides() {
  const map = { mediaLibraryScript: 'media_library', uploadWidgetScript: 'upload_widget', productGalleryScript: 'product_gallery' };
  const out = {};
  for (const [param, key] of Object.entries(map)) {
    const v = params.get(param);
    if (v) out[key] = new URL(v, location.href).href;
  }
  return Object.keys(out).length ? out : null;
}

wire();
open(docs.current());
$('#host-api-version').textContent = config.apiVersion;
export const extensions = new ExtensionManager({
  config,
  editor,
  slots: Object.fromEntries([...document.querySelectorAll('[data-slot]')].map((el) => [el.dataset.slot, el])),
  catalogEl: $('#ext-catalog'),
  messagesEl: $('#ext-messages'),
});
window.refhost = { editor, docs, selfCheck, extensions, ready: extensions.start() };
