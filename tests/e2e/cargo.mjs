// Where cargo builds this workspace (`target/`, or CARGO_TARGET_DIR / build.target-dir): asked
// of cargo (`cargo metadata`), as scripts/cargo-target-dir.sh does, so that the suites find
// cld-signer and cld-test-server wherever a developer's cargo puts them.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));

let dir;
/** The workspace's cargo target directory (absolute). */
export function cargoTargetDir() {
  dir ??= JSON.parse(execFileSync('cargo', ['metadata', '--format-version', '1', '--no-deps',
    '--manifest-path', resolve(repo, 'Cargo.toml')], { encoding: 'utf8', maxBuffer: 64 << 20 })).target_directory;
  return dir;
}

/** A binary of the debug build, e.g. `cargoBin('cld-signer')`. */
export const cargoBin = (name, profile = 'debug') => resolve(cargoTargetDir(), profile, name);
