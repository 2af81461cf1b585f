"""A fetch session keeps one HTTP client per origin (issue 17): httpcore's pool walks all its
connections on every request, so one pool for every site of a group grew quadratic."""

from __future__ import annotations

import asyncio

from policywatch.config import FetchSettings
from policywatch.fetch import FetchSession


def test_one_client_per_origin_all_closed_with_the_session() -> None:
    async def scenario() -> None:
        async with FetchSession(FetchSettings(), sources=3) as session:
            a = session.client_for("https://www.miit.gov.cn/zwgk/a.html")
            assert session.client_for("https://www.miit.gov.cn/robots.txt") is a
            assert session.client_for("http://www.miit.gov.cn/b.html") is not a  # other scheme
            assert session.client_for("https://www.cac.gov.cn/c.htm") is not a
            clients = [a, session.client_for("https://www.cac.gov.cn/d.htm")]
        assert all(c.is_closed for c in clients)

    asyncio.run(scenario())
