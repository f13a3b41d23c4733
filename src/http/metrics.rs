//! Request counts and latency histograms by route, rendered as Prometheus
//! text for `GET /metrics` (with gauges the caller adds: rules loaded,
//! records stored).
//!
//! ```ignore
//! metrics.observe("GET /api/v1/search", 200, Duration::from_millis(3));
//! let text = metrics.render(&[("regkb_rules_loaded", 42)]);
//! ```

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
];

#[derive(Default)]
struct RouteStats {
    /// Count by status code.
    by_status: BTreeMap<u16, u64>,
    /// Cumulative-ready counts per bucket (not cumulative yet).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<String, RouteStats>>,
}

impl Metrics {
    pub fn observe(&self, route: &str, status: u16, took: Duration) {
        let secs = took.as_secs_f64();
        let Ok(mut routes) = self.routes.lock() else {
            return;
        };
        if !routes.contains_key(route) {
            routes.insert(route.to_string(), RouteStats::default());
        }
        if let Some(s) = routes.get_mut(route) {
            *s.by_status.entry(status).or_default() += 1;
            s.count += 1;
            s.sum += secs;
            if let Some(i) = BUCKETS.iter().position(|b| secs <= *b)
                && let Some(slot) = s.buckets.get_mut(i)
            {
                *slot += 1;
            }
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self, gauges: &[(&str, &str, u64)]) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP regkb_http_requests_total HTTP requests by route and status.\n# TYPE regkb_http_requests_total counter"
        );
        let Ok(routes) = self.routes.lock() else {
            return out;
        };
        for (route, s) in routes.iter() {
            for (status, n) in &s.by_status {
                let _ = writeln!(
                    out,
                    "regkb_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP regkb_http_request_duration_seconds Request latency by route.\n# TYPE regkb_http_request_duration_seconds histogram"
        );
        for (route, s) in routes.iter() {
            let r = escape(route);
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(s.buckets.iter()) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "regkb_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "regkb_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "regkb_http_request_duration_seconds_sum{{route=\"{r}\"}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "regkb_http_request_duration_seconds_count{{route=\"{r}\"}} {}",
                s.count
            );
        }
        drop(routes);
        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
