"""Canonical URLs (the first duplicate layer) and the safety check for discovered links."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policywatch.errors import DiscoveryError, PolicywatchError
from policywatch.urls import canonical_url, is_allowed_link, same_host


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://WWW.Gov.CN/zhengce/content_1.htm", "https://www.gov.cn/zhengce/content_1.htm"),
        ("https://example.gov/news/a?utm_source=x&utm_medium=y", "https://example.gov/news/a"),
        ("https://example.gov/a?fbclid=1&gclid=2&spm=a2c.b&id=7", "https://example.gov/a?id=7"),
        (
            "https://mp.example.cn/s?id=9&from=timeline&isappinstalled=0",
            "https://mp.example.cn/s?id=9",
        ),
        ("https://example.gov/news/story#comments", "https://example.gov/news/story"),
        ("https://example.gov/news/index.html", "https://example.gov/news"),
        ("https://example.gov/news/index.htm", "https://example.gov/news"),
        ("https://example.gov/news/", "https://example.gov/news"),
        ("https://example.gov", "https://example.gov/"),
        ("https://example.gov/index.html", "https://example.gov/"),
        ("http://example.gov:80/a", "http://example.gov/a"),
        ("https://example.gov:8443/a", "https://example.gov:8443/a"),
        ("https://example.gov/a?b=2&a=1", "https://example.gov/a?a=1&b=2"),
        ("  https://example.gov/a  ", "https://example.gov/a"),
    ],
)
def test_canonical_url_normalises(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_keeps_content_parameters_and_path_case() -> None:
    url = "https://example.gov/Policy/View.aspx?ArticleID=12&page=2"
    assert canonical_url(url) == "https://example.gov/Policy/View.aspx?ArticleID=12&page=2"


def test_equivalent_urls_share_one_canonical_form() -> None:
    variants = [
        "https://www.example.gov/ai/notice-7/",
        "HTTPS://WWW.EXAMPLE.GOV/ai/notice-7/index.html?utm_campaign=weekly#top",
        "https://www.example.gov:443/ai/notice-7?fbclid=abc",
    ]
    assert len({canonical_url(url) for url in variants}) == 1


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "javascript:alert(1)",
        "ftp://example.gov/a",
        "http://",
        "http://[::1/",
        "http://.",
        "http://example.gov:99999/",
    ],
)
def test_canonical_url_rejects_garbage_with_discovery_error(url: str) -> None:
    with pytest.raises(DiscoveryError, match="http"):
        canonical_url(url)


@given(st.text())
def test_canonical_url_raises_only_policywatch_errors_and_is_idempotent(text: str) -> None:
    try:
        first = canonical_url(text)
    except PolicywatchError:
        return
    assert canonical_url(first) == first


_URL_PARTS = st.tuples(
    st.sampled_from(["http", "https", "HTTP", "HtTpS"]),
    st.from_regex(r"[A-Za-z0-9-]{1,12}(\.[A-Za-z0-9-]{1,12}){0,3}", fullmatch=True),
    st.lists(st.text(min_size=0, max_size=8), max_size=4),
    st.lists(st.tuples(st.text(max_size=6), st.text(max_size=6)), max_size=4),
    st.text(max_size=8),
)


@given(_URL_PARTS)
def test_canonical_url_is_idempotent_on_url_shaped_input(
    parts: tuple[str, str, list[str], list[tuple[str, str]], str],
) -> None:
    scheme, host, segments, query, fragment = parts
    params = "&".join(f"{k}={v}" for k, v in query)
    url = f"{scheme}://{host}/{'/'.join(segments)}?{params}#{fragment}"
    try:
        first = canonical_url(url)
    except PolicywatchError:
        return
    assert canonical_url(first) == first
    assert first.startswith(scheme.lower() + "://")


@pytest.mark.parametrize(
    ("url", "source_host", "allowed"),
    [
        ("https://www.gov.cn/zhengce/1.htm", "www.gov.cn", True),
        ("http://127.0.0.1/admin", "www.gov.cn", False),
        ("http://127.0.0.1:8080/feed.xml", "127.0.0.1:8080", True),
        ("http://127.0.0.1:8080/a", "127.0.0.1", True),
        ("http://10.1.2.3/x", "www.gov.cn", False),
        ("http://192.168.0.1/x", "www.gov.cn", False),
        ("http://172.16.5.4/x", "www.gov.cn", False),
        ("http://169.254.169.254/latest/meta-data", "www.gov.cn", False),
        ("http://[::1]/x", "www.gov.cn", False),
        ("http://[::ffff:127.0.0.1]/x", "www.gov.cn", False),
        ("http://[fe80::1]/x", "www.gov.cn", False),
        ("http://0.0.0.0/x", "www.gov.cn", False),
        ("http://224.0.0.1/x", "www.gov.cn", False),
        ("http://127.1/x", "www.gov.cn", False),
        ("http://2130706433/x", "www.gov.cn", False),
        ("http://0x7f000001/x", "www.gov.cn", False),
        ("http://localhost/x", "www.gov.cn", False),
        ("http://api.localhost/x", "www.gov.cn", False),
        ("http://localhost:8000/x", "localhost:8000", True),
        ("http://8.8.8.8/x", "www.gov.cn", True),
        ("ftp://www.gov.cn/file", "www.gov.cn", False),
        ("javascript:alert(1)", "www.gov.cn", False),
        ("data:text/html,hi", "www.gov.cn", False),
        ("file:///etc/passwd", "www.gov.cn", False),
        ("//www.gov.cn/a", "www.gov.cn", False),
        ("http://[::1/x", "www.gov.cn", False),
    ],
)
def test_is_allowed_link(url: str, source_host: str, allowed: bool) -> None:
    assert is_allowed_link(url, source_host) is allowed


def _resolver(table: dict[str, list[str]]) -> Callable[[str], list[str]]:
    def resolve(host: str) -> list[str]:
        if host not in table:
            raise OSError(f"no such host {host}")
        return table[host]

    return resolve


def test_is_allowed_link_refuses_names_resolving_to_internal_addresses() -> None:
    resolve = _resolver(
        {"intranet.example.org": ["10.0.0.8"], "mixed.example.org": ["93.184.216.34", "::1"]}
    )
    assert not is_allowed_link("https://intranet.example.org/a", "www.gov.cn", resolver=resolve)
    assert not is_allowed_link("https://mixed.example.org/a", "www.gov.cn", resolver=resolve)
    assert is_allowed_link(
        "https://intranet.example.org/a", "intranet.example.org", resolver=resolve
    )


def test_is_allowed_link_allows_public_and_unresolvable_names() -> None:
    resolve = _resolver({"news.example.org": ["93.184.216.34", "2606:2800:220:1::1"]})
    assert is_allowed_link("https://news.example.org/a", "www.gov.cn", resolver=resolve)
    assert is_allowed_link("https://gone.example.org/a", "www.gov.cn", resolver=resolve)


@pytest.mark.parametrize(
    ("url", "host", "same"),
    [
        ("https://www.gov.cn/a", "www.gov.cn", True),
        ("https://WWW.GOV.CN./a", "www.gov.cn", True),
        ("https://gov.cn/a", "www.gov.cn", True),
        ("https://www.gov.cn:443/a", "www.gov.cn", True),
        ("https://english.www.gov.cn/a", "www.gov.cn", False),
        ("https://evil-gov.cn/a", "gov.cn", False),
        ("not a url", "gov.cn", False),
    ],
)
def test_same_host(url: str, host: str, same: bool) -> None:
    assert same_host(url, host) is same
