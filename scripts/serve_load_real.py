#!/usr/bin/env python3
"""Bounded load on a running `deephash serve` (loopback): POST /search with one image, from
several client threads; prints p50/p99 latency and throughput as a markdown row.

    deephash serve --run RUN --index CODES &          # e.g. a demo run and its codes-train.dhc
    python3 scripts/serve_load_real.py --url http://127.0.0.1:8080 --image q.png \
        [--requests 400] [--clients 4] [--k 10] [--time-limit 120]

Unlike `tests/load.rs` (a stand-in encoder, measuring the service itself), every request here
runs the run's real network on the uploaded image. Standard library only.
"""

import argparse
import threading
import time
import urllib.request


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--image", required=True)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--time-limit", type=float, default=120.0)
    args = ap.parse_args()
    body = open(args.image, "rb").read()
    content_type = "image/png" if body.startswith(b"\x89PNG") else "image/jpeg"
    url = f"{args.url}/search?k={args.k}"
    latencies, failures, lock = [], [0], threading.Lock()
    start = time.perf_counter()

    def client(n):
        for _ in range(n):
            if time.perf_counter() - start > args.time_limit:
                return
            t = time.perf_counter()
            ok = False
            try:
                req = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
                with urllib.request.urlopen(req, timeout=60) as r:
                    ok = r.status == 200 and len(r.read()) > 0
            except Exception:
                ok = False
            with lock:
                latencies.append(time.perf_counter() - t)
                failures[0] += 0 if ok else 1

    per = args.requests // args.clients
    threads = [threading.Thread(target=client, args=(per,)) for _ in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, max(0, int(-(-p * len(latencies) // 100)) - 1))] * 1e3

    print("| scenario | requests | failures | p50 ms | p99 ms | requests/s |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| POST /search, real model, {args.clients} clients | {len(latencies)} | {failures[0]} | "
          f"{pct(50):.2f} | {pct(99):.2f} | {len(latencies) / wall:.0f} |")


if __name__ == "__main__":
    main()
