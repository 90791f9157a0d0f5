#!/usr/bin/env bash
# The WordPress suite: PHP lint and unit tests (Debian php-cli), then the end-to-end run in the
# real WordPress (WordPress Playground) through WordPress's own screens (wordpress.test.mjs).
# Called by scripts/test.sh after the shared build (www/pkg, target/debug/cld-signer and
# cld-test-server); run it alone the same way once those are built.
set -euo pipefail
cd "$(dirname "$0")"
for f in $(find ../plugin -name '*.php'); do php -l "$f" >/dev/null; done
echo "php lint: $(find ../plugin -name '*.php' | wc -l) files"
php unit.php
node --check ../plugin/assets/editor.js
node --check ../plugin/assets/admin.js
node --test --test-concurrency=1 wordpress.test.mjs
