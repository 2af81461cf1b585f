"""The site's owner as the page names it, and the issuer it gives documents naming none."""

from __future__ import annotations

import lxml.html
import pytest

from policywatch.extract import extract_article
from policywatch.siteowner import body_name, site_owner

BODY = "<p>" + "The proposals cover chatbots, generative AI and the duties of services. " * 8


def _page(head: str, furniture: str = "", title: str = "A page") -> str:
    return (
        f"<html><head><title>{title}</title>{head}</head><body>{furniture}"
        f"<main><h1>{title.split(' - ')[0]}</h1>{BODY}</p></main></body></html>"
    )


def _owner(html: str) -> str | None:
    tree = lxml.html.fromstring(html)
    meta = {
        (m.get("name") or m.get("property") or "").lower(): m.get("content") or ""
        for m in tree.iter("meta")
    }
    return site_owner(tree, meta)


@pytest.mark.parametrize(
    ("html", "owner"),
    [
        (_page('<meta name="SiteName" content="中华人民共和国商务部">'), "商务部"),
        (_page('<meta name="SiteName" content="浙江省经济和信息化厅">'), "浙江省经济和信息化厅"),
        (_page("", title="关于发布指引的公告-中华人民共和国商务部"), "商务部"),
        (
            _page("", "<footer>版权所有：中华人民共和国科学技术部 京ICP备05022684号</footer>"),
            "科学技术部",
        ),
        (
            _page("", "<footer>© Ofcom 2026 | Riverside House</footer>", "Draft guidance - Ofcom"),
            "Ofcom",
        ),
        (
            _page("", title="Training data | California Privacy Protection Agency (CPPA)"),
            "California Privacy Protection Agency",
        ),
        (
            _page(
                "",
                "<footer>National Institute of Standards and Technology, U.S. Department of "
                "Commerce. HEADQUARTERS 100 Bureau Drive</footer>",
            ),
            "National Institute of Standards and Technology",
        ),
        (
            _page('<meta property="og:site_name" content="European Commission - Have your say">'),
            "European Commission",
        ),
        (  # the logo's alt text, before the footer's contact link
            _page(
                "",
                '<header><a href="/"><img src="/ec-logo.svg" alt="European Commission"></a>'
                "<span>Have your say</span></header><footer><p>Managed by the "
                'Secretariat-General</p><a href="#">Contact the European Commission</a></footer>',
            ),
            "European Commission",
        ),
        (
            _page(
                "",
                "<footer><p>HEADQUARTERS 100 Bureau Drive</p><p>Computer Security "
                "Resource Center, National Institute of Standards and Technology</p></footer>",
            ),
            "National Institute of Standards and Technology",
        ),
        (_page('<meta property="og:site_name" content="The White House">'), "White House"),
    ],
)
def test_the_owner_is_read_where_the_site_names_itself(html: str, owner: str) -> None:
    assert _owner(html) == owner


@pytest.mark.parametrize(
    "html",
    [
        # a menu entry is not the site's owner
        _page(
            "",
            '<header><a href="/">Shaping Europe’s digital future</a><nav>'
            '<a href="/ai-office">AI Office</a></nav></header>',
        ),
        _page('<meta name="SiteName" content="中国政府网">'),  # a portal, not a body
        # an address or a contact link is no body's name
        _page("", "<footer><p>HEADQUARTERS 100 Bureau Drive Gaithersburg, MD 20899</p></footer>"),
        _page("", '<footer><a href="#">Contact the European Commission</a></footer>'),
        _page("", "<footer>© 2026 Example News Ltd</footer>", "AI rules - Example News"),
        # a name that is no body by its form counts only when title and copyright agree
        _page("", "<footer>© Example 2026</footer>", "Draft guidance - Ofcom"),
    ],
)
def test_no_owner_where_the_page_names_no_public_body(html: str) -> None:
    assert _owner(html) is None


def test_body_names_drop_the_state_and_the_acronym() -> None:
    assert body_name("中华人民共和国公安部") == "公安部"
    assert (
        body_name("Information Commissioner's Office (ICO)") == "Information Commissioner's Office"
    )
    assert body_name("Contact us") is None
    assert body_name("European Commission website") == "European Commission"


CONSULTATION = (
    "<html><head><title>Consultation on draft guidance: AI chatbots - Ofcom</title></head>"
    "<body><main><h1>Consultation on draft guidance: AI chatbots</h1>"
    "<p>We are consulting on draft guidance for providers of AI chatbots. "
    + "It explains the duties of services under the Act and how we will assess them. "
    * 6
    + "</p><p>Responses are due by 5pm on 20 March 2026.</p></main>"
    "<footer>© Ofcom 2026 | Riverside House</footer></body></html>"
)
NEWS = (
    "<html><head><title>Ofcom staff raise funds for charity - Ofcom</title></head>"
    "<body><main><h1>Ofcom staff raise funds for charity</h1><p>"
    + "Colleagues from our London office walked 40 miles along the Thames this weekend. " * 6
    + "</p></main><footer>© Ofcom 2026 | Riverside House</footer></body></html>"
)


def test_a_consultation_naming_no_issuer_is_the_site_owners() -> None:
    article = extract_article(CONSULTATION, "https://www.ofcom.org.uk/consultations/ai-chatbots")
    assert article.stage == "draft"
    assert article.issuer == "Ofcom"


def test_news_on_the_same_site_gets_no_issuer_from_the_owner() -> None:
    article = extract_article(NEWS, "https://www.ofcom.org.uk/news/staff")
    assert article.stage is None
    assert article.issuer is None


def _titled(title: str, sentence: str) -> str:
    return (
        f"<html><head><title>{title} - European Commission</title></head><body><main>"
        f"<h1>{title}</h1><p>{sentence * 6}</p></main>"
        "<footer>© European Union 2026 | European Commission website</footer></body></html>"
    )


@pytest.mark.parametrize(
    ("title", "issuer"),
    [
        ("Call for proposals: generative AI for public administrations", "European Commission"),
        ("Commission launches €600 million call to set up new AI Factories", "European Commission"),
        ("Digital Europe: new calls to reinforce testing facilities", "European Commission"),
        ("Commissioner calls for a common approach to AI in schools", None),  # news
        ("Reactions to the new calls for action on AI safety", None),
    ],
)
def test_a_call_for_funding_naming_no_issuer_is_the_site_owners(
    title: str, issuer: str | None
) -> None:
    """Calls are a body's documents (POLICY-LABELS.md), though neither drafts nor finals."""
    sentence = "Applicants from member states may apply by 30 June 2026 for grants. "
    if issuer is None:
        sentence = "The speech set out views on schools and technology in Europe today. "
    article = extract_article(_titled(title, sentence), "https://commission.europa.eu/news/x")
    assert article.stage is None
    assert article.issuer == issuer
