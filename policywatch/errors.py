"""One exception tree for the whole package, mapped at the boundaries (like httpx).

Every error names what is at fault (file, source or URL) so a one-line message is enough.
"""

from __future__ import annotations


class PolicywatchError(Exception):
    """Base of every error policywatch raises on purpose."""


class ConfigError(PolicywatchError):
    """A configuration file or environment variable is invalid."""


class UrlError(PolicywatchError):
    """An error about one URL: the message is `URL: reason`, both kept as attributes."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason

    def __reduce__(self) -> tuple[type[UrlError], tuple[str, str]]:
        """Pickle with both arguments (errors cross process boundaries)."""
        return (type(self), (self.url, self.reason))


class FetchError(UrlError):
    """A URL could not be fetched (network, HTTP status, size, type, robots.txt)."""


class DiscoveryError(UrlError):
    """A feed, sitemap or listing could not be parsed into links."""


class ExtractError(UrlError):
    """trafilatura found no usable main text in a page."""


class StoreError(PolicywatchError):
    """The database could not be opened, migrated or written."""


class ArchiveError(PolicywatchError):
    """A briefing file (reports/, an .eml) could not be written: disk full, read-only, ..."""


class MailError(PolicywatchError):
    """The briefing email could not be built or sent."""


class RecipientsRefused(MailError):
    """The server took the message for some recipients and refused the others (`refused`:
    address -> the server's reply): those who have it must not get it again."""

    def __init__(self, message: str, refused: dict[str, str]) -> None:
        super().__init__(message)
        self.refused = refused


class ChannelError(PolicywatchError):
    """A message could not be sent through an apprise channel (webhook, chat service)."""
