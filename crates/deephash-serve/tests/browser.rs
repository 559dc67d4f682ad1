//! The search page in a real browser: headless Chromium driven through
//! chromedriver's W3C WebDriver HTTP API. Uploads an image, checks the result
//! grid (count, distances, labels, loaded thumbnails), clicks a result to search
//! with its code, and saves screenshots under the cargo target folder
//! (`tmp/serve-browser-*.png`).
//!
//! Needs the Debian packages `chromium` and `chromium-driver` (or the programs
//! named by `$CHROME` and `$CHROMEDRIVER`); without them the test prints a notice
//! and passes without checking anything.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TestServer;
use common::fixtures::{CLASSES, Fixture};
use deephash_serve::{Access, Limits, Token};
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a4e6-4a1cb1c64a2e";

fn find_program(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        return Some(PathBuf::from(path));
    }
    let dirs = std::env::var_os("PATH")?;
    std::env::split_paths(&dirs)
        .flat_map(|d| names.iter().map(move |n| d.join(n)))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A chromedriver process and one browser session, both ended on drop.
struct Browser {
    driver: Child,
    base: String,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start(chromedriver: &Path, chrome: &Path) -> Self {
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let profile = tempfile::tempdir().unwrap();
        let mut browser = Self {
            driver,
            base,
            session: String::new(),
            _profile: profile,
        };
        browser.wait_ready();
        browser.session = browser.new_session(chrome);
        browser
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(mut r) = common::http::agent()
                .get(&format!("{}/status", self.base))
                .call()
            {
                let body: Value =
                    serde_json::from_slice(&r.body_mut().read_to_vec().unwrap()).unwrap();
                if body["value"]["ready"] == true {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("chromedriver did not become ready");
    }

    fn new_session(&self, chrome: &Path) -> String {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1100,900",
            &format!("--user-data-dir={}", self._profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chrome.display().to_string(), "args": args}
        }}});
        let reply = self.call("POST", "/session", Some(caps));
        reply["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {reply}"))
            .to_owned()
    }

    /// One WebDriver command; returns its `value`, panicking on a WebDriver error.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let agent = common::http::agent();
        let result = match (method, body) {
            ("GET", _) => agent.get(&url).call(),
            ("DELETE", _) => agent.delete(&url).call(),
            (_, body) => agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or(json!({})).to_string()),
        };
        let mut response = result.expect("webdriver transport error");
        let bytes = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .unwrap();
        let reply: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(
            reply["value"]["error"].is_null(),
            "{method} {path}: {}",
            reply["value"]
        );
        reply["value"].clone()
    }

    fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    fn script(&self, script: &str) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    fn element(&self, css: &str) -> String {
        let found = self.session_call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        // W3C key, or the first string value for drivers that use another key.
        let id = found[ELEMENT].as_str().or_else(|| {
            found
                .as_object()
                .and_then(|o| o.values().find_map(|v| v.as_str()))
        });
        id.unwrap_or_else(|| panic!("no element for {css}: {found}"))
            .to_owned()
    }

    /// Polls a script until it returns true.
    fn wait_for(&self, what: &str, script: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.script(script) == true {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let state = self.script(
            "return [document.body.dataset.state, document.getElementById('status').textContent]",
        );
        panic!("timed out waiting for {what}; page state {state}");
    }

    fn screenshot(&self, name: &str) -> PathBuf {
        let data = self.session_call("GET", "/screenshot", None);
        let png = decode_base64(data.as_str().unwrap());
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
        std::fs::write(&path, png).unwrap();
        println!("screenshot: {}", path.display());
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = common::http::agent()
                .delete(&format!("{}/session/{}", self.base, self.session))
                .call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = text
        .bytes()
        .filter(|c| !matches!(c, b'=' | b'\n' | b'\r'))
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | (u32::from(value(c)) << (18 - 6 * i)));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

const RESULTS: &str = "return [...document.querySelectorAll('#results .result')].map(b => ({ \
    id: Number(b.dataset.id), distance: Number(b.dataset.distance), \
    label: b.querySelector('.label').textContent, \
    loaded: b.querySelector('img').complete && b.querySelector('img').naturalWidth > 0 }))";

const ALL_LOADED: &str = "const imgs = [...document.querySelectorAll('#results .result img')]; \
    return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0)";

/// chromedriver and Chromium, or `None` (with a notice) when they are missing.
fn programs() -> Option<(PathBuf, PathBuf)> {
    let (Some(driver), Some(chrome)) = (
        find_program("CHROMEDRIVER", &["chromedriver"]),
        find_program("CHROME", &["chromium", "chromium-browser", "google-chrome"]),
    ) else {
        eprintln!(
            "NOTICE: browser test skipped: chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
        );
        return None;
    };
    Some((driver, chrome))
}

#[test]
fn upload_shows_the_result_grid_and_a_click_searches_again() {
    let Some((driver, chrome)) = programs() else {
        return;
    };
    let fixture = Fixture::new(6);
    let (state, _gate) = fixture.state(Limits::default());
    let server = TestServer::spawn(state);
    let browser = Browser::start(&driver, &chrome);

    browser.session_call("POST", "/url", Some(json!({"url": server.url("/")})));
    browser.wait_for(
        "the page to load",
        "return document.body.dataset.state === 'idle'",
    );
    let stats = browser.script("return document.getElementById('stats').textContent");
    assert_eq!(stats, "30 items · 64-bit codes");

    // Upload item 13 (class "ring") through the file input.
    let uploaded = 13;
    let input = browser.element("#file");
    let path = fixture.paths[uploaded].display().to_string();
    browser.session_call(
        "POST",
        &format!("/element/{input}/value"),
        Some(json!({"text": path})),
    );
    browser.wait_for("results", "return document.body.dataset.state === 'done'");
    browser.wait_for("thumbnails", ALL_LOADED);
    let results = browser.script(RESULTS);
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 10, "{results:?}");
    assert!(results.iter().all(|r| r["loaded"] == true));
    assert_eq!(results[0]["distance"], 0);
    assert!(
        results
            .iter()
            .any(|r| r["id"] == uploaded && r["distance"] == 0),
        "{results:?}"
    );
    assert_eq!(results[0]["label"], CLASSES[uploaded % CLASSES.len()]);
    let distances: Vec<u64> = results
        .iter()
        .map(|r| r["distance"].as_u64().unwrap())
        .collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
    browser.screenshot("serve-browser-upload.png");

    // Click the last result: the page searches with that item's code.
    let clicked = results[9]["id"].as_u64().unwrap();
    browser.script("document.body.dataset.state = 'clicking'; return true");
    let card = browser.element(&format!("#results .result[data-id='{clicked}']"));
    browser.session_call("POST", &format!("/element/{card}/click"), None);
    browser.wait_for(
        "results of the click",
        "return document.body.dataset.state === 'done'",
    );
    browser.wait_for("thumbnails", ALL_LOADED);
    let again = browser.script(RESULTS);
    let again = again.as_array().unwrap();
    assert_eq!(again.len(), 10);
    assert_eq!(again[0]["distance"], 0);
    assert!(
        again
            .iter()
            .any(|r| r["id"] == clicked && r["distance"] == 0),
        "{again:?}"
    );
    let caption = browser.script("return document.getElementById('query-caption').textContent");
    assert!(
        caption
            .as_str()
            .unwrap()
            .starts_with(&format!("#{clicked}")),
        "{caption}"
    );
    browser.screenshot("serve-browser-click.png");
}

const TOKEN: &str = "page-token-0123456789abcdef";

#[test]
fn a_token_protected_page_asks_once_then_searches_and_shows_thumbnails() {
    let Some((driver, chrome)) = programs() else {
        return;
    };
    let fixture = Fixture::new(2);
    let access = Access {
        token: Some(Token::new(TOKEN, "test").unwrap()),
        ..Access::default()
    };
    let (state, _gate) = fixture.state_with(Limits::default(), access);
    let server = TestServer::spawn(state);
    let browser = Browser::start(&driver, &chrome);

    browser.session_call("POST", "/url", Some(json!({"url": server.url("/")})));
    browser.wait_for(
        "the token form",
        "return document.body.dataset.state === 'locked' && !document.getElementById('login').hidden",
    );
    let field = browser.element("#token");
    let submit = browser.element("#login button");
    browser.session_call(
        "POST",
        &format!("/element/{field}/value"),
        Some(json!({"text": "not-the-token-at-all"})),
    );
    browser.session_call("POST", &format!("/element/{submit}/click"), None);
    browser.wait_for(
        "the refusal",
        "return document.getElementById('login-error').textContent === 'That token was refused.'",
    );
    browser.session_call("POST", &format!("/element/{field}/clear"), Some(json!({})));
    browser.session_call(
        "POST",
        &format!("/element/{field}/value"),
        Some(json!({"text": TOKEN})),
    );
    browser.session_call("POST", &format!("/element/{submit}/click"), None);
    browser.wait_for(
        "the unlocked page",
        "return document.body.dataset.state === 'idle'",
    );

    let uploaded = 3;
    let input = browser.element("#file");
    let path = fixture.paths[uploaded].display().to_string();
    browser.session_call(
        "POST",
        &format!("/element/{input}/value"),
        Some(json!({"text": path})),
    );
    browser.wait_for("results", "return document.body.dataset.state === 'done'");
    browser.wait_for("thumbnails", ALL_LOADED);
    let results = browser.script(RESULTS);
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 10, "{results:?}");
    assert_eq!(results[0]["distance"], 0);
    let blob = "return [...document.querySelectorAll('#results .result img')].every(i => i.src.startsWith('blob:'))";
    assert_eq!(
        browser.script(blob),
        true,
        "thumbnails not fetched with the token"
    );
    browser.screenshot("serve-browser-token.png");

    // A reload in the same tab keeps the token: no second question.
    browser.session_call("POST", "/url", Some(json!({"url": server.url("/")})));
    browser.wait_for(
        "the page again",
        "return document.body.dataset.state === 'idle'",
    );
    assert_eq!(
        browser.script("return document.getElementById('login').hidden"),
        true
    );
}
