"""The package and the `deephash` CLI on the same files: equal results, equal messages."""

import json

import numpy as np
import pytest

import deephash
from conftest import clustered_codes


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    rng = np.random.default_rng(8)
    qb, ql = clustered_codes(rng, 60, 64, 8)
    db, dl = clustered_codes(rng, 2000, 64, 8)
    out = tmp_path_factory.mktemp("cli")
    arrays = {"q": np.packbits(qb, axis=1), "ql": ql, "d": np.packbits(db, axis=1), "dl": dl,
              "dl_onehot": np.eye(8, dtype=bool)[dl], "ql_onehot": np.eye(8, dtype=bool)[ql]}
    for name, array in arrays.items():
        np.save(out / f"{name}.npy", array)
    return out, arrays


@pytest.mark.parametrize("labels", [("ql", "dl"), ("ql_onehot", "dl_onehot")])
@pytest.mark.parametrize("topk", [None, 100])
def test_evaluate_equals_cli_eval_json(cli, files, labels, topk):
    out, a = files
    args = ["eval", "--json", "--query-codes", out / "q.npy", "--query-labels", out / f"{labels[0]}.npy",
            "--db-codes", out / "d.npy", "--db-labels", out / f"{labels[1]}.npy", "--radius", 3]
    if topk:
        args += ["--topk", topk]
    code, stdout, stderr = cli(*args)
    assert code == 0, stderr
    report = deephash.evaluate(a["q"], a[labels[0]], a["d"], a[labels[1]], topk=topk, radius=3)
    assert report == json.loads(stdout)


@pytest.mark.parametrize("index", ["scan", "mih"])
def test_search_equals_cli_search(cli, files, index):
    out, a = files
    code, _, stderr = cli("search", "--db", out / "d.npy", "--queries", out / "q.npy", "-k", 50,
                          "--index", index, "--threads", 1,
                          "--out-ids", out / "ids.npy", "--out-dist", out / "dist.npy")
    assert code == 0, stderr
    ids, dist = deephash.search(a["d"], a["q"], 50, index=index)
    np.testing.assert_array_equal(ids, np.load(out / "ids.npy"))
    np.testing.assert_array_equal(dist, np.load(out / "dist.npy"))


def test_cli_searches_an_index_saved_from_python(cli, files):
    out, a = files
    index = deephash.Index(a["d"], index="mih", ids=[f"i{n}" for n in range(len(a["d"]))])
    index.save(out / "x.dhi")
    code, _, stderr = cli("search", "--db", out / "x.dhi", "--queries", out / "q.npy", "-k", 7,
                          "--out-ids", out / "ids7.npy")
    assert code == 0, stderr
    np.testing.assert_array_equal(index.search(a["q"], 7)[0], np.load(out / "ids7.npy"))


def cli_message(stderr, replacements):
    line = stderr.strip().splitlines()[-1]
    assert line.startswith("error: "), stderr
    line = line[len("error: "):]
    for path, name in replacements.items():
        line = line.replace(str(path), name)
    return line


@pytest.mark.parametrize("bad", ["dtype", "shape", "bits"])
def test_bad_codes_give_the_cli_message(cli, files, bad):
    out, a = files
    array = {"dtype": a["d"].astype(np.uint16), "shape": a["d"][:, 0],
             "bits": np.ones((5, 12), dtype=bool)}[bad]
    np.save(out / "bad.npy", array)
    code, _, stderr = cli("eval", "--query-codes", out / "q.npy", "--query-labels", out / "ql.npy",
                          "--db-codes", out / "bad.npy", "--db-labels", out / "dl.npy")
    assert code != 0
    with pytest.raises(deephash.DeephashError) as err:
        deephash.evaluate(a["q"], a["ql"], array, a["dl"])
    assert str(err.value) == cli_message(stderr, {out / "bad.npy": "db_codes"})


def test_label_count_mismatch_gives_the_cli_message(cli, files):
    out, a = files
    np.save(out / "short.npy", a["ql"][:-1])
    code, _, stderr = cli("eval", "--query-codes", out / "q.npy", "--query-labels", out / "short.npy",
                          "--db-codes", out / "d.npy", "--db-labels", out / "dl.npy")
    assert code != 0
    with pytest.raises(deephash.DeephashError) as err:
        deephash.evaluate(a["q"], a["ql"][:-1], a["d"], a["dl"])
    names = {out / "short.npy": "query_labels", out / "q.npy": "query_codes"}
    assert str(err.value) == cli_message(stderr, names)


def test_python_loads_an_index_built_by_the_cli(cli, files):
    out, a = files
    code, _, stderr = cli("index", "build", "--codes", out / "d.npy", "--labels", out / "dl.npy",
                          "--index", "mih", "--out", out / "cli.dhi")
    assert code == 0, stderr
    index = deephash.Index.load(out / "cli.dhi")
    assert index.kind == "mih" and len(index) == len(a["d"])
    np.testing.assert_array_equal(index.codes, a["d"])
    np.testing.assert_array_equal(index.labels, a["dl"])
    want = deephash.search(a["d"], a["q"], 20, index="scan")
    got = index.search(a["q"], 20)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_a_corrupt_index_file_gives_the_cli_message(cli, files):
    out, a = files
    deephash.Index(a["d"], index="mih").save(out / "bad.dhi")
    data = bytearray((out / "bad.dhi").read_bytes())
    data[-5] ^= 0xFF  # inside the MIH tables
    (out / "bad.dhi").write_bytes(bytes(data))
    code, _, stderr = cli("search", "--db", out / "bad.dhi", "--queries", out / "q.npy", "-k", 3)
    assert code != 0
    with pytest.raises(deephash.DeephashError) as err:
        deephash.Index.load(out / "bad.dhi")
    assert "checksum mismatch" in str(err.value)
    assert str(err.value) == cli_message(stderr, {})
