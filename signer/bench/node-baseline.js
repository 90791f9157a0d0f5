// Benchmark baseline: the signing endpoint existing integrations recommend (next-cloudinary's
// `signatureEndpoint`): POST {"paramsToSign": {...}} -> {"signature": api_sign_request(...)},
// with the official `cloudinary` npm package, no authentication and no policy.
//
//   BENCH_SECRET=... PORT=18801 WORKERS=1 node signer/bench/node-baseline.js
'use strict';
const http = require('http');
const cluster = require('cluster');
const cloudinary = require('cloudinary').v2;

const secret = process.env.BENCH_SECRET;
const port = Number(process.env.PORT || 18801);
const workers = Number(process.env.WORKERS || 1);
if (!secret) {
  console.error('node-baseline: set BENCH_SECRET');
  process.exit(2);
}

if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', (w, code) => console.error(`node-baseline: worker ${w.process.pid} exited ${code}`));
} else {
  http
    .createServer((req, res) => {
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        try {
          const { paramsToSign } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          const signature = cloudinary.utils.api_sign_request(paramsToSign, secret);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ signature }));
        } catch (e) {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'bad request' }));
        }
      });
    })
    .listen(port, '127.0.0.1');
}
