#!/usr/bin/env python3
"""Short names for the links between the wasm and its JS glue (scripts/build-wasm.sh).

wasm-bindgen names each JS function the wasm imports `__wbg_<name>_<16 hex digits>` and each
export `<class>_<method>`; both names are written twice, in the wasm and in the glue, and the
hashes do not compress. This renames every import from the glue's own module (`./STEM_bg.js`)
and every export but `memory` to `$` and a base-52 number (`$a`, `$b`, ... `$ba`, ...), in the
wasm, in the glue files and in the declarations of the wasm's exports (`STEM_bg.wasm.d.ts`, the
web target's `InitOutput`) alike; `$` starts no name wasm-bindgen writes, so a new name never
meets an old one. The module computes the same: only the names of its imports and exports change, and the
glue that calls them is renamed with them. Measured on the whole plugin (scripts/size.sh,
2026-12-02): 238,385 -> 232,068 B gzip (wasm -3.8 KB, glue -2.5 KB); the imports
alone -5.5 KB. Only the names that link the two files change: the public JS API keeps its names.

  scripts/wasm-short-names.py MODULE.wasm STEM_bg.js GLUE [GLUE ...]   (GLUE: .js or .d.ts)

Renames in place. Refuses (exit 2, nothing written) what it cannot rename safely: a module that
is not wasm or imports nothing from the glue, a glue that already has `$` names or reads an
export as `wasm[...]`, an old name left after renaming.
"""

import re
import sys

ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


# `init()` resolves to the wasm's exports (the web target's `InitOutput`): of those, a page may
# read the memory (its size, say), so `memory` keeps its name; the rest are wasm-bindgen's ABI.
KEPT = {"memory"}


class Refusal(Exception):
    pass


def short_name(n):
    s = ALPHABET[n % 52]
    n //= 52
    while n:
        s += ALPHABET[n % 52]
        n //= 52
    return "$" + s


def leb(b, i):
    r = s = 0
    while True:
        if i >= len(b):
            raise Refusal("the module ends inside a number")
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def enc(n):
    o = bytearray()
    while True:
        x = n & 0x7F
        n >>= 7
        if n:
            o.append(x | 0x80)
        else:
            o.append(x)
            return bytes(o)


def name_at(b, i):
    n, i = leb(b, i)
    return b[i : i + n].decode("utf-8"), i + n


def skip_limits(b, i):
    flags, i = leb(b, i)
    _, i = leb(b, i)
    if flags & 1:
        _, i = leb(b, i)
    return i


def skip_desc(b, i, kind):
    if kind == 0:  # func: type index
        _, i = leb(b, i)
    elif kind == 1:  # table: reftype, limits
        i = skip_limits(b, i + 1)
    elif kind == 2:  # memory: limits
        i = skip_limits(b, i)
    elif kind == 3:  # global: valtype, mutability
        i += 2
    elif kind == 4:  # tag: attribute, type index
        _, i = leb(b, i + 1)
    else:
        raise Refusal(f"an import of unknown kind {kind}")
    return i


def rename(wasm, module):
    """The renamed module, and the renames: {old: new} for imports and for exports."""
    if wasm[:8] != b"\0asm\1\0\0\0":
        raise Refusal("the module is not a WebAssembly 1 binary")
    out = bytearray(wasm[:8])
    imports, exports = {}, {}
    i = 8
    while i < len(wasm):
        sid = wasm[i]
        size, j = leb(wasm, i + 1)
        end = j + size
        if sid == 2:
            count, k = leb(wasm, j)
            body = bytearray(enc(count))
            for _ in range(count):
                mod, k = name_at(wasm, k)
                field, k = name_at(wasm, k)
                start = k
                k = skip_desc(wasm, k + 1, wasm[k])
                if mod == module:
                    if field in imports:
                        raise Refusal(f"the module imports {field} twice")
                    imports[field] = short_name(len(imports))
                    field = imports[field]
                body += enc(len(mod.encode())) + mod.encode()
                body += enc(len(field.encode())) + field.encode() + wasm[start:k]
            out += bytes([2]) + enc(len(body)) + body
        elif sid == 7:
            count, k = leb(wasm, j)
            body = bytearray(enc(count))
            for _ in range(count):
                field, k = name_at(wasm, k)
                start = k
                _, k = leb(wasm, k + 1)
                if field not in KEPT:
                    exports[field] = short_name(len(exports))
                new = exports.get(field, field).encode()
                body += enc(len(new)) + new + wasm[start:k]
            out += bytes([7]) + enc(len(body)) + body
        else:
            out += wasm[i:end]
        i = end
    if not imports:
        raise Refusal(f'the module imports nothing from "{module}"')
    return bytes(out), imports, exports


# What the renaming reads in the glue, one pattern each, for the renaming and for its check:
# wasm-bindgen's import names; the glue's `wasm.NAME` reads of an export; the wasm's own
# declarations (`STEM_bg.wasm.d.ts`: `export const NAME:`); the web target's `InitOutput`, what
# `init()` resolves to (the wasm's exports), and its members. Group 1 is what stays before the
# name, group 2 the name.
IMPORT = re.compile(r"(?<![\w$])()(__wb[A-Za-z0-9_]+)(?![\w$])")
MEMBER = re.compile(r"(?<![\w$.])(wasm\.)([A-Za-z_$][\w$]*)")
DECL = re.compile(r"^(export const )([A-Za-z_$][\w$]*)(?=:)", re.M)
INIT_OUTPUT = re.compile(r"^export interface InitOutput \{\n(?:    readonly [^\n]*\n)*\}", re.M)
READONLY = re.compile(r"^(    readonly )([A-Za-z_$][\w$]*)(?=:)", re.M)


def renamed(pattern, text, names):
    """`text` with the name in each match of `pattern` renamed."""
    return pattern.sub(lambda m: m.group(1) + names.get(m.group(2), m.group(2)), text)


def rename_glue(path, text, imports, exports):
    """The glue with the imports' names and the `wasm.` exports renamed; in the declarations,
    the wasm's exports."""
    if re.search(r"(?<![\w$])\$[a-zA-Z]+(?![\w$])", text):
        raise Refusal(f"{path} already has a name that starts with $")
    if re.search(r"(?<![\w$.])wasm\[", text):
        raise Refusal(f"{path} reads an export as wasm[...], which cannot be renamed")
    if path.endswith(".wasm.d.ts"):
        return renamed(DECL, text, exports)
    if path.endswith(".d.ts"):
        return INIT_OUTPUT.sub(lambda m: renamed(READONLY, m.group(0), exports), text)
    return renamed(MEMBER, renamed(IMPORT, text, imports), exports)


def check(texts, imports, exports):
    """Refuses a glue that still names an old import, or a wasm export by its old name."""
    for path, text in texts.items():
        if path.endswith(".wasm.d.ts"):
            left = [m.group(2) for m in DECL.finditer(text) if m.group(2) in exports]
        elif path.endswith(".d.ts"):
            block = INIT_OUTPUT.search(text)
            members = READONLY.finditer(block.group(0)) if block else ()
            left = [m.group(2) for m in members if m.group(2) in exports]
        else:
            left = [m.group(2) for m in IMPORT.finditer(text) if m.group(2) in imports]
            left += [m.group(2) for m in MEMBER.finditer(text) if m.group(2) in exports]
        if left:
            raise Refusal(f"{path} still names {left[0]} after renaming")


def main(argv):
    if len(argv) < 4:
        print("usage: wasm-short-names.py MODULE.wasm STEM_bg.js GLUE [GLUE ...]", file=sys.stderr)
        return 2
    wasm_path, bg_module, glue = argv[1], argv[2], argv[3:]
    try:
        wasm, imports, exports = rename(open(wasm_path, "rb").read(), "./" + bg_module)
        texts = {}
        for path in glue:
            texts[path] = rename_glue(path, open(path, encoding="utf-8").read(), imports, exports)
        check(texts, imports, exports)
    except Refusal as e:
        print(f"wasm-short-names.py: {e}; nothing renamed", file=sys.stderr)
        return 2
    open(wasm_path, "wb").write(wasm)
    for path, text in texts.items():
        open(path, "w", encoding="utf-8").write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
