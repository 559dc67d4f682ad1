"""deephash.search / Index / CodeDB / pack / unpack against numpy."""

import threading
import time

import numpy as np
import pytest

import deephash
from conftest import hamming


def brute_force(q_bits, d_bits, k):
    """numpy k-NN: nearest first, ties by the lower database index (stable sort)."""
    dist = hamming(q_bits, d_bits)
    order = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(dist, order, axis=1)


@pytest.fixture(scope="module")
def tied():
    """Codes with only 8 random bits of 32 set: many ties at every distance."""
    rng = np.random.default_rng(1)
    bits = np.zeros((3000, 32), dtype=np.uint8)
    bits[:, :8] = rng.integers(0, 2, size=(3000, 8))
    return bits


@pytest.mark.parametrize("index", ["auto", "scan", "mih"])
@pytest.mark.parametrize("threads", [1, 2])
def test_search_equals_numpy_brute_force_with_ties_by_lower_index(tied, index, threads):
    db, queries = tied[40:], tied[:40]
    want_ids, want_dist = brute_force(queries, db, 25)
    ids, dist = deephash.search(np.packbits(db, axis=1), np.packbits(queries, axis=1), 25, threads=threads, index=index)
    assert ids.dtype == np.int64 and dist.dtype == np.int32 and ids.shape == (40, 25)
    np.testing.assert_array_equal(ids, want_ids)
    np.testing.assert_array_equal(dist, want_dist)


def test_sign_matrices_search_like_their_packed_codes(tied):
    packed = np.packbits(tied, axis=1)
    want = deephash.search(packed, packed[:30], 10)
    pm1 = tied.astype(np.int8) * 2 - 1
    for db, q in [
        (tied.astype(bool), tied[:30].astype(bool)),
        (pm1, pm1[:30]),
        (pm1.astype(np.float32) * 0.3, pm1[:30].astype(np.float64)),
        (packed, pm1[:30]),
    ]:
        got = deephash.search(db, q, 10)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


def test_non_contiguous_and_big_endian_inputs(tied):
    packed = np.packbits(tied, axis=1)
    want = deephash.search(packed, packed[:20], 5)
    strided = np.asfortranarray(packed)
    big = (tied.astype(np.float32) - 0.5).astype(">f4")
    for db in (strided, big):
        got = deephash.search(db, packed[:20], 5)
        np.testing.assert_array_equal(got[0], want[0])


def test_pack_and_unpack_are_numpy_packbits_and_unpackbits():
    rng = np.random.default_rng(2)
    bits = rng.integers(0, 2, size=(50, 72), dtype=np.uint8)
    packed = np.packbits(bits, axis=1)
    for signs in (bits, bits.astype(bool), bits.astype(np.int16) * 2 - 1, bits - 0.5):
        np.testing.assert_array_equal(deephash.pack(signs), packed)
    np.testing.assert_array_equal(deephash.unpack(packed), bits)


def test_index_radius_search_equals_numpy(tied):
    db, queries = tied[40:], tied[:40]
    dist = hamming(queries, db)
    for kind in ("scan", "mih"):
        index = deephash.Index(np.packbits(db, axis=1), index=kind)
        assert index.kind == kind and len(index) == len(db) and index.bits == 32
        hits = index.radius_search(np.packbits(queries, axis=1), 2)
        assert len(hits) == len(queries)
        for q, (ids, d) in enumerate(hits):
            order = np.argsort(dist[q], kind="stable")
            want = order[dist[q][order] <= 2]
            np.testing.assert_array_equal(ids, want)
            np.testing.assert_array_equal(d, dist[q][want])


def test_index_save_load_keeps_codes_ids_labels_and_results(tmp_path, tied):
    packed = np.packbits(tied, axis=1)
    ids = [f"img{i}.jpg" for i in range(len(packed))]
    labels = np.arange(len(packed)) % 7
    index = deephash.Index.build(packed, index="mih", ids=ids, labels=labels)
    want = index.search(packed[:10], 8)
    index.save(tmp_path / "x.dhi")
    loaded = deephash.Index.load(tmp_path / "x.dhi")
    assert loaded.kind == "mih" and loaded.ids == ids
    np.testing.assert_array_equal(loaded.labels, labels)
    np.testing.assert_array_equal(loaded.codes, packed)
    got = loaded.search(packed[:10], 8)
    np.testing.assert_array_equal(got[0], want[0])
    assert deephash.Index.load(tmp_path / "x.dhi", index="scan").kind == "scan"


def test_codedb_roundtrip_and_zero_copy_read_only_views(tmp_path):
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 256, size=(100, 16), dtype=np.uint8)
    onehot = rng.integers(0, 2, size=(100, 5)).astype(bool)
    deephash.CodeDB(codes, ids=[str(i) for i in range(100)], labels=onehot).save(tmp_path / "c.dhc")
    db = deephash.CodeDB.open(tmp_path / "c.dhc")
    assert len(db) == 100 and db.bits == 128 and db.ids[7] == "7"
    np.testing.assert_array_equal(db.labels, onehot)
    view = db.codes
    np.testing.assert_array_equal(view, codes)
    assert not view.flags.writeable and not view.flags.owndata
    assert np.shares_memory(view, db.codes)  # both views of the same Rust memory
    with pytest.raises(ValueError):
        view[0, 0] = 1
    index = deephash.Index.load(tmp_path / "c.dhc")
    assert index.ids == db.ids


def test_errors_are_deephash_errors_with_one_line_messages(tied):
    packed = np.packbits(tied, axis=1)
    cases = [
        (lambda: deephash.search(packed.astype(np.uint16), packed, 1),
         "db: codes must be uint8 (packed), bool or float (embeddings), found dtype <u2"),
        (lambda: deephash.search(packed[0], packed, 1), "db: codes must be a 2-D array, found shape [4]"),
        (lambda: deephash.search(packed, np.ones((2, 12), bool), 1), "queries: invalid code length 12 bits"),
        (lambda: deephash.search(packed, packed[:, :2], 1), "queries: queries have 16 bits but the database has 32 bits"),
        (lambda: deephash.search(packed, packed, 0), "k = 0 is invalid: db holds 3000 codes, so k must be between 1 and 3000"),
        (lambda: deephash.search(packed, packed, 1, index="lsh"), 'index = "lsh" is invalid'),
        (lambda: deephash.search(packed, packed, 1, threads=0), "threads = 0 is invalid: use at least 1"),
        (lambda: deephash.CodeDB.open("/nonexistent.dhc"), "/nonexistent.dhc: "),
    ]
    for call, message in cases:
        with pytest.raises(deephash.DeephashError) as err:
            call()
        assert str(err.value).startswith(message), str(err.value)
        assert "\n" not in str(err.value)
    assert issubclass(deephash.DeephashError, ValueError)


def test_search_releases_the_gil():
    """While one thread searches (1 worker), the main thread keeps running Python:
    no gap between its loop iterations comes close to the search's duration."""
    rng = np.random.default_rng(4)
    db = rng.integers(0, 256, size=(200_000, 32), dtype=np.uint8)
    queries = rng.integers(0, 256, size=(200, 32), dtype=np.uint8)
    index = deephash.Index(db, index="scan")
    span = {"calls": []}

    def work():
        span["start"] = time.perf_counter()
        for _ in range(3):
            t = time.perf_counter()
            index.search(queries, 10, threads=1)
            span["calls"].append(time.perf_counter() - t)
        span["end"] = time.perf_counter()

    worker = threading.Thread(target=work)
    ticks = []
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
    worker.join()
    inside = [t for t in ticks if span["start"] <= t <= span["end"]]
    gaps = np.diff(inside)
    # Holding the GIL would leave a gap at least as long as one search call.
    shortest = min(span["calls"])
    assert len(inside) > 10, (span, len(inside))
    assert gaps.max() < shortest / 2, (shortest, gaps.max())
