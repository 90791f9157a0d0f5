// scripts/wasm-order-functions.py, the build's reordering of the wasm's functions for gzip
// (scripts/build-wasm.sh): only the order of the function definitions changes, so a module
// computes the same after it; its refusals of what it cannot reorder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = join(root, 'scripts', 'wasm-order-functions.py');
const bin = (name) => join(root, 'tools', 'node_modules', '.bin', name);

// A module as wasm-dis prints it: two functions of one type around one of another, a table entry,
// an export, and the features comment.
const WAT = `(module
 (type $0 (func (param i32) (result i32)))
 (type $1 (func (result i32)))
 (table $t 1 1 funcref)
 (elem $e (i32.const 0) $twice)
 (export "run" (func $run))
 (func $twice (param $0 i32) (result i32)
  (i32.mul
   (local.get $0)
   (i32.const 2)
  )
 )
 (func $run (result i32)
  (i32.add
   (call $twice
    (i32.const 20)
   )
   (call_indirect $t (type $0)
    (i32.const 1)
    (i32.const 0)
   )
  )
 )
 (func $thrice (param $0 i32) (result i32)
  (i32.mul
   (local.get $0)
   (i32.const 3)
  )
 )
 ;; features section: mutable-globals, sign-ext
)`;

async function run(wat, dir, name) {
  const wasm = join(dir, `${name}.wasm`);
  execFileSync(bin('wasm-as'), [wat, '-o', wasm]);
  const { instance } = await WebAssembly.instantiate(readFileSync(wasm));
  return instance.exports.run();
}

test('the functions are reordered by type and body, and the module computes the same', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-order-'));
  const src = join(dir, 'a.wat');
  const dst = join(dir, 'b.wat');
  writeFileSync(src, WAT + '\n');
  const flags = execFileSync('python3', [script, src, dst], { encoding: 'utf8' }).trim();
  assert.equal(flags, '--enable-mutable-globals --enable-sign-ext');
  const funcs = (text) => [...text.matchAll(/^ \(func \$(\w+)/gm)].map((m) => m[1]);
  assert.deepEqual(funcs(WAT), ['twice', 'run', 'thrice']);
  // The two of one type side by side (then by body: `i32.const 2` before `3`), `run` after them.
  assert.deepEqual(funcs(readFileSync(dst, 'utf8')), ['twice', 'thrice', 'run']);
  assert.equal(await run(src, dir, 'a'), 42);
  assert.equal(await run(dst, dir, 'b'), 42);
});

test('what is not a binaryen text module is refused with its reason', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-order-'));
  const cases = [
    ['not text', 'wasm-order-functions: ' + join(dir, 'x.wat') + ' is not a binaryen text module'],
    ['(module\n ;; features section: sign-ext\n)', 'wasm-order-functions: ' + join(dir, 'x.wat') + ' defines no function'],
    [WAT.replace(/ ;; features section.*\n/, ''), 'wasm-order-functions: ' + join(dir, 'x.wat') + ' has no features comment (wasm-dis writes one)'],
  ];
  for (const [text, message] of cases) {
    writeFileSync(join(dir, 'x.wat'), text + '\n');
    const r = spawnSync('python3', [script, join(dir, 'x.wat'), join(dir, 'y.wat')], { encoding: 'utf8' });
    assert.equal(r.status, 1, text);
    assert.equal(r.stderr.trim(), message);
  }
});
