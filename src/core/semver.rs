//! SemVer 2.0 versions and Cargo's version requirements (`^1.0`, `>=1.2, <2`, `1.*`): the
//! manifest's `version` and `hostApi`, the host's API version, the stored settings' writer and
//! `update()`'s previous version.
//!
//! A port of what the plugin uses of the `semver` crate (1.0.28, by David Tolnay, MIT OR
//! Apache-2.0): its grammar, its order (SemVer precedence, then build metadata), its matching
//! rules and its error messages, word for word. Hand-written for size: the crate's error messages
//! quote the offending character with `char`'s `Debug`, which links `core`'s Unicode printability
//! and grapheme tables; with this module and [`crate::core::text::Quoted`] instead, the whole
//! plugin is 4.4 KB gzip smaller (scripts/size.sh, 2026-12-03). `tests/semver_port.rs` checks it
//! against the crate (a dev-dependency): the same values, order, matches and messages.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;

use crate::core::text::QuotedChar;

/// A SemVer version: `MAJOR.MINOR.PATCH[-PRE][+BUILD]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Version {
    /// The major version.
    pub major: u64,
    /// The minor version.
    pub minor: u64,
    /// The patch version.
    pub patch: u64,
    /// The pre-release identifiers (`rc.1`), empty for a release.
    pub pre: Box<str>,
    /// The build metadata (`build.5`), empty when there is none.
    pub build: Box<str>,
}

/// The ways a comparator compares (Cargo's operators; a bare version is `^`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=1.2.3`
    Exact,
    /// `>1.2.3`
    Greater,
    /// `>=1.2.3`
    GreaterEq,
    /// `<1.2.3`
    Less,
    /// `<=1.2.3`
    LessEq,
    /// `~1.2.3`
    Tilde,
    /// `^1.2.3`, and a bare `1.2.3`
    Caret,
    /// `1.*`, `1.2.*`
    Wildcard,
}

/// One comparator of a requirement: an operator and a partial version.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Comparator {
    /// How it compares.
    pub op: Op,
    /// The major version.
    pub major: u64,
    /// The minor version, if given.
    pub minor: Option<u64>,
    /// The patch version, if given (only with a minor one).
    pub patch: Option<u64>,
    /// Pre-release identifiers (only with a patch version).
    pub pre: Box<str>,
}

/// A version requirement: comparators that must all match (`*` has none).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VersionReq {
    /// The comparators, in the order written.
    pub comparators: Vec<Comparator>,
}

/// Why a text is not a version or a requirement. Its `Display` is the `semver` crate's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(Kind);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Empty,
    UnexpectedEnd(Pos),
    UnexpectedChar(Pos, char),
    UnexpectedCharAfter(Pos, char),
    ExpectedCommaFound(Pos, char),
    LeadingZero(Pos),
    Overflow(Pos),
    EmptySegment(Pos),
    WildcardNotTheOnlyComparator(char),
    UnexpectedAfterWildcard,
    ExcessiveComparators,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pos {
    Major,
    Minor,
    Patch,
    Pre,
    Build,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Pos::Major => "major version number",
            Pos::Minor => "minor version number",
            Pos::Patch => "patch version number",
            Pos::Pre => "pre-release identifier",
            Pos::Build => "build metadata",
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Kind::Empty => f.write_str("empty string, expected a semver version"),
            Kind::UnexpectedEnd(p) => write!(f, "unexpected end of input while parsing {p}"),
            Kind::UnexpectedChar(p, c) => {
                write!(
                    f,
                    "unexpected character {} while parsing {p}",
                    QuotedChar(c)
                )
            }
            Kind::UnexpectedCharAfter(p, c) => {
                write!(f, "unexpected character {} after {p}", QuotedChar(c))
            }
            Kind::ExpectedCommaFound(p, c) => {
                write!(f, "expected comma after {p}, found {}", QuotedChar(c))
            }
            Kind::LeadingZero(p) => write!(f, "invalid leading zero in {p}"),
            Kind::Overflow(p) => write!(f, "value of {p} exceeds u64::MAX"),
            Kind::EmptySegment(p) => write!(f, "empty identifier segment in {p}"),
            Kind::WildcardNotTheOnlyComparator(c) => write!(
                f,
                "wildcard req ({c}) must be the only comparator in the version req"
            ),
            Kind::UnexpectedAfterWildcard => {
                f.write_str("unexpected character after wildcard in version req")
            }
            Kind::ExcessiveComparators => f.write_str("excessive number of version comparators"),
        }
    }
}

type Parsed<'a, T> = Result<(T, &'a str), Error>;

fn fail<T>(kind: Kind) -> Result<T, Error> {
    Err(Error(kind))
}

/// `kind` with the next character of `rest`, or `UnexpectedEnd` at its end.
fn unexpected<T>(rest: &str, pos: Pos, kind: fn(Pos, char) -> Kind) -> Result<T, Error> {
    match rest.chars().next() {
        Some(c) => fail(kind(pos, c)),
        None => fail(Kind::UnexpectedEnd(pos)),
    }
}

fn numeric(input: &str, pos: Pos) -> Parsed<'_, u64> {
    let digits = input.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return unexpected(input, pos, Kind::UnexpectedChar);
    }
    if digits > 1 && input.starts_with('0') {
        return fail(Kind::LeadingZero(pos));
    }
    let mut value = 0u64;
    for d in input[..digits].bytes() {
        value = match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
        {
            Some(v) => v,
            None => return fail(Kind::Overflow(pos)),
        };
    }
    Ok((value, &input[digits..]))
}

fn dot(input: &str, pos: Pos) -> Result<&str, Error> {
    match input.strip_prefix('.') {
        Some(rest) => Ok(rest),
        None => unexpected(input, pos, Kind::UnexpectedCharAfter),
    }
}

fn wildcard(input: &str) -> Option<(char, &str)> {
    let c = input
        .chars()
        .next()
        .filter(|c| matches!(c, '*' | 'x' | 'X'))?;
    Some((c, &input[1..]))
}

/// Dot-separated identifiers of `[0-9A-Za-z-]` (pre-release or build metadata), possibly empty.
fn identifiers(input: &str, pos: Pos) -> Parsed<'_, &str> {
    let b = input.as_bytes();
    let mut end = 0;
    loop {
        let start = end;
        while b
            .get(end)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-')
        {
            end += 1;
        }
        let segment = &b[start..end];
        let boundary = b.get(end);
        if segment.is_empty() {
            if start == 0 && boundary != Some(&b'.') {
                return Ok(("", input));
            }
            return fail(Kind::EmptySegment(pos));
        }
        if pos == Pos::Pre
            && segment.len() > 1
            && segment[0] == b'0'
            && segment.iter().all(u8::is_ascii_digit)
        {
            return fail(Kind::LeadingZero(pos));
        }
        if boundary != Some(&b'.') {
            return Ok(input.split_at(end));
        }
        end += 1;
    }
}

/// `-PRE` and `+BUILD` after a patch version: `((pre, build, pos), rest)`, `pos` where the
/// text ended up.
fn suffixes(mut text: &str, mut pos: Pos) -> Parsed<'_, (Box<str>, Box<str>, Pos)> {
    let mut parts: [Box<str>; 2] = Default::default();
    for (i, (mark, at)) in [('-', Pos::Pre), ('+', Pos::Build)].into_iter().enumerate() {
        if let Some(rest) = text.strip_prefix(mark) {
            pos = at;
            let (ids, rest) = identifiers(rest, at)?;
            if ids.is_empty() {
                return fail(Kind::EmptySegment(at));
            }
            parts[i] = ids.into();
            text = rest;
        }
    }
    let [pre, build] = parts;
    Ok(((pre, build, pos), text))
}

impl Version {
    /// The release `major.minor.patch`.
    pub fn new(major: u64, minor: u64, patch: u64) -> Version {
        Version {
            major,
            minor,
            patch,
            pre: Box::default(),
            build: Box::default(),
        }
    }

    /// Parses `MAJOR.MINOR.PATCH[-PRE][+BUILD]` (no surrounding space, no `v`).
    ///
    /// ```
    /// use cloudinary_connector::core::semver::Version;
    /// assert_eq!(&*Version::parse("1.2.3-rc.1").unwrap().pre, "rc.1");
    /// assert_eq!(
    ///     Version::parse("1.0").unwrap_err().to_string(),
    ///     "unexpected end of input while parsing minor version number"
    /// );
    /// ```
    pub fn parse(text: &str) -> Result<Version, Error> {
        if text.is_empty() {
            return fail(Kind::Empty);
        }
        let (major, text) = numeric(text, Pos::Major)?;
        let (minor, text) = numeric(dot(text, Pos::Major)?, Pos::Minor)?;
        let (patch, text) = numeric(dot(text, Pos::Minor)?, Pos::Patch)?;
        let ((pre, build, pos), text) = suffixes(text, Pos::Patch)?;
        if let Some(c) = text.chars().next() {
            return fail(Kind::UnexpectedCharAfter(pos, c));
        }
        Ok(Version {
            major,
            minor,
            patch,
            pre,
            build,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.build.is_empty() {
            write!(f, "+{}", self.build)?;
        }
        Ok(())
    }
}

/// Dot-separated identifiers compared one by one: numeric ones by value (build metadata: then by
/// leading zeros), before alphanumeric ones, which compare in ASCII order; a longer list is
/// greater when the shorter is its prefix.
fn cmp_identifiers(a: &str, b: &str, build: bool) -> Ordering {
    let mut rhs = b.split('.');
    for l in a.split('.') {
        let Some(r) = rhs.next() else {
            return Ordering::Greater;
        };
        let digits = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
        let o = match (digits(l), digits(r)) {
            (true, true) => {
                let (lv, rv) = if build {
                    (l.trim_start_matches('0'), r.trim_start_matches('0'))
                } else {
                    (l, r)
                };
                lv.len()
                    .cmp(&rv.len())
                    .then_with(|| lv.cmp(rv))
                    .then_with(|| l.len().cmp(&r.len()))
            }
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => l.cmp(r),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    if rhs.next().is_none() {
        Ordering::Equal
    } else {
        Ordering::Less
    }
}

/// SemVer precedence of pre-release identifiers: a release (empty) above any pre-release.
fn cmp_pre(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => cmp_identifiers(a, b, false),
    }
}

fn cmp_build(a: &str, b: &str) -> Ordering {
    if a == b {
        Ordering::Equal
    } else {
        cmp_identifiers(a, b, true)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| cmp_pre(&self.pre, &other.pre))
            .then_with(|| cmp_build(&self.build, &other.build))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One comparator and what follows it (spaces skipped): `(comparator, pos, rest)`.
fn comparator(input: &str) -> Result<(Comparator, Pos, &str), Error> {
    let ops = [
        (">=", Op::GreaterEq),
        ("<=", Op::LessEq),
        ("=", Op::Exact),
        (">", Op::Greater),
        ("<", Op::Less),
        ("~", Op::Tilde),
        ("^", Op::Caret),
    ];
    let (mut op, text, bare) = ops
        .iter()
        .find_map(|(p, op)| input.strip_prefix(p).map(|rest| (*op, rest, false)))
        .unwrap_or((Op::Caret, input, true));
    let text = text.trim_start_matches(' ');

    let mut pos = Pos::Major;
    let (major, mut text) = numeric(text, pos)?;
    let mut parts = [None, None];
    let mut starred = false;
    for (i, at) in [Pos::Minor, Pos::Patch].into_iter().enumerate() {
        let Some(rest) = text.strip_prefix('.') else {
            break;
        };
        pos = at;
        if let Some((_, rest)) = wildcard(rest) {
            starred = true;
            if bare {
                op = Op::Wildcard;
            }
            text = rest;
        } else if starred {
            return fail(Kind::UnexpectedAfterWildcard);
        } else {
            let (n, rest) = numeric(rest, at)?;
            parts[i] = Some(n);
            text = rest;
        }
    }
    let [minor, patch] = parts;
    let (pre, pos, text) = if patch.is_some() {
        let ((pre, _, pos), text) = suffixes(text, pos)?;
        (pre, pos, text)
    } else {
        (Box::default(), pos, text)
    };
    let c = Comparator {
        op,
        major,
        minor,
        patch,
        pre,
    };
    Ok((c, pos, text.trim_start_matches(' ')))
}

impl VersionReq {
    /// Parses a requirement: `*`, or comparators separated by commas.
    ///
    /// ```
    /// use cloudinary_connector::core::semver::{Version, VersionReq};
    /// let req = VersionReq::parse(">=1.2, <2").unwrap();
    /// assert!(req.matches(&Version::parse("1.9.0").unwrap()));
    /// assert_eq!(req.to_string(), ">=1.2, <2");
    /// ```
    pub fn parse(text: &str) -> Result<VersionReq, Error> {
        let mut text = text.trim_start_matches(' ');
        let mut comparators = Vec::new();
        loop {
            // A wildcard (which no comparator starts with): `*` alone, or misplaced.
            if let Some((c, rest)) = wildcard(text) {
                let rest = rest.trim_start_matches(' ');
                let first = comparators.is_empty();
                if first && rest.is_empty() {
                    return Ok(VersionReq { comparators });
                }
                if rest.is_empty() || rest.starts_with(',') {
                    return fail(Kind::WildcardNotTheOnlyComparator(c));
                }
                if first {
                    return fail(Kind::UnexpectedAfterWildcard);
                }
            }
            let (c, pos, rest) = comparator(text)?;
            comparators.push(c);
            if rest.is_empty() {
                return Ok(VersionReq { comparators });
            }
            let Some(rest) = rest.strip_prefix(',') else {
                return unexpected(rest, pos, Kind::ExpectedCommaFound);
            };
            // The crate's limit: 32 comparators.
            if comparators.len() == 32 {
                return fail(Kind::ExcessiveComparators);
            }
            text = rest.trim_start_matches(' ');
        }
    }

    /// Whether `v` meets every comparator. A pre-release version matches only if a comparator
    /// names the same `major.minor.patch` with a pre-release of its own (Cargo's rule).
    pub fn matches(&self, v: &Version) -> bool {
        self.comparators.iter().all(|c| c.matches_ignoring_pre(v))
            && (v.pre.is_empty()
                || self.comparators.iter().any(|c| {
                    c.major == v.major
                        && c.minor == Some(v.minor)
                        && c.patch == Some(v.patch)
                        && !c.pre.is_empty()
                }))
    }
}

impl Comparator {
    /// `v` against this comparator, by its numbers and pre-release precedence alone.
    fn matches_ignoring_pre(&self, v: &Version) -> bool {
        // (major, minor, patch) against the given parts: the first that differs decides.
        let order = || {
            let mut o = v.major.cmp(&self.major);
            for (mine, theirs) in [(self.minor, v.minor), (self.patch, v.patch)] {
                match mine {
                    Some(m) if o == Ordering::Equal => o = theirs.cmp(&m),
                    None if o == Ordering::Equal => return None,
                    _ => {}
                }
            }
            Some(o.then_with(|| cmp_pre(&v.pre, &self.pre)))
        };
        let exact = || {
            v.major == self.major
                && self.minor.map_or(true, |m| v.minor == m)
                && self.patch.map_or(true, |p| v.patch == p)
                && v.pre == self.pre
        };
        match self.op {
            Op::Exact | Op::Wildcard => exact(),
            Op::Greater => order() == Some(Ordering::Greater),
            Op::GreaterEq => exact() || order() == Some(Ordering::Greater),
            Op::Less => order() == Some(Ordering::Less),
            Op::LessEq => exact() || order() == Some(Ordering::Less),
            Op::Tilde => {
                v.major == self.major
                    && self.minor.map_or(true, |m| v.minor == m)
                    && match self.patch {
                        Some(p) if v.patch != p => v.patch > p,
                        _ => cmp_pre(&v.pre, &self.pre) != Ordering::Less,
                    }
            }
            Op::Caret => self.matches_caret(v),
        }
    }

    fn matches_caret(&self, v: &Version) -> bool {
        if v.major != self.major {
            return false;
        }
        let Some(minor) = self.minor else {
            return true;
        };
        let Some(patch) = self.patch else {
            return if self.major > 0 {
                v.minor >= minor
            } else {
                v.minor == minor
            };
        };
        if self.major > 0 {
            if v.minor != minor {
                return v.minor > minor;
            } else if v.patch != patch {
                return v.patch > patch;
            }
        } else if minor > 0 {
            if v.minor != minor {
                return false;
            } else if v.patch != patch {
                return v.patch > patch;
            }
        } else if v.minor != minor || v.patch != patch {
            return false;
        }
        cmp_pre(&v.pre, &self.pre) != Ordering::Less
    }
}

impl fmt::Display for Comparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Op::Exact => "=",
            Op::Greater => ">",
            Op::GreaterEq => ">=",
            Op::Less => "<",
            Op::LessEq => "<=",
            Op::Tilde => "~",
            Op::Caret => "^",
            Op::Wildcard => "",
        };
        write!(f, "{op}{}", self.major)?;
        match (self.minor, self.patch) {
            (Some(m), Some(p)) => {
                write!(f, ".{m}.{p}")?;
                if !self.pre.is_empty() {
                    write!(f, "-{}", self.pre)?;
                }
            }
            (Some(m), None) => write!(f, ".{m}")?,
            _ => {}
        }
        if self.op == Op::Wildcard && self.patch.is_none() {
            f.write_str(".*")?;
        }
        Ok(())
    }
}

impl fmt::Display for VersionReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.comparators.is_empty() {
            return f.write_str("*");
        }
        for (i, c) in self.comparators.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}
