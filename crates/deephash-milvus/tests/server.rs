//! deephash-milvus against a real Milvus server (see `common`): pushes, exact search, filters,
//! resumed pushes and the errors of bad input.

mod common;

use std::time::Instant;

use common::{Server, random_codes, skip};
use deephash_codes::CodeMatrix;
use deephash_index::{HammingIndex, LinearScan};
use deephash_milvus::{
    Hit, IndexChoice, MilvusClient, MilvusError, MilvusIndex, PushItems, PushOptions, SearchOptions,
};

fn items(codes: CodeMatrix) -> PushItems {
    let n = codes.len();
    let mut items = PushItems::new(codes);
    items.labels = (0..n as i64).map(|i| i % 10).collect();
    items.paths = (0..n).map(|i| format!("img/{i}.png")).collect();
    items
}

fn hamming(a: &[u8], b: &[u8]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// Milvus's answer to one query equals the exact scan's up to the order of ids among equal
/// distances: same distances rank by rank, same ids below the k-th distance, and every id at
/// the k-th distance truly at that distance.
fn assert_same_as_exact(
    db: &CodeMatrix,
    query: &[u8],
    got: &[Hit],
    want_ids: &[u32],
    want_d: &[u16],
) {
    let got_d: Vec<u32> = got.iter().map(|h| h.distance).collect();
    let want_d: Vec<u32> = want_d.iter().map(|&d| u32::from(d)).collect();
    assert_eq!(got_d, want_d, "distances differ");
    let last = *want_d.last().unwrap();
    let mut inner_got: Vec<i64> = got
        .iter()
        .filter(|h| h.distance < last)
        .map(|h| h.id)
        .collect();
    let mut inner_want: Vec<i64> = want_ids
        .iter()
        .zip(&want_d)
        .filter(|(_, d)| **d < last)
        .map(|(&i, _)| i64::from(i))
        .collect();
    inner_got.sort_unstable();
    inner_want.sort_unstable();
    assert_eq!(inner_got, inner_want, "ids below the k-th distance differ");
    for h in got {
        assert_eq!(
            hamming(db.code(h.id as usize), query),
            h.distance,
            "id {}",
            h.id
        );
    }
}

#[test]
fn hundred_thousand_codes_search_like_the_exact_scan_with_labels_paths_and_filters() {
    if skip() {
        return;
    }
    let server = Server::start();
    let client = MilvusClient::connect(&server.uri()).unwrap();
    let codes = random_codes(100_000, 64, 7);
    let opts = PushOptions::default();
    let t = Instant::now();
    let report = client.push("codes", &items(codes.clone()), &opts).unwrap();
    eprintln!("pushed 100,000 codes in {:.2} s", t.elapsed().as_secs_f64());
    assert_eq!(
        (report.inserted, report.present, report.total),
        (100_000, 0, 100_000)
    );

    // Queries: 20 database codes and 20 others.
    let mut q = codes.as_bytes()[..20 * 8].to_vec();
    q.extend_from_slice(random_codes(20, 64, 99).as_bytes());
    let queries = CodeMatrix::from_packed(64, q).unwrap();
    let scan = LinearScan::new(&codes).unwrap();
    let with_fields = SearchOptions {
        with_fields: true,
        ..SearchOptions::default()
    };
    for k in [10, 100] {
        let want = scan.knn(&queries, k).unwrap();
        let got = client.search("codes", &queries, k, &with_fields).unwrap();
        assert_eq!(got.len(), queries.len());
        for (qi, hits) in got.iter().enumerate() {
            let query = queries.code(qi);
            assert_same_as_exact(&codes, query, hits, want.ids_of(qi), want.distances_of(qi));
            for h in hits {
                assert_eq!(h.label, h.id % 10);
                assert_eq!(h.path, format!("img/{}.png", h.id));
            }
        }
        // A database code finds itself first.
        assert_eq!((got[3][0].id, got[3][0].distance), (3, 0));
    }

    // A label filter: the exact answer over the rows of label 3.
    let filtered = SearchOptions {
        filter: Some("label == 3".into()),
        with_fields: true,
        ..SearchOptions::default()
    };
    let got = client.search("codes", &queries, 10, &filtered).unwrap();
    for (qi, hits) in got.iter().enumerate() {
        let mut exact: Vec<u32> = (3..codes.len())
            .step_by(10)
            .map(|i| hamming(codes.code(i), queries.code(qi)))
            .collect();
        exact.sort_unstable();
        let dists: Vec<u32> = hits.iter().map(|h| h.distance).collect();
        assert_eq!(dists, exact[..10].to_vec());
        assert!(hits.iter().all(|h| h.label == 3 && h.id % 10 == 3));
    }

    // deephash's index interface over the collection: the same distances as the scan.
    let index = MilvusIndex::open(client, "codes", SearchOptions::default()).unwrap();
    assert_eq!(
        (index.len(), index.bits(), index.name()),
        (100_000, 64, "milvus")
    );
    let want = scan.knn(&queries, 10).unwrap();
    let got = index.knn(&queries, 10).unwrap();
    assert_eq!(got.distances, want.distances);
    assert!(index.knn(&queries, 0).is_err());
}

#[test]
fn an_interrupted_push_is_completed_after_a_server_kill_without_duplicates() {
    if skip() {
        return;
    }
    let mut server = Server::start();
    let (db, port) = (server.db().to_path_buf(), server.port());
    let all = items(random_codes(30_000, 32, 3));
    // The first pusher got 13,001 rows in before it (and the server) died.
    let mut first = all.clone();
    first.codes = CodeMatrix::from_packed(32, all.codes.as_bytes()[..13_001 * 4].to_vec()).unwrap();
    first.labels.truncate(13_001);
    first.paths.truncate(13_001);
    let opts = PushOptions {
        batch: 4_000,
        ..PushOptions::default()
    };
    let client = MilvusClient::connect(&server.uri()).unwrap();
    client.push("resume", &first, &opts).unwrap();
    drop(client);
    server.kill();

    let server = Server::start_on(&db, port);
    let client = MilvusClient::connect(&server.uri()).unwrap();
    // Batches of 7,000 straddle the rows already there.
    let opts = PushOptions {
        batch: 7_000,
        ..opts
    };
    let report = client.push("resume", &all, &opts).unwrap();
    assert_eq!(
        (report.present, report.inserted, report.total),
        (13_001, 16_999, 30_000)
    );
    let mut ids = Vec::new();
    for start in (0..30_000).step_by(10_000) {
        ids.extend(
            client
                .ids_in_range("resume", start, start + 10_000)
                .unwrap(),
        );
    }
    ids.sort_unstable();
    assert_eq!(ids, (0..30_000).collect::<Vec<i64>>());
    // A second complete run changes nothing.
    let again = client.push("resume", &all, &opts).unwrap();
    assert_eq!(
        (again.present, again.inserted, again.total),
        (30_000, 0, 30_000)
    );
}

#[test]
fn bad_input_is_refused_with_one_line_naming_the_problem() {
    if skip() {
        return;
    }
    // Nobody listens on a port just freed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let timeout = std::time::Duration::from_secs(1);
    let e = MilvusClient::connect_with_timeout(&format!("127.0.0.1:{port}"), timeout);
    let e = e.err().expect("no server there");
    assert!(matches!(e, MilvusError::Unreachable { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!("cannot reach a Milvus server at http://127.0.0.1:{port}")
    );
    let e = MilvusClient::connect("http://host:port").err().unwrap();
    assert!(matches!(e, MilvusError::MalformedUri { .. }), "{e}");

    let server = Server::start();
    let client = MilvusClient::connect(&server.uri()).unwrap();
    let q = random_codes(2, 64, 5);
    let e = client
        .search("nope", &q, 5, &SearchOptions::default())
        .unwrap_err();
    assert!(matches!(e, MilvusError::UnknownCollection { .. }), "{e}");
    assert!(e.to_string().starts_with("no collection `nope`"), "{e}");

    client
        .push(
            "c64",
            &items(random_codes(100, 64, 1)),
            &PushOptions::default(),
        )
        .unwrap();
    let narrow = items(random_codes(50, 32, 2));
    let e = client
        .push("c64", &narrow, &PushOptions::default())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "collection `c64` holds 64-bit codes, the codes are 32-bit"
    );
    assert_eq!(client.count("c64").unwrap(), 100, "nothing written");
    let e = client.search("c64", &random_codes(1, 32, 2), 5, &SearchOptions::default());
    assert_eq!(
        e.unwrap_err().to_string(),
        "collection `c64` holds 64-bit codes, the queries are 32-bit"
    );
    let e = client
        .search("c64", &q, 0, &SearchOptions::default())
        .unwrap_err();
    assert!(matches!(e, MilvusError::Invalid(_)), "{e}");
    let bad_filter = SearchOptions {
        filter: Some("label ==".into()),
        ..SearchOptions::default()
    };
    let e = client.search("c64", &q, 5, &bad_filter).unwrap_err();
    assert!(matches!(e, MilvusError::Server { op: "search", .. }), "{e}");
}

/// The error and its causes on one line, as the command line prints it.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

#[test]
fn milvus_lite_refuses_an_ivf_index_and_the_push_leaves_no_collection_behind() {
    if skip() {
        return;
    }
    let server = Server::start();
    let client = MilvusClient::connect(&server.uri()).unwrap();
    let rows = items(random_codes(2_000, 64, 9));
    let ivf = PushOptions {
        index: IndexChoice::Ivf { nlist: 32 },
        ..PushOptions::default()
    };
    let e = client.push("ivf", &rows, &ivf).unwrap_err();
    let text = chain(&e);
    eprintln!("Milvus Lite on BIN_IVF_FLAT: {text}");
    assert!(
        matches!(
            e,
            MilvusError::Server {
                op: "create_index",
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("BIN_FLAT"), "{text}");
    assert!(
        !client.has_collection("ivf").unwrap(),
        "a half-made collection"
    );
    // The same name then takes the exact index.
    let report = client.push("ivf", &rows, &PushOptions::default()).unwrap();
    assert_eq!(report.total, 2_000);
}
