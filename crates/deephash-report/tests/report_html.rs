//! The produced page: every section present, well-formed markup and SVG, no network
//! references, thumbnails embedded, bad input rejected.

mod common;

use deephash_report::{DistanceHistogram, EvalReport, Report};

fn parse(html: &str) -> roxmltree::Document<'_> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(html, opts)
        .expect("the page is well-formed XML (polyglot HTML)")
}

#[test]
fn every_section_is_present_with_its_content() {
    let html = common::sample_report().render().unwrap();
    let doc = parse(&html);
    for id in [
        "map-table",
        "pr-curve",
        "precision-at-k",
        "radius",
        "histogram",
        "examples",
        "training",
    ] {
        let section = doc.descendants().find(|n| n.attribute("id") == Some(id));
        let section = section.unwrap_or_else(|| panic!("section #{id} missing"));
        assert!(
            section.descendants().any(|n| n.has_tag_name("h2")),
            "#{id} has no heading"
        );
    }
    let svg_in = |id: &str| {
        let s = doc
            .descendants()
            .find(|n| n.attribute("id") == Some(id))
            .unwrap();
        s.descendants()
            .filter(|n| n.tag_name().name() == "svg")
            .count()
    };
    assert_eq!(svg_in("pr-curve"), 1);
    assert_eq!(svg_in("precision-at-k"), 1);
    assert_eq!(svg_in("radius"), 1);
    assert_eq!(svg_in("histogram"), 3, "one histogram per code length");
    assert_eq!(svg_in("training"), 2, "loss and validation mAP per epoch");
    assert!(
        html.contains("64 bits: loss csq, chosen by validation mAP"),
        "the selection is shown"
    );
    let rows = doc.descendants().filter(|n| n.has_tag_name("tr")).count();
    assert_eq!(rows, 1 + 3, "header + one row per code length");
    for r in &common::sample_report().results {
        let row = format!(
            "{} bits</td><td><b>{:.4}</b></td><td>{:.4}</td>",
            r.bits, r.map, r.map_tie_aware
        );
        assert!(html.contains(&row), "{row}");
        assert!(
            r.map > 0.3 && r.map < 1.0,
            "the fixture is neither trivial nor broken"
        );
    }
}

#[test]
fn every_svg_is_well_formed_on_its_own() {
    let html = common::sample_report().render().unwrap();
    let mut rest = html.as_str();
    let mut count = 0;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("closed svg") + start + "</svg>".len();
        let svg = roxmltree::Document::parse(&rest[start..end]).expect("well-formed svg");
        assert_eq!(svg.root_element().tag_name().name(), "svg");
        assert!(svg.descendants().count() > 20, "the plot has content");
        rest = &rest[end..];
        count += 1;
    }
    assert_eq!(count, 8);
}

#[test]
fn no_resource_is_fetched_from_the_network() {
    let html = common::sample_report().render().unwrap();
    let doc = parse(&html);
    for node in doc.descendants().filter(|n| n.is_element()) {
        for attr in node.attributes() {
            let v = attr.value().trim().to_ascii_lowercase();
            if attr.name() == "xmlns" {
                continue; // a namespace name, never fetched
            }
            assert!(
                !v.contains("http:") && !v.contains("https:") && !v.starts_with("//"),
                "{}={v}",
                attr.name()
            );
            if attr.name() == "src" || attr.name() == "href" {
                assert!(
                    v.starts_with("data:image/png;base64,"),
                    "{}={v:.40}",
                    attr.name()
                );
            }
        }
    }
    let style = doc
        .descendants()
        .find(|n| n.has_tag_name("style"))
        .unwrap()
        .text()
        .unwrap();
    assert!(!style.contains("url(") && !style.contains("@import"));
    assert!(
        !doc.descendants()
            .any(|n| n.has_tag_name("script") || n.has_tag_name("link"))
    );
}

#[test]
fn example_grid_has_every_hit_with_its_relevance() {
    let report = common::sample_report();
    let doc_html = report.render().unwrap();
    let doc = parse(&doc_html);
    let grid = report.examples.as_ref().unwrap();
    let class_count = |c: &str| {
        doc.descendants()
            .filter(|n| {
                n.attribute("class")
                    .is_some_and(|a| a.split(' ').any(|x| x == c))
            })
            .count()
    };
    let relevant = grid
        .queries
        .iter()
        .flat_map(|q| &q.hits)
        .filter(|h| h.relevant)
        .count();
    let total: usize = grid.queries.iter().map(|q| q.hits.len()).sum();
    assert_eq!(class_count("query"), grid.queries.len());
    assert_eq!(class_count("relevant"), relevant);
    assert_eq!(class_count("irrelevant"), total - relevant);
    let imgs = doc.descendants().filter(|n| n.has_tag_name("img")).count();
    assert_eq!(imgs, grid.queries.len() + total);
    assert!(doc_html.contains("class &lt;0&gt;"), "labels are escaped");
    assert!(doc_html.contains("#1 d=0"), "rank and distance shown");
}

#[test]
fn a_report_without_examples_or_histograms_says_so() {
    let mut report = common::sample_report();
    report.examples = None;
    report
        .results
        .iter_mut()
        .for_each(|r| r.distance_histogram = DistanceHistogram::default());
    let html = report.render().unwrap();
    parse(&html);
    assert!(html.contains("No example queries"));
    assert!(html.contains("No distance histogram"));
    assert!(!html.contains("No training history"));
    report.training.clear();
    let html = report.render().unwrap();
    assert!(html.contains("No training history"));
    report.training = vec![common::training(16, None)];
    report.training[0]
        .epochs
        .iter_mut()
        .for_each(|e| e.val_map = None);
    let html = report.render().unwrap();
    parse(&html);
    assert!(html.contains("No epoch was validated"));
    let empty = Report {
        title: "empty".into(),
        ..Default::default()
    };
    parse(&empty.render().unwrap());
}

#[test]
fn impossible_numbers_are_rejected_with_the_code_length() {
    let bad = |f: &dyn Fn(&mut EvalReport)| {
        let mut report = common::sample_report();
        f(&mut report.results[1]);
        report.render().unwrap_err().to_string()
    };
    assert!(bad(&|r| r.map = f64::NAN).contains("32 bits: mAP is NaN"));
    let mut report = common::sample_report();
    report.training[1].epochs[2].loss = f64::INFINITY;
    let err = report.render().unwrap_err().to_string();
    assert!(
        err.contains("training of 64 bits: epoch 3: the loss is inf"),
        "{err}"
    );
    report.training[1].epochs[2].loss = 1.0;
    report.training[1].epochs[3].val_map = Some(1.5);
    let err = report.render().unwrap_err().to_string();
    assert!(err.contains("validation mAP is 1.5"), "{err}");
    assert!(bad(&|r| r.recall_radius = 1.5).contains("recall"));
    assert!(bad(&|r| r.precision_at_k_curve[0].k = 0).contains("k = 0"));
    assert!(
        bad(&|r| {
            r.distance_histogram.relevant.pop();
        })
        .contains("bins")
    );
    assert!(bad(&|r| r.bits = 16).contains("twice"));
}

#[test]
fn write_is_atomic_and_leaves_only_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.html");
    common::sample_report().write(&path).unwrap();
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("report.html")]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("<!DOCTYPE html>") && text.trim_end().ends_with("</html>"));
    let err = common::sample_report()
        .write(&dir.path().join("missing/report.html"))
        .unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
}
