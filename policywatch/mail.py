"""Build the briefing email (multipart/alternative) and deliver it by SMTP or to a .eml file.

Uses only the standard library (email, smtplib). Anything put into a header is stripped of
CR/LF and control characters first, so extracted titles can never inject headers. Errors
name host:port and the reason, never the password.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from policywatch.archive import WEEK, atomic_write, aware
from policywatch.config import SmtpSettings
from policywatch.errors import MailError, RecipientsRefused
from policywatch.models import Briefing
from policywatch.render import clean

LIST_NAME = "AI policy briefing"


def header_safe(value: str) -> str:
    """Drop CR, LF and other control characters and collapse whitespace, for a header value."""
    return clean(value)


def subject_for(b: Briefing) -> str:
    """'AI policy briefing · 2026-W47 · 12 new' (or '· nothing new'); a profile's briefing
    names the profile: 'AI policy briefing · China desk · 2026-W47 · 3 new'."""
    count = f"{b.new_count} new" if b.new_count else "nothing new"
    profile = f" · {b.profile}" if b.profile else ""
    return header_safe(f"{LIST_NAME}{profile} · {b.week} · {count}")


def _address(value: str, field: str) -> Address:
    """Parse one mail address ('Name <user@host>' or 'user@host'), or raise MailError."""
    text = header_safe(value)
    name, addr = parseaddr(text)
    try:
        parsed = Address(display_name=name, addr_spec=addr)
    except (ValueError, IndexError) as exc:
        raise MailError(f"invalid {field} address {text!r}: {exc}") from exc
    if not parsed.username or not parsed.domain:
        raise MailError(f"invalid {field} address {text!r}: expected user@domain")
    return parsed


def stable_message_id(key: str, recipients: str) -> str:
    """One Message-ID per message key and recipient list: a re-send after a cut-off send is
    recognisably the same message (mail clients that dedupe by Message-ID show one copy)."""
    digest = hashlib.sha1(f"{key}|{recipients}".encode()).hexdigest()[:16]
    return f"<{header_safe(key).replace(' ', '')}.{digest}@policywatch>"


def _message_id(key: str, sender: Address, message_id: str | None) -> str:
    """The given Message-ID (cleaned, in angle brackets) or a fresh one on the sender's domain."""
    if message_id is None:
        return make_msgid(idstring=header_safe(key), domain=sender.domain)
    inner = header_safe(message_id).strip("<>").replace(" ", "")
    if not inner or "@" not in inner or any(c in inner for c in "<>"):
        raise MailError(f"invalid Message-ID {message_id!r}: expected <local@domain>")
    return f"<{inner}>"


def build_message(
    b: Briefing,
    html: str,
    text: str,
    smtp: SmtpSettings,
    *,
    message_id: str | None = None,
) -> EmailMessage:
    """A multipart/alternative email (text first, HTML second) with list and auto headers."""
    msg = build_simple_message(subject_for(b), text, html, smtp, b.week, message_id=message_id)
    msg.replace_header("Date", format_datetime(aware(b.generated_at)))
    return msg


def build_simple_message(
    subject: str,
    text: str,
    html: str | None,
    smtp: SmtpSettings,
    week_or_key: str,
    *,
    message_id: str | None = None,
) -> EmailMessage:
    """An email with the list and auto headers: plain text, plus HTML as the alternative when
    given. Alerts and notices use it with a key for the deterministic Message-ID."""
    sender = _address(smtp.mail_from, "mail_from")
    recipients = [_address(a, "mail_to") for a in smtp.mail_to]
    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = header_safe(subject)
    msg["From"] = sender
    msg["To"] = recipients or sender
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = _message_id(week_or_key, sender, message_id)
    msg["List-Id"] = f"{LIST_NAME} <briefing.{sender.domain}>"
    msg["List-Unsubscribe"] = f"<mailto:{sender.addr_spec}?subject=unsubscribe>"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    if WEEK.match(week_or_key):
        msg["X-Policywatch-Week"] = header_safe(week_or_key)
    msg.set_content(text, subtype="plain", charset="utf-8")
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def send_message(
    msg: EmailMessage,
    smtp: SmtpSettings,
    timeout: float = 30,
    *,
    context: ssl.SSLContext | None = None,
) -> None:
    """Deliver `msg` to smtp.mail_to via smtp.host (starttls, ssl or plain; login if user set)."""
    if not smtp.host:
        raise MailError("no SMTP host configured (set POLICYWATCH_SMTP_HOST)")
    if not smtp.mail_to:
        raise MailError("no recipients configured (set POLICYWATCH_MAIL_TO)")
    where = f"{smtp.host}:{smtp.port}"
    try:
        with _connect(smtp, timeout, context or ssl.create_default_context()) as client:
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            refused = client.send_message(msg, smtp.mail_from, list(smtp.mail_to))
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"SMTP {where}: login as {smtp.user!r} refused: {_reason(exc)}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused_all = _refused(exc.recipients)
        raise MailError(f"SMTP {where}: all recipients refused: {refused_all}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"SMTP {where}: {_reason(exc)}") from None
    if refused:
        reasons = {
            addr: f"SMTP {where}: {_refused({addr: reply})}" for addr, reply in refused.items()
        }
        raise RecipientsRefused(
            f"SMTP {where}: some recipients refused: {_refused(refused)}", reasons
        )


def _connect(smtp: SmtpSettings, timeout: float, context: ssl.SSLContext) -> smtplib.SMTP:
    """An SMTP connection with the configured transport security already in place."""
    assert smtp.host is not None
    if smtp.security == "ssl":
        return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout, context=context)
    client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
    try:
        if smtp.security == "starttls":
            client.ehlo()
            if not client.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError("server does not offer STARTTLS")
            client.starttls(context=context)
            client.ehlo()
    except BaseException:
        client.close()
        raise
    return client


def _reason(exc: BaseException) -> str:
    """A one-line reason: SMTP code and server text, or the exception's own message."""
    if isinstance(exc, smtplib.SMTPResponseException):
        raw = exc.smtp_error
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        return f"{exc.smtp_code} {header_safe(text)}"
    return header_safe(str(exc)) or type(exc).__name__


def _refused(recipients: dict[str, tuple[int, bytes]]) -> str:
    """'a@x (550 no such user), b@y (...)' for refused recipients."""
    return ", ".join(
        f"{addr} ({code} {header_safe(text.decode('utf-8', 'replace'))})"
        for addr, (code, text) in recipients.items()
    )


def write_eml(msg: EmailMessage, reports_dir: Path) -> Path:
    """Write the message to reports/YYYY-Www.eml (when no SMTP host is configured)."""
    week = header_safe(str(msg.get("X-Policywatch-Week", "")))
    if not WEEK.match(week):
        raise MailError(f"message has no valid X-Policywatch-Week header (got {week!r})")
    path = reports_dir / f"{week}.eml"
    atomic_write(path, msg.as_string(policy=policy.SMTP.clone(linesep="\n")))
    return path
