"""Broken sources.yaml files through the real CLI: one line on stderr naming file, place and fix.

Every case runs `policywatch sources check --offline` in a subprocess (in parallel, so the table
stays fast) and must exit 2 with no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

GOOD = '  - {id: a, name: A, kind: feed, url: "https://example.org/rss.xml"}\n'
LISTING = 'sources:\n  - {id: a, name: A, kind: listing, url: "https://e.org/", '


@dataclass(frozen=True)
class Case:
    """A broken file, where the error must point (':line' or the source), and the fix."""

    text: str | bytes | None  # None: the file does not exist; "" empty; DIR a directory
    where: str
    fix: str


DIR = "<directory>"
CASES = {
    "bad_indentation": Case("sources:\n  - id: a\n   name: A\n", ":3:", "check indentation"),
    "tab_indentation": Case("sources:\n\t- id: a\n", ":2:", "check indentation"),
    "unclosed_quote": Case('sources:\n  - {id: a, name: "A, kind: feed}\n', ":3:", "quoting"),
    "unknown_top_key": Case(
        "fetch_settings: {delay: 1}\nsources:\n" + GOOD, ":1:", "check its spelling"
    ),
    "unknown_source_key": Case(
        "sources:\n  - id: a\n    name: A\n    kind: feed\n    url: https://e.org/r\n"
        "    selector: li a\n",
        ":6: source 'a'",
        "remove it",
    ),
    "duplicate_ids": Case("sources:\n" + GOOD + GOOD, ":3: source 'a'", "rename one"),
    "duplicate_key": Case(
        "sources:\n  - id: a\n    name: A\n    kind: feed\n    url: https://e.org/r\n"
        "    url: https://e.org/other\n",
        ":6:",
        "remove one",
    ),
    "ftp_url": Case(
        'sources:\n  - {id: a, name: A, kind: feed, url: "ftp://e.org/rss"}\n',
        ":2: source 'a'",
        "https://",
    ),
    "relative_url": Case(
        'sources:\n  - {id: a, name: A, kind: feed, url: "/rss.xml"}\n', "source 'a'", "https://"
    ),
    "bad_regex": Case(LISTING + 'link_pattern: "([a-z"}\n', "source 'a'", "backslash"),
    "bad_css": Case(LISTING + 'link_selector: "ul > > li["}\n', "source 'a'", "ul.list li a"),
    "bad_next_page_css": Case(LISTING + 'next_page: "a:nth-child(x"}\n', ":2:", "ul.list li a"),
    "multiline_bad_css": Case(
        "sources:\n  - id: a\n    name: A\n    kind: listing\n    url: https://e.org/\n"
        "    link_selector: |\n      ul li\n      a[\n",
        ":6: source 'a'",
        "ul.list li a",
    ),
    "unknown_kind": Case(
        'sources:\n  - {id: a, name: A, kind: rss, url: "https://e.org/"}\n',
        "source 'a'",
        "'feed', 'sitemap', 'listing' or 'page'",
    ),
    "string_for_int": Case(
        'sources:\n  - {id: a, name: A, kind: feed, url: "https://e.org/", max_pages: many}\n',
        "field 'max_pages'",
        "whole number",
    ),
    "list_for_bool": Case(
        'sources:\n  - {id: a, name: A, kind: feed, url: "https://e.org/", enabled: [1]}\n',
        "source 'a'",
        "true or false",
    ),
    "mapping_for_list": Case(
        'sources:\n  - {id: a, name: A, kind: feed, url: "https://e.org/", tags: {x: 1}}\n',
        "field 'tags'",
        "use a list",
    ),
    "missing_url": Case("sources:\n  - {id: a, name: A, kind: feed}\n", ":2: source 'a'", "add it"),
    "bad_id": Case(
        'sources:\n  - {id: "Bad Id!", name: A, kind: feed, url: "https://e.org/"}\n',
        "source 'Bad Id!'",
        "lowercase slug",
    ),
    "negative_timeout": Case(
        "fetch: {timeout: -1}\nsources:\n" + GOOD, ":1: field 'fetch.timeout'", "change the value"
    ),
    "string_concurrency": Case(
        "fetch: {concurrency: lots}\nsources:\n" + GOOD, "fetch.concurrency", "whole number"
    ),
    "top_level_list": Case("- " + GOOD.strip()[2:] + "\n", ":1:", "must be a mapping"),
    "top_level_scalar": Case("just some text\n", ":1:", "must be a mapping"),
    "sources_mapping": Case("sources: {id: a}\n", ":1:", "list of entries"),
    "sources_null": Case("sources:\n", ":1:", "list of entries"),
    "source_is_string": Case("sources:\n  - https://e.org/rss\n", ":2: source #1", "mapping"),
    "empty_file": Case("", "empty_file.yaml:", "add a 'sources:' list"),
    "comments_only": Case("# nothing yet\n", "comments_only.yaml:", "add a 'sources:' list"),
    "not_utf8": Case(b"sources:\n  - {id: a, name: \xff\xfe}\n", "not_utf8.yaml:", "as UTF-8"),
    "missing_file": Case(None, "missing_file.yaml:", "POLICYWATCH_SOURCES"),
    "directory": Case(DIR, "directory.yaml:", "at a file"),
}


def write_case(directory: Path, name: str, case: Case) -> Path:
    path = directory / f"{name}.yaml"
    if case.text == DIR:
        path.mkdir()
    elif isinstance(case.text, bytes):
        path.write_bytes(case.text)
    elif case.text is not None:
        path.write_text(case.text, encoding="utf-8")
    return path


def check_offline(path: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, POLICYWATCH_SOURCES=str(path), POLICYWATCH_DATA_DIR=str(tmp / "data"))
    return subprocess.run(
        [sys.executable, "-m", "policywatch.cli", "sources", "check", "--offline"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@pytest.fixture(scope="module")
def outcomes(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, subprocess.CompletedProcess[str]]]:
    tmp = tmp_path_factory.mktemp("badcfg")
    paths = {name: write_case(tmp, name, case) for name, case in CASES.items()}
    with ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 2) * 2)) as pool:
        results = pool.map(lambda name: (name, check_offline(paths[name], tmp)), CASES)
        yield dict(results)


def test_table_has_at_least_twenty_cases() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("name", list(CASES))
def test_broken_config_gives_one_line_error(
    outcomes: dict[str, subprocess.CompletedProcess[str]], name: str
) -> None:
    case, result = CASES[name], outcomes[name]
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("policywatch: configuration error: ")
    assert f"{name}.yaml" in line  # names the file
    assert case.where in line, line  # the line or the source
    assert case.fix in line, line  # and how to fix it


def test_valid_file_passes(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("fetch: {delay: 0}\nsources:\n" + GOOD, encoding="utf-8")
    result = check_offline(path, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "OK, 1 sources" in result.stderr
