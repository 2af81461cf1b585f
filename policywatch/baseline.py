"""The baseline corpus: documents already known, whose copies never count as news.

The four seed documents ship inside the package (`policywatch/data/baseline/`) and are always
part of the baseline, wherever policywatch runs (unless POLICYWATCH_BUILTIN_BASELINE=false);
the user's folder (POLICYWATCH_BASELINE_DIR, default `$POLICYWATCH_HOME/baseline`) extends
them. Each document is a UTF-8 text file; its id is the file name without extension.
`add_document` stores text, extracted HTML or a fetched URL under a fresh id.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from policywatch.dedupe import Fingerprint, Prepared, compare, fingerprint, prepare
from policywatch.errors import ConfigError

BASELINE_SUFFIXES = (".txt", ".md")
BUILT_IN = "built-in"  # the origin of the documents shipped in the package


@dataclass(frozen=True, slots=True)
class BaselineDoc:
    """One known document with its dedup fingerprint and prepared text (shingled once at
    load, not again for every page it is compared with)."""

    id: str
    title: str
    text: str
    fingerprint: Fingerprint
    prepared: Prepared
    origin: str = BUILT_IN  # "built-in", or the path of the user's file


def builtin_folder() -> Path:
    """The seed documents shipped as package data."""
    return Path(str(resources.files("policywatch") / "data" / "baseline"))


def load_baseline(folder: Path | None, *, builtin: bool = True) -> tuple[BaselineDoc, ...]:
    """The built-in documents (unless builtin=False), then the user's folder (sorted by id; a
    missing folder adds nothing). A user copy of a built-in text is listed once."""
    docs = list(_read_folder(builtin_folder(), BUILT_IN)) if builtin else []
    if folder is not None and folder.exists():
        if not folder.is_dir():
            raise ConfigError(
                f"{folder}: baseline folder is not a directory (POLICYWATCH_BASELINE_DIR)"
            )
        known = {doc.fingerprint.text_hash for doc in docs}
        docs.extend(d for d in _read_folder(folder, None) if d.fingerprint.text_hash not in known)
    return tuple(docs)


def _read_folder(folder: Path, origin: str | None) -> list[BaselineDoc]:
    """Every .txt/.md document in folder, sorted by id; origin None means each file's path."""
    docs = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in BASELINE_SUFFIXES):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: unreadable baseline document ({exc})") from None
        prepared = prepare(text)
        fp = fingerprint(prepared)
        docs.append(
            BaselineDoc(path.stem, _title_of(text), text, fp, prepared, origin or str(path))
        )
    return docs


def match_baseline(
    text: str | Prepared, fp: Fingerprint, docs: tuple[BaselineDoc, ...]
) -> str | None:
    """Id of the baseline document this text repeats, or None (LSH keys prefilter)."""
    keys = set(fp.band_keys)
    for doc in docs:
        same_hash = doc.fingerprint.text_hash == fp.text_hash
        near = not keys.isdisjoint(doc.fingerprint.band_keys)
        if same_hash or (near and compare(text, doc.prepared)):
            return doc.id
    return None


def add_document(folder: Path, text: str, *, title: str | None = None, origin: str = "") -> Path:
    """Write a new baseline document (idempotent: the same text keeps the same id)."""
    body = text.strip()
    if len(body) < 40:
        raise ConfigError(f"{origin or 'baseline document'}: too little text to use as baseline")
    digest = hashlib.sha1(body.encode("utf-8")).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob(f"*_{digest}.txt"))
    if existing:
        return existing[0]
    index = len([p for p in folder.iterdir() if p.suffix in BASELINE_SUFFIXES])
    path = folder / f"{index:03d}_{digest}.txt"
    path.write_text((f"{title}\n\n" if title else "") + body + "\n", encoding="utf-8")
    return path


def _title_of(text: str) -> str:
    """First meaningful line (skips site-chrome lines such as 'Back to Newsroom')."""
    for line in text.splitlines():
        cleaned = re.sub(r"\s+", " ", line).strip()
        if len(cleaned) > 25:
            return cleaned[:200]
    return text.strip()[:80]
