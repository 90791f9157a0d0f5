//! Small string helpers written out so that the URL-only wasm stays small (no `core::fmt`
//! padding and argument machinery, no `str` boundary-error formatting): shared by the URL engine
//! (`core::url::encode` re-exports them) and the JSON parser (`core::json`), which that build
//! links too.

use alloc::string::String;
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
