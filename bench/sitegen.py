"""Generate a benchmark news site: N article pages of 50-500 KB behind RSS feeds and sitemaps.

Usage: python bench/sitegen.py OUTDIR [--pages 300] [--spread 1] [--seed 7]

Pages look like the article pages of real newsrooms and government portals: a heavy <head>
(inline CSS, JSON-LD, analytics and a hydration-state script), a mega-menu, breadcrumbs, the
article (English or Chinese, about AI policy or about something else), share bar, sidebar,
related-story cards, a comments section and a link-heavy footer. All text is generated here
from phrase lists; a few articles are syndicated copies with a new headline, as on the web.

The pages are spread over `spread` sites (subdirectories s0, s1, ...), each with /feed.xml,
/sitemap.xml and /robots.txt, in the layout policywatch.demo.server.SiteServer serves: links
are written as `{{BASE:sN}}` placeholders that the server fills in with its loopback address.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

MIN_KB, MAX_KB = 50, 500
COPY_EVERY = 25  # every 25th article is a syndicated copy of an earlier one
SECTIONS = (
    "Politics",
    "Technology",
    "Business",
    "World",
    "Science",
    "Health",
    "Climate",
    "Opinion",
    "Culture",
    "Sport",
)
ACTORS = (
    "The Ministry of Industry and Information Technology",
    "The European Commission",
    "The Department for Science, Innovation and Technology",
    "The national data protection authority",
    "The Office of Science and Technology Policy",
    "The Standing Committee",
    "The city council",
    "The regional development agency",
    "The financial regulator",
    "A parliamentary committee",
)
AI_OBJECTS = (
    "rules for generative artificial intelligence services",
    "a risk-based framework for high-risk AI systems",
    "guidance on labelling AI-generated content",
    "a national strategy for artificial intelligence",
    "security assessment requirements for large language models",
    "funding for public computing infrastructure and AI research",
    "standards for algorithmic transparency in recommendation systems",
    "a code of practice for general-purpose AI models",
    "a sandbox for testing machine learning in financial services",
    "obligations for providers of foundation models",
)
OTHER_OBJECTS = (
    "a new timetable for regional rail services",
    "changes to the school meals programme",
    "a budget for road maintenance in rural districts",
    "a review of hospital waiting times",
    "new opening hours for public libraries",
    "a plan to plant forty thousand street trees",
    "revised fees for residential parking permits",
    "a consultation on river flood defences",
    "support for small farms after the drought",
    "a festival programme for the summer season",
)
VERBS = (
    "published",
    "announced",
    "released for consultation",
    "adopted",
    "set out",
    "presented",
    "confirmed",
    "approved",
)
DETAILS = (
    "The measures take effect on the first day of next quarter, officials said.",
    "Comments can be submitted through the official portal for thirty days.",
    "Providers will have to keep records for at least three years and share them on request.",
    "Critics argued that the deadlines were too short for smaller organisations to comply.",
    "The document runs to forty pages and includes an annex of definitions.",
    "Officials said enforcement would begin with guidance rather than fines.",
    "Industry groups welcomed the clarity but asked for more detail on audits.",
    "A spokesperson said the text had been revised after last year's consultation.",
    "Local authorities will receive additional staff to handle the new workload.",
    "The proposal will be debated in a plenary session before the end of the month.",
    "Independent experts will review the effects of the scheme after two years.",
    "Penalties for repeated breaches can reach four percent of annual turnover.",
    "Pilot projects in three cities will test the approach before a national rollout.",
    "Several ministers stressed that the rules must not hold back innovation.",
    "The secretariat will publish a summary of the responses in the autumn.",
    "Civil society organisations called for stronger protections for workers.",
)
ZH_ACTORS = (
    "国家互联网信息办公室",
    "工业和信息化部",
    "市人民政府办公厅",
    "省发展和改革委员会",
    "市交通运输局",
)
ZH_AI = (
    "生成式人工智能服务管理办法",
    "人工智能产业发展行动计划",
    "算法推荐管理规定",
    "大模型安全评估指南",
)
ZH_OTHER = (
    "城市公共交通线路调整方案",
    "中小学课后服务实施意见",
    "农村公路养护管理办法",
    "夏季防汛工作方案",
)
ZH_DETAILS = (
    "各有关单位要结合实际认真贯彻执行，确保各项措施落到实处。",
    "本办法自发布之日起施行，由相关主管部门负责解释。",
    "公众可在三十日内通过政府门户网站提出意见和建议。",
    "相关企业应当建立健全内部管理制度，定期开展自查。",
    "试点工作将在三个城市先行开展，取得经验后逐步推广。",
    "专家表示，此举有助于推动产业高质量发展和规范有序运行。",
    "各地要加强组织领导，明确责任分工，形成工作合力。",
    "对违反规定的行为，将依法依规予以处理并向社会公布。",
)
FIRST = ("Ana", "Tom", "Li", "Priya", "Jonas", "Mei", "Sam", "Olu", "Marta", "Ken", "Rosa", "Ivan")
LAST = ("Novak", "Chen", "Okafor", "Schmidt", "Garcia", "Tanaka", "Brown", "Ivanova", "Silva")
COMMENT_LINES = (
    "Interesting, but who is going to check that any of this is actually followed?",
    "Finally some clarity. We have been waiting for this for years.",
    "The consultation period is far too short for a document of this size.",
    "Does anyone know whether this applies to open-source projects as well?",
    "Same announcement as last year with a new date on it.",
    "Great reporting as always, thanks for the link to the full text.",
    "I work in this sector and the compliance costs will be significant.",
    "This will mostly benefit the largest companies, as usual.",
)

# Slots of the sentence grammar: articles share stock phrases, not whole paragraphs.
WHO = (
    "officials",
    "the minister",
    "a senior adviser",
    "regulators",
    "the committee chair",
    "local mayors",
    "trade unions",
    "consumer groups",
    "startup founders",
    "university researchers",
    "the opposition",
    "hospital managers",
    "bank executives",
    "farmers' representatives",
    "software vendors",
    "privacy campaigners",
    "teachers",
    "the auditor",
    "insurers",
    "judges",
)
DO = (
    "warned about",
    "asked for changes to",
    "welcomed",
    "criticised",
    "questioned the cost of",
    "proposed amendments to",
    "promised to review",
    "raised concerns over",
    "defended",
    "called for a delay to",
    "supported",
    "requested data on",
    "described the impact of",
    "challenged the legal basis of",
    "set aside funds for",
    "drafted guidance on",
)
WHAT = (
    "the reporting duties",
    "the licensing regime",
    "the transition period",
    "the pilot scheme",
    "the audit requirements",
    "the data-sharing clause",
    "the enforcement powers",
    "the complaints procedure",
    "the funding formula",
    "the registration deadline",
    "the exemptions for small firms",
    "the appeals process",
    "the training budget",
    "the inspection schedule",
    "the public register",
    "the cross-border provisions",
)
WHERE = (
    "in the northern provinces",
    "across the capital region",
    "in coastal towns",
    "in the industrial belt",
    "at border crossings",
    "in rural schools",
    "in port cities",
    "in the eastern districts",
    "on the islands",
    "in mountain villages",
    "in the metro area",
)
WHEN = (
    "before the summer recess",
    "by the end of the year",
    "within six months",
    "next spring",
    "after the election",
    "during the review",
    "in the coming weeks",
    "by mid-2027",
)
ADVERBS = (
    "openly",
    "repeatedly",
    "cautiously",
    "sharply",
    "quietly",
    "formally",
    "strongly",
    "publicly",
    "jointly",
    "briefly",
    "again",
    "firmly",
)
ADJECTIVES = (
    "revised",
    "proposed",
    "existing",
    "simplified",
    "temporary",
    "national",
    "regional",
    "mandatory",
    "voluntary",
    "expanded",
    "draft",
    "updated",
    "stricter",
    "new",
    "current",
    "controversial",
    "long-awaited",
    "interim",
    "final",
    "amended",
)
TOWN_HEADS = (
    "Ash",
    "Brad",
    "Carl",
    "Dun",
    "Eller",
    "Fen",
    "Glen",
    "Hart",
    "Kings",
    "Long",
    "Mill",
    "Nether",
    "Oak",
    "Rad",
    "Stan",
    "Thorn",
    "Upper",
    "Wes",
    "Whit",
    "Brook",
)
TOWN_TAILS = ("ford", "ley", "ton", "bury", "field", "ham", "wick", "stead", "mouth", "by")
ZH_PLACE_CHARS = "东西南北青石桥河山湖林金玉长新安平华兴宁丰泰和明光龙凤云海江"
ZH_DEPTS = (
    "市场监管",
    "教育",
    "财政",
    "交通运输",
    "卫生健康",
    "生态环境",
    "商务",
    "科技",
    "农业农村",
)
_ZH_WORD_TEXT = (
    "制定 开展 完善 加大 建立 推进 强化 优化 健全 部署 落实 统筹 协调 监督 指导 保障 支持 "
    "鼓励 引导 规范 提升 加快 深化 实施 组织 服务 管理 治理 创新 改革 发展 建设 安全 风险 "
    "评估 标准 数据 平台 算法 模型 算力 产业 企业 园区 人才 资金 项目 试点 示范 应用 场景 "
    "基础 设施 网络 信息 技术 研发 成果 转化 市场 主体 监管 执法 检查 整改 考核 责任 机制 "
    "制度 体系 政策 措施 方案 计划 目标 任务 年度 季度 重点 领域 行业 部门 单位 社会 公众 "
    "群众 民生 教育 医疗 交通 农业 生态 环境 能源 文化 旅游 财政 金融 税收 补贴 奖励 合作 "
    "交流 开放 共享 互通 融合 协同 高效 有序 稳步 全面 积极 依法 严格 及时 精准 持续"
)
ZH_WORDS = tuple(_ZH_WORD_TEXT.split())


@dataclass(frozen=True, slots=True)
class Page:
    """One generated article page: where it lives and what it says."""

    site: str
    slug: str
    title: str
    summary: str
    published: date
    chinese: bool

    @property
    def path(self) -> str:
        return f"/news/{self.published:%Y/%m}/{self.slug}.html"

    def url(self) -> str:
        return "{{BASE:" + self.site + "}}" + self.path


@dataclass(frozen=True, slots=True)
class Body:
    """The article proper: headline, byline and paragraphs (subheadings start with '## ')."""

    title: str
    author: str
    paragraphs: tuple[str, ...]


def _sentence(rng: random.Random) -> str:
    """One varied sentence: who (and where from) did what to which part, where and when."""
    who = f"{rng.choice(WHO)} from {_town(rng)}"
    act = f"{rng.choice(ADVERBS)} {rng.choice(DO)}"
    what = f"the {rng.choice(ADJECTIVES)} {rng.choice(WHAT).removeprefix('the ')}"
    text = f"{who} {act} {what} {rng.choice(WHERE)} {rng.choice(WHEN)}"
    if rng.random() < 0.5:
        text += f", citing {rng.randint(3, 9000)} {rng.choice(('cases', 'firms', 'jobs'))}"
    return text[0].upper() + text[1:] + "."


def _town(rng: random.Random) -> str:
    return rng.choice(TOWN_HEADS) + rng.choice(TOWN_TAILS)


def _zh_sentence(rng: random.Random) -> str:
    """One varied Chinese sentence: a place and department, then 6-12 policy words."""
    place = "".join(rng.sample(ZH_PLACE_CHARS, 2)) + rng.choice(("区", "县", "镇", "街道", "乡"))
    who = rng.choice(ZH_DEPTS) + rng.choice(("局", "委员会", "中心", "办公室", "部门"))
    words = rng.choices(ZH_WORDS, k=rng.randint(6, 12))
    middle = len(words) // 2
    return f"{place}{who}{''.join(words[:middle])}，{''.join(words[middle:])}。"


def english_body(rng: random.Random, ai: bool) -> Body:
    """A 400-1500 word English news story about one announcement."""
    actor, verb = rng.choice(ACTORS), rng.choice(VERBS)
    topic = rng.choice(AI_OBJECTS if ai else OTHER_OBJECTS)
    title = f"{actor.removeprefix('The ').removeprefix('A ')} {verb} {topic}"
    paragraphs = [f"{actor} on {rng.choice(('Monday', 'Tuesday', 'Thursday'))} {verb} {topic}."]
    for index in range(rng.randint(6, 18)):
        if index and index % 5 == 0:
            paragraphs.append("## " + rng.choice(("What changes", "Reactions", "Next steps")))
        sentences = [_sentence(rng) for _ in range(rng.randint(3, 6))]
        sentences.insert(rng.randint(0, 3), rng.choice(DETAILS))  # a stock phrase
        paragraphs.append(" ".join(sentences))
    author = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    return Body(title[0].upper() + title[1:], author, tuple(paragraphs))


def chinese_body(rng: random.Random, ai: bool) -> Body:
    """A government-notice style Chinese text of 8-20 paragraphs."""
    actor = rng.choice(ZH_ACTORS)
    topic = rng.choice(ZH_AI if ai else ZH_OTHER)
    title = f"{actor}关于印发《{topic}》的通知"
    paragraphs = [
        f"为贯彻落实有关部署，{actor}研究制定了《{topic}》，现印发给你们，请认真遵照执行。"
    ]
    for index in range(rng.randint(8, 20)):
        details = "".join(_zh_sentence(rng) for _ in range(rng.randint(2, 5)))
        details += rng.choice(ZH_DETAILS)
        paragraphs.append(f"第{index + 1}条　{details}第{rng.randint(2, 60)}项工作同步推进。")
    return Body(title, f"{actor}办公室", tuple(paragraphs))


def plan_pages(pages: int, spread: int, seed: int, today: date) -> list[tuple[Page, Body]]:
    """The pages of the site with their bodies; every COPY_EVERY-th one copies an earlier body."""
    rng = random.Random(seed)
    plan: list[tuple[Page, Body]] = []
    for index in range(pages):
        chinese = rng.random() < 0.25
        ai = rng.random() < 0.6
        body = chinese_body(rng, ai) if chinese else english_body(rng, ai)
        if index % COPY_EVERY == COPY_EVERY - 1:
            original = plan[rng.randrange(len(plan))][1]
            body = Body("Syndicated: " + original.title, "Wire staff", original.paragraphs)
        day = today - timedelta(days=rng.randint(0, 20))
        page = Page(
            f"s{index % spread}",
            f"{'zh' if chinese else 'en'}-{index:05d}",
            body.title,
            body.paragraphs[0][:200],
            day,
            chinese,
        )
        plan.append((page, body))
    return plan


def _words(rng: random.Random, low: int, high: int) -> str:
    pool = ("policy", "market", "city", "data", "health", "energy", "school", "court", "trade")
    return " ".join(rng.choice(pool) for _ in range(rng.randint(low, high))).capitalize()


def _css(rng: random.Random, rules: int) -> str:
    """Minified-looking stylesheet with `rules` rules."""
    parts = []
    for i in range(rules):
        cls = f".c-{rng.randrange(10**6):x}-{i}"
        parts.append(
            f"{cls}{{display:flex;margin:{rng.randint(0, 32)}px {rng.randint(0, 24)}px;"
            f"color:#{rng.randrange(16**6):06x};font:{rng.randint(12, 20)}px/1.4 Georgia,serif}}"
        )
    return "".join(parts)


def _state_script(rng: random.Random, size: int) -> str:
    """A hydration-state blob like `window.__INITIAL_STATE__ = {...}` of about `size` bytes."""
    entries, total = [], 0
    while total < size:
        entry = (
            f'{{"id":"{rng.randrange(16**12):012x}","headline":"{_words(rng, 4, 9)}",'
            f'"kicker":"{rng.choice(SECTIONS)}","ts":{rng.randrange(10**9, 2 * 10**9)},'
            f'"img":"/img/{rng.randrange(10**8)}.jpg","w":1200,"h":675}}'
        )
        entries.append(entry)
        total += len(entry) + 1
    return 'window.__INITIAL_STATE__={"stories":[' + ",".join(entries) + "]};"


def _head(rng: random.Random, page: Page, body: Body, state_bytes: int) -> str:
    title = escape(body.title)
    ld = (
        '{"@context":"https://schema.org","@type":"NewsArticle","headline":"'
        + escape(body.title)
        + f'","datePublished":"{page.published.isoformat()}T09:00:00Z",'
        + f'"author":{{"@type":"Person","name":"{escape(body.author)}"}}}}'
    )
    return (
        f'<head><meta charset="utf-8"><title>{title} | Harbour Times</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta property="og:title" content="{title}"><meta property="og:type" content="article">'
        f'<meta name="description" content="{escape(page.summary)}">'
        f'<meta property="article:published_time" content="{page.published.isoformat()}">'
        f'<link rel="canonical" href="{page.url()}">'
        f"<style>{_css(rng, rng.randint(150, 600))}</style>"
        f'<script type="application/ld+json">{ld}</script>'
        "<script>(function(w,d){w.dataLayer=w.dataLayer||[];w.dataLayer.push({event:'pv'});"
        "var s=d.createElement('script');s.async=1;s.src='/js/a.js';d.head.appendChild(s)})"
        "(window,document);</script>"
        f"<script>{_state_script(rng, state_bytes)}</script></head>"
    )


def _menu(rng: random.Random, site: str) -> str:
    """Mega-menu: every section with a column of sub-section links and an SVG icon."""
    base = "{{BASE:" + site + "}}"
    columns = []
    for section in SECTIONS:
        links = "".join(
            f'<li class="menu__item"><a href="{base}/{section.lower()}/{i}" class="menu__link">'
            f"{_words(rng, 1, 3)}</a></li>"
            for i in range(rng.randint(8, 20))
        )
        columns.append(
            f'<li class="nav__section"><a href="{base}/{section.lower()}/">'
            '<svg viewBox="0 0 24 24" width="16" height="16"><path d="M4 6h16M4 12h16M4 18h16"/>'
            f'</svg>{section}</a><ul class="menu">{links}</ul></li>'
        )
    return (
        '<header class="site-header"><div class="topbar"><a href="/subscribe">Subscribe</a>'
        '<a href="/login">Sign in</a></div><a class="logo" href="/">Harbour Times</a>'
        f'<nav class="nav" aria-label="Main"><ul class="nav__list">{"".join(columns)}</ul></nav>'
        "</header>"
    )


def _article(rng: random.Random, page: Page, body: Body) -> str:
    paras = []
    for text in body.paragraphs:
        if text.startswith("## "):
            paras.append(f"<h2>{escape(text[3:])}</h2>")
        else:
            paras.append(f"<p>{escape(text)}</p>")
        if rng.random() < 0.1:
            paras.append('<div class="ad-slot" data-slot="mid"><span>Advertisement</span></div>')
    return (
        f'<nav class="breadcrumbs"><a href="/">Home</a> › <a href="/tech/">'
        f'{rng.choice(SECTIONS)}</a></nav><main id="content"><article class="story">'
        f"<h1>{escape(body.title)}</h1>"
        f'<p class="byline">By <a rel="author" href="/authors/x">{escape(body.author)}</a> · '
        f'<time datetime="{page.published.isoformat()}">{page.published:%d %B %Y}</time></p>'
        f'<figure><img src="/img/{rng.randrange(10**8)}.jpg" alt="">'
        f"<figcaption>{_words(rng, 6, 12)}. Photo: agency</figcaption></figure>"
        f'<div class="story__body">{"".join(paras)}</div>'
        '<div class="share"><a href="#">Share on X</a><a href="#">Facebook</a>'
        '<a href="#">Email</a><button>Copy link</button></div></article>'
    )


def _related(rng: random.Random, count: int) -> str:
    cards = "".join(
        f'<li class="card"><a href="/story/{rng.randrange(10**7)}"><img src="/t/{i}.jpg" alt="">'
        f'<span class="card__kicker">{rng.choice(SECTIONS)}</span>'
        f"<h3>{_words(rng, 5, 10)}</h3></a><p>{_words(rng, 12, 24)}.</p></li>"
        for i in range(count)
    )
    return f'<section class="related"><h2>Related stories</h2><ul>{cards}</ul></section>'


def _comments(rng: random.Random, count: int) -> str:
    items = "".join(
        f'<li class="comment" id="c{i}"><div class="comment__meta">'
        f"<b>{rng.choice(FIRST)}{rng.randint(1, 99)}</b> <time>{rng.randint(1, 59)} min ago</time>"
        f'</div><p>{rng.choice(COMMENT_LINES)} {_words(rng, 3, 20)}.</p><div class="actions">'
        f"<button>Reply</button><button>Like ({rng.randint(0, 300)})</button></div></li>"
        for i in range(count)
    )
    return (
        f'<section class="comments" id="comments"><h2>{count} comments</h2>'
        '<form><textarea placeholder="Join the discussion"></textarea><button>Post</button>'
        f"</form><ol>{items}</ol></section>"
    )


def _sidebar(rng: random.Random) -> str:
    popular = "".join(f'<li><a href="/p/{i}">{_words(rng, 5, 9)}</a></li>' for i in range(10))
    return (
        f'<aside class="sidebar"><h2>Most read</h2><ol>{popular}</ol>'
        '<div class="newsletter"><h3>The morning briefing</h3><form><input type="email" '
        'placeholder="Your email"><button>Sign up</button></form></div></aside></main>'
    )


def _footer(rng: random.Random) -> str:
    cols = "".join(
        f"<div><h4>{section}</h4><ul>"
        + "".join(f'<li><a href="/f/{i}">{_words(rng, 1, 3)}</a></li>' for i in range(12))
        + "</ul></div>"
        for section in SECTIONS[:6]
    )
    return (
        f'<footer class="site-footer"><div class="cols">{cols}</div><p class="legal">'
        "© Harbour Times Media. All rights reserved. Registered office: 4 Quay Street.</p>"
        '<div class="cookie-banner" role="dialog"><p>We use cookies to improve your '
        "experience and for advertising.</p><button>Accept all</button><button>Settings"
        "</button></div><script>document.querySelectorAll('.share a').forEach(function(a)"
        "{a.addEventListener('click',function(e){e.preventDefault()})});</script></footer>"
    )


def render_page(page: Page, body: Body, seed: int) -> str:
    """The whole HTML document, padded with chrome to a size drawn from 50-500 KB."""
    rng = random.Random(seed)
    target = int(MIN_KB * 1024 * (MAX_KB / MIN_KB) ** rng.random())  # log-uniform size
    fixed = _menu(rng, page.site) + _article(rng, page, body) + _sidebar(rng) + _footer(rng)
    room = max(target - len(fixed.encode()) - 30_000, 0)  # ~30 KB of <head> besides the state
    related = _related(rng, 12 + room * 2 // 5 // 330)  # 40% of the room: story cards
    comments = _comments(rng, room * 2 // 5 // 330)  # 40%: the comments section
    dom = fixed + related + comments
    state = max(target - len(dom.encode()) - 30_000, 4_000)  # the rest: hydration state
    lang = "zh-CN" if page.chinese else "en"
    return (
        f'<!DOCTYPE html><html lang="{lang}">{_head(rng, page, body, state)}'
        f'<body class="article-page">{dom}</body></html>'
    )


def _feed(site: str, pages: list[Page]) -> str:
    items = "".join(
        f"<item><title>{escape(p.title)}</title><link>{p.url()}</link>"
        f"<guid>{p.url()}</guid><pubDate>{_rfc822(p.published)}</pubDate>"
        f"<description>{escape(p.summary)}</description></item>"
        for p in pages
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Harbour Times {site}</title><link>{{{{BASE:{site}}}}}/</link>"
        f"<description>Latest stories</description>{items}</channel></rss>"
    )


def _sitemap(pages: list[Page]) -> str:
    urls = "".join(
        f"<url><loc>{p.url()}</loc><lastmod>{p.published.isoformat()}</lastmod></url>"
        for p in pages
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )


def _rfc822(day: date) -> str:
    return format_datetime(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))


def generate(outdir: Path, pages: int, spread: int = 1, seed: int = 7) -> list[Page]:
    """Write the sites under outdir (s0..s{spread-1}); returns the pages, newest first."""
    plan = plan_pages(pages, spread, seed, datetime.now(UTC).date())
    for index, (page, body) in enumerate(plan):
        file = outdir / page.site / page.path.lstrip("/")
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(render_page(page, body, seed * 100_003 + index), encoding="utf-8")
    ordered = sorted((p for p, _ in plan), key=lambda p: p.published, reverse=True)
    for number in range(spread):
        site = f"s{number}"
        mine = [p for p in ordered if p.site == site]
        root = outdir / site
        root.mkdir(parents=True, exist_ok=True)
        (root / "feed.xml").write_text(_feed(site, mine), encoding="utf-8")
        (root / "sitemap.xml").write_text(_sitemap(mine), encoding="utf-8")
        (root / "robots.txt").write_text(
            "User-agent: *\nDisallow: /private/\nSitemap: {{BASE:" + site + "}}/sitemap.xml\n",
            encoding="utf-8",
        )
    return ordered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--spread", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    pages = generate(args.outdir, args.pages, args.spread, args.seed)
    size = sum(f.stat().st_size for f in args.outdir.rglob("*.html"))
    print(f"{len(pages)} pages, {size / 1e6:.1f} MB in {args.outdir}")


if __name__ == "__main__":
    main()
