// The reference host's large-upload page: a drop zone and a file picker feeding the plugin's
// UploadQueue (README "Bulk and resumable uploads"), a row per file with progress, rate, ETA and
// pause/resume/cancel, the queue's limits, and the unfinished uploads of earlier pages to resume.
// Resume records live in the extension's storage namespace (`ext:cloudinary-connector:`), the
// one the host API gives the plugin, so "uninstall and remove all data" removes them too.
// Query: ?signer=<cld-signer URL>&api=<Upload API base>&account=<signer account id>
//        &maxFiles= &filesAtOnce= &chunkSize= (the queue's options).
import init, { UploadQueue } from './pkg/cloudinary_connector.js';

const $ = (s) => document.querySelector(s);
const q = new URLSearchParams(location.search);
const NS = 'ext:cloudinary-connector:';
const storage = {
  get: (k) => localStorage.getItem(NS + k),
  set: (k, v) => localStorage.setItem(NS + k, String(v)),
  remove: (k) => localStorage.removeItem(NS + k),
  keys: () => Object.keys(localStorage).filter((k) => k.startsWith(NS)).map((k) => k.slice(NS.length)),
};
const signerUrl = q.get('signer') || 'http://127.0.0.1:8787';
let token = null;
async function userToken() { // a development token from a signer started with --dev
  if (token && token.expires_at - 60 > Date.now() / 1000) return token.token;
  const res = await fetch(`${signerUrl.replace(/\/$/, '')}/v1/dev/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'demo-user', roles: { [q.get('account') || 'demo']: 'uploader' }, ttl_secs: 600 }),
  });
  if (!res.ok) throw new Error(`the signer gave no development token (HTTP ${res.status})`);
  token = await res.json();
  return token.token;
}

const num = (k) => (q.has(k) ? Number(q.get(k)) : undefined);
const bytes = (n) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(0)} kB` : `${n} B`);
const eta = (ms) => (ms == null ? '—' : ms >= 3.6e6 ? `${(ms / 3.6e6).toFixed(1)} h` : ms >= 6e4 ? `${Math.round(ms / 6e4)} min` : `${Math.ceil(ms / 1000)} s`);
const el = (tag, attrs = {}, ...kids) => { const e = document.createElement(tag); Object.assign(e, attrs); e.append(...kids); return e; };

await init();
let queue;
try {
  queue = new UploadQueue({
    signerUrl, token: userToken, account: q.get('account') || 'demo', storage,
    ...(q.has('api') ? { apiBase: q.get('api') } : {}),
    ...Object.fromEntries(['maxFiles', 'filesAtOnce', 'chunkSize', 'concurrency'].filter((k) => q.has(k)).map((k) => [k, num(k)])),
  }, onEvent);
} catch (e) {
  $('#up-notice').textContent = e.message;
  throw e;
}

const rows = new Map();
function row(f) {
  let r = rows.get(f.id);
  if (!r) {
    const bar = el('progress', { max: 1, value: 0 });
    const btn = (label, fn) => el('button', { type: 'button', textContent: label, onclick: () => { try { fn(); } catch (e) { notice(e.message); } } });
    r = {
      tr: el('tr', { className: 'file-row' }), bar, text: el('span'), rate: el('td'), eta: el('td'), state: el('td'),
      pause: btn('Pause', () => queue.pause(f.id)), resume: btn('Resume', () => queue.resume(f.id)), cancel: btn('Cancel', () => queue.cancel(f.id)),
    };
    r.tr.dataset.fileId = f.id;
    r.tr.append(el('td', {}, f.name, el('br'), el('small', { textContent: bytes(f.total) })), el('td', {}, r.bar, ' ', r.text), r.rate, r.eta, r.state, el('td', {}, r.pause, r.resume, r.cancel));
    $('#up-rows').append(r.tr);
    rows.set(f.id, r);
  }
  r.bar.value = f.fraction;
  r.text.textContent = `${Math.floor(f.fraction * 100)}% · ${f.partsDone}/${f.parts} parts`;
  r.rate.textContent = f.rate ? `${bytes(f.rate)}/s` : '—';
  r.eta.textContent = f.state === 'done' ? '' : eta(f.etaMs);
  r.state.replaceChildren(f.state + (f.resumed ? ' (resumed)' : ''), ...(f.error ? [el('div', { className: 'error', textContent: f.error })] : []));
  const final = ['done', 'failed', 'cancelled'].includes(f.state);
  r.pause.hidden = final || f.state === 'paused';
  r.resume.hidden = f.state !== 'paused';
  r.cancel.hidden = final;
}

function notice(text) { $('#up-notice').textContent = text; }
function summary() {
  const s = queue.summary();
  $('#up-summary').textContent = `${s.queuedFiles} queued (${bytes(s.queuedBytes)}) · ${bytes(s.confirmed)} of ${bytes(s.total)} · ${s.rate ? `${bytes(s.rate)}/s` : '—'} · ETA ${eta(s.etaMs)}`
    + (s.pausedUntil ? ` · paused by Cloudinary's rate limit until ${new Date(s.pausedUntil).toLocaleTimeString()}` : '');
}
function onEvent(e) {
  if (e.file) row(e.file);
  if (e.type === 'refused') notice(e.message);
  if (e.type === 'rateLimited') notice(`Cloudinary answered ${e.status}: the queue waits until ${new Date(e.until).toLocaleTimeString()}`);
  if (e.type === 'rateLimitOver') notice('');
  if (e.type === 'done' || e.type === 'failed' || e.type === 'cancelled') renderResume();
  summary();
}

function renderLimits() {
  const l = queue.limits;
  const items = [['Files queued at most', l.maxFiles], ['Bytes queued at most', bytes(l.maxBytes)], ['Files uploading at once', l.filesAtOnce],
    ['Parts in flight per file', l.concurrency], ['Part size', bytes(l.chunkSize)], ['Unfinished uploads kept', '24 h']];
  $('#up-limits').replaceChildren(...items.flatMap(([k, v]) => [el('dt', { textContent: k }), el('dd', { textContent: String(v) })]));
}

function renderResume() {
  const list = queue.unfinished();
  $('#up-resume-box').hidden = list.length === 0;
  $('#up-resume').replaceChildren(...list.map((u) => {
    const input = el('input', { type: 'file', hidden: true });
    input.onchange = async () => {
      try { await queue.resumeUpload(u.uploadId, input.files[0]); notice(''); } catch (e) { notice(e.message); }
      renderResume();
    };
    const li = el('li', {}, el('strong', { textContent: u.name }), ` ${bytes(u.confirmedBytes)} of ${bytes(u.size)} sent`,
      el('label', { className: 'pick' }, 'pick the file to resume', input),
      el('button', { type: 'button', textContent: 'Forget', onclick: () => { queue.forget(u.uploadId); renderResume(); } }));
    li.dataset.uploadId = u.uploadId;
    return li;
  }));
}

function addFiles(files) { const r = queue.add([...files]); if (!r.refused.length) notice(''); summary(); }
const drop = $('#up-drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); addFiles(e.dataTransfer.files); });
$('#up-pick').addEventListener('change', (e) => { addFiles(e.target.files); e.target.value = ''; });
$('#up-pause-all').onclick = () => queue.pause();
$('#up-resume-all').onclick = () => queue.resume();
$('#up-cancel-all').onclick = () => queue.cancel();

renderLimits();
renderResume();
summary();
window.uploadsPage = { queue, ready: true, addFiles };
