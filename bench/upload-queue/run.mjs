// Twenty 50 MB files through (1) the plugin's UploadQueue in headless Chromium (defaults: 3 files
// at once, 2 parts per file, 20,000,000-byte parts, every part signed by the real signer) and
// (2) the official Cloudinary Node SDK's `upload_large` (cloudinary@2.11.0, pinned in this folder,
// same part size, 3 files at once, signed locally with the fixture's test secret), one after the
// other against the same upload test double (release build). Prints throughput and peak memory.
// Run through scripts/bench-upload-queue.sh (it starts the signer and the double).
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchChromium, repo } from '../../tests/e2e/helpers.mjs';
import { hs256Token, testEnv } from '../../tests/e2e/signer.mjs';
import { serveStatic } from '../../tests/e2e/hosts.mjs';

const FILES = Number(process.env.BENCH_FILES || 20);
const SIZE = Number(process.env.BENCH_FILE_BYTES || 50_000_000);
const PART = 20_000_000;
const AT_ONCE = 3;
const signerUrl = process.env.SIGNER_URL;
const apiBase = process.env.CLD_TEST_SERVER_URL;
const MiB = 1 << 20;
const total = FILES * SIZE;
const mb = (n) => (n / 1e6).toFixed(1);

function block(seed) {
  const b = new Uint8Array(MiB);
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < MiB; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; b[i] = x >>> 24; }
  return b;
}

async function queueRun() {
  const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import init, { UploadQueue } from '/pkg/cloudinary_connector.js';
window.wasm = await init(); window.UploadQueue = UploadQueue; window.ready = true;
</script>`;
  const site = await serveStatic({ mounts: { '/pkg/': resolve(repo, 'www/pkg') }, pages: { '/bench.html': PAGE } });
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${site.base}/bench.html`);
    await page.waitForFunction(() => window.ready === true);
    const token = hs256Token({ sub: 'bench', aud: 'cld-signer', exp: Math.floor(Date.now() / 1000) + 3000, roles: { demo: 'uploader' } });
    return await page.evaluate(async ({ FILES, SIZE, signerUrl, apiBase, token }) => {
      const MiB = 1 << 20;
      // Disk-backed files in the Origin Private File System (what a picked file is): headless
      // Chromium cannot read back 1 GB of generated in-memory Blobs (its blob quota).
      const root = await navigator.storage.getDirectory();
      const files = [];
      for (let i = 0; i < FILES; i++) {
        const b = new Uint8Array(MiB); let x = ((i + 1) * 2654435761) >>> 0;
        for (let k = 0; k < MiB; k++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; b[k] = x >>> 24; }
        const h = await root.getFileHandle(`bench-${i}.bin`, { create: true });
        const w = await h.createWritable();
        for (let left = SIZE; left > 0; left -= MiB) await w.write(left >= MiB ? b : b.subarray(0, left));
        await w.close();
        files.push(await h.getFile());
      }
      const mem = () => performance.memory.usedJSHeapSize + window.wasm.memory.buffer.byteLength;
      const base = mem();
      let peak = base;
      const q = new window.UploadQueue({ signerUrl, token, apiBase, account: 'demo', resourceType: 'raw' });
      const t0 = performance.now();
      q.add(files);
      await new Promise((ok) => {
        const tick = () => {
          peak = Math.max(peak, mem());
          if (q.files().every((f) => f.state === 'done' || f.state === 'failed')) ok(); else setTimeout(tick, 20);
        };
        tick();
      });
      const seconds = (performance.now() - t0) / 1000;
      const failed = q.files().filter((f) => f.state !== 'done').map((f) => f.error);
      q.free();
      for (let i = 0; i < FILES; i++) await root.removeEntry(`bench-${i}.bin`);
      return { seconds, failed, baseBytes: base, peakBytes: peak };
    }, { FILES, SIZE, signerUrl, apiBase, token });
  } finally {
    await browser.close();
    await site.close();
  }
}

async function sdkRun() {
  const env = testEnv();
  // upload_prefix is read when the SDK loads: point it at the double first.
  process.env.CLOUDINARY_URL = `cloudinary://614335564976464:${env.CLD_TEST_SECRET_DEMO}@dn6ot3ged?upload_prefix=${encodeURIComponent(apiBase)}`;
  const { v2: cloudinary } = (await import('cloudinary')).default;
  const dir = mkdtempSync(join(tmpdir(), 'bench-sdk-'));
  try {
    // upload_large takes a path: the same bytes as the queue's files, written to disk first.
    const paths = Array.from({ length: FILES }, (_, i) => {
      const p = join(dir, `bench-${i}.bin`);
      const b = block(i + 1);
      const fd = openSync(p, 'w');
      for (let left = SIZE; left > 0; left -= MiB) writeSync(fd, left >= MiB ? b : b.subarray(0, left));
      closeSync(fd);
      return p;
    });
    global.gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
    const t0 = performance.now();
    const failed = [];
    let next = 0;
    const worker = async () => {
      while (next < paths.length) {
        const p = paths[next++];
        try {
          const r = await new Promise((ok, fail) => cloudinary.uploader.upload_large(p, { chunk_size: PART, resource_type: 'raw' }, (e, res) => (e ? fail(e) : ok(res))));
          if (r.bytes !== SIZE) failed.push(`${p}: ${r.bytes} bytes`);
        } catch (e) { failed.push(`${p}: ${e.message || JSON.stringify(e)}`); }
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, worker));
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { seconds, failed, baseBytes: base, peakBytes: peak };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const queue = await queueRun();
const sdk = await sdkRun();
const row = (name, r, what) => `| ${name} | ${mb(total)} MB in ${FILES} files | ${r.seconds.toFixed(2)} s | ${mb(total / r.seconds)} MB/s | ${what}: ${mb(r.baseBytes)} -> ${mb(r.peakBytes)} MB (+${mb(r.peakBytes - r.baseBytes)} MB) | ${r.failed.length ? `FAILED: ${r.failed.join('; ')}` : 'all done'} |`;
console.log('| run | data | time | throughput | peak memory | result |');
console.log('|---|---|---|---|---|---|');
console.log(row('UploadQueue (Chromium, 3 files x 2 parts, signer per part)', queue, 'page JS heap + wasm memory'));
console.log(row('cloudinary@2.11.0 upload_large (Node, 3 files at once)', sdk, 'Node process RSS'));
console.log(`throughput ratio queue/SDK: ${(sdk.seconds / queue.seconds).toFixed(2)}x; memory budget (3 parts x 3 files uploading): ${mb(3 * AT_ONCE * PART)} MB`);
writeFileSync(resolve(repo, 'target/bench-upload-queue/results.json'), JSON.stringify({ files: FILES, size: SIZE, queue, sdk }, null, 2));
if (queue.failed.length || sdk.failed.length) process.exit(1);
