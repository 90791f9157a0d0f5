#!/usr/bin/env bash
# Builds the installable WordPress plugin: dist/cloudinary-connector-<version>.zip, with the PHP
# shell, the editor and admin scripts, the WebAssembly package (the same build every host loads:
# www/pkg, `scripts/build-wasm.sh --target web`, as scripts/demo.sh builds it) and a WordPress-format readme.txt.
#
#   platforms/wordpress/build.sh                  build www/pkg if missing, then the zip
#   platforms/wordpress/build.sh --no-wasm-build  use www/pkg as it is (the test suite's shared build)
#   CLDC_ZIP_VERSION=0.1.1-test platforms/wordpress/build.sh --no-wasm-build --out DIR
#                                                 a zip that calls itself another version (the update
#                                                 test's "newer zip"; never for release)
#
# The version is the workspace Cargo.toml's (the one version source); the plugin header, the
# CLDC_VERSION constant and readme.txt's Stable tag are checked against it.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
out=$ROOT/dist
build_wasm=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-wasm-build) build_wasm=0 ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

version=$(awk '/^\[workspace.package\]/{w=1} w && /^version *=/{gsub(/version *= *|"/,""); print; exit}' Cargo.toml)
[ -n "$version" ] || { echo "build.sh: no version in Cargo.toml [workspace.package]" >&2; exit 1; }
src=platforms/wordpress/plugin
header=$(sed -n 's/^ \* Version: *//p' $src/cloudinary-connector.php)
const=$(sed -n "s/^const CLDC_VERSION = '\(.*\)';/\1/p" $src/cloudinary-connector.php)
if [ "$header" != "$version" ] || [ "$const" != "$version" ]; then
  echo "build.sh: the plugin header says $header and CLDC_VERSION $const, Cargo.toml $version: make them equal" >&2
  exit 1
fi
zip_version=${CLDC_ZIP_VERSION:-$version}

if [ $build_wasm -eq 1 ] && [ ! -f www/pkg/cloudinary_connector_bg.wasm ]; then
  bash scripts/demo.sh --build-only
fi
[ -f www/pkg/cloudinary_connector_bg.wasm ] || { echo "build.sh: www/pkg is not built (scripts/demo.sh --build-only)" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dir=$stage/cloudinary-connector
mkdir -p "$dir/pkg"
cp -r $src/. "$dir/"
cp www/pkg/cloudinary_connector.js www/pkg/cloudinary_connector_bg.wasm "$dir/pkg/"
cp pkg.json "$dir/pkg/pkg.json"
if [ "$zip_version" != "$version" ]; then
  sed -i "s/^ \* Version: .*/ * Version:           $zip_version/; s/^const CLDC_VERSION = '.*';/const CLDC_VERSION = '$zip_version';/" "$dir/cloudinary-connector.php"
fi
# readme.txt: Stable tag and the changelog of every released version from CHANGELOG.md.
python3 - "$zip_version" CHANGELOG.md platforms/wordpress/readme.txt.in "$dir/readme.txt" <<'PY'
import re, sys
version, changelog, template, target = sys.argv[1:5]
out, section = [], None
for line in open(changelog, encoding="utf-8"):
    m = re.match(r"^## \[(\d+\.\d+\.\d+[^\]]*)\](?: - (\S+))?", line)
    if m:
        section = m.group(1)
        out.append(f"\n= {section} =" + (f" ({m.group(2)})" if m.group(2) else ""))
        continue
    if section is None:
        continue
    if line.startswith("### "):
        out.append(f"\n*{line[4:].strip()}*\n")
    elif line.startswith("- "):
        out.append("* " + line[2:].rstrip())
    elif line.startswith("  ") and out and out[-1].startswith("* "):
        out[-1] += " " + line.strip()
text = open(template, encoding="utf-8").read()
text = text.replace("{{VERSION}}", version).replace("{{CHANGELOG}}", "\n".join(out).strip() + "\n")
open(target, "w", encoding="utf-8").write(text)
PY
grep -q "^Stable tag: $zip_version\$" "$dir/readme.txt"
mkdir -p "$out"
zip_path=$out/cloudinary-connector-$zip_version.zip
rm -f "$zip_path"
(cd "$stage" && zip -qr -X "$zip_path" cloudinary-connector)
# Nothing test-only, and no secret, in what is shipped.
if unzip -Z1 "$zip_path" | grep -qiE 'double|tests/|fixtures'; then
  echo "build.sh: test files found in $zip_path" >&2; exit 1
fi
bash signer/tests/scan-artifacts.sh "$dir" >&2
echo "$zip_path"
