// Shared by the end-to-end tests of the npm package and the real hosts (CKEditor 5, Decap CMS):
// a static server over several folders (with response headers such as a CSP), and the upload test
// double (tests/cld-test-server) when scripts/services.sh has not started one.
import { createServer } from 'node:http';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { repo } from './helpers.mjs';
import { testEnv } from './signer.mjs';
import { cargoBin } from './cargo.mjs';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.map': 'application/json' };

/** Serves `mounts` (`{'/ck/': absoluteDir, ...}`, longest prefix first) and `pages`
 * (`{'/': html}`) on a free loopback port, with `headers` on every answer. */
export async function serveStatic({ mounts = {}, pages = {}, headers = {} } = {}) {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const head = { 'cache-control': 'no-store', ...headers };
    if (Object.hasOwn(pages, path)) {
      res.writeHead(200, { ...head, 'content-type': TYPES['.html'] }).end(pages[path]);
      return;
    }
    const prefix = prefixes.find((p) => path.startsWith(p));
    if (!prefix) { res.writeHead(404, head).end('not found'); return; }
    const root = mounts[prefix];
    const file = normalize(join(root, path.slice(prefix.length) || 'index.html'));
    if (!file.startsWith(root + sep) && file !== root) { res.writeHead(403, head).end(); return; }
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      res.writeHead(200, { ...head, 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
      res.end(await readFile(file));
    } catch {
      res.writeHead(404, head).end(`not found: ${path}`);
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/** The upload test double: scripts/services.sh's (CLD_TEST_SERVER_URL) when it answers, else
 * one started here on a free port (cargo's debug cld-test-server, the shared test config).
 * `own: true` always starts one (a test that reads its request log or sets a fault plan). */
export async function uploadTestServer({ own = false } = {}) {
  const given = own ? null : process.env.CLD_TEST_SERVER_URL;
  if (given) {
    try {
      if ((await fetch(`${given}/health`)).ok) return { url: given, stop: async () => {} };
    } catch { /* not running: start one */ }
  }
  const bin = cargoBin('cld-test-server');
  if (!existsSync(bin)) throw new Error(`${bin} is not built: run \`cargo build -p cld-test-server\``);
  const port = await new Promise((ok) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); }); });
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(bin, ['--config', resolve(repo, 'signer/tests/fixtures/test-config.toml'), '--listen', `127.0.0.1:${port}`],
    { env: { ...process.env, ...testEnv() }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`cld-test-server exited: ${stderr}`);
    try { if ((await fetch(`${url}/health`)).ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    async stop() { proc.kill('SIGTERM'); await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r))); },
  };
}

/** The test app of the npm package (its tools pinned by its own lockfile). */
export const VITE_APP = resolve(repo, 'tests/vite-app');

/** Installs the packed npm package (scripts/npm-pack.sh) into tests/vite-app with npm, as a
 * developer does (`--no-save`: the app's lockfile pins only its tools). Returns the install dir. */
export function installPackedPackage() {
  const version = JSON.parse(readFileSync(resolve(repo, 'npm/package.json'), 'utf8')).version;
  const tarball = resolve(repo, `target/npm/cloudinary-connector-${version}.tgz`);
  if (!existsSync(tarball)) throw new Error(`${tarball} is missing: run \`bash scripts/npm-pack.sh --web-from www/pkg\``);
  execFileSync('npm', ['install', '--no-save', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: VITE_APP, stdio: 'pipe' });
  return { dir: resolve(VITE_APP, 'node_modules/cloudinary-connector'), version };
}
