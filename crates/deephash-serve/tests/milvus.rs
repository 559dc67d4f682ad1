//! The service searching in Milvus (`deephash serve --milvus`): a catalog read from a
//! collection (`Catalog::from_milvus`) answers the page's code search exactly as the own scan,
//! with the same paths and labels. Needs the Milvus Lite server of `scripts/milvus-server.sh`;
//! `DEEPHASH_SKIP_MILVUS=1` skips.
#![cfg(feature = "milvus")]

mod common;
#[path = "../../deephash-milvus/tests/common/mod.rs"]
mod milvus_server;

use std::sync::Arc;

use common::TestServer;
use common::fixtures::Fixture;
use common::http::post_json;
use deephash_codes::CodeMatrix;
use deephash_milvus::{MilvusClient, PushItems, PushOptions};
use deephash_serve::{AppState, Catalog, Limits, format_hex};
use serde_json::json;

/// The fixture's rows as a push would send them: paths relative to its folder, labels as
/// class numbers with the class names beside them.
fn rows(fixture: &Fixture) -> PushItems {
    let codes = CodeMatrix::from_packed(64, fixture.codes.concat()).unwrap();
    let mut rows = PushItems::new(codes);
    for label in &fixture.labels {
        if !rows.class_names.contains(label) {
            rows.class_names.push(label.clone());
        }
    }
    let class = |l: &String| rows.class_names.iter().position(|c| c == l).unwrap() as i64;
    rows.labels = fixture.labels.iter().map(class).collect();
    rows.paths = fixture
        .paths
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    rows
}

#[test]
fn the_page_code_search_answers_through_milvus_like_the_scan() {
    if milvus_server::skip() {
        return;
    }
    let milvus = milvus_server::Server::start();
    let fixture = Fixture::new(6);
    let client = MilvusClient::connect(&milvus.uri()).unwrap();
    client
        .push("page", &rows(&fixture), &PushOptions::default())
        .unwrap();
    let catalog = Catalog::from_milvus(&milvus.uri(), "page", fixture.dir.path()).unwrap();
    assert_eq!(catalog.len(), fixture.paths.len());
    let (encoder, _gate) = common::FakeEncoder::new(Limits::default().max_pixels);
    let state = AppState::new(catalog, Arc::new(encoder), Limits::default()).unwrap();
    let via_milvus = TestServer::spawn(state);
    let (scan_state, _gate) = fixture.state(Limits::default());
    let via_scan = TestServer::spawn(scan_state);

    for id in [0, 13, 29] {
        let body = json!({"code": format_hex(&fixture.codes[id]), "k": 10});
        let got = post_json(&via_milvus.url("/search/code"), &body);
        assert_eq!(got.status, 200, "{}", got.text());
        let want = post_json(&via_scan.url("/search/code"), &body);
        let (got, want) = (got.json(), want.json());
        let dist = |v: &serde_json::Value| -> Vec<u64> {
            let results = v["results"].as_array().unwrap();
            results
                .iter()
                .map(|r| r["distance"].as_u64().unwrap())
                .collect()
        };
        assert_eq!(dist(&got), dist(&want), "query {id}");
        assert_eq!(got["results"][0]["distance"], 0);
        // Items shown beside the hits come from the collection: paths and labels match the ids.
        for r in got["results"].as_array().unwrap() {
            let hit = r["id"].as_u64().unwrap() as usize;
            assert_eq!(r["label"], fixture.labels[hit]);
            assert_eq!(r["path"], fixture.paths[hit].display().to_string());
        }
    }
}

#[test]
fn an_unknown_collection_is_a_milvus_error_naming_it() {
    if milvus_server::skip() {
        return;
    }
    let milvus = milvus_server::Server::start();
    let e = Catalog::from_milvus(&milvus.uri(), "absent", std::path::Path::new("."))
        .err()
        .unwrap();
    assert!(e.to_string().contains("no collection `absent`"), "{e}");
}
