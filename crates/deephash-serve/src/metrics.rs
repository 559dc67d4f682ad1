use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of a served request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// HTTP method.
    pub method: String,
    /// The route template (`/items/{id}`), not the raw path, to bound cardinality.
    pub route: String,
    /// Response status code.
    pub status: u16,
}

/// Labels of a request's latency.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// The route template.
    pub route: String,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The service's Prometheus metrics: requests by route and status, latency
/// histograms by route, errors (4xx and 5xx) by route and status, and the
/// encoder queue's occupancy.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    errors: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    inference_in_flight: Gauge<i64, std::sync::atomic::AtomicI64>,
    rejected: Counter<u64, AtomicU64>,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms .. ~16 s in factors of two.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("deephash");
        let requests = Family::<RequestLabels, Counter>::default();
        let errors = Family::<RequestLabels, Counter>::default();
        let latency = HistogramFamily::new_with_constructor(latency_histogram as fn() -> Histogram);
        let inference_in_flight = Gauge::default();
        let rejected = Counter::default();
        registry.register("http_requests", "HTTP requests served", requests.clone());
        registry.register(
            "http_errors",
            "HTTP requests answered with a 4xx or 5xx status",
            errors.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Request latency",
            latency.clone(),
        );
        registry.register(
            "inference_in_flight",
            "Images being encoded or waiting",
            inference_in_flight.clone(),
        );
        registry.register(
            "inference_rejected",
            "Images refused because the queue was full",
            rejected.clone(),
        );
        Self {
            registry,
            requests,
            errors,
            latency,
            inference_in_flight,
            rejected,
        }
    }
}

impl Metrics {
    /// Records one finished request.
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let labels = RequestLabels {
            method: method.to_owned(),
            route: route.to_owned(),
            status,
        };
        self.requests.get_or_create(&labels).inc();
        if status >= 400 {
            self.errors.get_or_create(&labels).inc();
        }
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Counts an image refused by a full encoder queue.
    pub fn record_rejected(&self) {
        self.rejected.inc();
    }

    /// Sets the number of images being encoded or waiting.
    pub fn set_in_flight(&self, n: usize) {
        self.inference_in_flight.set(n as i64);
    }

    /// The metrics in the OpenMetrics text format (which Prometheus reads).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_requests_errors_and_latency() {
        let m = Metrics::default();
        m.record("GET", "/health", 200, Duration::from_millis(2));
        m.record("POST", "/search", 400, Duration::from_millis(3));
        m.record("POST", "/search", 400, Duration::from_millis(3));
        let text = m.encode();
        assert!(
            text.contains(
                r#"deephash_http_requests_total{method="GET",route="/health",status="200"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"deephash_http_errors_total{method="POST",route="/search",status="400"} 2"#
            ),
            "{text}"
        );
        assert!(
            !text.contains(r#"deephash_http_errors_total{method="GET""#),
            "{text}"
        );
        assert!(
            text.contains(r#"deephash_http_request_duration_seconds_count{route="/search"} 2"#),
            "{text}"
        );
    }
}
