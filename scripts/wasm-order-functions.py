#!/usr/bin/env python3
"""Reorders the functions of a WebAssembly module (binaryen text format) so that gzip finds more
repeats: functions of the same type, then of the same body (names erased), end up next to each
other, inside gzip's 32 KB window. Only the order of the module's function definitions changes:
binaryen's text format names every function, call, table entry and export, so `wasm-as` resolves
them all again; imports, types, tables, memory, globals, exports and data keep their places.

Hand-written because a measurement says so (the brief's rule for wasm size): binaryen offers only
`--reorder-functions` (by call count: +4.0 KB gzip here) and `--reorder-functions-by-name` (the
names wasm-bindgen leaves are numbers, so that order is arbitrary: -0.7 KB on the whole plugin,
+0.5 KB on the URL-only build). This order took the whole plugin's wasm from 231,999 to 229,025 B
gzip with the same 559,610 B of raw wasm (scripts/size.sh, 2026-12-02); see scripts/build-wasm.sh.

    wasm-order-functions.py IN.wat OUT.wat

Prints the module's features (from `wasm-dis`'s features comment) as `wasm-as` flags, since the
text format does not carry them: `--enable-bulk-memory --enable-multivalue ...`.
"""

import re
import sys

NAME = re.compile(r"\$[^\s()]+")
HEADER_NAME = re.compile(r"^ \(func \$\S+")


def top_level_items(lines):
    """The module's top-level fields, each a list of lines (binaryen prints one per ` (` line)."""
    items, cur = [], None
    for line in lines:
        if line.startswith(" (") or line.startswith(" ;;"):
            if cur:
                items.append(cur)
            cur = [line]
        elif line == ")":
            break
        elif cur is None:
            sys.exit(f"wasm-order-functions: unexpected line outside a module field: {line[:80]!r}")
        else:
            cur.append(line)
    if cur:
        items.append(cur)
    return items


def order_key(func):
    """(the type and parameters, the body with every name erased)."""
    header = HEADER_NAME.sub("", func[0])
    body = NAME.sub("$", "\n".join(func[1:]))
    return (header, body)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: wasm-order-functions.py IN.wat OUT.wat")
    src, dst = sys.argv[1], sys.argv[2]
    lines = open(src, encoding="utf-8").read().rstrip("\n").split("\n")
    if not lines or lines[0] != "(module":
        sys.exit(f"wasm-order-functions: {src} is not a binaryen text module")
    items = top_level_items(lines[1:])
    is_func = lambda it: it[0].startswith(" (func ")
    funcs = [it for it in items if is_func(it)]
    if not funcs:
        sys.exit(f"wasm-order-functions: {src} defines no function")
    first = items.index(funcs[0])
    others_before = [it for it in items[:first] if not is_func(it)]
    others_after = [it for it in items[first:] if not is_func(it)]
    ordered = sorted(funcs, key=order_key)
    out = ["(module"]
    for it in others_before + ordered + others_after:
        out.extend(it)
    out.append(")")
    # Nothing lost or added: the same lines, in another order.
    if sorted(out) != sorted(lines):
        sys.exit("wasm-order-functions: the reordered module does not have the same lines")
    open(dst, "w", encoding="utf-8").write("\n".join(out) + "\n")
    features = [
        it[0].split(":", 1)[1] for it in items if it[0].startswith(" ;; features section:")
    ]
    if not features:
        sys.exit(f"wasm-order-functions: {src} has no features comment (wasm-dis writes one)")
    print(" ".join("--enable-" + f.strip() for f in features[0].split(",") if f.strip()))


if __name__ == "__main__":
    main()
