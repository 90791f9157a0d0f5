// The real WordPress of the WordPress suite: WordPress 6.5 under WordPress Playground (PHP
// compiled to WebAssembly, SQLite), booted offline on a free loopback port from the pinned npm
// packages of this folder (installed by scripts/setup.sh), plus the services the plugin talks to:
// cld-signer with an EdDSA key whose private half only WordPress holds, the widget script test
// doubles and the Upload API test double. See ../../../../shared/reference/real-hosts-notes.md.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { cargoBin } from '../../../tests/e2e/cargo.mjs';

export const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../../..');
const require = createRequire(import.meta.url);

export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

/** The test secrets of signer/tests/fixtures/test-env.sh. */
export function testEnv() {
  const text = readFileSync(resolve(repo, 'signer/tests/fixtures/test-env.sh'), 'utf8');
  return Object.fromEntries([...text.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
}

/** Starts a process and waits until `ready()` resolves true (or the process exits). */
async function startProcess(name, cmd, args, { env = {}, cwd = repo, ready, timeoutMs = 60000 }) {
  const proc = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const t0 = Date.now();
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${name} exited (${proc.exitCode}): ${log.slice(-2000)}`);
    if (await ready(log).catch(() => false)) break;
    if (Date.now() - t0 > timeoutMs) { proc.kill('SIGKILL'); throw new Error(`${name} not ready within ${timeoutMs} ms: ${log.slice(-2000)}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    log: () => log,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      const dead = new Promise((r) => proc.once('exit', r));
      const late = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await dead;
      clearTimeout(late);
    },
  };
}

const answers = (url) => async () => (await fetch(url)).ok;

/** cld-signer (target/debug) with WordPress's EdDSA public key and the `demo` test account. */
export async function startSigner(dir, publicKeyPem, { issuer } = {}) {
  const bin = cargoBin('cld-signer');
  if (!existsSync(bin)) throw new Error(`${bin} is not built: cargo build -p cloudinary-connector-signer`);
  const pub = join(dir, 'wordpress-ed25519.pub.pem');
  writeFileSync(pub, publicKeyPem);
  chmodSync(pub, 0o600);
  const config = join(dir, 'signer.toml');
  writeFileSync(config, `# cld-signer for the WordPress suite (test values; the secret comes from test-env.sh)
[server]
cors_origins = ["http://127.0.0.1:*"]
rate_limit_per_minute = 6000
rate_limit_burst = 600

[identity]
platform = "WordPress"
platform_version = "6.5.5"
environment = "dev"

[auth]
audience = "cld-signer"
${issuer ? `issuer = "${issuer}"` : ''}
max_token_lifetime_secs = 600

[[auth.keys]]
id = "wp-test"
algorithm = "EdDSA"
public_key_file = "${pub}"

[[accounts]]
id = "demo"
label = "Demo (Programmable Media)"
cloud_name = "dn6ot3ged"
api_key = "614335564976464"
api_secret_env = "CLD_TEST_SECRET_DEMO"
product = ["programmable_media", "dam"]

[accounts.policy.uploader]
upload_presets = ["*"]
`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const p = await startProcess('cld-signer', bin, ['--config', config, '--listen', `127.0.0.1:${port}`],
    { env: { ...testEnv(), CLD_SIGNER_LOG: 'warn' }, ready: answers(`${url}/v1/health`) });
  return { ...p, url };
}

/** The widget script test doubles (tests/doubles/), served with CORS. */
export async function startDoubles() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const p = await startProcess('serve-doubles', process.execPath, [resolve(repo, 'scripts/serve-doubles.mjs'), String(port)],
    { ready: answers(`${url}/health`) });
  return { ...p, url };
}

/** Cloudinary's real Video Player (npm cloudinary-video-player, unpacked by scripts/setup.sh into
 * target/vendor/), served the way a self-hosting site serves it: CORS, and `charset=utf-8` (without
 * it Chromium fails on the bundle's characters). */
export async function startVideoPlayer() {
  const version = readFileSync(resolve(repo, 'scripts/setup.sh'), 'utf8').match(/^VIDEO_PLAYER_VERSION=(\S+)$/m)[1];
  const dist = resolve(repo, `target/vendor/cloudinary-video-player-${version}/dist`);
  if (!existsSync(join(dist, 'cld-video-player.min.js'))) throw new Error(`${dist} is missing: run scripts/setup.sh`);
  const http = await import('node:http');
  const server = http.createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname.replace(/^\/+/, '');
    const file = join(dist, name);
    if (name.includes('..') || !existsSync(file) || !statSync(file).isFile()) { res.writeHead(404); return res.end(); }
    const type = name.endsWith('.css') ? 'text/css; charset=utf-8' : 'application/javascript; charset=utf-8';
    res.writeHead(200, { 'content-type': type, 'access-control-allow-origin': '*' });
    res.end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, stop: () => new Promise((ok) => server.close(ok)) };
}

/** The Upload API test double (tests/cld-test-server), with the shared test accounts. */
export async function startUploadApi() {
  const bin = cargoBin('cld-test-server');
  if (!existsSync(bin)) throw new Error(`${bin} is not built: cargo build -p cld-test-server`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const p = await startProcess('cld-test-server', bin,
    ['--config', resolve(repo, 'signer/tests/fixtures/test-config.toml'), '--listen', `127.0.0.1:${port}`],
    { env: testEnv(), ready: answers(`${url}/health`) });
  return { ...p, url };
}

/** An Ed25519 key pair as WordPress (private, PKCS#8 PEM) and the signer (public, SPKI PEM) hold it. */
export function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }),
  };
}

const builds = resolve(here, 'node_modules/@wp-playground/wordpress-builds');

/**
 * A fresh WordPress 6.5 tree: the build's zip and the static assets it lacks, and wp-config.php
 * naming the token signing key kept outside the web root (mounted at /cldc-keys).
 */
export function siteTree(dir) {
  const site = join(dir, 'site');
  mkdirSync(site, { recursive: true });
  execFileSync('unzip', ['-q', join(builds, 'src/wordpress/wp-6.5.zip'), '-d', site]);
  cpSync(join(builds, 'public/wp-6.5'), site, { recursive: true, force: false, errorOnExist: false });
  const config = join(site, 'wp-config.php');
  const text = readFileSync(config, 'utf8');
  writeFileSync(config, text.replace(/^<\?php/, `<?php
// Cloudinary Connector: the key that signs the users' signer tokens, outside the web root.
define( 'CLOUDINARY_CONNECTOR_SIGNING_KEY_FILE', '/cldc-keys/wordpress-ed25519.pem' );
define( 'CLOUDINARY_CONNECTOR_SIGNING_KEY_ID', 'wp-test' );
`));
  return site;
}

/** Boots WordPress Playground on a free port over `site` (auto-login as admin). */
export async function startWordPress(site, keysDir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const cli = resolve(here, 'node_modules/@wp-playground/cli/wp-playground.js');
  const bin = existsSync(cli) ? cli : resolve(here, 'node_modules/.bin/wp-playground-cli');
  const p = await startProcess('wp-playground', process.execPath, [bin, 'server', `--port=${port}`, '--php=8.3',
    `--mount-before-install=${site}:/wordpress`, `--mount=${keysDir}:/cldc-keys`,
    '--wordpress-install-mode=install-from-existing-files-if-needed',
    '--define-bool', 'WP_HTTP_BLOCK_EXTERNAL', 'true', '--define-bool', 'AUTOMATIC_UPDATER_DISABLED', 'true',
    '--define-bool', 'DISABLE_WP_CRON', 'true', '--login'],
  { cwd: here, ready: async (log) => log.includes('Ready!') && (await fetch(`${url}/`, { redirect: 'manual' })).status < 500, timeoutMs: 180000 });
  return { ...p, url };
}

/** Every row of every table of WordPress's SQLite database, as "table\tjson" lines. */
export function dumpDatabase(site) {
  const db = join(site, 'wp-content/database/.ht.sqlite');
  const out = execFileSync('python3', ['-c', `
import json, sqlite3, sys, shutil, tempfile, os
tmp = tempfile.mkdtemp()
shutil.copy(sys.argv[1], os.path.join(tmp, 'db'))
c = sqlite3.connect(os.path.join(tmp, 'db'))
for (t,) in c.execute("select name from sqlite_master where type='table' and name not like 'sqlite_%' and name not like '_mysql_data_types_cache'"):
    cols = [r[1] for r in c.execute('pragma table_info("%s")' % t)]
    for row in c.execute('select * from "%s"' % t):
        print(t + '\\t' + json.dumps(dict(zip(cols, row)), sort_keys=True, default=str))
shutil.rmtree(tmp)
`, db], { maxBuffer: 256 * 1024 * 1024 });
  return out.toString().split('\n').filter(Boolean);
}

/** Runs one SQL statement on WordPress's database (tests of corrupted settings). */
export function sql(site, statement, params = []) {
  const db = join(site, 'wp-content/database/.ht.sqlite');
  execFileSync('python3', ['-c', `
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute(sys.argv[2], json.loads(sys.argv[3]))
c.commit()
`, db, statement, JSON.stringify(params)]);
}

/** Reads one option's raw value. */
export function optionValue(site, name) {
  const row = dumpDatabase(site).find((l) => l.startsWith('wp_options\t') && JSON.parse(l.split('\t')[1]).option_name === name);
  return row ? JSON.parse(row.split('\t')[1]).option_value : null;
}

/** Every file under wp-content (relative paths; directories end with "/"). */
export function listFiles(site) {
  const root = join(site, 'wp-content');
  const out = [];
  (function walk(d) {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) { out.push(relative(root, p) + '/'); walk(p); } else out.push(relative(root, p));
    }
  })(root);
  return out.filter((p) => !p.startsWith('database/')).sort();
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(d) {
  rmSync(d, { recursive: true, force: true });
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export async function browser() {
  const pw = require(resolve(repo, 'tools/node_modules/playwright-core'));
  return pw.chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

// A stand-in picture for the Cloudinary delivery URLs a page loads (res.cloudinary.com is
// unreachable here), so screenshots show where each image is.
const PICTURE = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="800" height="450" viewBox="0 0 800 450">
<rect width="800" height="450" fill="#dfe4f5"/><text x="400" y="235" font-family="sans-serif" font-size="28" text-anchor="middle" fill="#3448c5">image from res.cloudinary.com (offline test)</text></svg>`);

/** A browser context with the internet blocked: only loopback answers; Cloudinary images are stubbed. */
export async function context(b, { autoLogin = true } = {}) {
  const ctx = await b.newContext({ viewport: { width: 1400, height: 1000 } });
  await ctx.route((u) => !/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(u.href) && !u.href.startsWith('data:'), (r) => {
    if (/^https:\/\/res\.cloudinary\.com\//.test(r.request().url())) return r.fulfill({ status: 200, contentType: 'image/svg+xml', body: PICTURE });
    return r.abort();
  });
  if (!autoLogin) {
    // Playground logs every new browser in as admin once, unless it has done so already.
    await ctx.addCookies([{ name: 'playground_auto_login_already_happened', value: '1', url: 'http://127.0.0.1/' }]);
  }
  return ctx;
}
