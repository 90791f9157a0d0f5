#!/usr/bin/env bash
# Proves that no signer test secret, and no credential URL, is in the built browser artefacts.
#
#   signer/tests/scan-artifacts.sh [DIR...]      # default: pkg www
#
# Run after `wasm-pack build` (and on any directory that is served to browsers). Searches text and
# binary files (the .wasm too). A credential URL is `cloudinary://<digits>:<secret>@` (placeholders
# such as `cloudinary://<key>:<secret>@<cloud>` in docs do not count).
# Exit 0: clean; 1: a secret was found (the file is named, the secret is not printed); 2: nothing
# to scan.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=signer/tests/fixtures/test-env.sh
source signer/tests/fixtures/test-env.sh
dirs=("$@"); [ ${#dirs[@]} -eq 0 ] && dirs=(pkg www)
existing=()
for d in "${dirs[@]}"; do [ -e "$d" ] && existing+=("$d"); done
if [ ${#existing[@]} -eq 0 ]; then
  echo "scan-artifacts: none of ${dirs[*]} exists; build first (wasm-pack build)" >&2
  exit 2
fi
patterns=()
for v in CLD_TEST_JWT_KEY CLD_TEST_SECRET_DEMO CLD_TEST_SECRET_BRAND CLD_TEST_SECRET_BRAND_EU \
         CLD_TEST_SECRET_BRAND_US CLD_TEST_SECRET_ARCHIVE; do
  patterns+=(-e "${!v}")
done
found=0
if files=$(grep -rlaF "${patterns[@]}" "${existing[@]}"); then
  echo "scan-artifacts: a signer test secret is in: $files" >&2
  found=1
fi
if files=$(grep -rlaE 'cloudinary://[0-9]+:[A-Za-z0-9_-]+@' "${existing[@]}"); then
  echo "scan-artifacts: a cloudinary://key:secret@cloud URL is in: $files" >&2
  found=1
fi
[ $found -eq 0 ] && echo "scan-artifacts: no secret in ${existing[*]} ($(find "${existing[@]}" -type f | wc -l) files)"
exit $found
