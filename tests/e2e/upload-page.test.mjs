// The reference host's large-upload page (www/uploads.html) in headless Chromium with the real
// signer (--dev tokens) and the upload test double (its own instance: the test slows every
// request down with a fault plan so that uploads are seen in progress): the file picker, the drop
// zone, a row per file with progress/rate/ETA, pause/resume/cancel, the limits shown, a refusal
// over maxFiles, and the "resume unfinished uploads" list after a reload, which continues the
// upload when the same file is picked. Writes the README's screenshot, docs/images/upload-queue.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { clickAction, launch, messages, repo } from './helpers.mjs';
import { startSigner } from './signer.mjs';
import { uploadTestServer } from './hosts.mjs';

let ctx;
let signer;
let double;
before(async () => {
  [ctx, signer, double] = await Promise.all([launch('chromium'), startSigner(), uploadTestServer({ own: true })]);
});
after(async () => {
  await ctx?.close();
  await signer?.stop();
  await double?.stop();
});

const MiB = 1 << 20;
const bytes = (n, seed) => { const b = Buffer.alloc(n); for (let i = 0; i < n; i += 4096) b[i] = (i / 4096 + seed) & 255; return b; };
const plan = (p) => fetch(`${double.url}/test/fault-plan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(p) });

test('the large-upload page: picker, drop zone, rows, pause/resume/cancel, limits, refusal, resume after a reload; screenshot', async () => {
  const context = await ctx.browser.newContext({ viewport: { width: 1100, height: 820 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const url = `${ctx.base}uploads.html?signer=${encodeURIComponent(signer.url)}&api=${encodeURIComponent(double.url)}&maxFiles=4&chunkSize=${5 * MiB}`;
  await page.goto(url);
  await page.waitForFunction(() => window.uploadsPage?.ready);
  const limits = await page.textContent('#up-limits');
  assert.match(limits, /Files queued at most4/);
  assert.match(limits, /Files uploading at once3/);
  assert.match(limits, /Part size5\.2 MB/);
  assert.equal(await page.isHidden('#up-resume-box'), true);

  // 1. A file interrupted by a reload: listed, then resumed by picking it again.
  // A file on disk, so that picking it again gives the same last-modified time.
  const dir = mkdtempSync(join(tmpdir(), 'upload-page-'));
  const interrupted = join(dir, 'interview-raw.mov');
  writeFileSync(interrupted, bytes(4 * 5 * MiB + 123, 1));
  await plan({ every: 1, faults: [{ public_id: '', nth: 0, delay_ms: 400 }] });
  try {
    await page.setInputFiles('#up-pick', interrupted);
    await page.waitForFunction(() => window.uploadsPage.queue.files()[0]?.partsDone >= 2);
    await page.reload();
    await page.waitForFunction(() => window.uploadsPage?.ready);
    assert.equal(await page.isVisible('#up-resume-box'), true);
    assert.match(await page.textContent('#up-resume li'), /interview-raw\.mov (10\.5|15\.7) MB of 21\.0 MB sent/);

    // 2. New files: the picker, then the drop zone; five into four places: one refused.
    await page.setInputFiles('#up-pick', [
      { name: 'poster.png', mimeType: 'image/png', buffer: bytes(180_000, 2) },
      { name: 'keynote-2026.mp4', mimeType: 'video/mp4', buffer: bytes(3 * 5 * MiB + 1, 3) },
      { name: 'b-roll-harbour.mp4', mimeType: 'video/mp4', buffer: bytes(4 * 5 * MiB + 77, 4) },
    ]);
    await page.evaluate(() => {
      const dt = new DataTransfer();
      for (const [name, size] of [['team-photo.jpg', 2_400_000], ['extra.bin', 1000]]) dt.items.add(new File([new Uint8Array(size)], name));
      document.querySelector('#up-drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    assert.equal(await page.textContent('#up-notice'), '"extra.bin" was not queued: the queue already holds 4 files, its limit');
    assert.equal(await page.locator('#up-rows tr').count(), 4);
    // Pause the keynote from its row.
    await page.locator('#up-rows tr', { hasText: 'keynote-2026.mp4' }).getByRole('button', { name: 'Pause' }).click();
    await page.waitForFunction(() => window.uploadsPage.queue.files().find((f) => f.name === 'poster.png')?.state === 'done');
    await page.waitForFunction(() => window.uploadsPage.queue.files().find((f) => f.name === 'b-roll-harbour.mp4')?.partsDone >= 2);
    const keynote = await page.evaluate(() => window.uploadsPage.queue.files().find((f) => f.name === 'keynote-2026.mp4').state);
    assert.equal(keynote, 'paused');
    const rowText = await page.textContent('#up-rows');
    assert.match(rowText, /poster\.png.*100% · 1\/1 parts.*done/s);
    assert.match(rowText, /b-roll-harbour\.mp4.*\d+% · [2-4]\/5 parts.*\/s.*uploading/s);
    await page.screenshot({ path: resolve(repo, 'docs/images/upload-queue.png') });

    // 3. Resume the interrupted upload by picking the same file; cancel the rest.
    await page.setInputFiles('#up-resume input[type=file]', interrupted);
    await page.waitForFunction(() => window.uploadsPage.queue.files().some((f) => f.name === 'interview-raw.mov'));
    await page.locator('#up-rows tr', { hasText: 'keynote-2026.mp4' }).getByRole('button', { name: 'Resume' }).click();
    await page.click('#up-cancel-all');
  } finally {
    await plan({ every: 0, faults: [] });
    rmSync(dir, { recursive: true, force: true });
  }
  const states = await page.evaluate(() => Object.fromEntries(window.uploadsPage.queue.files().map((f) => [f.name, [f.state, f.resumed]])));
  assert.deepEqual(states['interview-raw.mov'], ['cancelled', true]);
  assert.deepEqual(states['poster.png'], ['done', false]);
  assert.equal(states['keynote-2026.mp4'][0], 'cancelled');
  // Cancel removed every resume record; nothing else of the queue is in storage.
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('ext:cloudinary-connector:upload:'))), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('uninstall with "remove all data" removes the resume records of unfinished uploads (the plugin clears them, not the host)', async () => {
  const context = await ctx.browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The plugin installed in the reference host (same origin, so the same storage).
  await page.goto(ctx.base);
  await page.evaluate(() => window.refhost.ready);
  await page.waitForSelector('.ext-card');
  await clickAction(page, 'install');
  await page.waitForSelector('.cldc-toolbar-button');
  // An upload interrupted on the large-upload page leaves its resume record.
  await page.goto(`${ctx.base}uploads.html?signer=${encodeURIComponent(signer.url)}&api=${encodeURIComponent(double.url)}&chunkSize=${5 * MiB}`);
  await page.waitForFunction(() => window.uploadsPage?.ready);
  await plan({ every: 1, faults: [{ public_id: '', nth: 0, delay_ms: 300 }] });
  const records = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('ext:cloudinary-connector:upload:')));
  try {
    await page.setInputFiles('#up-pick', { name: 'unfinished.mov', mimeType: 'video/quicktime', buffer: bytes(4 * 5 * MiB + 9, 7) });
    await page.waitForFunction(() => window.uploadsPage.queue.files()[0]?.partsDone >= 1);
    assert.equal((await records()).length, 1, 'one resume record while the upload is unfinished');
  } finally {
    await plan({ every: 0, faults: [] });
  }
  // Back in the reference host: uninstall, removing all data.
  await page.goto(ctx.base);
  await page.evaluate(() => window.refhost.ready);
  await page.waitForSelector('.cldc-toolbar-button');
  assert.equal((await records()).length, 1, 'the record outlives the page');
  await clickAction(page, 'uninstall-remove');
  const msgs = await messages(page);
  assert.ok(msgs.some((m) => /^info: Cloudinary Connector: uninstalled; \d+ stored keys removed$/.test(m)), msgs.join('\n'));
  assert.ok(!msgs.some((m) => m.includes('the host removed them')), `the plugin removed its records itself: ${msgs.join('\n')}`);
  assert.deepEqual(await records(), []);
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('ext:cloudinary-connector:'))), []);
  assert.deepEqual(errors, []);
  await context.close();
});
