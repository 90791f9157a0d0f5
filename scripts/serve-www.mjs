#!/usr/bin/env node
// Serves the reference host (www/) on 127.0.0.1 with no dependencies. `/pkg.json` is the
// repository's manifest, so the host installs the plugin exactly as released.
//
//   node scripts/serve-www.mjs [--port 8080] [--root www]
// Prints `serving http://127.0.0.1:PORT/` once listening (port 0 = any free port).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const root = resolve(repo, opt('--root', 'www'));
const port = Number(opt('--port', '8080'));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.png': 'image/png' };

export function startServer({ port = 0, root: r = root } = {}) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path === '/pkg.json' ? join(repo, 'pkg.json') : normalize(join(r, path.endsWith('/') ? `${path}index.html` : path));
    if (path !== '/pkg.json' && !file.startsWith(r + sep)) { res.writeHead(403).end(); return; }
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
    }
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok(server)));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const server = await startServer({ port });
  console.log(`serving http://127.0.0.1:${server.address().port}/`);
}
