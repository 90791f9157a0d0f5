// Bad input to the host extension API: a malformed manifest, a version that is not SemVer, a host
// API version outside the plugin's range, a module that fails to load, a manifest that does not
// describe the module, an unknown permission. Each is refused with a clear message in the
// Extensions panel, and the host is left exactly as it was.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openHost, snapshot, messages, clickAction, selfCheck, installFromUrl } from './helpers.mjs';

describe('bad input is refused and leaves the host as it was (chromium)', () => {
  let ctx;
  before(async () => { ctx = await launch('chromium'); });
  after(async () => { if (ctx) await ctx.close(); });

  async function refused(query, act, expected) {
    const { page, context, errors } = await openHost(ctx, { query });
    try {
      assert.ok((await selfCheck(page)).ok);
      const base = await snapshot(page);
      await act(page);
      const msgs = await messages(page);
      assert.deepEqual(msgs.filter((m) => m.startsWith('error: ')), [`error: ${expected(ctx.base)}`]);
      assert.equal(await page.$('.cldc-toolbar-button'), null);
      assert.ok((await selfCheck(page)).ok, "the host's own checks pass");
      const now = await snapshot(page);
      for (const k of Object.keys(base)) assert.deepEqual(now[k], base[k], `${k} changed`);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  }

  test('a manifest that is not JSON', () => refused('', (p) => installFromUrl(p, 'fixtures/bad/not-json.json'),
    (b) => `The manifest at ${b}fixtures/bad/not-json.json is not valid JSON: Expected double-quoted property name in JSON at position 84 (line 2 column 1)`));

  test('a version that is not SemVer', () => refused('', (p) => installFromUrl(p, 'fixtures/bad/not-semver.json'),
    (b) => `The manifest at ${b}fixtures/bad/not-semver.json is invalid: the version "1.0" is not SemVer (MAJOR.MINOR.PATCH, e.g. 1.4.2)`));

  test('a host API version outside the plugin\'s range', () => refused('?hostApi=2.0.0', (p) => clickAction(p, 'install'),
    () => 'Cloudinary Connector 0.1.0 was not installed: host API 2.0.0 is outside the range ^1.0 that Cloudinary Connector supports'));

  test('a host API version that is not SemVer', () => refused('?hostApi=1', (p) => clickAction(p, 'install'),
    () => 'Cloudinary Connector 0.1.0 was not installed: the host API version "1" is not SemVer: unexpected end of input while parsing major version number'));

  test('a module that fails to load (404)', () => refused('', (p) => installFromUrl(p, 'fixtures/bad/missing-module.json'),
    (b) => `Could not load the extension module ${b}pkg/does-not-exist.js?v=0.1.0: Failed to fetch dynamically imported module: ${b}pkg/does-not-exist.js?v=0.1.0`));

  test('a manifest whose version does not match its module', () => refused('', (p) => installFromUrl(p, 'fixtures/bad/version-mismatch.json'),
    () => 'Cloudinary Connector 0.2.0 was not installed: the manifest declares version 0.2.0 but the loaded module is version 0.1.0: the manifest and its entry module must come from the same release'));

  test('a manifest requesting an unknown permission', () => refused('', (p) => installFromUrl(p, 'fixtures/bad/unknown-permission.json'),
    () => 'Cloudinary Connector 0.1.0 was not installed: the manifest requests the unknown permission "camera"; known permissions: storage, ui:toolbar, ui:panel, ui:dialog, network:signer, scripts:cloudinary, user:token'));

  test('a manifest URL that does not exist', () => refused('', (p) => installFromUrl(p, 'fixtures/bad/nothing-here.json'),
    (b) => `Could not fetch the manifest ${b}fixtures/bad/nothing-here.json: HTTP 404`));
  test('a signer timeout out of range (host object signerTimeoutMs = 0)', () => refused('?signer=http://127.0.0.1:9&signerTimeoutMs=0', (p) => clickAction(p, 'install'),
    () => 'Cloudinary Connector 0.1.0 was not installed: cannot activate the feature "ui": the host object\'s `signerTimeoutMs` must be between 1 and 600000 milliseconds, not 0'));
  test('a negative signer timeout (host object signerTimeoutMs = -5)', () => refused('?signer=http://127.0.0.1:9&signerTimeoutMs=-5', (p) => clickAction(p, 'install'),
    () => 'Cloudinary Connector 0.1.0 was not installed: cannot activate the feature "ui": the host object\'s `signerTimeoutMs` must be between 1 and 600000 milliseconds, not -5'));
  test('a signer timeout that is not a number (host object signerTimeoutMs = NaN)', () => refused('?signer=http://127.0.0.1:9&signerTimeoutMs=soon', (p) => clickAction(p, 'install'),
    () => 'Cloudinary Connector 0.1.0 was not installed: cannot activate the feature "ui": the host object\'s `signerTimeoutMs` must be a whole number of milliseconds'));
});
