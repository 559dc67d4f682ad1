#!/usr/bin/env python3
"""Markdown tables of scripts/bench_real_photos.sh output, as in docs/training.md ("Real photos,
frozen ImageNet backbone").

    python3 scripts/summarise_real_photos.py N BITS BEFORE.tsv AFTER.tsv   # every method, per draw
    python3 scripts/summarise_real_photos.py --brief AFTER.tsv             # default vs references

BEFORE.tsv may be `-` (no "before" rows). Input lines: n, draw, bits, method, test mAP, seconds,
[chosen]; lines starting with # are skipped.
"""
import collections
import statistics as st
import sys

REFS = {"ref-triplet": "PyTorch triplet reference", "ref-csq": "PyTorch CSQ reference"}


def rows(path):
    for line in open(path):
        if not line.startswith("#") and line.strip():
            f = line.rstrip("\n").split("\t")
            chosen = f[6].split(": ")[1].split(" ")[0] if len(f) > 6 and f[6] else None
            yield int(f[0]), int(f[1]), int(f[2]), f[3], float(f[4]), float(f[5]), chosen


def full(n, bits, before, after):
    print(f"| {bits} bits | mean ± sd over draws | per draw | run wall time (mean) | chosen by validation |")
    print("|---|---|---|---:|---|")
    for label, path in (("before", before), ("after", after)):
        if path == "-":
            continue
        maps, times, chosen = (collections.defaultdict(dict), collections.defaultdict(list),
                               collections.defaultdict(list))
        for rn, d, b, m, mp, s, c in rows(path):
            if (rn, b) == (n, bits) and not (label == "before" and m in REFS):
                maps[m][d] = mp
                times[m].append(s)
                if c:
                    chosen[m].append(c)
        for m in ("default", "triplet", "csq", "orthohash", *REFS):
            if m not in maps:
                continue
            v = [maps[m][d] for d in sorted(maps[m])]
            sd = st.stdev(v) if len(v) > 1 else 0.0
            name = REFS.get(m, f"deephash {m} ({label})")
            t = f"{st.mean(times[m]):.0f} s" + (" (head only)" if m in REFS else "")
            print(f"| {name} | **{st.mean(v):.3f}** ± {sd:.3f} | {' / '.join('%.3f' % x for x in v)} "
                  f"| {t} | {', '.join(chosen[m])} |")


def brief(after):
    maps, times = collections.defaultdict(lambda: collections.defaultdict(dict)), collections.defaultdict(list)
    for n, d, b, m, mp, s, _ in rows(after):
        maps[(n, b)][m][d] = mp
        times[(n, b, m)].append(s)
    print("| N | bits | deephash default | PyTorch triplet ref | PyTorch CSQ ref "
          "| default − triplet ref | default − CSQ ref | default run wall time |")
    print("|---:|---:|---|---|---|---:|---:|---:|")
    for (n, b), m in sorted(maps.items()):
        draws = sorted(set(m["default"]) & set(m["ref-csq"]) & set(m["ref-triplet"]))
        cell = lambda k: (f"**{st.mean(m[k][d] for d in draws):.3f}** "
                          f"({' / '.join('%.3f' % m[k][d] for d in draws)})")
        delta = lambda k: f"{st.mean(m['default'][d] - m[k][d] for d in draws):+.3f}"
        print(f"| {n} | {b} | {cell('default')} | {cell('ref-triplet')} | {cell('ref-csq')} "
              f"| {delta('ref-triplet')} | {delta('ref-csq')} | {st.mean(times[(n, b, 'default')]):.0f} s |")


if __name__ == "__main__":
    if sys.argv[1] == "--brief":
        brief(sys.argv[2])
    else:
        full(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4])
