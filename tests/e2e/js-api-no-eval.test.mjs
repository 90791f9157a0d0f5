// A page whose Content-Security-Policy has no 'unsafe-eval' (only 'wasm-unsafe-eval' for the
// module) forbids `eval` and `new Function`. The package must not need either. Node's
// `--disallow-code-generation-from-strings` applies the same V8 check, so the built package
// (www/pkg) is loaded in such a Node process and its JS API driven there: Widgets, ChunkedUpload
// (options read through the NaN/Infinity check) and url().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repo } from './helpers.mjs';

const pkg = resolve(repo, 'www/pkg');

const child = `
import { readFileSync } from 'node:fs';
const api = await import(${JSON.stringify(pathToFileURL(resolve(pkg, 'cloudinary_connector.js')).href)});
await api.default({ module_or_path: readFileSync(${JSON.stringify(resolve(pkg, 'cloudinary_connector_bg.wasm'))}) });
const out = {};
const attempt = (name, f) => { try { out[name] = f(); } catch (e) { out[name] = 'threw ' + e.name + ': ' + e.message; } };
attempt('codegen', () => { new Function('return 1'); return 'allowed'; });
attempt('widgets', () => { new api.Widgets({ platform: 'Reference Host', platformVersion: '2.1.0', signerTimeoutMs: 5000 }); return 'ok'; });
attempt('widgetsNaN', () => { new api.Widgets({ platform: 'Reference Host', platformVersion: '2.1.0', signerTimeoutMs: NaN }); return 'ok'; });
attempt('upload', () => {
  const up = new api.ChunkedUpload(new Blob(['x']), { signerUrl: 'http://127.0.0.1:9', token: 't', account: 'demo', signerTimeoutMs: 5000 });
  up.cancel(); up.free(); return 'ok';
});
attempt('uploadInfinity', () => { new api.ChunkedUpload(new Blob(['x']), { signerUrl: 'http://127.0.0.1:9', token: 't', account: 'demo', signerTimeoutMs: -Infinity }); return 'ok'; });
attempt('url', () => api.url('sample', { cloud_name: 'demo', width: 100, crop: 'scale' }));
console.log(JSON.stringify(out));
`;

test('the package needs no eval or new Function (a CSP without unsafe-eval)', () => {
  const r = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', child],
    { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.equal(out.codegen, 'threw EvalError: Code generation from strings disallowed for this context', 'the flag is in force');
  assert.equal(out.widgets, 'ok');
  assert.equal(out.widgetsNaN, 'threw Error: bad widgets config: signerTimeoutMs is NaN, not a JSON number');
  assert.equal(out.upload, 'ok');
  assert.equal(out.uploadInfinity, 'threw Error: upload options: signerTimeoutMs is -Infinity, not a JSON number');
  assert.equal(out.url, 'https://res.cloudinary.com/demo/image/upload/c_scale,w_100/sample');
});
