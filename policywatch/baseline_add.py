"""`policywatch baseline add`: a text file, an HTML file or a URL becomes a baseline document."""

from __future__ import annotations

import asyncio
from pathlib import Path

from policywatch.baseline import add_document
from policywatch.config import FetchSettings, settings_from_env
from policywatch.decode import decode_body
from policywatch.errors import ConfigError
from policywatch.extract import extract_article
from policywatch.fetch import Fetcher


def add_target(target: str) -> Path:
    """Add target (path or http(s) URL) to the configured baseline folder."""
    folder = settings_from_env().baseline_dir
    if target.startswith(("http://", "https://")):
        title, text = _from_url(target)
        return add_document(folder, text, title=title, origin=target)
    path = Path(target)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    content = decode_body(raw)
    if path.suffix.lower() in (".html", ".htm") or content.lstrip().lower().startswith(
        ("<!doctype", "<html")
    ):
        article = extract_article(content, path.resolve().as_uri())
        return add_document(folder, article.text, title=article.title, origin=str(path))
    return add_document(folder, content, origin=str(path))


def _from_url(url: str) -> tuple[str, str]:
    async def fetch() -> tuple[str, str]:
        async with Fetcher(FetchSettings(delay=0)) as fetcher:
            response = await fetcher.get(url)
        article = extract_article(decode_body(response.body, response.charset), url)
        return article.title, article.text

    return asyncio.run(fetch())
