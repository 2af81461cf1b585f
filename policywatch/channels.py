"""Send one message to one recipient: email on the multipart path of policywatch.mail, anything
else through apprise (Slack, Teams, Matrix, Telegram, Discord, ntfy, JSON/form webhooks…).

Bodies are short Markdown sized to the channel's limit; errors are one line with every expanded
secret masked.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from policywatch import mail
from policywatch.archive import atomic_write
from policywatch.errors import ChannelError, ConfigError, MailError
from policywatch.settings import SmtpSettings
from policywatch.subscriptions import Expanded, channel_for, expand, is_email

DEFAULT_BODY_LIMIT = 4000  # for a channel that states no limit
MORE_RESERVE = 80  # room kept for the "… and N more" line


@dataclass(frozen=True)
class Message:
    """One message: a title, Markdown lines (the entries), and an optional closing line.
    Email gets plain text (and `html` when given); channels get as many lines as fit."""

    title: str
    lines: tuple[str, ...]
    footer: str = ""
    html: str | None = None
    text: str | None = None  # plain text for email; default: the Markdown lines

    def markdown(self, limit: int) -> str:
        """The body within `limit` characters: whole lines only, then how many were left out."""
        body: list[str] = []
        used = len(self.footer) + MORE_RESERVE
        for index, line in enumerate(self.lines):
            if used + len(line) + 1 > limit:
                body.append(f"… and {len(self.lines) - index} more")
                break
            body.append(line)
            used += len(line) + 1
        return "\n".join([*body, self.footer] if self.footer else body)


def send(recipient: str, message: Message, smtp: SmtpSettings, eml_dir: Path, key: str) -> str:
    """Deliver `message` to one recipient (an email list 'a@x,b@y' or an apprise URL); returns
    a note of where it went. MailError/ChannelError (secrets masked) when it did not."""
    if is_email(recipient):
        return _send_email(recipient.split(","), message, smtp, eml_dir, key)
    target = expand(recipient)
    try:
        _send_apprise(target, message)
    except ChannelError as exc:
        raise ChannelError(target.redact(str(exc))) from None
    return "sent"


def _send_apprise(target: Expanded, message: Message) -> None:
    import apprise

    try:
        plugin = channel_for(target)
    except ConfigError as exc:
        raise ChannelError(str(exc)) from None
    limit = int(getattr(plugin, "body_maxlen", 0) or DEFAULT_BODY_LIMIT)
    sender = apprise.Apprise()
    sender.add(plugin)
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = sender.notify(
            body=message.markdown(limit),
            title=message.title[: int(getattr(plugin, "title_maxlen", 250) or 250)],
            body_format=apprise.NotifyFormat.MARKDOWN,
        )
    if not ok:
        lines = [line.split(" - ", 2)[-1] for line in captured.getvalue().splitlines() if line]
        reason = "; ".join(dict.fromkeys(lines)) or "the service refused the message"
        raise ChannelError(f"{plugin.service_name}: {reason}")


def _send_email(
    addresses: Sequence[str], message: Message, smtp: SmtpSettings, eml_dir: Path, key: str
) -> str:
    """Mail it (or, with no SMTP host, write it as eml_dir/<key>.eml, like the briefing)."""
    settings = smtp.model_copy(update={"mail_to": tuple(a.strip() for a in addresses)})
    msg = _email(message, settings, key)
    if not settings.host:
        path = eml_dir / f"{key}.eml"
        atomic_write(path, msg.as_string(policy=msg.policy.clone(linesep="\n")))
        return f"no SMTP host configured; wrote {path}"
    mail.send_message(msg, settings)
    return "sent"


def _email(message: Message, smtp: SmtpSettings, key: str) -> EmailMessage:
    text = message.text or "\n".join([*message.lines, "", message.footer])
    # The same Message-ID on every attempt: a send taken over after a crash is one message.
    message_id = mail.stable_message_id(key, ",".join(smtp.mail_to))
    return mail.build_simple_message(
        message.title, text, message.html, smtp, key, message_id=message_id
    )


__all__ = ["ChannelError", "MailError", "Message", "send"]
