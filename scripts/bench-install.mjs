#!/usr/bin/env node
// Benchmark: install → ready time of the plugin in the reference host, headless Chromium, all
// scripts local (www/ served from 127.0.0.1). Not a test: it prints figures.
//
//   node scripts/bench-install.mjs [runs=20]
//
// Measured by the host (www/extensions.js, `extensions.timings`), per run in a fresh browser
// context (cold: the module is fetched, compiled and instantiated):
//   load            fetch manifest + import the ES module + compile/instantiate the wasm
//   installToReady  plugin install() + activate(): settings written, UI mounted (the target: ≤ 50 ms)
//   total           click → ready
// and, in the same page after an uninstall, a warm reinstall (module already instantiated).
import { launch, openHost, clickAction } from '../tests/e2e/helpers.mjs';

const runs = Number(process.argv[2] || 20);
const ctx = await launch('chromium');
const cold = [];
const warm = [];
try {
  for (let i = 0; i < runs; i++) {
    const { page, context } = await openHost(ctx);
    await clickAction(page, 'install');
    cold.push(await page.evaluate(() => window.refhost.extensions.timings));
    await clickAction(page, 'uninstall-remove');
    await clickAction(page, 'install');
    warm.push(await page.evaluate(() => window.refhost.extensions.timings));
    await context.close();
  }
} finally {
  await ctx.close();
}
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `min ${s[0].toFixed(1)}  median ${q(0.5).toFixed(1)}  p95 ${q(0.95).toFixed(1)}  max ${s[s.length - 1].toFixed(1)} ms`;
};
console.log(`install → ready in headless Chromium, ${runs} runs (local scripts)`);
for (const [name, set] of [['cold', cold], ['warm', warm]]) {
  for (const k of ['load', 'installToReady', 'total']) console.log(`${name.padEnd(5)} ${k.padEnd(15)} ${stats(set.map((t) => t[k]))}`);
}
