"""Turn fetched bytes into text, right even when the charset is declared wrongly or not at all.

Chinese government sites often serve GBK pages declared as ISO-8859-1 or not declared at all;
decoding them as declared gives mojibake, so a declaration is trusted only when it decodes cleanly.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# Declarations servers send by default, right or wrong: Latin-1 decodes any byte sequence,
# cp1252 and ASCII fail only on a few bytes, so a clean decode with them proves little.
# (Names as _normalise returns them: codecs' canonical spellings.)
PERMISSIVE = frozenset({"iso8859-1", "ascii", "cp1252"})
# GB2312 and GBK are subsets of GB18030: decoding with the superset never loses characters.
SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030"}
SNIFF_BYTES = 4096


def decode_body(body: bytes, header_charset: str | None = None) -> str:
    """Decode an HTML/XML body: BOM, then UTF-8, then a clean declaration, then detection."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16")):
        if body.startswith(bom):
            return body.decode(name, errors="replace")
    utf8 = _strict(body, "utf-8")
    if utf8 is not None:
        return utf8
    for declared in (header_charset, _meta_charset(body)):
        codec = _normalise(declared)
        if codec and codec not in PERMISSIVE and (text := _strict(body, codec)) is not None:
            return text
    return _detect(body)


def _meta_charset(body: bytes) -> str | None:
    match = META_CHARSET.search(body[:SNIFF_BYTES])
    return match.group(1).decode("ascii", "ignore") if match else None


def _normalise(name: str | None) -> str | None:
    """The codec to decode a declared charset with: its GB18030 superset for the GB family
    (checked before the lookup: Python knows no x-gbk), else codecs' canonical name."""
    if not name:
        return None
    key = name.strip().lower()
    if key in SUPERSETS:
        return SUPERSETS[key]
    try:
        canonical = codecs.lookup(key).name
    except LookupError:
        return None
    return SUPERSETS.get(canonical, canonical)


def _strict(body: bytes, name: str) -> str | None:
    try:
        return body.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(body: bytes) -> str:
    """Statistical detection (charset_normalizer), falling back to UTF-8 with replacement."""
    best = from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        name = _normalise(best.encoding) or best.encoding
        return body.decode(name, errors="replace")
    return body.decode("utf-8", errors="replace")
