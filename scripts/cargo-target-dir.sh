#!/usr/bin/env bash
# Where cargo builds this workspace: `target/` by default, or wherever CARGO_TARGET_DIR,
# `build.target-dir` in a .cargo/config.toml, etc. put it. Asked of cargo itself (`cargo metadata`)
# instead of assumed. Sourced by the scripts that run cargo-built binaries
# (scripts/services.sh, bench-*.sh, release-signer.sh); run alone it prints the directory.
cargo_target_dir() {
  cargo metadata --format-version 1 --no-deps --manifest-path "$(dirname "${BASH_SOURCE[0]}")/../Cargo.toml" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}
if [ "${BASH_SOURCE[0]}" = "$0" ]; then set -euo pipefail; cargo_target_dir; fi
