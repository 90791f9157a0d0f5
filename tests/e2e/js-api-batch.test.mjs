// The npm package's JavaScript URL API with the real signer, as README's recipe uses them: a signed
// responsive image in ONE batch request (`srcsetToSign` → `POST /v1/sign/delivery/batch` →
// `signedSrcset`), so a 20-width srcset costs one rate-limit token, not 20. The package
// (www/pkg, `--target web`) is loaded in Node from its bytes; every signature is recomputed here
// from the fixture secret.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repo } from './helpers.mjs';
import { startSigner, hs256Token, testEnv } from './signer.mjs';

const pkg = resolve(repo, 'www/pkg');

/** README "Signed responsive images in one request": the recipe, verbatim. */
async function signedSrcsetInOneRequest(api, signerUrl, token, account, id, options, widths) {
  const requests = api.srcsetToSign(id, options, widths, {});
  const items = requests.filter(Boolean).map((r) => r.delivery);
  let signatures = [];
  if (items.length > 0) {
    const res = await fetch(`${signerUrl}/v1/sign/delivery/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ account, items }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`${body.error.message}${body.error.rule ? ` [rule: ${body.error.rule}]` : ''}`);
    signatures = body.results.map((r) => r.signature);
  }
  let next = 0;
  return api.signedSrcset(id, options, widths, {}, requests.map((r) => (r ? signatures[next++] : null)));
}

/** Cloudinary's short URL signature: base64url(sha1(toSign + secret))[0..8]. */
function expectedSignature(toSign, secret) {
  return createHash('sha1').update(toSign + secret).digest('base64url').slice(0, 8);
}

describe('JS API: a signed srcset in one batch request (README recipe)', () => {
  let api;
  let signer;
  before(async () => {
    api = await import(pathToFileURL(resolve(pkg, 'cloudinary_connector.js')).href);
    await api.default({ module_or_path: readFileSync(resolve(pkg, 'cloudinary_connector_bg.wasm')) });
    signer = await startSigner({ rateLimitPerMinute: 600, rateLimitBurst: 2 });
  });
  after(async () => { if (signer) await signer.stop(); });

  const token = () => hs256Token({ sub: 'alice', aud: 'cld-signer', exp: Math.floor(Date.now() / 1000) + 300, roles: { demo: 'uploader' } });
  const options = { cloud_name: 'dn6ot3ged', type: 'authenticated', sign_url: true, crop: 'fill', width: 800 };

  test('twenty widths, one request, every signature right', async () => {
    const widths = { min_width: 100, max_width: 2000, max_images: 20 };
    const { srcset, sizes } = await signedSrcsetInOneRequest(api, signer.url, token(), 'demo', 'team/plan', options, widths);
    const items = srcset.split(', ');
    assert.equal(items.length, 20);
    assert.match(sizes, /^\(max-width: 100px\) 100px, /);
    const secret = testEnv().CLD_TEST_SECRET_DEMO;
    const toSign = api.srcsetToSign('team/plan', options, widths, {}).map((r) => r.toSign);
    items.forEach((item, i) => {
      const [url, w] = item.split(' ');
      assert.match(w, /^\d+w$/);
      assert.ok(url.includes(`/s--${expectedSignature(toSign[i], secret)}--/`), `${url} carries the signature of ${toSign[i]}`);
      assert.ok(url.includes('/image/authenticated/'), url);
    });
    // The signer's burst is 2 here: twenty single requests would have been refused after two.
    const again = await signedSrcsetInOneRequest(api, signer.url, token(), 'demo', 'team/plan', options, widths);
    assert.equal(again.srcset, srcset);
  });

  test('a refusal names its item and rule; nothing is half-signed', async () => {
    const viewer = hs256Token({ sub: 'vic', aud: 'cld-signer', exp: Math.floor(Date.now() / 1000) + 300, roles: { brand: 'viewer' } });
    const privateOptions = { ...options, cloud_name: 'brand-cloud', type: 'private' };
    await assert.rejects(
      signedSrcsetInOneRequest(api, signer.url, viewer, 'brand', 'team/plan', privateOptions, { breakpoints: [200, 400] }),
      /^Error: items\[0\]: .*"private".* \[rule: /,
    );
  });
});
