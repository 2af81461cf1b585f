"""One exception tree for the whole package, mapped at the boundaries (like httpx).

Every error names what is at fault (file, source or URL) so a one-line message is enough.
"""

from __future__ import annotations


class PolicywatchError(Exception):
    """Base of every error policywatch raises on purpose."""


class ConfigError(PolicywatchError):
    """A configuration file or environment variable is invalid."""


class FetchError(PolicywatchError):
    """A URL could not be fetched (network, HTTP status, size, type, robots.txt)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class DiscoveryError(PolicywatchError):
    """A feed, sitemap or listing could not be parsed into links."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class ExtractError(PolicywatchError):
    """trafilatura found no usable main text in a page."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class StoreError(PolicywatchError):
    """The database could not be opened, migrated or written."""


class MailError(PolicywatchError):
    """The briefing email could not be built or sent."""
