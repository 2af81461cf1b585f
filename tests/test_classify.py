"""Tests for policywatch.classify: relevance, topics, regions, lexicon files, quality targets."""

from __future__ import annotations

import dataclasses
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policywatch.classify import Lexicon, classify, load_lexicon
from policywatch.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon()


# ---------------------------------------------------------------- relevance


def test_english_regulation_item_is_relevant(lexicon: Lexicon) -> None:
    got = classify(
        "Ministry publishes draft rules for generative AI services",
        "The Ministry of Science published draft rules on Monday requiring providers of "
        "generative AI services to register their models and label synthetic content. "
        "Public comments are invited until the end of the month.",
        lexicon=lexicon,
    )
    assert got.relevant
    assert 0.5 <= got.score <= 1.0
    assert "regulation" in got.topics
    assert "ai:generative AI" in got.fired
    assert "topic:regulation:rule" in got.fired


def test_chinese_regulation_item_is_relevant_with_region(lexicon: Lexicon) -> None:
    got = classify(
        "重庆市人民政府关于印发《重庆市人工智能数据标注管理办法》的通知",
        "各区县人民政府，市政府各部门：现将《重庆市人工智能数据标注管理办法》印发给你们，请认真贯彻执行。",
        lexicon=lexicon,
    )
    assert got.relevant
    assert got.topics == ("regulation",)
    assert got.region == "Chongqing"
    for fired in ("ai:人工智能", "policy:办法", "topic:regulation:办法", "region:Chongqing:重庆"):
        assert fired in got.fired


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Start-up launches AI-powered note-taking app",
            "The app uses a large language model to summarise meetings. It costs 10 dollars a "
            "month and is available on phones and laptops from today.",
        ),
        (
            "Chipmaker's quarterly revenue beats estimates on AI demand",
            "Revenue rose 60 percent and net income doubled as cloud customers bought AI "
            "accelerators. The shares gained 4 percent in after-hours trading.",
        ),
        (
            "Local club wins the cup final in extra time",
            "The home side scored twice in extra time to lift the cup. The coach said the players "
            "never gave up, and thousands of fans celebrated in the city centre.",
        ),
    ],
)
def test_english_negatives(lexicon: Lexicon, title: str, text: str) -> None:
    got = classify(title, text, lexicon=lexicon)
    assert not got.relevant
    assert got.topics == ()


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "市水利局关于加强农村供水保障工作的通知",
            "各区县水利局：为提升农村供水保障水平，现就有关事项通知如下：一、加强水源保护；二、健全管护机制。",
        ),
        (
            "某公司发布新一代大模型 推理速度提升一倍",
            "某科技公司今日发布新一代大模型，在数学和编程评测中表现优异。新模型即日起开放调用，售价下调一半。",
        ),
        (
            "中国队3比0战胜对手晋级决赛",
            "在昨晚进行的半决赛中，中国队以3比0战胜对手，将于周日争夺冠军。",
        ),
    ],
)
def test_chinese_negatives(lexicon: Lexicon, title: str, text: str) -> None:
    assert not classify(title, text, lexicon=lexicon).relevant


# ---------------------------------------------------------------- matching rules


@pytest.mark.parametrize(
    "text",
    [
        "He said the aid to Thailand would be paid in full.",
        "The Taiwanese raisin maker said sales rose.",
        "OpenAI and xAI said nothing.",  # company names are not the word AI
    ],
)
def test_ai_does_not_fire_inside_words(lexicon: Lexicon, text: str) -> None:
    got = classify("News", text, lexicon=lexicon)
    assert "ai:AI" not in got.fired


@pytest.mark.parametrize(
    "text",
    [
        "The A.I. rules apply from May.",
        "AI-powered tools are covered by the rules.",
        "Rules for AIs and for AI.",
        "新规对AI生成内容作出规定。",
    ],
)
def test_ai_acronym_forms_fire(lexicon: Lexicon, text: str) -> None:
    assert "ai:AI" in classify("News", text, lexicon=lexicon).fired


def test_case_sensitive_acronyms_and_plurals(lexicon: Lexicon) -> None:
    lower = classify("Tell us", "Let us know what you think of us.", lexicon=lexicon)
    assert lower.region is None
    upper = classify("US agency", "The U.S. government said so.", lexicon=lexicon)
    assert upper.region == "US"
    plural = classify("Regulators meet", "Regulators discussed regulations.", lexicon=lexicon)
    assert "policy:regulat*" in plural.fired


def test_title_weighs_more_than_the_tail(lexicon: Lexicon) -> None:
    sentence = "The government issued rules on artificial intelligence."
    filler = "The weather was mild and the markets were calm that week. " * 30
    in_title = classify(sentence, filler, lexicon=lexicon)
    in_tail = classify("Weekly roundup", filler + sentence, lexicon=lexicon)
    in_lead = classify("Weekly roundup", sentence + " " + filler, lexicon=lexicon)
    assert in_title.score > in_lead.score > in_tail.score
    assert in_title.relevant
    assert not in_tail.relevant


def test_repeated_term_has_diminishing_weight(lexicon: Lexicon) -> None:
    once = classify("x", "Government AI.", lexicon=lexicon).score
    many = classify("x", "Government AI. " + "AI. " * 40, lexicon=lexicon).score
    assert many > once
    assert many < 0.9  # forty mentions of AI do not make up for weak policy evidence


# ---------------------------------------------------------------- include / exclude


def test_include_forces_and_exclude_blocks(lexicon: Lexicon) -> None:
    title, text = "Museum opens new gallery", "The city museum opened a gallery of robot toys."
    assert not classify(title, text, lexicon=lexicon).relevant
    forced = classify(title, text, lexicon=lexicon, include=["robot toys"])
    assert forced.relevant
    assert "include:robot toys" in forced.fired
    assert forced.topics  # a forced item still gets a topic

    policy = (
        "国务院印发人工智能发展规划",
        "国务院近日印发《新一代人工智能发展规划》，提出三步走战略目标。",
    )
    assert classify(*policy, lexicon=lexicon).relevant
    blocked = classify(*policy, lexicon=lexicon, exclude=["新一代"])
    assert not blocked.relevant
    assert blocked.topics == ()
    assert blocked.fired[0] == "exclude:新一代"
    both = classify(*policy, lexicon=lexicon, include=["规划"], exclude=["三步走"])
    assert not both.relevant  # exclude wins


def test_include_uses_word_boundaries(lexicon: Lexicon) -> None:
    got = classify("Sports", "The athletes said they were ready.", lexicon=lexicon, include=["AI"])
    assert not got.relevant


# ---------------------------------------------------------------- regions


@pytest.mark.parametrize(
    ("title", "text", "region"),
    [
        ("深圳市发布人工智能行动方案", "深圳市人民政府办公厅印发行动方案。", "Shenzhen"),
        ("Beijing issues AI vouchers", "The Beijing municipal government said...", "Beijing"),
        ("欧盟人工智能法生效", "欧盟《人工智能法》正式生效。", "EU"),
        ("UK sets out AI plan", "The UK government published its plan.", "UK"),
        ("SCO forum on AI", "The Shanghai Cooperation Organisation held a forum.", None),
        ("AI forum", "A forum on AI governance was held.", None),
    ],
)
def test_region_detection(lexicon: Lexicon, title: str, text: str, region: str | None) -> None:
    assert classify(title, text, lexicon=lexicon).region == region


def test_source_region_wins(lexicon: Lexicon) -> None:
    got = classify("深圳市发布人工智能行动方案", "", lexicon=lexicon, source_region="Chongqing")
    assert got.region == "Chongqing"


# ---------------------------------------------------------------- topics


@pytest.mark.parametrize(
    ("title", "text", "topic"),
    [
        ("北京发放算力券 支持大模型企业", "北京市经信局将发放算力券，对企业给予补贴。", "funding"),
        ("工信部发布人工智能国家标准", "工业和信息化部发布多项人工智能国家标准。", "standards"),
        (
            "中欧举行人工智能治理对话",
            "双方就全球人工智能治理开展对话，加强国际合作。",
            "international",
        ),
        ("两江新区人工智能产业园开园", "首批人工智能企业入驻产业园，管委会给予支持。", "industry"),
        (
            "世界人工智能大会开幕",
            "大会开幕式上，政府发布人工智能治理倡议，论坛同期举办。",
            "events",
        ),
        (
            "State Council issues AI action plan",
            "The plan sets national targets for AI.",
            "strategy",
        ),
    ],
)
def test_topics(lexicon: Lexicon, title: str, text: str, topic: str) -> None:
    got = classify(title, text, lexicon=lexicon)
    assert got.relevant
    assert topic in got.topics
    assert any(f.startswith(f"topic:{topic}:") for f in got.fired)


# ---------------------------------------------------------------- lexicon files


def test_user_topics_file_extends_defaults(tmp_path: Path, lexicon: Lexicon) -> None:
    user = tmp_path / "topics.yaml"
    user.write_text(
        "threshold: 0.3\n"
        "ai: [neuromorphic computing]\n"
        "policy: {government: 0}\n"
        "topics:\n"
        "  safety: [safety testing, 安全评估]\n"
        "  events: null\n"
        "regions:\n"
        "  Chongqing: [山城]\n"
        "  Chengdu: [Chengdu, 成都]\n",
        encoding="utf-8",
    )
    custom = load_lexicon(user)
    assert custom.threshold == 0.3
    assert ("neuromorphic computing", 1.0) in custom.ai
    assert ("人工智能", 1.0) in custom.ai  # defaults kept
    assert "government" not in dict(custom.policy)
    assert "safety" in custom.topic_names and "events" not in custom.topic_names
    assert custom.origin[-1] == str(user)
    got = classify(
        "Ministry rules on safety testing of neuromorphic computing",
        "The ministry set rules for safety testing of neuromorphic computing chips.",
        lexicon=custom,
    )
    assert got.relevant and "safety" in got.topics
    assert "ai:neuromorphic computing" in got.fired
    assert classify("山城发布人工智能规划", "", lexicon=custom).region == "Chongqing"
    assert lexicon != custom


def test_empty_user_file_means_defaults(tmp_path: Path, lexicon: Lexicon) -> None:
    empty = tmp_path / "topics.yaml"
    empty.write_text("# nothing to change\n", encoding="utf-8")
    same = load_lexicon(empty)
    assert same.origin == (*lexicon.origin, str(empty))
    assert dataclasses.replace(same, origin=lexicon.origin) == lexicon


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("treshold: 0.5\n", "unknown key 'treshold'"),
        ("threshold: high\n", "key 'threshold'"),
        ("threshold: 1.5\n", "key 'threshold'"),
        ("ai: {AI: lots}\n", "key 'ai.AI'"),
        ("ai: {AI: -1}\n", "key 'ai.AI'"),
        ("ai: 42\n", "key 'ai'"),
        ("policy: ['']\n", "key 'policy'"),
        ("topics: [regulation]\n", "key 'topics'"),
        ("topics: {Bad Name: [x]}\n", "topics.Bad Name"),
        ("regions: {EU: Brussels}\n", "key 'regions.EU'"),
        ("fallback_topic: nothing\n", "'nothing' is not a topic"),
        ("- just\n- a list\n", "top level must be a mapping"),
        ("ai: [AI\n  policy: x\n", "invalid YAML"),
    ],
)
def test_bad_topics_file_raises_config_error(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "topics.yaml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_lexicon(bad)
    assert str(bad) in str(info.value)
    assert message in str(info.value)


def test_missing_topics_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_lexicon(tmp_path / "nope.yaml")


def test_lexicon_is_frozen_hashable_and_picklable(lexicon: Lexicon) -> None:
    copy = pickle.loads(pickle.dumps(lexicon))
    assert copy == lexicon and hash(copy) == hash(lexicon)
    title, text = "国务院印发人工智能发展规划", "国务院印发规划。"
    assert classify(title, text, lexicon=copy) == classify(title, text, lexicon=lexicon)
    with pytest.raises(AttributeError):
        lexicon.threshold = 0.1  # type: ignore[misc]


# ---------------------------------------------------------------- robustness and speed


@settings(max_examples=200, deadline=None)
@given(title=st.text(max_size=80), text=st.text(max_size=2000))
def test_classify_accepts_any_text(lexicon: Lexicon, title: str, text: str) -> None:
    got = classify(title, text, lexicon=lexicon)
    assert 0.0 <= got.score <= 1.0
    assert got.relevant == (got.score >= lexicon.threshold)
    assert set(got.topics) <= set(lexicon.topic_names)


# ---------------------------------------------------------------- quality on the held-out set


def test_quality_script_meets_heldout_targets() -> None:
    script = ROOT / "bench" / "relevance_quality.py"
    run = subprocess.run(
        [sys.executable, str(script), "--split", "heldout", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    (report,) = json.loads(run.stdout)
    assert report["split"] == "heldout"
    assert report["items"] >= 50
    assert report["precision"] >= 0.95
    assert report["recall"] >= 0.90
    quiet = subprocess.run(
        [sys.executable, str(script), "--quiet"], capture_output=True, text=True, timeout=120
    )
    assert quiet.returncode == 0
    assert "[tune]" in quiet.stdout and "[heldout]" in quiet.stdout


def test_topics_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "topics.yaml"
    bad.write_text("threshold: 0.4\nai:\n  neuromorphic: 1\n  photonic: heavy\n", "utf-8")
    with pytest.raises(ConfigError, match=r"topics.yaml:4: key 'ai.photonic': "):
        load_lexicon(bad)
