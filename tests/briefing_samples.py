"""Realistic Briefing values for the render, mail, archive and layout tests (written for tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from policywatch.models import Briefing, BriefingEntry, SourceHealth
from policywatch.trends import Trends, compute, window

LONG_URL = (
    "https://digital-strategy.ec.europa.eu/en/library/"
    "guidelines-obligations-providers-general-purpose-ai-models-under-artificial-intelligence-act"
    "?utm_source=newsletter&utm_medium=email&utm_campaign=ai-office-weekly-update-november-2026"
    "&reference=C(2026)8123-final-annex-I-II-III"
)


def sample_entries() -> tuple[BriefingEntry, ...]:
    """Seven entries: EU, UK, US and Chinese items, long titles and URLs, one duplicate story."""
    return (
        BriefingEntry(
            item_id=101,
            title=(
                "Commission publishes guidelines on the obligations of providers of "
                "general-purpose AI models with systemic risk under the Artificial Intelligence Act"
            ),
            url=LONG_URL,
            source_name="European Commission – Shaping Europe's digital future",
            published=date(2026, 11, 18),
            region="EU",
            topics=("regulation", "frontier-models"),
            summary=(
                "The European Commission has published guidelines clarifying when a "
                "general-purpose AI model is considered to present systemic risk. Providers "
                "must notify the AI Office within two weeks of crossing the compute threshold."
            ),
            also_reported_by=(
                ("Euractiv", "https://www.euractiv.com/section/tech/news/ai-office-guidelines/"),
                ("Tech Policy Press", "https://www.techpolicy.press/eu-gpai-guidelines-explained/"),
            ),
        ),
        BriefingEntry(
            item_id=102,
            title=(
                "AI Safety Institute opens consultation on pre-deployment testing "
                "of frontier models"
            ),
            url="https://www.gov.uk/government/consultations/pre-deployment-testing-frontier-ai",
            source_name="GOV.UK – Department for Science, Innovation and Technology",
            published=date(2026, 11, 20),
            region="UK",
            topics=("safety", "frontier-models"),
            summary=(
                "The consultation asks developers, academics and civil society how "
                "pre-deployment access to frontier models should work in practice. "
                "Responses are invited until 15 January 2027."
            ),
        ),
        BriefingEntry(
            item_id=103,
            title="国家网信办发布《人工智能生成合成内容标识办法》实施指引",
            url="https://www.cac.gov.cn/2026-11/19/c_1731234567890123.htm",
            source_name="国家互联网信息办公室",
            published=date(2026, 11, 19),
            region="CN",
            topics=("regulation", "content-labelling"),
            summary=(
                "国家互联网信息办公室19日发布《人工智能生成合成内容标识办法》实施指引，"
                "明确了显式标识和隐式标识的技术要求。指引要求服务提供者在生成内容的元数据中添加隐式标识。"
            ),
            also_reported_by=(("新华网", "http://www.news.cn/tech/20261119/ai-label.htm"),),
            translations=(
                ("Xinhua", "https://english.news.cn/20261120/ai-labelling-guide/c.html", "en"),
                ("China Daily", "https://www.chinadaily.com.cn/a/202611/20/ai-labels.html", "en"),
            ),
            language="zh",
        ),
        BriefingEntry(
            item_id=104,
            title="Commerce Department updates export controls on advanced computing items",
            url="https://www.bis.gov/press-release/commerce-updates-export-controls-advanced-computing",
            source_name="U.S. Bureau of Industry and Security",
            published=date(2026, 11, 17),
            region="US",
            topics=("export-controls",),
            summary=(
                "The interim final rule revises license requirements for advanced computing "
                "integrated circuits and adds new entities to the Entity List."
            ),
        ),
        BriefingEntry(
            item_id=105,
            title="Senate committee advances bipartisan bill on AI in critical infrastructure",
            url="https://www.commerce.senate.gov/2026/11/committee-advances-ai-infrastructure-bill",
            source_name="U.S. Senate Commerce Committee",
            published=None,
            region="US",
            topics=("regulation",),
            summary=(
                "The committee voted 18-9 to advance the bill, which directs sector risk "
                "management agencies to assess AI use in critical infrastructure."
            ),
        ),
        BriefingEntry(
            item_id=106,
            title=(
                "OECD releases updated inventory of national AI strategies and policy instruments"
            ),
            url="https://oecd.ai/en/dashboards/policy-initiatives-2026-update",
            source_name="OECD.AI Policy Observatory",
            published=date(2026, 11, 21),
            region=None,
            topics=(),
            summary=(
                "The update covers more than 1,000 policy initiatives from 70 jurisdictions, "
                "including new entries on AI compute and public-sector procurement."
            ),
        ),
        BriefingEntry(
            item_id=107,
            title=(
                "Data protection authority issues opinion on training AI models with personal data"
            ),
            url="https://www.edpb.europa.eu/news/news/2026/edpb-opinion-ai-models-personal-data_en",
            source_name="European Data Protection Board",
            published=date(2026, 11, 16),
            region="EU",
            topics=("privacy",),
            summary=(
                "The opinion addresses when AI models can be considered anonymous and how "
                "legitimate interest can serve as a legal basis for training."
            ),
        ),
    )


def sample_briefing(**changes: object) -> Briefing:
    """A full week-47 briefing; keyword arguments replace fields."""
    fields: dict[str, object] = {
        "week": "2026-W47",
        "start": date(2026, 11, 16),
        "end": date(2026, 11, 22),
        "generated_at": datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
        "entries": sample_entries(),
        "sources_checked": 48,
        "duplicates_filtered": 9,
        "baseline_filtered": 3,
        "off_topic_filtered": 21,
        "unhealthy": (
            SourceHealth("ftc", "Federal Trade Commission", "HTTP 503 Service Unavailable", 1),
            SourceHealth(
                "miit",
                "工业和信息化部",
                "timed out after 20 s (https://www.miit.gov.cn/xwdt/gxdt/index.html)",
                3,
            ),
        ),
    }
    fields.update(changes)
    return Briefing(**fields)


def empty_briefing(**changes: object) -> Briefing:
    """A week with nothing new and every source healthy."""
    base: dict[str, object] = {"entries": (), "unhealthy": (), "duplicates_filtered": 4}
    base.update(changes)
    return sample_briefing(**base)


HISTORY = (  # (title, topics, region) cycled through the weeks before week 47
    ("重庆市印发《算力券管理办法（试行）》", ("funding",), "Chongqing"),
    ("UK launches compute vouchers for AI start-ups", ("funding", "strategy"), "UK"),
    ("上海发布智能算力基础设施三年行动方案", ("strategy",), "Shanghai"),
    ("Commission opens consultation on AI Act codes of practice", ("regulation",), "EU"),
    ("NIST publishes draft profile for generative AI risk management", ("standards",), "US"),
)


def history_week(n: int) -> Briefing:
    """Week n of 2026 with two items from HISTORY (n mod 5 picks them), for archive tests."""
    start = date.fromisocalendar(2026, n, 1)
    entries = tuple(
        BriefingEntry(
            item_id=1000 + 10 * n + k,
            title=f"{title} ({n})",
            url=f"https://example.gov/2026/w{n}/{k}",
            source_name="Example source",
            published=date.fromisocalendar(2026, n, 2 + k),
            region=region,
            topics=topics,
            summary=f"Week {n} item {k}: {title}.",
        )
        for k, (title, topics, region) in enumerate(
            (HISTORY[n % len(HISTORY)], HISTORY[(n + 1) % len(HISTORY)])
        )
    )
    sent = datetime.combine(start + timedelta(days=7), time(7), UTC)
    week = f"2026-W{n:02d}"
    return sample_briefing(
        week=week, start=start, end=start + timedelta(days=6), generated_at=sent, entries=entries
    )


def archive_briefings() -> list[Briefing]:
    """Weeks 38-46 from HISTORY, then the sample week 47 (three regulation items)."""
    return [*(history_week(n) for n in range(38, 47)), sample_briefing()]


def sample_trends(rising: int = 0) -> Trends:
    """The trends of archive_briefings() as build_briefing computes them for week 47, with
    `rising` more regulation items this week (6 or more make the header name it)."""
    weeks = window("2026-W47")
    records = [(b.week, e.topics, e.region) for b in archive_briefings() for e in b.entries]
    extra = [("2026-W47", ("regulation",), "EU")] * rising
    return compute(weeks, records + extra)
