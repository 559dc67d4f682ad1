//! Property tests: every kernel, the linear scan and multi-index hashing give
//! exactly the answers of a plain scalar reference (distance by bytes, ranking
//! by distance then id).

use deephash_codes::CodeMatrix;
use deephash_index::{HammingIndex, Kernel, LinearScan, MultiIndexHashing, PaddedCodes, distances};
use proptest::prelude::*;

fn reference_distance(a: &[u8], b: &[u8]) -> u16 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x ^ y).count_ones())
        .sum::<u32>() as u16
}

fn reference_ranking(db: &CodeMatrix, q: &[u8]) -> Vec<(u16, u32)> {
    let mut all: Vec<(u16, u32)> = (0..db.len())
        .map(|i| (reference_distance(q, db.code(i)), i as u32))
        .collect();
    all.sort();
    all
}

/// Codes drawn from a few base patterns with a few flipped bits, so ties and
/// near neighbours are common.
fn codes(bits: usize, n: usize) -> impl Strategy<Value = CodeMatrix> {
    let w = bits / 8;
    (
        prop::collection::vec(any::<u8>(), w * 3),
        prop::collection::vec((0..3usize, any::<u16>(), any::<u8>()), n),
    )
        .prop_map(move |(bases, rows)| {
            let mut data = Vec::with_capacity(n * w);
            for (b, pos, mask) in rows {
                let mut row = bases[b * w..(b + 1) * w].to_vec();
                row[pos as usize % w] ^= mask & mask.rotate_left(3);
                data.extend(row);
            }
            CodeMatrix::from_packed(bits, data).unwrap()
        })
}

fn bits_choice() -> impl Strategy<Value = usize> {
    prop::sample::select(vec![8usize, 16, 24, 40, 64, 72, 128, 192, 256, 512, 1024])
}

fn case() -> impl Strategy<Value = (CodeMatrix, CodeMatrix, usize)> {
    (bits_choice(), 1..300usize, 1..20usize)
        .prop_flat_map(|(bits, n, nq)| (codes(bits, n), codes(bits, nq), 1..=n))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn kernels_match_reference_distances((db, qs, _k) in case()) {
        let padded_db = PaddedCodes::new(&db).unwrap();
        let padded_q = PaddedCodes::new(&qs).unwrap();
        for kernel in Kernel::available() {
            for q in 0..qs.len() {
                let mut out = vec![0u16; db.len()];
                kernel.distances(padded_q.row(q), padded_db.as_bytes(), padded_db.stride(), &mut out);
                let want: Vec<u16> = (0..db.len()).map(|i| reference_distance(qs.code(q), db.code(i))).collect();
                prop_assert_eq!(&out, &want, "kernel {:?}", kernel);
                let mut plain = vec![0u16; db.len()];
                distances(qs.code(q), &db, &mut plain).unwrap();
                prop_assert_eq!(&plain, &want);
            }
        }
    }

    #[test]
    fn scan_and_mih_knn_match_reference((db, qs, k) in case(), m in 1..9usize) {
        let mut indexes: Vec<Box<dyn HammingIndex>> = Kernel::available()
            .into_iter()
            .map(|kern| Box::new(LinearScan::new(&db).unwrap().with_kernel(kern)) as Box<dyn HammingIndex>)
            .collect();
        indexes.push(Box::new(MultiIndexHashing::new(&db).unwrap()));
        indexes.push(Box::new(MultiIndexHashing::with_substrings(&db, m).unwrap()));
        for index in &indexes {
            let got = index.knn(&qs, k).unwrap();
            for q in 0..qs.len() {
                let want: Vec<(u16, u32)> = reference_ranking(&db, qs.code(q)).into_iter().take(k).collect();
                let have: Vec<(u16, u32)> =
                    got.distances_of(q).iter().copied().zip(got.ids_of(q).iter().copied()).collect();
                prop_assert_eq!(have, want, "index {}", index.name());
            }
        }
    }

    #[test]
    fn radius_matches_reference((db, qs, _k) in case(), r in 0..40u32, m in 1..9usize) {
        let indexes: Vec<Box<dyn HammingIndex>> = vec![
            Box::new(LinearScan::new(&db).unwrap()),
            Box::new(LinearScan::new(&db).unwrap().with_kernel(Kernel::Scalar)),
            Box::new(MultiIndexHashing::with_substrings(&db, m).unwrap()),
        ];
        for index in &indexes {
            let got = index.radius(&qs, r).unwrap();
            prop_assert_eq!(got.len(), qs.len(), "one hit list per query");
            for (q, hits) in got.iter().enumerate() {
                let want: Vec<(u32, u16)> = reference_ranking(&db, qs.code(q))
                    .into_iter()
                    .filter(|&(d, _)| u32::from(d) <= r)
                    .map(|(d, i)| (i, d))
                    .collect();
                prop_assert_eq!(hits, &want, "index {}", index.name());
            }
        }
    }
}

#[test]
fn large_uniform_block_boundaries_match_reference() {
    // 5,000 codes cross several scan chunks and query blocks; 40 queries > one block.
    let mut s = 7u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let db = CodeMatrix::from_packed(
        64,
        (0..5000)
            .flat_map(|_| (next() & 0xffff_0000_ffff).to_le_bytes())
            .collect(),
    )
    .unwrap();
    let qs = CodeMatrix::from_packed(
        64,
        (0..40)
            .flat_map(|_| (next() & 0xffff_0000_ffff).to_le_bytes())
            .collect(),
    )
    .unwrap();
    for kernel in Kernel::available() {
        let got = LinearScan::new(&db)
            .unwrap()
            .with_kernel(kernel)
            .knn(&qs, 50)
            .unwrap();
        for q in 0..qs.len() {
            let want: Vec<u32> = reference_ranking(&db, qs.code(q))
                .into_iter()
                .take(50)
                .map(|x| x.1)
                .collect();
            assert_eq!(got.ids_of(q), want.as_slice(), "{kernel:?}");
        }
    }
    let mih = MultiIndexHashing::new(&db).unwrap().knn(&qs, 50).unwrap();
    assert_eq!(mih, LinearScan::new(&db).unwrap().knn(&qs, 50).unwrap());
}

#[test]
fn bad_arguments_are_errors() {
    let db = CodeMatrix::from_packed(16, vec![0; 20]).unwrap();
    let scan = LinearScan::new(&db).unwrap();
    let q8 = CodeMatrix::from_packed(8, vec![0; 2]).unwrap();
    assert!(scan.knn(&q8, 1).unwrap_err().to_string().contains("8 bits"));
    let q16 = CodeMatrix::from_packed(16, vec![0; 2]).unwrap();
    assert!(scan.knn(&q16, 0).is_err());
    assert!(
        scan.knn(&q16, 11)
            .unwrap_err()
            .to_string()
            .contains("k = 11")
    );
    assert!(MultiIndexHashing::new(&db).unwrap().knn(&q16, 11).is_err());
}
