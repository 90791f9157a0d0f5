//! How long a rate-limit answer (420/429) pauses the queue: `Retry-After` or Cloudinary's
//! rate-limit reset header, and the HTTP dates they may hold.

/// The pause a 420/429 answer asks for, in ms from `now` (ms since the epoch): `Retry-After`
/// (seconds, or an HTTP date), else Cloudinary's `X-FeatureRateLimit-Reset` / a
/// `X-RateLimit-Reset` (an HTTP date, Unix seconds, or seconds from now). `None` when neither
/// is present or readable (the queue then pauses for the part's backoff).
pub fn rate_limit_pause_ms(
    retry_after: Option<&str>,
    reset: Option<&str>,
    now: u64,
) -> Option<u64> {
    let read = |v: &str| {
        let v = v.trim();
        if let Ok(n) = v.parse::<u64>() {
            // A value past 2001-09-09 in seconds is a Unix time, anything smaller a delay.
            return Some(if n >= 1_000_000_000 {
                (n * 1000).saturating_sub(now)
            } else {
                n.saturating_mul(1000)
            });
        }
        http_date_ms(v).map(|t| t.saturating_sub(now))
    };
    retry_after.and_then(read).or_else(|| reset.and_then(read))
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110's IMF-fixdate) in ms since the epoch.
pub fn http_date_ms(s: &str) -> Option<u64> {
    let mut w = s.split_whitespace();
    let _day = w.next()?;
    let d: u64 = w.next()?.parse().ok()?;
    let month = w.next()?;
    let y: u64 = w.next()?.parse().ok()?;
    let mut hms = w.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, mi, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if w.next()? != "GMT" || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 || y < 1970 {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = MONTHS.iter().position(|x| *x == month)? as u64 + 1;
    // Days from the civil date (Howard Hinnant's algorithm), for years from 1970.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000)
}
