#!/usr/bin/env node
// Serves tests/doubles/ (the widget test doubles) on 127.0.0.1 for the browser tests.
//
//   node scripts/serve-doubles.mjs [port]        (default 18788; DOUBLES_URL=http://127.0.0.1:<port>)
//
// Routes:
//   GET /<file>                 a file of tests/doubles/ (CORS: any origin)
//   GET /delay/<ms>/<file>      the same file after <ms> milliseconds (timeout tests)
//   GET /404/<anything>         404 (load-failure tests)
//   GET /health                 200 "ok"
//   * /hang/<anything>          accepts the request and never answers (client timeout tests)
//   * /stall/<anything>         answers 200 and part of a JSON body, never the rest (timeout tests)
// Any method reads a file (POST included: a canned signer answer under tests/doubles/signer/).
// Test-only: never part of the shipped package.
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'doubles');
const port = Number(process.argv[2] || 18788);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`serve-doubles: bad port ${process.argv[2]}`);
  process.exit(2);
}
const types = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.md': 'text/markdown' };

// Requests held open by /hang and /stall, ended when the server stops.
const hung = new Set();
const verbose = process.env.SERVE_DOUBLES_VERBOSE === '1';
const server = http.createServer(async (req, res) => {
  if (verbose) console.error(`${req.method} ${req.url} origin=${req.headers.origin || '-'}`);
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  // `*` does not cover Authorization: the signer client's requests send a bearer token.
  res.setHeader('Access-Control-Allow-Headers', '*, authorization');
  res.setHeader('Cache-Control', 'no-store');
  // The wasm-bindgen test page is cross-origin isolated (COEP require-corp): allow embedding.
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  if (req.method === 'OPTIONS') { res.writeHead(204); return res.end(); }
  let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (p === '/health') { res.writeHead(200, { 'Content-Type': 'text/plain' }); return res.end('ok'); }
  if (p.startsWith('/hang/')) { hung.add(res); res.on('close', () => hung.delete(res)); return; }
  if (p.startsWith('/stall/')) {
    hung.add(res); res.on('close', () => hung.delete(res));
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.write('{"results": [');
  }
  if (p.startsWith('/404/')) { res.writeHead(404, { 'Content-Type': 'text/plain' }); return res.end('not found (on purpose)'); }
  const delay = p.match(/^\/delay\/(\d+)(\/.*)$/);
  if (delay) {
    await new Promise((r) => setTimeout(r, Math.min(Number(delay[1]), 60000)));
    p = delay[2];
  }
  const file = path.join(root, path.normalize(p).replace(/^([/\\])+/, ''));
  if (!file.startsWith(root + path.sep)) { res.writeHead(403); return res.end(); }
  try {
    const body = await fs.readFile(file);
    res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('no such double');
  }
});
server.listen(port, '127.0.0.1', () => console.error(`serve-doubles: http://127.0.0.1:${port} over ${root}`));
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => { for (const r of hung) r.destroy(); server.close(() => process.exit(0)); });
