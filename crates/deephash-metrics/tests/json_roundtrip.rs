//! Scores written to JSON read back bit for bit (the workspace builds serde_json with
//! `float_roundtrip`): a resumed training reads its best validation mAP back from its
//! checkpoint, and reports read `metrics.json`. Without the feature about one value in ten
//! came back one ulp off (0.9055376259542927 read as 0.9055376259542928).

#[test]
fn every_f64_reads_back_exactly() {
    let known = 0.905_537_625_954_292_7_f64;
    let text = serde_json::to_string(&known).unwrap();
    assert_eq!(serde_json::from_str::<f64>(&text).unwrap(), known, "{text}");
    let mut v = 0.123_456_789_f64;
    for _ in 0..100_000 {
        v = (v * 3.7 + 0.1).fract();
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<f64>(&text).unwrap(), v, "{text}");
    }
}
