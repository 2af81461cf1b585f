"""The bundled offline demo: five small sites served on loopback and a matching sources.yaml.

`SiteServer(DEMO_SITES)` serves the sites; `demo_sources_text(server)` renders the demo's
sources.yaml for that running server; `expected_items()` lists what the pipeline should make of
every demo page (new, duplicate, baseline, off-topic, older, blocked), from EXPECTED.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from policywatch.demo.server import SiteServer, default_anchor, render_template
from policywatch.errors import ConfigError

DEMO_DIR = Path(__file__).parent
DEMO_SITES = DEMO_DIR / "sites"
SOURCES_TEMPLATE = DEMO_DIR / "sources.yaml.tmpl"
EXPECTED_FILE = DEMO_DIR / "EXPECTED.md"

__all__ = [
    "DEMO_SITES",
    "SiteServer",
    "default_anchor",
    "demo_sources_text",
    "expected_ignored",
    "expected_items",
    "render_template",
]


def demo_sources_text(server: SiteServer) -> str:
    """The demo sources.yaml with every `{{BASE:site}}` pointing at the running server."""
    template = SOURCES_TEMPLATE.read_text(encoding="utf-8")
    return render_template(template, server.base_urls, server.anchor)


def expected_items() -> list[dict[str, Any]]:
    """What should become of each demo article page (site, path, offset, expect, ...)."""
    return list(_expected_block()["items"])


def expected_ignored() -> list[dict[str, Any]]:
    """Demo URLs that discovery offers but the source's filters must drop (not articles)."""
    return list(_expected_block()["ignored"])


def _expected_block() -> dict[str, Any]:
    """The machine-readable expectations: the ```yaml block of EXPECTED.md."""
    text = EXPECTED_FILE.read_text(encoding="utf-8")
    match = re.search(r"```yaml\n(.*?)```", text, re.S)
    if not match:
        raise ConfigError(f"{EXPECTED_FILE}: no ```yaml block with the expected items")
    data: dict[str, Any] = yaml.safe_load(match.group(1))
    return data
