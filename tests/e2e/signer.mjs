// Starts the real signer (cargo's debug build of cld-signer) in development mode with the shared test
// configuration (signer/tests/fixtures/test-config.toml, secrets from test-env.sh) on a free
// loopback port, for the end-to-end tests of accounts and widgets.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHmac } from 'node:crypto';
import { join, resolve } from 'node:path';
import { repo } from './helpers.mjs';
import { cargoBin } from './cargo.mjs';

export const SIGNER_BIN = cargoBin('cld-signer');

/** The test secrets of signer/tests/fixtures/test-env.sh (`export NAME='value'` lines). */
export function testEnv() {
  const text = readFileSync(resolve(repo, 'signer/tests/fixtures/test-env.sh'), 'utf8');
  return Object.fromEntries([...text.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

/** Starts the signer; `rateLimitPerMinute`/`rateLimitBurst` replace the fixture's generous test
 * limits (e.g. the production defaults 600 and 60) in a copy of its configuration. */
export async function startSigner({ rateLimitPerMinute, rateLimitBurst } = {}) {
  if (!existsSync(SIGNER_BIN)) throw new Error(`${SIGNER_BIN} is not built: run \`cargo build -p cloudinary-connector-signer\``);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let config = resolve(repo, 'signer/tests/fixtures/test-config.toml');
  let tmp = null;
  if (rateLimitPerMinute || rateLimitBurst) {
    let text = readFileSync(config, 'utf8');
    if (rateLimitPerMinute) text = text.replace(/^rate_limit_per_minute = \d+$/m, `rate_limit_per_minute = ${rateLimitPerMinute}`);
    if (rateLimitBurst) text = text.replace(/^rate_limit_burst = \d+$/m, `rate_limit_burst = ${rateLimitBurst}`);
    tmp = mkdtempSync(join(tmpdir(), 'cld-signer-'));
    config = join(tmp, 'config.toml');
    writeFileSync(config, text);
  }
  const proc = spawn(SIGNER_BIN, ['--dev', '--config', config, '--listen', `127.0.0.1:${port}`],
    { env: { ...process.env, ...testEnv(), CLD_SIGNER_LOG: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`cld-signer exited: ${stderr}`);
    try {
      if ((await fetch(`${url}/v1/health`)).ok) break;
    } catch { /* not yet listening */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** An HS256 token signed with the test key, with any claims (e.g. an `exp` in the past). */
export function hs256Token(claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  const sig = createHmac('sha256', testEnv().CLD_TEST_JWT_KEY).update(head).digest('base64url');
  return `${head}.${sig}`;
}
