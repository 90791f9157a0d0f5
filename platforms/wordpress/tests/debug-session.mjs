// Developer aid (not a test): boots the WordPress suite's environment and keeps it running,
// printing its URLs, so a step can be tried by hand. Stop with Ctrl+C.
import { writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import * as wp from './wp.mjs';
const dir = process.argv[2] || wp.tempDir('cldc-wp-dbg-');
const keys = join(dir, 'keys');
mkdirSync(keys, { recursive: true });
const pair = wp.keyPair();
writeFileSync(join(keys, 'wordpress-ed25519.pem'), pair.privatePem);
chmodSync(join(keys, 'wordpress-ed25519.pem'), 0o600);
const site = wp.siteTree(dir);
const [signer, doubles, uploadApi] = await Promise.all([wp.startSigner(dir, pair.publicPem), wp.startDoubles(), wp.startUploadApi()]);
const wordpress = await wp.startWordPress(site, keys);
const info = { dir, site, wordpress: wordpress.url, signer: signer.url, doubles: doubles.url, uploadApi: uploadApi.url };
writeFileSync(join(dir, 'session.json'), JSON.stringify(info));
console.log(JSON.stringify(info));
process.on('SIGINT', async () => { for (const s of [wordpress, signer, doubles, uploadApi]) await s.stop(); process.exit(0); });
