//! A plain HTTP client for the tests: statuses are answers, not errors.

use std::time::Duration;

use ureq::Agent;

/// Status, content type and body of a response.
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// Asserts a JSON error with this status and error code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.text());
        assert!(
            self.content_type.starts_with("application/json"),
            "{}",
            self.content_type
        );
        let body = self.json();
        assert_eq!(body["error"], code, "{body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
}

pub fn agent() -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// An agent for load and memory tests: socket read and write timeouts only. An overall
/// or per-call timeout makes ureq resolve the address on a new thread for
/// every request (its `DefaultResolver` waits for that thread with the
/// timeout), and that churn of thousands of threads a second, in this process,
/// grew resident memory through the allocator's per-thread caches and arenas
/// while the server's live heap stayed flat (docs/reliability.md).
pub fn steady_agent() -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .timeout_per_read(Some(Duration::from_secs(60)))
        .timeout_per_write(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn reply(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut response = result.expect("request failed at the transport level");
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let content_type = headers
        .iter()
        .find(|(n, _)| n == "content-type")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap();
    Reply {
        status,
        content_type,
        headers,
        body,
    }
}

pub fn get(url: &str) -> Reply {
    reply(agent().get(url).call())
}

pub fn post(url: &str, content_type: Option<&str>, body: &[u8]) -> Reply {
    let request = agent().post(url);
    match content_type {
        Some(t) => reply(request.header("Content-Type", t).send(body)),
        None => reply(request.send(body)),
    }
}

pub fn post_json(url: &str, value: &serde_json::Value) -> Reply {
    post(url, Some("application/json"), value.to_string().as_bytes())
}

/// A multipart/form-data body with one file field.
pub fn multipart(field: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "deephash-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    body.extend_from_slice(
        format!("Content-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(b"Content-Type: image/png\r\n\r\n");
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
