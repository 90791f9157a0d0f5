// The upload queue (`UploadQueue`, README "Bulk and resumable uploads") in headless Chromium with
// the real signer and the upload test double (tests/cld-test-server, a fresh one per run so its
// request log and fault plan belong to these tests): 50 files into a queue of 40, faults on at
// least 20% of parts (dropped connections, 500s, 420 with Retry-After; the pause measured on the
// double's clock), a 300 MB upload interrupted by a page reload and resumed with the same file
// (a different file of the same name refused; every confirmed part received exactly once), and
// the wasm memory and JS heap staying flat while 1 GB in 20 files goes through the queue.
// Files are generated in the page from one 1 MiB block per seed; Node recomputes every part's
// SHA-256 from the same generator and compares it with what the double received.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { launchChromium, pkgBuilt, repo } from './helpers.mjs';
import { startSigner, hs256Token } from './signer.mjs';
import { serveStatic, uploadTestServer } from './hosts.mjs';

const MiB = 1 << 20;
const PREFIX = 'ext:cloudinary-connector:';

/** The generator (the page has the same one): a 1 MiB block from `seed`, repeated. */
function block(seed) {
  const b = new Uint8Array(MiB);
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < MiB; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; b[i] = x >>> 24; }
  return b;
}
function sha256OfRange(seed, start, end) { // end inclusive
  const b = block(seed);
  const h = createHash('sha256');
  for (let o = start; o <= end;) {
    const at = o % MiB;
    const n = Math.min(MiB - at, end - o + 1);
    h.update(b.subarray(at, at + n));
    o += n;
  }
  return h.digest('hex');
}

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>upload queue test</title></head>
<body><script type="module">
import init, { UploadQueue } from '/pkg/cloudinary_connector.js';
const wasm = await init();
const MiB = 1 << 20;
function block(seed) {
  const b = new Uint8Array(MiB);
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < MiB; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; b[i] = x >>> 24; }
  return b;
}
// A file of \`size\` bytes: the seed's block repeated (the Blob holds one block, referenced).
window.gen = (seed, size, name, lastModified = 1700000000000) => {
  const b = block(seed);
  const parts = [];
  for (let left = size; left > 0; left -= MiB) parts.push(left >= MiB ? b : b.subarray(0, left));
  return new File(parts, name, { lastModified });
};
const prefix = '${PREFIX}';
// The host API's namespaced storage, as the reference host gives it (docs/host-api.md).
window.storage = {
  get: (k) => localStorage.getItem(prefix + k),
  set: (k, v) => localStorage.setItem(prefix + k, v),
  remove: (k) => localStorage.removeItem(prefix + k),
  keys: () => Object.keys(localStorage).filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)),
};
window.UploadQueue = UploadQueue;
window.wasmMemory = () => wasm.memory.buffer.byteLength;
window.events = [];
window.makeQueue = (opts) => new UploadQueue({ account: 'demo', ...opts, ...window.cfg }, (e) => window.events.push(e));
window.settled = (q) => new Promise((ok) => {
  const check = () => (q.files().every((f) => ['done', 'failed', 'cancelled'].includes(f.state)) ? ok(q.files()) : setTimeout(check, 50));
  check();
});
window.ready = true;
</script></body></html>`;

let browser;
let site;
let signer;
let double;
before(async () => {
  pkgBuilt();
  // A real loopback server for the page (a fulfilled route would make the page "public" to
  // Chromium's Local Network Access checks, which then refuse its requests to loopback).
  [browser, site, signer, double] = await Promise.all([launchChromium(),
    serveStatic({ mounts: { '/pkg/': resolve(repo, 'www/pkg') }, pages: { '/uq-test.html': PAGE } }),
    startSigner(), uploadTestServer({ own: true })]);
});
after(async () => {
  await browser?.close();
  await site?.close();
  await signer?.stop();
  await double?.stop();
});

async function open() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const token = hs256Token({ sub: 'alice', aud: 'cld-signer', exp: Math.floor(Date.now() / 1000) + 3000, roles: { demo: 'uploader' } });
  const cfg = { signerUrl: signer.url, token, apiBase: double.url };
  await page.addInitScript((c) => { window.cfg = c; }, cfg);
  await page.goto(`${site.base}/uq-test.html`);
  await page.waitForFunction(() => window.ready === true);
  return { context, page, errors };
}

const get = async (path) => (await fetch(`${double.url}${path}`)).json();
const faultPlan = (plan) => fetch(`${double.url}/test/fault-plan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(plan) });

/** Every part the double received for `uploadId` has the generator's bytes. */
async function assertByteIdentical(uploadId, seed, size) {
  const r = await get(`/test/uploads?unique_upload_id=${uploadId}`);
  assert.equal(r.done, true, `${uploadId} complete`);
  assert.equal(r.total, size);
  let next = 0;
  for (const p of r.parts) {
    const [, s, e] = p.range.match(/^bytes (\d+)-(\d+)\//).map(Number);
    assert.equal(s, next, 'contiguous');
    assert.equal(p.sha256, sha256OfRange(seed, s, e), `${uploadId} ${p.range}`);
    next = e + 1;
  }
  assert.equal(next, size);
  return r;
}

describe('upload queue (headless Chromium, the real signer, the upload test double)', () => {
  test('50 files into a queue of 40: 10 refused with the message, 40 uploaded byte-identical, at most the documented number in flight', async () => {
    const before = await get('/test/stats');
    const { context, page, errors } = await open();
    // 4 files of 4 parts (so that two middle parts fly at once) among small one-part files.
    const sizes = Array.from({ length: 50 }, (_, i) => (i % 10 === 3 ? 3 * 5 * MiB + 1000 + i : 40_000 + i * 997));
    // Every answer 150 ms late (a delay only, no fault), as over a real network: on a fast
    // unloaded machine loopback answers came back before the queue had filled its slots, and the
    // lower bound on requests in flight below failed (CI rehearsal, peak 3).
    await faultPlan({ every: 1, faults: [{ public_id: '', nth: 0, delay_ms: 150 }] });
    const out = await page.evaluate(async (sizes) => {
      const q = window.makeQueue({ maxFiles: 40, filesAtOnce: 3, concurrency: 2, chunkSize: 5 * 1024 * 1024 });
      const files = sizes.map((s, i) => window.gen(i + 1, s, `file-${String(i).padStart(2, '0')}.bin`));
      const added = q.add(files);
      const limits = q.limits;
      const done = await window.settled(q);
      const summary = q.summary();
      const refusedEvents = window.events.filter((e) => e.type === 'refused').length;
      q.free();
      return { queued: added.queued.length, refused: added.refused, limits, summary, refusedEvents,
        files: done.map((f) => ({ name: f.name, state: f.state, uploadId: f.uploadId, total: f.total, confirmed: f.confirmed, error: f.error })) };
    }, sizes).finally(() => faultPlan({ every: 0, faults: [] }));
    assert.deepEqual(errors, []);
    assert.equal(out.queued, 40);
    assert.equal(out.refused.length, 10);
    assert.deepEqual(out.refused[0], { name: 'file-40.bin', code: 'queue_full', message: '"file-40.bin" was not queued: the queue already holds 40 files, its limit' });
    assert.deepEqual(out.refused.map((r) => r.name), Array.from({ length: 10 }, (_, i) => `file-${40 + i}.bin`));
    assert.equal(out.refusedEvents, 10);
    assert.deepEqual(out.limits, { maxFiles: 40, maxBytes: 100_000_000_000, filesAtOnce: 3, concurrency: 2, chunkSize: 5 * MiB });
    assert.equal(out.files.length, 40);
    for (const [i, f] of out.files.entries()) {
      assert.equal(f.state, 'done', `${f.name}: ${f.error}`);
      assert.equal(f.confirmed, sizes[i]);
      await assertByteIdentical(f.uploadId, i + 1, sizes[i]);
    }
    assert.equal(out.summary.queuedFiles, 0);
    assert.equal(out.summary.fraction, 1);
    // The double's own count of requests in flight: never above 3 files x 2 parts.
    const stats = await get('/test/stats');
    assert.ok(stats.peak_in_flight <= 6, `peak ${stats.peak_in_flight} requests in flight`);
    assert.ok(stats.peak_in_flight >= 4, `the queue used its slots (peak ${stats.peak_in_flight})`);
    assert.equal(stats.requests - before.requests, 36 + 4 * 4, 'every part sent once');
    await context.close();
  });

  test('faults on a quarter of the requests (dropped connections, 500, 420 with Retry-After): every file arrives byte-identical; the queue paused for Retry-After', async () => {
    const { context, page, errors } = await open();
    const logStart = (await get('/test/log')).length;
    await faultPlan({ every: 4, faults: [{ public_id: '', nth: 0, drop: true }, { public_id: '', nth: 0, status: 500 }, { public_id: '', nth: 0, status: 420, retry_after: '2' }] });
    const sizes = Array.from({ length: 6 }, (_, i) => 3 * 5 * MiB + 5000 + i);
    let out;
    try {
      out = await page.evaluate(async (sizes) => {
        const q = window.makeQueue({ filesAtOnce: 2, concurrency: 2, chunkSize: 5 * 1024 * 1024, maxAttempts: 8 });
        q.add(sizes.map((s, i) => window.gen(100 + i, s, `fault-${i}.bin`)));
        const done = await window.settled(q);
        q.free();
        return { files: done.map((f) => ({ state: f.state, uploadId: f.uploadId, error: f.error })),
          rateLimited: window.events.filter((e) => e.type === 'rateLimited').map((e) => e.status) };
      }, sizes);
    } finally {
      await faultPlan({ every: 0, faults: [] });
    }
    assert.deepEqual(errors, []);
    for (const [i, f] of out.files.entries()) {
      assert.equal(f.state, 'done', f.error);
      await assertByteIdentical(f.uploadId, 100 + i, sizes[i]);
    }
    const log = (await get('/test/log')).slice(logStart);
    const faulted = log.filter((l) => [0, 500, 420].includes(l.status));
    const parts = 6 * 4;
    assert.ok(faulted.length >= 0.2 * parts, `${faulted.length} faults for ${parts} parts`);
    assert.ok(faulted.some((l) => l.status === 0) && faulted.some((l) => l.status === 500));
    const limited = log.filter((l) => l.status === 420);
    assert.ok(limited.length >= 1);
    assert.ok(out.rateLimited.includes(420));
    // On the double's clock: after each 420 (Retry-After: 2), no request of any upload arrived
    // until 2 s had passed, except the requests already on their way (within 150 ms).
    for (const l of limited) {
      const early = log.filter((m) => m.at_ms > l.answered_ms + 150 && m.at_ms < l.answered_ms + 2000 - 20);
      assert.deepEqual(early, [], `requests during the pause after the 420 at ${l.answered_ms} ms`);
      assert.ok(log.some((m) => m.at_ms >= l.answered_ms + 1980), 'the queue continued after the pause');
    }
    await context.close();
  });

  test('a 300 MB upload interrupted by a reload continues with the same file; another file of the same name is refused; confirmed parts are never sent twice', async () => {
    const SIZE = 300_000_000;
    const { context, page, errors } = await open();
    const first = await page.evaluate(async (SIZE) => {
      const q = window.makeQueue({ storage: window.storage });
      const [id] = q.add(window.gen(7, SIZE, 'big.mp4')).queued;
      await new Promise((ok) => { const t = () => (q.file(id).partsDone >= 4 ? ok() : setTimeout(t, 20)); t(); });
      return { uploadId: q.file(id).uploadId, partsDone: q.file(id).partsDone, parts: q.file(id).parts };
    }, SIZE);
    assert.equal(first.parts, 15);
    await page.reload(); // the queue and its requests die with the page
    await page.waitForFunction(() => window.ready === true);
    const second = await page.evaluate(async (SIZE) => {
      const q = window.makeQueue({ storage: window.storage });
      const listed = q.unfinished();
      const recordBefore = JSON.parse(window.storage.get(`upload:${listed[0].uploadId}`));
      // Same name, size and date, other content: refused by the hash of its first part.
      const other = await q.resumeUpload(listed[0].uploadId, window.gen(8, SIZE, 'big.mp4')).then(() => 'accepted', (e) => ({ code: e.code, message: e.message }));
      const id = await q.resumeUpload(listed[0].uploadId, window.gen(7, SIZE, 'big.mp4'));
      const resumed = q.file(id);
      const [f] = await window.settled(q);
      const result = q.result(id);
      const left = window.storage.keys();
      q.free();
      return { listed, recordBefore, other, resumed: { resumed: resumed.resumed, confirmed: resumed.confirmed }, f, result: { bytes: result.bytes, public_id: result.public_id }, left };
    }, SIZE);
    assert.deepEqual(errors, []);
    assert.equal(second.listed.length, 1);
    const listed = second.listed[0];
    assert.equal(listed.uploadId, first.uploadId);
    assert.equal(listed.name, 'big.mp4');
    assert.equal(listed.size, SIZE);
    assert.ok(listed.confirmedBytes >= 4 * 20_000_000);
    assert.equal(listed.expiresMs - listed.createdMs, 86_400_000);
    assert.ok(!JSON.stringify(second.recordBefore).includes('signature'), 'no signature stored');
    assert.deepEqual(second.other, { code: 'resume_refused', message: '"big.mp4" is not the file of the unfinished upload of "big.mp4" (its content differs): pick the same file to resume it' });
    assert.equal(second.resumed.resumed, true);
    assert.equal(second.resumed.confirmed, listed.confirmedBytes);
    assert.equal(second.f.state, 'done', second.f.error);
    assert.equal(second.result.bytes, SIZE);
    assert.deepEqual(second.left, [], 'the record is removed on success');
    const r = await assertByteIdentical(first.uploadId, 7, SIZE);
    // Every part confirmed before the reload was received exactly once.
    const confirmedBefore = second.recordBefore.confirmed.map(([s, e]) => `bytes ${s}-${e}/${SIZE}`);
    assert.equal(confirmedBefore.length, listed.confirmedBytes / 20_000_000);
    for (const range of confirmedBefore) {
      const got = r.received.find((x) => x.range === range);
      assert.deepEqual({ range, times: got.times, bytes: got.bytes }, { range, times: 1, bytes: 20_000_000 });
    }
    await context.close();
  });

  test('memory: the wasm memory and the JS heap stay flat while 1 GB in 20 files goes through the queue', async () => {
    const { context, page, errors } = await open();
    const cdp = await context.newCDPSession(page);
    await cdp.send('HeapProfiler.enable');
    const heap = async () => { await cdp.send('HeapProfiler.collectGarbage'); return (await cdp.send('Runtime.getHeapUsage')).usedSize; };
    await page.evaluate(() => {
      // One block, shared by every file: the files cost the page almost nothing themselves.
      const files = Array.from({ length: 20 }, (_, i) => window.gen(9, 50_000_000, `m-${i}.bin`, 1700000000000 + i));
      window.q = window.makeQueue({ storage: window.storage });
      window.q.add(files);
    });
    const samples = [];
    for (;;) {
      const s = await page.evaluate(() => ({ wasm: window.wasmMemory(), summary: window.q.summary(), states: window.q.files().map((f) => f.state) }));
      samples.push({ ...s, heap: await heap() });
      if (s.states.every((x) => x === 'done' || x === 'failed')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const final = await page.evaluate(() => ({ files: window.q.files().map((f) => [f.state, f.error]), wasm: window.wasmMemory() }));
    await page.evaluate(() => window.q.free());
    assert.deepEqual(errors, []);
    assert.ok(final.files.every(([s]) => s === 'done'), JSON.stringify(final.files));
    assert.ok(samples.length >= 4, `${samples.length} samples`);
    const wasm = samples.map((s) => s.wasm);
    const heaps = samples.map((s) => s.heap);
    // Flat: the wasm memory never grows by a part (20 MB), and the JS heap (after GC) stays
    // within three parts per file uploading (3 files x 3 x 20 MB) of its first sample: the 1 GB
    // never enters either.
    assert.ok(Math.max(...wasm) - wasm[0] < 20_000_000, `wasm memory ${wasm[0]} -> ${Math.max(...wasm)}`);
    assert.ok(Math.max(...heaps) - heaps[0] < 3 * 3 * 20_000_000, `JS heap ${heaps[0]} -> ${Math.max(...heaps)}`);
    console.log(`# memory: wasm ${wasm[0]} -> max ${Math.max(...wasm)} B; JS heap ${heaps[0]} -> max ${Math.max(...heaps)} B over ${samples.length} samples`);
    await context.close();
  });
});
