//! Metrics, in Prometheus text format at `GET /metrics`, through the `metrics` facade and
//! `metrics-exporter-prometheus`:
//!
//! | metric | labels |
//! |---|---|
//! | `cld_signer_requests_total` | `route` (the route pattern, never the path), `status` |
//! | `cld_signer_request_duration_seconds` (histogram) | `route` |
//! | `cld_signer_signatures_total` | `kind` (`upload`, `media_library`, `delivery`), `account` |
//! | `cld_signer_refusals_total` | `code`, `rule` |
//! | `cld_signer_jwks_refreshes_total` | `outcome` (`ok`, `error`, `throttled`) |
//! | `cld_signer_state_errors_total` | `op` |
//!
//! Labels are route patterns, codes, configuration rule names and account ids: never a user,
//! token, secret or signature. The recorder is process-wide (installed by the first
//! [`crate::Signer`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

static REQUESTS: AtomicU64 = AtomicU64::new(0);
const UPKEEP_EVERY: u64 = 4096;

const DURATION: &str = "cld_signer_request_duration_seconds";

/// Installs the process-wide recorder (once; later calls do nothing).
pub fn install() {
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(DURATION.into()),
                &[
                    0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                    1.0, 2.5, 5.0, 10.0,
                ],
            )
            .ok()?
            .install_recorder()
            .ok()?;
        describe();
        Some(handle)
    });
}

fn describe() {
    metrics::describe_counter!(
        "cld_signer_requests_total",
        "HTTP requests answered, by route pattern and status"
    );
    metrics::describe_histogram!(
        DURATION,
        metrics::Unit::Seconds,
        "Time to answer a request, by route pattern"
    );
    metrics::describe_counter!(
        "cld_signer_signatures_total",
        "Signatures issued, by kind and account"
    );
    metrics::describe_counter!(
        "cld_signer_refusals_total",
        "Requests refused, by error code and configuration rule"
    );
    metrics::describe_counter!(
        "cld_signer_jwks_refreshes_total",
        "JWKS key set fetches, by outcome"
    );
    metrics::describe_counter!(
        "cld_signer_state_errors_total",
        "Failed operations on the shared state store, by operation"
    );
}

/// The Prometheus text of every metric, or `None` when another recorder owns the process.
pub fn render() -> Option<String> {
    HANDLE.get().and_then(Option::as_ref).map(|h| {
        h.run_upkeep();
        h.render()
    })
}

/// The request-metrics layer (`axum::middleware::from_fn`).
pub async fn track_request(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let res = next.run(req).await;
    // Histogram samples are folded into their buckets by the exporter's upkeep; run it every
    // UPKEEP_EVERY requests (and at each scrape) so that samples cannot pile up between
    // scrapes. No thread of its own: a one-worker signer stays one thread.
    if REQUESTS.fetch_add(1, Ordering::Relaxed) % UPKEEP_EVERY == UPKEEP_EVERY - 1 {
        if let Some(h) = HANDLE.get().and_then(Option::as_ref) {
            h.run_upkeep();
        }
    }
    let status = res.status().as_u16().to_string();
    metrics::histogram!(DURATION, "route" => route.clone()).record(started.elapsed());
    metrics::counter!("cld_signer_requests_total", "route" => route, "status" => status)
        .increment(1);
    res
}

/// One signature issued.
pub fn signature(kind: &'static str, account: &str) {
    metrics::counter!("cld_signer_signatures_total", "kind" => kind, "account" => account.to_owned())
        .increment(1);
}

/// One request refused.
pub fn refusal(code: &'static str, rule: Option<&str>) {
    metrics::counter!("cld_signer_refusals_total", "code" => code, "rule" => rule.unwrap_or("").to_owned())
        .increment(1);
}

/// One JWKS fetch (`ok`, `error`) or a refresh refused by the refresh limit (`throttled`).
pub fn jwks_refresh(outcome: &'static str) {
    metrics::counter!("cld_signer_jwks_refreshes_total", "outcome" => outcome).increment(1);
}

/// One failed state-store operation.
pub fn state_error(op: &'static str) {
    metrics::counter!("cld_signer_state_errors_total", "op" => op).increment(1);
}
