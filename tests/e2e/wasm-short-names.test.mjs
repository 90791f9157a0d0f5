// scripts/wasm-short-names.py, the build's renaming of the wasm's imports and exports
// (scripts/build-wasm.sh): the wasm and its glue are renamed alike, so the glue still links and
// computes the same; imports from other modules keep their names; its refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = join(root, 'scripts', 'wasm-short-names.py');
const bin = (name) => join(root, 'tools', 'node_modules', '.bin', name);

// Two imports from the glue's module (one of them with a wasm-bindgen hash), one from another
// module, two exports (the memory, which keeps its name, and a function).
const WAT = `(module
 (import "./m_bg.js" "__wbg_twice_0123456789abcdef" (func $twice (param i32) (result i32)))
 (import "./m_bg.js" "__wbindgen_throw" (func $throw (param i32)))
 (import "./snippets/other.js" "keep_me" (func $keep (result i32)))
 (memory $mem 1)
 (export "memory" (memory $mem))
 (export "widgets_answer" (func $answer))
 (func $answer (param $0 i32) (result i32)
  (i32.add
   (call $twice (local.get $0))
   (call $keep)
  )
 )
)`;

// Glue written the way wasm-bindgen writes it: the imports as an object's keys, the exports
// through \`wasm.\`.
const GLUE = `let wasm;
function imports() {
    const import0 = {
        __wbg_twice_0123456789abcdef: function(x) { return x * 2; },
        __wbindgen_throw: function(x) { throw new Error(String(x)); },
    };
    return { "./m_bg.js": import0, "./snippets/other.js": { keep_me: () => 2 } };
}
export function answer(x) { return wasm.widgets_answer(x); }
export function pages() { return wasm.memory.buffer.byteLength / 65536; }
export function init(bytes) {
    wasm = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports()).exports;
}
`;

const DTS = `export const memory: WebAssembly.Memory;
export const widgets_answer: (a: number) => number;
`;

// The web target's declarations: \`init()\` resolves to the wasm's exports (\`InitOutput\`); another
// interface's member of the same name is not the wasm's.
const INIT_DTS = `export interface Page {
    readonly memory: number;
}
export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly widgets_answer: (a: number) => number;
}
`;

function module(dir) {
  writeFileSync(join(dir, 'm.wat'), WAT + '\n');
  execFileSync(bin('wasm-as'), [join(dir, 'm.wat'), '-o', join(dir, 'm_bg.wasm')]);
  writeFileSync(join(dir, 'm.js'), GLUE);
  writeFileSync(join(dir, 'm_bg.wasm.d.ts'), DTS);
  writeFileSync(join(dir, 'm.d.ts'), INIT_DTS);
}

function names(wasm) {
  const m = new WebAssembly.Module(wasm);
  return {
    imports: WebAssembly.Module.imports(m).map((i) => `${i.module} ${i.name}`),
    exports: WebAssembly.Module.exports(m).map((e) => e.name),
  };
}

test('imports from the glue and every export are renamed in the wasm and the glue alike', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-names-'));
  module(dir);
  const before = await import(join(dir, 'm.js') + '?before');
  before.init(readFileSync(join(dir, 'm_bg.wasm')));
  assert.equal(before.answer(20), 42);

  execFileSync('python3', [script, join(dir, 'm_bg.wasm'), 'm_bg.js', join(dir, 'm.js'), join(dir, 'm.d.ts'), join(dir, 'm_bg.wasm.d.ts')]);
  assert.deepEqual(names(readFileSync(join(dir, 'm_bg.wasm'))), {
    imports: ['./m_bg.js $a', './m_bg.js $b', './snippets/other.js keep_me'],
    exports: ['memory', '$a'],
  });
  const glue = readFileSync(join(dir, 'm.js'), 'utf8');
  assert.match(glue, /\$a: function\(x\) \{ return x \* 2; \}/);
  assert.match(glue, /return wasm\.\$a\(x\);/);
  // What init() resolves to keeps its memory by name (a page may read its size).
  assert.match(glue, /wasm\.memory\.buffer/);
  assert.doesNotMatch(glue, /__wbg_twice|__wbindgen_throw|widgets_answer/);
  assert.match(glue, /keep_me: \(\) => 2/);
  assert.equal(readFileSync(join(dir, 'm_bg.wasm.d.ts'), 'utf8'),
    'export const memory: WebAssembly.Memory;\nexport const $a: (a: number) => number;\n');
  assert.equal(readFileSync(join(dir, 'm.d.ts'), 'utf8'), INIT_DTS.replace('widgets_answer', '$a'));

  const after = await import(join(dir, 'm.js') + '?after');
  after.init(readFileSync(join(dir, 'm_bg.wasm')));
  assert.equal(after.answer(20), 42);
  assert.equal(after.pages(), 1);
});

test('what it cannot rename safely is refused with its reason, and nothing is written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-names-'));
  module(dir);
  const glueFile = join(dir, 'm.js');
  const run = (bg, glue) => {
    writeFileSync(glueFile, glue);
    return spawnSync('python3', [script, join(dir, 'm_bg.wasm'), bg, glueFile], { encoding: 'utf8' });
  };
  const wasm = readFileSync(join(dir, 'm_bg.wasm'));
  const cases = [
    ['m_bg.js', GLUE.replace('let wasm;', 'let wasm, $x;'), `${glueFile} already has a name that starts with $`],
    ['m_bg.js', GLUE + 'export const g = () => wasm["widgets_answer"];\n',
      `${glueFile} reads an export as wasm[...], which cannot be renamed`],
    ['other_bg.js', GLUE, 'the module imports nothing from "./other_bg.js"'],
  ];
  for (const [bg, glue, reason] of cases) {
    const r = run(bg, glue);
    assert.equal(r.status, 2, reason);
    assert.equal(r.stderr.trim(), `wasm-short-names.py: ${reason}; nothing renamed`);
    assert.deepEqual(readFileSync(join(dir, 'm_bg.wasm')), wasm, 'the wasm is not written');
    assert.equal(readFileSync(glueFile, 'utf8'), glue, 'the glue is not written');
  }
  writeFileSync(join(dir, 'm_bg.wasm'), Buffer.from('not wasm'));
  const r = run('m_bg.js', GLUE);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), 'wasm-short-names.py: the module is not a WebAssembly 1 binary; nothing renamed');
});
