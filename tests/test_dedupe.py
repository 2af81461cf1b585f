"""Duplicate layers on clear positive and negative pairs, in English and Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from policywatch import dedupe
from policywatch.dedupe import (
    BANDS,
    Fingerprint,
    Match,
    _common,
    compare,
    compare_urls,
    fingerprint,
    normalise_text,
    shingles,
    text_hash,
)

FIXTURES = Path(__file__).resolve().parent.parent / "bench" / "data" / "dedup"


def _articles(lang: str) -> dict[str, tuple[str, list[str]]]:
    """id -> (headline, paragraphs) from the labelled fixture file of one language."""
    body = "\n".join(
        ln
        for ln in (FIXTURES / f"{lang}.txt").read_text("utf-8").splitlines()
        if not ln.startswith("# ")
    )
    out = {}
    for chunk in re.split(r"^### ", body, flags=re.M)[1:]:
        header, _, rest = chunk.partition("\n")
        blocks = [b.strip() for b in rest.strip().split("\n\n")]
        out[header.split("|")[0].strip()] = (blocks[0], blocks[1:])
    return out


EN = _articles("en")
ZH = _articles("zh")


def _text(
    article: tuple[str, list[str]], keep: list[int] | None = None, headline: str | None = None
) -> str:
    title, paragraphs = article
    chosen = paragraphs if keep is None else [paragraphs[i] for i in keep]
    return "\n".join([headline or title, *chosen])


# --- normalisation and exact layer ---------------------------------------------------------


def test_normalise_unifies_width_case_punctuation_and_whitespace() -> None:
    assert (
        normalise_text("ＡＩ Act，２０２４！") == normalise_text("ai act, 2024!") == "ai act 2024"
    )
    assert normalise_text("“Hello”\u00a0 —\tWorld\r\n") == "hello world"
    assert normalise_text("人工智能，\n产业 发展。") == "人工智能产业发展"
    assert normalise_text("发布 AI 法案") == "发布ai法案"
    assert normalise_text("zero\u200bwidth") == "zerowidth"


@given(st.text())
def test_normalise_text_is_idempotent(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once


def test_text_hash_is_sha1_hex_of_normalised_text() -> None:
    digest = text_hash("Hello, World")
    assert re.fullmatch(r"[0-9a-f]{40}", digest)
    assert digest == text_hash("  hello world!") == text_hash("ＨＥＬＬＯ　ＷＯＲＬＤ")
    assert digest != text_hash("hello there world")


def test_chinese_punctuation_width_changes_are_exact_duplicates() -> None:
    original = _text(ZH["zh12"])
    halfwidth = original.replace("，", ",").replace("。", ".").replace("“", '"').replace("”", '"')
    assert compare(halfwidth, original) == Match("exact", 1.0)
    assert fingerprint(halfwidth).text_hash == fingerprint(original).text_hash


# --- shingles and fingerprints ------------------------------------------------------------


def test_shingles_are_word_ngrams_for_english_and_character_ngrams_for_chinese() -> None:
    english = " ".join(f"word{i}." for i in range(40))  # 40 distinct words, one line
    assert len(shingles(english)) == 40 - dedupe.WORD_SHINGLE + 1
    chinese = "".join(chr(0x4E00 + i) for i in range(80)) + "。"
    assert len(shingles(chinese)) == 80 - dedupe.CJK_SHINGLE + 1
    assert all(isinstance(value, int) and value >= 0 for value in shingles(english))


def test_fingerprint_has_signed_64_bit_band_keys_and_is_deterministic() -> None:
    fp = fingerprint(_text(EN["en01"]))
    assert isinstance(fp, Fingerprint)
    assert len(fp.band_keys) == BANDS
    assert all(-(2**63) <= key < 2**63 for key in fp.band_keys)
    assert fp == fingerprint(_text(EN["en01"]))
    assert fp.size == len(shingles(_text(EN["en01"])))


def test_band_keys_of_different_bands_differ_for_equal_rows() -> None:
    # The band index is mixed in: identical signature rows in two bands give different keys.
    signature = dedupe.minhash(dedupe._shingle_array(["a b c d e f"])[0]) * 0
    keys = dedupe._band_keys(signature)
    assert len(set(keys.tolist())) == BANDS


def test_short_texts_get_no_band_keys() -> None:
    assert fingerprint("The council approved the budget on Tuesday.").band_keys == ()
    assert fingerprint("北京市发布人工智能产业发展行动方案。").band_keys == ()


def test_copies_share_band_keys_and_different_articles_do_not() -> None:
    original = fingerprint(_text(ZH["zh01"]))
    copy = fingerprint(_text(ZH["zh01"], headline="转发：北京推动人工智能产业发展"))
    other = fingerprint(_text(ZH["zh06"]))
    assert set(original.band_keys) & set(copy.band_keys)
    assert not set(original.band_keys) & set(other.band_keys)


# --- near-duplicate and containment layers ------------------------------------------------


NAV_EN = "Home | News | Services | Council | Contact us | Search | Sign in"
COOKIE_EN = "We use cookies to make this website work. Accept all cookies | Reject optional cookies"
NAV_ZH = "首页 | 政务公开 | 政务服务 | 互动交流 | 走进本市 | 无障碍"


def test_english_copy_with_new_headline_and_boilerplate_is_near_duplicate() -> None:
    original = _text(EN["en06"])
    _title, paragraphs = EN["en06"]
    copy = "\n".join(
        [NAV_EN, COOKIE_EN, "Draft AI bill: what it means for you", *paragraphs, "Share this page"]
    )
    match = compare(copy, original)
    assert match is not None and match.layer == "near"
    assert match.score >= dedupe.NEAR_DUPLICATE_JACCARD


def test_chinese_copy_with_boilerplate_is_near_duplicate() -> None:
    title, paragraphs = ZH["zh13"]
    copy = "\n".join([NAV_ZH, "转载：" + title, *paragraphs, "分享到：微信 微博"])
    match = compare(copy, _text(ZH["zh13"]))
    assert match is not None and match.layer == "near"


@pytest.mark.parametrize(("lang", "ident"), [("en", "en03"), ("zh", "zh04")])
def test_trimmed_copy_matches_its_original_in_both_directions(lang: str, ident: str) -> None:
    article = (EN if lang == "en" else ZH)[ident]
    original = _text(article)
    trimmed = _text(article, keep=[0, 2])  # 2 of 4 paragraphs
    new_is_trimmed = compare(trimmed, original)
    new_is_longer = compare(original, trimmed)
    assert new_is_trimmed is not None and new_is_trimmed.layer in {"near", "containment"}
    assert new_is_longer == new_is_trimmed
    assert new_is_trimmed.score >= dedupe.CONTAINMENT_THRESHOLD


def test_reordered_paragraphs_are_near_duplicates() -> None:
    article = EN["en11"]
    match = compare(_text(article, keep=[3, 1, 0, 2]), _text(article))
    assert match is not None and match.layer == "near" and match.score > 0.8


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("en01", "en04"),  # Northbridge, "The municipal government announced...", both AI services
        ("en01", "en05"),
        ("en06", "en08"),  # same bill: draft, then government response
        ("en17", "en18"),  # same regulator, AI medical devices
    ],
)
def test_different_english_announcements_on_one_topic_do_not_match(a: str, b: str) -> None:
    assert compare(_text(EN[a]), _text(EN[b])) is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("zh01", "zh06"),  # both open with 为深入贯彻落实……的决策部署 and announce action plans
        ("zh06", "zh09"),
        ("zh19", "zh20"),
        ("zh01", "zh02"),  # same city, same bureau
        ("zh12", "zh13"),  # same regulator, generative AI rules
    ],
)
def test_different_chinese_announcements_sharing_boilerplate_do_not_match(a: str, b: str) -> None:
    assert compare(_text(ZH[a]), _text(ZH[b])) is None


def test_same_site_template_does_not_make_different_articles_duplicates() -> None:
    def with_template(article: tuple[str, list[str]], keep: list[int] | None = None) -> str:
        return "\n".join(
            [NAV_ZH, _text(article, keep), "分享到：微信 微博 QQ空间 打印本页 关闭窗口"]
        )

    assert compare(with_template(ZH["zh02"], keep=[0, 1]), with_template(ZH["zh03"])) is None
    assert compare(with_template(ZH["zh02"]), with_template(ZH["zh03"])) is None


def test_short_texts_match_only_exactly() -> None:
    short = "The council approved the AI procurement rules on Tuesday after a long debate."
    assert compare(short, short + " Residents welcomed it.") is None
    assert compare(short, short.upper()) == Match("exact", 1.0)
    assert (
        compare(
            "北京发布人工智能行动方案，推动产业发展。",
            "北京发布人工智能行动方案，推动产业高质量发展。",
        )
        is None
    )


def test_empty_texts_never_match() -> None:
    assert compare("", "") is None
    assert compare(" \n ", "") is None


def test_long_round_up_does_not_swallow_a_short_announcement() -> None:
    roundup = "\n".join(_text(EN[i]) for i in ("en06", "en07", "en08", "en09", "en10", "en11"))
    assert compare(_text(EN["en07"]), roundup) is None


def test_compare_urls_is_the_url_layer() -> None:
    assert compare_urls(
        "https://www.example.gov/ai/index.html?utm_source=x", "HTTPS://WWW.EXAMPLE.GOV/ai/"
    ) == Match("url", 1.0)
    assert compare_urls("https://example.gov/ai/1", "https://example.gov/ai/2") is None


@given(
    st.sets(st.integers(0, 2**64 - 1), max_size=60),
    st.sets(st.integers(0, 2**64 - 1), max_size=60),
    st.sets(st.integers(0, 2**64 - 1), max_size=30),
)
def test_common_counts_shared_shingles_like_numpy(
    only_a: set[int], only_b: set[int], both: set[int]
) -> None:
    """_common's binary search agrees with np.intersect1d on sorted distinct uint64 arrays."""
    a = np.array(sorted(only_a | both), dtype=np.uint64)
    b = np.array(sorted(only_b | both), dtype=np.uint64)
    assert _common(a, b) == _common(b, a) == np.intersect1d(a, b).size
