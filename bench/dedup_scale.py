"""Duplicate lookup cost against a growing SQLite store of synthetic items.

Usage: python bench/dedup_scale.py [--sizes 1000,10000,100000] [--lookups 300] [--quick]

Fills a temporary SQLite database (policywatch.schema's ``items`` and ``lsh_buckets``) with
synthetic English-like and Chinese-like texts, then times what the store does for each new item:
fingerprint, SQL candidate query on band keys, loading the candidates' texts, and compare().
Texts are regenerated from their seed when needed, never kept in memory.

The cross-language layer (issue 16) is timed the same way: every item also gets synthetic
evidence keys (bodies, places, terms, numbers, years, dates drawn with Zipf-like frequencies,
half zh, half en, published over two years), and a lookup runs the store's own statements
(candidates by shared keys in the other language within the window, then their keys) and
`crosslang.cross_match` on each candidate.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from sqlalchemy import Connection, Engine, bindparam, create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policywatch.crosslang import WINDOW, cross_match, lookup_keys
from policywatch.dedupe import BANDS, compare, fingerprint
from policywatch.storage.schema import cross_keys, items, lsh_buckets, metadata
from policywatch.storage.statements import MAX_CROSS_CANDIDATES, ItemStatements

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


EPOCH = date(2025, 1, 1)
KEY_KINDS = (("body", 300, 3), ("place", 400, 2), ("term", 250, 6), ("num", 5000, 4))


def synthetic_keys(seed: int) -> tuple[str, date, frozenset[str]]:
    """An item's language, publication date and evidence keys, reproducible from its seed."""
    rng = random.Random(seed * 7919)
    published = EPOCH + timedelta(days=seed % 730)
    keys = {
        f"{kind}:{rng.choices(range(pool), cum_weights=CUM_WEIGHTS[:pool])[0]}"
        for kind, pool, count in KEY_KINDS
        for _ in range(count)
    }
    keys |= {f"year:{2026 + rng.randrange(10)}" for _ in range(2)}
    keys |= {f"date:{published + timedelta(days=rng.randrange(-20, 60))}" for _ in range(2)}
    return ("zh" if seed % 2 else "en"), published, frozenset(keys)


def fill(engine: Engine, start: int, stop: int) -> float:
    """Insert items start..stop-1 with their band keys; returns seconds spent fingerprinting."""
    now = datetime.now(UTC)
    spent = 0.0
    batch = 5000
    for low in range(start, stop, batch):
        item_rows, bucket_rows, key_rows = [], [], []
        for seed in range(low, min(stop, low + batch)):
            body = synthetic_text(seed)
            language, published, keys = synthetic_keys(seed)
            key_rows += [(k, seed + 1, language, published.isoformat()) for k in keys]
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
                    "published": published.isoformat(),
                    "language": language,
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
            raw.executemany(
                "INSERT INTO cross_keys (key, item_id, language, published) VALUES (?, ?, ?, ?)",
                key_rows,
            )
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
    measure_cross(engine, lookups)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"    RSS now {rss_mb():.0f} MB, peak {peak:.0f} MB")


def measure_cross(engine: Engine, lookups: int) -> None:
    """The cross-language layer's lookup for new items: the store's two statements (the
    other language's items sharing most keys within the window, then their keys) and
    cross_match on each candidate."""
    sql = ItemStatements(engine.dialect, 50)
    times, counts = [], []
    with engine.connect() as conn:
        for n in range(lookups + 1):
            language, published, keys = synthetic_keys(20_000_000 + n)
            began = time.perf_counter()
            params = {
                "keys": lookup_keys(keys),
                "language": "en" if language == "zh" else "zh",
                "since": published - WINDOW,
                "until": published + WINDOW,
            }
            rows = conn.execute(sql.cross_candidates, params).all()
            theirs: dict[int, set[str]] = {row.id: set() for row in rows}
            if theirs:
                for item_id, key in conn.execute(sql.cross_keys_of, {"items": list(theirs)}):
                    theirs[item_id].add(key)
            for other in theirs.values():
                cross_match(keys, other)
            if n:  # the first lookup warms the connection and statement cache
                times.append((time.perf_counter() - began) * 1e3)
                counts.append(len(rows))
    p95 = statistics.quantiles(times, n=20)[-1]
    print(
        f"    {'cross-language lookup':<22} median {statistics.median(times):.3f} ms  "
        f"mean {statistics.mean(times):.3f} ms  p95 {p95:.3f} ms  "
        f"(candidates/lookup {statistics.mean(counts):.1f}, at most {MAX_CROSS_CANDIDATES})"
    )


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
        metadata.create_all(engine, tables=[items, lsh_buckets, cross_keys])
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
