"""URL hygiene: canonical URLs for the first (cheapest) duplicate layer, and link safety checks.

Links found in feeds, sitemaps and listings are untrusted input: ``is_allowed_link`` keeps the
fetcher away from other schemes and from private/loopback addresses on foreign hosts (SSRF).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from policywatch.errors import DiscoveryError

# Schemes a discovered link may use; everything else (ftp:, javascript:, data:, file:) is refused.
ALLOWED_SCHEMES = frozenset({"http", "https"})

# Query parameters that only track the reader, never select content. courlan already drops
# utm_*, fbclid, gclid and similar; these are the ones it keeps (Chinese and social sites).
TRACKING_PARAMS = frozenset(
    {
        "spm",  # Alibaba/Taobao "super position model" click tracking
        "scm",
        "from",  # WeChat and Weibo share origin (from=timeline, from=groupmessage)
        "isappinstalled",
        "scene",
        "share_token",
        "share_source",
        "wxshare_count",
        "sharer_shareid",
        "sharer_sharetime",
        "ref_src",
        "ref_url",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "mc_cid",
        "mc_eid",
        "cmpid",
        "ocid",
        "igshid",
        "si",
        "s_cid",
    }
)
# Tracking prefixes courlan may not know about.
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")

# Directory index documents that name the same resource as their directory.
_INDEX_DOCUMENT = re.compile(r"/(?:index|default)\.(?:html?|php|aspx?|jsp|shtml)$", re.IGNORECASE)

Resolver = Callable[[str], Iterable[str]]


def canonical_url(url: str) -> str:
    """Return the canonical form of an http(s) URL, the key for the URL duplicate layer.

    Lower-cases scheme and host, drops the default port, the fragment, tracking parameters,
    ``index.html``-style documents and trailing slashes, and sorts the query. Idempotent.
    Raises DiscoveryError for anything that is not an absolute http(s) URL.
    """
    from courlan import normalize_url  # imports urllib3 (0.13 s): only when a URL needs it

    text = url.strip()
    try:
        first = urlsplit(text)
        if first.scheme.lower() not in ALLOWED_SCHEMES or not first.hostname:
            raise DiscoveryError(url, "not an absolute http(s) URL")
        normalised = normalize_url(text, strict=False, trailing_slash=False)
        parts = urlsplit(normalised)
        netloc = parts.netloc.rstrip(".") if parts.port is None else parts.netloc
        if not urlsplit(f"//{netloc}").hostname:
            raise DiscoveryError(url, "URL has no host after normalisation")
        path = _canonical_path(parts.path)
        query = _strip_tracking(parts.query)
        return urlunsplit((parts.scheme, netloc, path, query, ""))
    except ValueError as exc:  # urllib/courlan: bad IPv6 literal, bad port, bad punycode
        raise DiscoveryError(url, f"malformed URL ({exc})") from exc


def _canonical_path(path: str) -> str:
    """Drop a directory index document and any trailing slash; the root path stays ``/``."""
    path = _INDEX_DOCUMENT.sub("/", path)
    path = path.rstrip("/")
    return path or "/"


def _strip_tracking(query: str) -> str:
    """Remove tracking parameters and sort the rest so equivalent queries compare equal."""
    pairs = [
        (key, value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMS and not key.lower().startswith(TRACKING_PREFIXES)
    ]
    return urlencode(sorted(pairs))


def same_host(url: str, host: str) -> bool:
    """True if ``url`` is on ``host``, ignoring case, trailing dot, port and a ``www.`` prefix."""
    try:
        url_host = urlsplit(url.strip()).hostname
    except ValueError:
        return False
    if not url_host:
        return False
    return _strip_www(_bare_host(url_host)) == _strip_www(_bare_host(host))


def is_allowed_link(url: str, source_host: str, *, resolver: Resolver | None = None) -> bool:
    """True if an untrusted discovered link may be fetched: http(s) only, and an address that is
    private, loopback, link-local, multicast, reserved or unspecified only on the source's own host.

    Host names are resolved with ``resolver`` (default ``socket.getaddrinfo``). A name that does
    not resolve is allowed: the fetch of it fails on its own, and a DNS hiccup must not drop links.
    The fetcher still has to refuse redirects to such addresses (DNS can change between checks).
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme.lower() not in ALLOWED_SCHEMES or not host:
        return False
    host = _bare_host(host)
    if host == _bare_host(source_host):
        return True
    if host == "localhost" or host.endswith(".localhost"):
        return False
    literal = _literal_ip(host)
    addresses = [literal] if literal is not None else _resolve(host, resolver)
    return not any(_is_internal(address) for address in addresses)


def _bare_host(host: str) -> str:
    """Lower-case a host name and strip IPv6 brackets, a port and a trailing dot."""
    host = host.strip().lower()
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _strip_www(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def _literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address if ``host`` is an IP literal, including legacy IPv4 forms like ``127.1``."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if not re.fullmatch(r"[0-9a-fx.]+", host):
        return None
    try:  # inet_aton accepts 127.1, 0x7f.0.0.1 and 2130706433, as the fetcher's resolver would
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _resolve(
    host: str, resolver: Resolver | None
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Addresses ``host`` resolves to; empty if it does not resolve."""
    try:
        raw = list(resolver(host)) if resolver else _getaddrinfo(host)
    except (OSError, UnicodeError):
        return []
    addresses = []
    for text in raw:
        try:
            addresses.append(ipaddress.ip_address(text.split("%", 1)[0]))
        except ValueError:
            continue
    return addresses


def _getaddrinfo(host: str) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None)]


def _is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for any address that is not a plain public unicast address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )
