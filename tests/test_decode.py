"""Charset repair: a declaration is trusted only if it decodes cleanly; GB family via GB18030."""

from __future__ import annotations

import pytest

from policywatch.decode import _normalise, decode_body

TEXT = "<html><body><h1>关于加快推进人工智能产业高质量发展的若干措施</h1>" + "数据要素" * 40


@pytest.mark.parametrize("declared", ["x-gbk", "GBK", "gb2312", "EUC-CN"])
def test_gb_family_declarations_decode_with_gb18030(declared: str) -> None:
    body = TEXT.encode("gbk")
    assert _normalise(declared) == "gb18030"
    assert decode_body(body, declared) == TEXT


def test_gbk_declared_as_latin1_is_not_trusted() -> None:
    assert _normalise("ISO-8859-1") == "iso8859-1"  # permissive: proves nothing
    assert decode_body(TEXT.encode("gbk"), "ISO-8859-1") == TEXT
