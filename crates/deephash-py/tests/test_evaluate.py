"""deephash.evaluate against numpy references (the loops of map_eval.py and
DeepHash-pytorch's CalcTopMap, with a stable argsort), to 1e-9."""

import numpy as np
import pytest

import deephash
from conftest import clustered_codes, hamming


def numpy_metrics(q_bits, d_bits, relevant, topk, k, radius):
    """mAP (whole ranking), mAP@topk (divided by the relevant items in the top
    topk), precision@k, precision and recall within radius; ties by index."""
    dist = hamming(q_bits, d_bits)
    aps, aps_k, p_k, p_r, r_r = [], [], [], [], []
    for i in range(len(q_bits)):
        order = np.argsort(dist[i], kind="stable")
        rel = relevant[i][order].astype(np.float64)
        total = rel.sum()
        ranks = np.arange(1, len(rel) + 1)
        aps.append((np.cumsum(rel) / ranks * rel).sum() / total if total else 0.0)
        top = rel[:topk]
        aps_k.append((np.cumsum(top) / ranks[:topk] * top).sum() / top.sum() if top.sum() else 0.0)
        p_k.append(rel[:k].mean())
        inside = dist[i] <= radius
        hits = relevant[i][inside].sum()
        p_r.append(hits / inside.sum() if inside.sum() else 0.0)
        r_r.append(hits / total if total else 0.0)
    return {"map": np.mean(aps), "map_at_k": np.mean(aps_k), "precision_at_k": np.mean(p_k),
            "precision_radius": np.mean(p_r), "recall_radius": np.mean(r_r)}


def check(report, want):
    for key, value in want.items():
        assert report[key] == pytest.approx(value, abs=1e-9, rel=0), key


@pytest.mark.parametrize("bits", [16, 64])
def test_single_label_metrics_equal_numpy(bits):
    rng = np.random.default_rng(bits)
    qb, ql = clustered_codes(rng, 120, bits, 10)
    db, dl = clustered_codes(rng, 1500, bits, 10)
    report = deephash.evaluate(np.packbits(qb, axis=1), ql, np.packbits(db, axis=1), dl, topk=100, radius=2)
    check(report, numpy_metrics(qb, db, ql[:, None] == dl[None, :], 100, 100, 2))
    assert report["queries"] == 120 and report["database"] == 1500 and report["bits"] == bits


def test_multi_label_one_hot_metrics_equal_numpy_calc_top_map():
    rng = np.random.default_rng(5)
    qb, _ = clustered_codes(rng, 80, 32, 6)
    db, _ = clustered_codes(rng, 900, 32, 6)
    ql = (rng.random((80, 12)) < 0.15).astype(np.float32)  # DeepHash-pytorch: float one-hot
    dl = (rng.random((900, 12)) < 0.15).astype(np.float32)
    relevant = (ql @ dl.T) > 0
    report = deephash.evaluate(qb * 2.0 - 1, ql, db.astype(bool), dl, topk=50, radius=3)
    check(report, numpy_metrics(qb, db, relevant, 50, 50, 3))
    as_bool = deephash.evaluate(qb * 2.0 - 1, ql.astype(bool), db.astype(bool), dl.astype(np.int64), topk=50, radius=3)
    assert as_bool == report
    assert deephash.evaluate(qb, ql, db, dl, topk=50, radius=3, threads=1) != report  # uint8 0/1 = packed
    one_thread = deephash.evaluate(qb * 2.0 - 1, ql, db.astype(bool), dl, topk=50, radius=3, threads=1)
    assert one_thread == report


def test_defaults_and_keys_follow_the_cli():
    rng = np.random.default_rng(6)
    qb, ql = clustered_codes(rng, 30, 16, 3)
    db, dl = clustered_codes(rng, 60, 16, 3)
    report = deephash.evaluate(qb.astype(bool), ql, db.astype(bool), dl)
    assert "map_at_k" not in report and "topk" not in report
    assert report["k"] == 60 and report["radius"] == 2
    assert len(report["pr_curve"]) == 17
    hist = report["distance_histogram"]
    assert sum(hist["relevant"]) + sum(hist["irrelevant"]) == 30 * 60


def test_evaluate_errors_name_the_arguments():
    codes = np.zeros((4, 2), np.uint8)
    labels = np.arange(4)
    cases = [
        (lambda: deephash.evaluate(codes, labels[:3], codes, labels),
         "query_labels: 3 labels, but query_codes holds 4 codes"),
        (lambda: deephash.evaluate(codes, labels, codes[:, :1], labels),
         "db_codes: database codes have 8 bits but the query codes in query_codes have 16 bits"),
        (lambda: deephash.evaluate(codes, labels, codes, labels, topk=5),
         "topk = 5 is out of range: db_codes holds 4 codes, k must be 1..=4"),
        (lambda: deephash.evaluate(codes, labels * 0.5, codes, labels),
         "query_labels: labels must be integers or bools, found dtype <f8"),
        (lambda: deephash.evaluate(codes, labels, codes, np.eye(4, dtype=bool)),
         "db_labels (multi-label): query labels are single-label but database labels are multi-label"),
    ]
    for call, message in cases:
        with pytest.raises(deephash.DeephashError) as err:
            call()
        assert str(err.value).startswith(message), str(err.value)
