"""Measure policywatch.classify on the labelled set: precision, recall, F1 and topic accuracy.

Usage: python bench/relevance_quality.py [--split tune|heldout|all] [--topics FILE]
                                         [--quiet] [--json]
Figures are printed for the tune and held-out halves separately; held-out errors are listed.
The held-out half was written before the lexicon was tuned and must not be tuned on.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policywatch.classify import Lexicon, classify, load_lexicon  # noqa: E402
from policywatch.models import Relevance  # noqa: E402

DATA = ROOT / "bench" / "data" / "relevance_items.yaml"
TOPICS = ("regulation", "strategy", "funding", "standards", "international", "industry", "events")
TARGETS = {"precision": 0.95, "recall": 0.90}  # on the held-out half


@dataclass
class Item:
    id: str
    language: str
    title: str
    text: str
    relevant: bool
    topics: tuple[str, ...]
    split: str


@dataclass
class Report:
    """Figures for one split."""

    split: str
    items: int
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    topic_items: int = 0
    topic_exact: float = 0.0
    per_topic: dict[str, dict[str, float]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)


def load_items(path: Path = DATA) -> list[Item]:
    """Read and check the labelled items (every field present, splits and topics known)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = []
    for entry in raw:
        item = Item(**{**entry, "topics": tuple(entry["topics"])})
        assert item.split in ("tune", "heldout"), item.id
        assert item.language in ("en", "zh"), item.id
        assert set(item.topics) <= set(TOPICS), item.id
        assert bool(item.topics) == item.relevant, item.id
        items.append(item)
    return items


def evaluate(items: list[Item], lexicon: Lexicon, split: str) -> Report:
    """Classify every item of `split` and compare with its labels."""
    chosen = [i for i in items if split == "all" or i.split == split]
    report = Report(split=split, items=len(chosen))
    topic_hits: dict[str, list[int]] = {t: [0, 0, 0] for t in TOPICS}  # tp, fp, fn
    exact = 0
    for item in chosen:
        got = classify(item.title, item.text, lexicon=lexicon)
        _count(report, item, got)
        if item.relevant and got.relevant:
            report.topic_items += 1
            exact += set(got.topics) == set(item.topics)
            _count_topics(topic_hits, item, got, report)
    _finish(report, exact, topic_hits)
    return report


def _count(report: Report, item: Item, got: Relevance) -> None:
    """Update the confusion counts and remember relevance errors."""
    if item.relevant and got.relevant:
        report.tp += 1
    elif got.relevant:
        report.fp += 1
    elif item.relevant:
        report.fn += 1
    else:
        report.tn += 1
    if item.relevant != got.relevant:
        kind = "false positive" if got.relevant else "false negative"
        report.errors.append(_error(item, got, kind))


def _count_topics(hits: dict[str, list[int]], item: Item, got: Relevance, report: Report) -> None:
    """Per-topic true/false positives and misses on items both labelled and found relevant."""
    want, have = set(item.topics), set(got.topics)
    for topic in TOPICS:
        if topic in want and topic in have:
            hits[topic][0] += 1
        elif topic in have:
            hits[topic][1] += 1
        elif topic in want:
            hits[topic][2] += 1
    if want != have:
        report.errors.append(_error(item, got, f"topics {sorted(want)} -> {sorted(have)}"))


def _error(item: Item, got: Relevance, kind: str) -> dict[str, Any]:
    fired = list(got.fired)
    return {"id": item.id, "kind": kind, "score": got.score, "title": item.title, "fired": fired}


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def _finish(report: Report, exact: int, hits: dict[str, list[int]]) -> None:
    """Turn counts into precision, recall, F1 and topic accuracies."""
    report.precision = _ratio(report.tp, report.tp + report.fp)
    report.recall = _ratio(report.tp, report.tp + report.fn)
    report.f1 = _ratio(2 * report.precision * report.recall, report.precision + report.recall)
    report.topic_exact = _ratio(exact, report.topic_items)
    for topic, (tp, fp, fn) in hits.items():
        p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        f1 = _ratio(2 * p * r, p + r)
        report.per_topic[topic] = {"precision": p, "recall": r, "f1": f1, "support": tp + fn}


def time_classify(lexicon: Lexicon, items: list[Item], repeat: int = 200) -> float:
    """Mean milliseconds to classify a ~5 KB text built from the items themselves."""
    text = ""
    for item in items:
        if len(text) >= 5000:
            break
        text += item.text + "\n"
    text = text[:5000]
    start = time.perf_counter()
    for _ in range(repeat):
        classify("关于印发人工智能产业发展行动计划的通知", text, lexicon=lexicon)
    return (time.perf_counter() - start) * 1000 / repeat


def print_report(report: Report, quiet: bool) -> None:
    """Human-readable figures for one split."""
    print(
        f"[{report.split}] items={report.items} precision={report.precision:.3f} "
        f"recall={report.recall:.3f} f1={report.f1:.3f} (tp={report.tp} fp={report.fp} "
        f"fn={report.fn} tn={report.tn}) topic exact-set={report.topic_exact:.3f} "
        f"on {report.topic_items} items"
    )
    if quiet:
        return
    for topic, fig in report.per_topic.items():
        print(
            f"    topic {topic:<13} precision={fig['precision']:.2f} recall={fig['recall']:.2f} "
            f"f1={fig['f1']:.2f} support={int(fig['support'])}"
        )


def print_errors(report: Report) -> None:
    """List misclassified items (relevance errors first, then topic mismatches)."""
    print(f"Misclassified {report.split} items:")
    if not report.errors:
        print("    none")
    ordered = sorted(report.errors, key=lambda e: not e["kind"].startswith("false"))
    for err in ordered:
        fired = ", ".join(err["fired"][:12])
        print(f"    {err['id']} {err['kind']} score={err['score']:.3f} {err['title']}")
        print(f"        fired: {fired or '-'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("tune", "heldout", "all"), default=None)
    parser.add_argument("--topics", help="user topics.yaml extending the built-in lexicon")
    parser.add_argument("--data", default=str(DATA), help="labelled items (YAML)")
    parser.add_argument("--quiet", action="store_true", help="one summary line per split")
    parser.add_argument("--json", action="store_true", help="print figures as JSON")
    args = parser.parse_args(argv)
    lexicon = load_lexicon(args.topics)
    items = load_items(Path(args.data))
    splits = [args.split] if args.split else ["tune", "heldout"]
    reports = [evaluate(items, lexicon, s) for s in splits]
    if args.json:
        print(json.dumps([asdict(r) for r in reports], ensure_ascii=False, indent=1))
        return 0
    for report in reports:
        print_report(report, args.quiet)
    held = next((r for r in reports if r.split == "heldout"), None)
    if held is not None:
        met = held.precision >= TARGETS["precision"] and held.recall >= TARGETS["recall"]
        print(f"held-out targets (precision>=0.95, recall>=0.90): {'met' if met else 'NOT met'}")
        if not args.quiet:
            print_errors(held)
    if not args.quiet:
        print(f"classify() on a 5 KB text: {time_classify(lexicon, items):.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
