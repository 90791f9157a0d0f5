//! Small string helpers written out so that the URL-only wasm stays small (no `core::fmt`
//! padding and argument machinery, no `str` boundary-error formatting): shared by the URL engine
//! (`core::url::encode` re-exports them) and the JSON parser (`core::json`), which that build
//! links too. And the quoting of values in error messages ([`Quoted`], [`QuotedChar`]).

use alloc::string::String;
use core::fmt::{self, Write};

/// `&s[from..to]`, for the engine's own indices (found by byte search at ASCII bytes, so always
/// on char boundaries). Std's `str` indexing reports a bad boundary with a formatted message whose
/// code (char `Debug`, Unicode printability tables) cost about 4 KB of wasm with std's panic
/// handler (measured before the shipped build was `no_std`); this one panics with a fixed message.
#[inline]
pub(crate) fn sub(s: &str, from: usize, to: usize) -> &str {
    match s.get(from..to) {
        Some(part) => part,
        None => not_a_char_boundary(),
    }
}

/// The concatenation of `parts`: messages and tokens are built with this rather than `format!`,
/// which keeps `core::fmt`'s padding and argument machinery out of the URL-only wasm.
pub(crate) fn cat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// The first position of `needle` in `hay`, by a plain scan: `str::find` with a `&str` pattern
/// links `core`'s two-way searcher, 2.4 KB of raw wasm for the plugin's few short literal
/// needles (twiggy, 2026-12-03).
pub(crate) fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    (0..=hay.len().checked_sub(needle.len())?).find(|&i| matches_at(hay, needle, i))
}

/// Whether `needle` stands in `hay` at `i` (`i + needle.len() <= hay.len()`).
fn matches_at(hay: &[u8], needle: &[u8], i: usize) -> bool {
    &hay[i..i + needle.len()] == needle
}

/// `s` split around the first (`last`: the last) occurrence of `pat`.
fn split_at_match<'a>(s: &'a str, pat: &str, last: bool) -> Option<(&'a str, &'a str)> {
    let (h, n) = (s.as_bytes(), pat.as_bytes());
    let i = if last {
        (0..=h.len().checked_sub(n.len())?).rfind(|&i| matches_at(h, n, i))
    } else {
        find_bytes(h, n)
    }?;
    Some((sub(s, 0, i), sub(s, i + pat.len(), s.len())))
}

/// `s.split_once(pat)` for a `&str` pattern, without the two-way searcher.
pub(crate) fn split_once_str<'a>(s: &'a str, pat: &str) -> Option<(&'a str, &'a str)> {
    split_at_match(s, pat, false)
}

/// `s.rsplit_once(pat)` for a `&str` pattern, without the two-way searcher.
// Only the web facade (wasm32, not the URL-only builds) uses it.
#[cfg_attr(
    any(not(target_arch = "wasm32"), feature = "url-only"),
    allow(dead_code)
)]
pub(crate) fn rsplit_once_str<'a>(s: &'a str, pat: &str) -> Option<(&'a str, &'a str)> {
    split_at_match(s, pat, true)
}

/// Appends the decimal digits of `n` (no `core::fmt` integer formatting).
pub(crate) fn push_uint(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

#[cold]
#[inline(never)]
fn not_a_char_boundary() -> ! {
    panic!("string index out of range or not on a char boundary")
}

/// A string in double quotes, as `{:?}` quotes it: `\0`, `\t`, `\r`, `\n`, `\\` and `\"`
/// escaped, controls and the characters [`shown_escaped`] names as `\u{…}`, everything else as
/// itself. The error messages quote values with it rather than with `{:?}`: `str`'s and `char`'s
/// `Debug` decide what to escape with `core`'s Unicode printability and grapheme tables, which
/// cost 4.4 KB of the gzipped plugin with the semver port (scripts/size.sh, 2026-12-03). The
/// output is `Debug`'s for ASCII, Latin-1 and every character [`shown_escaped`] lists; other
/// characters `Debug` escapes (other scripts' combining marks, unassigned code points) are shown
/// as themselves.
pub(crate) struct Quoted<'a>(pub &'a str);

/// A character in single quotes, as `{:?}` quotes it (`\'` escaped, `"` not): see [`Quoted`].
#[cfg_attr(feature = "url-only", allow(dead_code))]
pub(crate) struct QuotedChar(pub char);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        for c in self.0.chars() {
            escape(f, c, '"')?;
        }
        f.write_char('"')
    }
}

impl fmt::Display for QuotedChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('\'')?;
        escape(f, self.0, '\'')?;
        f.write_char('\'')
    }
}

fn escape(f: &mut fmt::Formatter<'_>, c: char, quote: char) -> fmt::Result {
    let short = match c {
        '\0' => '0',
        '\t' => 't',
        '\r' => 'r',
        '\n' => 'n',
        '\\' => '\\',
        c if c == quote => c,
        c if shown_escaped(c) => return write!(f, "\\u{{{:x}}}", u32::from(c)),
        c => return f.write_char(c),
    };
    f.write_char('\\')?;
    f.write_char(short)
}

/// The characters quoted as `\u{…}`: ASCII and C1 controls, the no-break and other spaces but
/// U+0020, the soft hyphen, the combining diacritical marks, zero-width and direction marks,
/// line and paragraph separators, invisible operators, variation selectors, the byte order mark,
/// noncharacters, specials, private use, tags and the unassigned planes: all of which `Debug`
/// escapes too (tested).
fn shown_escaped(c: char) -> bool {
    matches!(
        u32::from(c),
        0..=0x1F
            | 0x7F..=0xA0
            | 0xAD
            | 0x300..=0x36F
            | 0x1680
            | 0x180B..=0x180F
            | 0x2000..=0x200F
            | 0x2028..=0x202F
            | 0x205F..=0x206F
            | 0x3000
            | 0xE000..=0xF8FF
            | 0xFDD0..=0xFDEF
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFF0..=0xFFFB
            | 0xFFFE..=0xFFFF
            | 0x40000..
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

    #[test]
    fn str_searches_agree_with_std() {
        for hay in ["", "a", "ab", "abab", "x?_a=1?_a=2", "é://ü", "aaa"] {
            for pat in ["a", "ab", "?_a=", "://", "aa", "abab", "abcde"] {
                assert_eq!(
                    find_bytes(hay.as_bytes(), pat.as_bytes()),
                    hay.find(pat),
                    "{hay} {pat}"
                );
                assert_eq!(split_once_str(hay, pat), hay.split_once(pat), "{hay} {pat}");
                assert_eq!(
                    rsplit_once_str(hay, pat),
                    hay.rsplit_once(pat),
                    "{hay} {pat}"
                );
            }
        }
        assert_eq!(find_bytes(b"abc", b""), Some(0));
    }

    #[test]
    fn quoted_is_debug_for_ascii_latin1_and_what_it_escapes() {
        for u in 0..=0x10FFFF {
            let Some(c) = char::from_u32(u) else { continue };
            let s = c.to_string();
            let (ours, debug) = (Quoted(&s).to_string(), format!("{s:?}"));
            let (ours_c, debug_c) = (QuotedChar(c).to_string(), format!("{c:?}"));
            if u <= 0xFF || shown_escaped(c) {
                assert_eq!(ours, debug, "U+{u:04X}");
                assert_eq!(ours_c, debug_c, "U+{u:04X}");
            } else {
                // Never escaped where `Debug` shows the character.
                assert_eq!(ours, format!("\"{c}\""), "U+{u:04X}");
                assert_eq!(ours_c, format!("'{c}'"), "U+{u:04X}");
            }
        }
        let text = "a \"b\" 'c' \\ \u{0}\t\r\n\u{1b}\u{7f}\u{a0}\u{200b}\u{feff}é中";
        assert_eq!(Quoted(text).to_string(), format!("{text:?}"));
        assert_eq!(
            Quoted(text).to_string(),
            r#""a \"b\" 'c' \\ \0\t\r\n\u{1b}\u{7f}\u{a0}\u{200b}\u{feff}é中""#
        );
        assert_eq!(QuotedChar('\'').to_string(), r"'\''");
        assert_eq!(QuotedChar('"').to_string(), "'\"'");
    }
}
