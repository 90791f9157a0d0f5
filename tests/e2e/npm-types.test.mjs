// The npm package's TypeScript declarations, as a developer's compiler sees them: the packed
// tarball installed into tests/vite-app, then the pinned `tsc` (typescript 5.9.3) with `--strict`
// over tests/vite-app/types/example.ts (every export of the main entry and of the adapters) and
// example-web.ts (the plain-module entry). Also: no `any` in any shipped .d.ts, every export
// named in them is used by the examples, and misspelt or mistyped options are compile errors.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { installPackedPackage, VITE_APP } from './hosts.mjs';

const TYPES = resolve(VITE_APP, 'types');
const TSC = resolve(VITE_APP, 'node_modules/typescript/bin/tsc');

function tsc(project) {
  const r = spawnSync(process.execPath, [TSC, '-p', project, '--pretty', 'false'], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

/** Every .d.ts of the installed package (`dir`), relative path → text. */
function declarations(dir) {
  const out = {};
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.d.ts')) out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const withoutComments = (ts) => ts.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '').replace(/(["'`])(?:\\.|(?!\1).)*\1/g, '""');
const exportedNames = (ts) => [...withoutComments(ts).matchAll(/^export (?:declare )?(?:function|class|interface|type|const|enum) ([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]);

let pkg;
before(() => { pkg = installPackedPackage().dir; });

describe('the npm package\'s TypeScript declarations (tsc 5.9.3 --strict)', () => {
  test('the examples using every export type-check', () => {
    const r = tsc(resolve(TYPES, 'tsconfig.json'));
    assert.equal(r.out, '');
    assert.equal(r.status, 0);
  });

  test('no `any` in the shipped declarations; every export is used by the examples', () => {
    const files = declarations(pkg);
    assert.deepEqual(Object.keys(files).sort(), [
      'cloudinary_connector.d.ts', 'cloudinary_connector_bg.wasm.d.ts',
      'platforms/ckeditor5/cloudinary-ckeditor5.d.ts', 'platforms/decap-cms/cloudinary-decap-cms.d.ts', 'web.d.ts',
    ]);
    for (const [name, text] of Object.entries(files)) {
      // The _bg.wasm.d.ts files declare the raw wasm ABI (numbers in, numbers out) for bundlers.
      if (name.endsWith('_bg.wasm.d.ts')) continue;
      const hits = withoutComments(text).split('\n').filter((l) => /\bany\b/.test(l));
      assert.deepEqual(hits, [], `${name} has \`any\``);
    }
    const example = readFileSync(resolve(TYPES, 'example.ts'), 'utf8');
    const exampleWeb = readFileSync(resolve(TYPES, 'example-web.ts'), 'utf8');
    const used = (src, n) => new RegExp(`\\b${n.replace('$', '\\$')}\\b`).test(src);
    const main = exportedNames(files['cloudinary_connector.d.ts']);
    assert.ok(main.length > 80, `the main entry exports ${main.length} names`);
    for (const f of ['cloudinary_connector.d.ts', 'platforms/ckeditor5/cloudinary-ckeditor5.d.ts', 'platforms/decap-cms/cloudinary-decap-cms.d.ts']) {
      assert.deepEqual(exportedNames(files[f]).filter((n) => !used(example, n)), [], `exports of ${f} that example.ts does not use`);
    }
    assert.deepEqual(exportedNames(files['web.d.ts']).filter((n) => !main.includes(n) && !used(exampleWeb, n)), [],
      'exports of web.d.ts that example-web.ts does not use');
  });

  test('a misspelt option name or a wrong type is a compile error', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cld-tsc-'));
    try {
      const expect = {
        'misspelt-option.ts': "error TS2561: Object literal may only specify known properties, but 'signerUrll' does not exist in type 'WidgetsConfig'. Did you mean to write 'signerUrl'?",
        'wrong-type.ts': "error TS2322: Type 'string' is not assignable to type 'boolean | undefined'.",
        'misspelt-upload-option.ts': "error TS2561: Object literal may only specify known properties, but 'maxFileSise' does not exist in type 'UploadWidgetOptions'. Did you mean to write 'maxFileSize'?",
      };
      // One tsc run over the three files: each must give exactly its own error, and nothing else.
      const project = join(tmp, 'bad.json');
      writeFileSync(project, JSON.stringify({ extends: resolve(TYPES, 'tsconfig.json'), files: Object.keys(expect).map((f) => resolve(TYPES, 'bad', f)) }));
      const r = tsc(project);
      assert.equal(r.status, 2, `the bad files compiled: ${r.out}`);
      const lines = r.out.split('\n');
      assert.equal(lines.length, 3, r.out);
      for (const [file, error] of Object.entries(expect)) {
        const line = lines.find((l) => l.startsWith(`tests/vite-app/types/bad/${file}(`));
        assert.ok(line && line.endsWith(error), `${file}: ${r.out}`);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
