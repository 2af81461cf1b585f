"""Duplicate lookup cost against a growing SQLite store of synthetic items.

Usage: python bench/dedup_scale.py [--sizes 1000,10000,100000] [--lookups 300] [--quick]

Fills a temporary SQLite database (policywatch.schema's ``items`` and ``lsh_buckets``) with
synthetic English-like and Chinese-like texts, then times what the store does for each new item:
fingerprint, SQL candidate query on band keys, loading the candidates' texts, and compare().
Texts are regenerated from their seed when needed, never kept in memory.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path

from sqlalchemy import Connection, Engine, bindparam, create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policywatch.dedupe import BANDS, compare, fingerprint
from policywatch.storage.schema import items, lsh_buckets, metadata

_VOCAB_RNG = random.Random(1)
WORDS = [
    "".join(
        _VOCAB_RNG.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(_VOCAB_RNG.randint(2, 10))
    )
    for _ in range(30000)
]
HANZI = [chr(0x4E00 + i) for i in _VOCAB_RNG.sample(range(20000), 3500)]
CUM_WEIGHTS = list(accumulate(1 / (rank + 1) for rank in range(30000)))  # Zipf-like frequencies
HANZI_CUM_WEIGHTS = CUM_WEIGHTS[:3500]
BOILERPLATE_EN = "The municipal government announced the measures on its website today."
BOILERPLATE_ZH = "为深入贯彻落实党中央国务院关于发展新一代人工智能的决策部署。"

CANDIDATES = text("SELECT DISTINCT item_id FROM lsh_buckets WHERE key IN :keys").bindparams(
    bindparam("keys", expanding=True)
)
TEXTS = text("SELECT id, text FROM items WHERE id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


def synthetic_text(seed: int) -> str:
    """A 150-450 word (or 300-900 character) article with 4-8 paragraphs, from its seed."""
    rng = random.Random(seed)
    paragraphs = []
    chinese = seed % 2 == 1
    for _ in range(rng.randint(4, 8)):
        if chinese:
            chars = rng.choices(HANZI, cum_weights=HANZI_CUM_WEIGHTS, k=rng.randint(60, 120))
            paragraphs.append("".join(chars) + "。")
        else:
            words = rng.choices(WORDS, cum_weights=CUM_WEIGHTS, k=rng.randint(35, 60))
            paragraphs.append(" ".join(words).capitalize() + ".")
    paragraphs.insert(0, BOILERPLATE_ZH if chinese else BOILERPLATE_EN)
    return "\n".join(paragraphs)


def trimmed_copy(seed: int) -> str:
    """A copy of item ``seed`` keeping about 60% of its paragraphs."""
    lines = synthetic_text(seed).split("\n")
    keep = max(2, round(len(lines) * 0.6))
    return "\n".join(lines[:keep])


def rss_mb() -> float:
    """Current resident set size in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 1e6


def fill(engine: Engine, start: int, stop: int) -> float:
    """Insert items start..stop-1 with their band keys; returns seconds spent fingerprinting."""
    now = datetime.now(UTC)
    spent = 0.0
    batch = 5000
    for low in range(start, stop, batch):
        item_rows, bucket_rows = [], []
        for seed in range(low, min(stop, low + batch)):
            body = synthetic_text(seed)
            began = time.perf_counter()
            fp = fingerprint(body)
            spent += time.perf_counter() - began
            item_rows.append(
                {
                    "id": seed + 1,
                    "canonical_url": f"https://example.gov/{seed}",
                    "url": f"https://example.gov/{seed}",
                    "source_id": "synthetic",
                    "text": body,
                    "first_seen": now.isoformat(),
                    "week": "2026-W01",
                    "status": "new",
                    "text_hash": fp.text_hash,
                }
            )
            bucket_rows += [(key, seed + 1) for key in fp.band_keys]
        with engine.begin() as conn:  # plain DBAPI executemany: filling is not what is measured
            raw = conn.connection.dbapi_connection
            assert raw is not None
            columns = list(item_rows[0])
            marks = ", ".join("?" * len(columns))
            raw.executemany(
                f"INSERT INTO items ({', '.join(columns)}) VALUES ({marks})",
                [tuple(row[c] for c in columns) for row in item_rows],
            )
            raw.executemany("INSERT INTO lsh_buckets (key, item_id) VALUES (?, ?)", bucket_rows)
    return spent


def lookup(conn: Connection, body: str) -> tuple[list[float], int, bool]:
    """One store-style duplicate lookup: ([fingerprint, SQL, compare] ms, candidates, matched)."""
    began = time.perf_counter()
    fp = fingerprint(body)
    fingerprinted = time.perf_counter()
    ids = (
        [row[0] for row in conn.execute(CANDIDATES, {"keys": list(fp.band_keys)})]
        if fp.band_keys
        else []
    )
    stored = [row[1] for row in conn.execute(TEXTS, {"ids": ids})] if ids else []
    queried = time.perf_counter()
    matched = any(compare(body, other) for other in stored)
    done = time.perf_counter()
    times = [fingerprinted - began, queried - fingerprinted, done - queried]
    return [t * 1e3 for t in times], len(ids), matched


def measure(engine: Engine, size: int, lookups: int) -> None:
    """Lookups of trimmed copies of stored items (should match) and of unseen texts (should not)."""
    rng = random.Random(size)
    queries = [(trimmed_copy(rng.randrange(size)), True) for _ in range(lookups // 2)]
    queries += [(synthetic_text(10_000_000 + i), False) for i in range(lookups - lookups // 2)]
    times: list[list[float]] = [[], [], [], []]
    cands, right = [], 0
    with engine.connect() as conn:
        lookup(conn, queries[0][0])  # warm the connection and statement cache
        for body, expected in queries:
            parts, count, matched = lookup(conn, body)
            for bucket, value in zip(times, [*parts, parts[1] + parts[2]], strict=True):
                bucket.append(value)
            cands.append(count)
            right += matched == expected
    correct = f"{right}/{len(queries)}"
    print(f"{size:>8} items: candidates/lookup {statistics.mean(cands):.2f}, correct {correct}")
    for name, values in zip(
        ("fingerprint", "SQL candidates+texts", "compare", "lookup (SQL+compare)"),
        times,
        strict=True,
    ):
        p95 = statistics.quantiles(values, n=20)[-1]
        median, mean = statistics.median(values), statistics.mean(values)
        print(f"    {name:<22} median {median:.3f} ms  mean {mean:.3f} ms  p95 {p95:.3f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"    RSS now {rss_mb():.0f} MB, peak {peak:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="one tiny size (CI smoke test)")
    args = parser.parse_args(argv)
    sizes = [200] if args.quick else sorted(int(s) for s in args.sizes.split(","))
    lookups = 40 if args.quick else args.lookups
    print(f"MinHash-LSH with {BANDS} band keys per item; SQLite; {lookups} lookups per size")
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/scale.db")
        metadata.create_all(engine, tables=[items, lsh_buckets])
        stored = 0
        for size in sizes:
            began = time.perf_counter()
            spent = fill(engine, stored, size)
            stored = size
            built = time.perf_counter() - began
            print(f"  filled to {size} items in {built:.1f} s (fingerprinting {spent:.1f} s)")
            measure(engine, size, lookups)
        db_mb = Path(f"{tmp}/scale.db").stat().st_size / 1e6
        engine.dispose()
    print(f"database size at {stored} items: {db_mb:.0f} MB; texts live only in the database")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
