"""Property tests: no feed, sitemap, listing or URL makes discovery raise anything but our errors.

Hostile documents are generated both as raw bytes and as grammar-shaped fragments (tags,
entities, DOCTYPEs, CDATA, dates, links) so the parsers get past their first byte.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policywatch.discover import (
    MAX_LINKS,
    next_page_url,
    parse_feed,
    parse_listing,
    parse_sitemap,
)
from policywatch.errors import PolicywatchError
from policywatch.urls import canonical_url

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BASES = st.sampled_from(
    [
        "http://127.0.0.1:8080/feed.xml",
        "https://www.gov.example.cn/zwgk/index.html",
        "http://[::1]:9000/a/b/",
        "https://xn--fiqs8s.example/列表/",
    ]
)
URL_PARTS = st.sampled_from(
    [
        "http://",
        "https://",
        "//",
        "ftp://",
        "javascript:",
        "mailto:",
        "data:text/html,",
        "HTTP://",
        "http:",
        "http:///",
        "file:///etc/passwd",
        "example.org",
        "EXAMPLE.org.",
        "127.0.0.1",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[fe80::1%eth0]",
        "[",
        "]",
        "xn--",
        "xn--zz",
        "例子.中国",
        "ex ample.com",
        "user:pw@",
        "@",
        ":",
        ":80",
        ":0",
        ":99999",
        ":-1",
        ":abc",
        "/",
        "//",
        "/../",
        "./",
        "index.html",
        "default.aspx",
        "?",
        "&",
        "=",
        "#",
        "#frag",
        "%",
        "%2F",
        "%zz",
        "%00",
        "utm_source=x",
        "spm=1",
        "a=1&b=2",
        "\t",
        "\n",
        " ",
        "\x00",
        "\u2028",
        "\ufeff",
        "🙂",
        "\\",
        "..",
        ";",
        "'",
        '"',
        "<",
        ">",
    ]
)
URLS = st.one_of(
    st.lists(URL_PARTS, max_size=12).map("".join),
    st.text(max_size=80),
)
XML_PARTS = st.sampled_from(
    [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="gbk"?>',
        '<?xml version="1.0" encoding="bogus"?>',
        '<rss version="2.0">',
        "</rss>",
        "<channel>",
        "</channel>",
        "<item>",
        "</item>",
        "<entry>",
        "</entry>",
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        "</feed>",
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        "</urlset>",
        "<sitemapindex>",
        "</sitemapindex>",
        "<sitemap>",
        "</sitemap>",
        "<url>",
        "</url>",
        "<loc>",
        "</loc>",
        "<lastmod>",
        "</lastmod>",
        "<link>",
        "</link>",
        '<link href="',
        '"/>',
        "<title>",
        "</title>",
        "<guid>",
        "</guid>",
        "<pubDate>",
        "</pubDate>",
        "<updated>",
        "</updated>",
        "<![CDATA[",
        "]]>",
        "<!--",
        "-->",
        "&amp;",
        "&lt;",
        "&#0;",
        "&#xD800;",
        "&#1114112;",
        "&nope;",
        "&a;",
        '<!DOCTYPE r [<!ENTITY a "aaaa">]>',
        '<!DOCTYPE r [<!ENTITY a SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE r [<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        "Mon, 01 Jan 1900 00:00:00 GMT",
        "Thu, 01 Jan 2099 00:00:00 GMT",
        "2026-13-45",
        "2026-02-30T25:61:00Z",
        "0000-00-00",
        "9999-12-31",
        "-1",
        "1e400",
        "NaN",
    ]
)
DOCS = st.one_of(
    st.binary(max_size=400),
    st.lists(st.one_of(XML_PARTS, URLS), max_size=30).map(lambda p: "".join(p).encode("utf-8")),
    st.lists(st.one_of(XML_PARTS, URLS), max_size=30).map(
        lambda p: "".join(p).encode("utf-16", "surrogatepass")
    ),
)
JSON_DOCS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | URLS,
    lambda kids: (
        st.lists(kids, max_size=4)
        | st.dictionaries(
            st.sampled_from(["items", "url", "external_url", "title", "date_published", "x"]),
            kids,
            max_size=5,
        )
    ),
    max_leaves=20,
)
HTML_PARTS = st.sampled_from(
    [
        "<html>",
        "</html>",
        "<body>",
        '<a href="',
        "<a href='",
        "<a>",
        "</a>",
        '">',
        "'>",
        "<li>",
        "</li>",
        '<ul class="list">',
        "</ul>",
        '<div class="pager">',
        "</div>",
        '<a class="next" href="',
        '<base href="',
        '<meta charset="gbk">',
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "<![CDATA[",
        "&amp;",
        "&#0;",
        "\x00",
        "<",
        ">",
        '<a title="',
        '<svg><a xlink:href="',
        '<template><a href="',
    ]
)
HTML = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(HTML_PARTS, URLS), max_size=40).map("".join),
)
SELECTORS = st.sampled_from([None, "ul.list li a", "li", "a", "div.pager", "*", "a[href]"])
PATTERNS = st.sampled_from([None, r"/\d+\.html$", r"t\d{8}", r"^https://"])


def only_our_errors(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except PolicywatchError:
        return None


@FUZZ
@given(DOCS, BASES)
def test_parse_feed_raises_only_policywatch_errors(body: bytes, base: str) -> None:
    links = only_our_errors(parse_feed, body, base)
    for link in links or ():
        assert link.url.startswith(("http://", "https://"))
        assert len(links) <= MAX_LINKS


@FUZZ
@given(JSON_DOCS, BASES)
def test_json_feed_raises_only_policywatch_errors(data: Any, base: str) -> None:
    import json

    body = json.dumps({"items": data} if isinstance(data, list) else data).encode()
    for link in only_our_errors(parse_feed, body, base) or ():
        assert link.url.startswith(("http://", "https://"))


@FUZZ
@given(DOCS, BASES)
def test_parse_sitemap_raises_only_policywatch_errors(body: bytes, base: str) -> None:
    result = only_our_errors(parse_sitemap, body, base)
    if result is not None:
        for link in result.links:
            assert link.url.startswith(("http://", "https://"))


@FUZZ
@given(HTML, BASES, SELECTORS, PATTERNS)
def test_parse_listing_raises_only_policywatch_errors(
    html: str, base: str, selector: str | None, pattern: str | None
) -> None:
    for link in only_our_errors(parse_listing, html, base, selector, pattern) or ():
        assert link.url.startswith(("http://", "https://"))
        assert "#" not in link.url


@FUZZ
@given(HTML, BASES, SELECTORS.filter(lambda s: s is not None))
def test_next_page_url_raises_only_policywatch_errors(html: str, base: str, selector: str) -> None:
    url = only_our_errors(next_page_url, html, base, selector)
    assert url is None or url.startswith(("http://", "https://"))


@FUZZ
@given(URLS)
def test_canonical_url_raises_only_policywatch_errors_and_is_idempotent(url: str) -> None:
    canonical = only_our_errors(canonical_url, url)
    if canonical is not None:
        assert canonical.startswith(("http://", "https://"))
        assert canonical_url(canonical) == canonical
