"""Briefing email: built with the stdlib, delivered to a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from briefing_samples import empty_briefing, sample_briefing, sample_entries
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from smtp_server import (
    SmtpServer,
    free_port,
    password_authenticator,
    start_smtp_server,
)

from policywatch.errors import MailError
from policywatch.mail import build_message, send_message, subject_for, write_eml
from policywatch.models import Briefing
from policywatch.render import render_html, render_text


def _build(b: Briefing, server: SmtpServer, message_id: str | None = None) -> EmailMessage:
    return build_message(
        b, render_html(b), render_text(b), server.settings(), message_id=message_id
    )


def _parts(msg: EmailMessage) -> tuple[EmailMessage, EmailMessage]:
    """The text and HTML parts, in order, of a received multipart/alternative message."""
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    return parts[0], parts[1]  # type: ignore[return-value]


def test_delivered_message_has_both_parts_subject_and_links(smtp_server: SmtpServer) -> None:
    b = sample_briefing()
    send_message(_build(b, smtp_server), smtp_server.settings())

    assert len(smtp_server.messages) == 1
    msg = smtp_server.messages[0]
    assert msg["Subject"] == "AI policy briefing · 2026-W47 · 7 new"
    assert smtp_server.envelopes[0].rcpt_tos == ["analyst@example.org"]
    text, html = _parts(msg)
    body_html, body_text = html.get_content(), " ".join(text.get_content().split())
    for entry in sample_entries():
        assert entry.title in body_text and entry.url in body_text
        assert entry.url.replace("&", "&amp;") in body_html
    assert '<a class="title-link" href="https://www.gov.uk/government/consultations/' in body_html
    assert "国家网信办发布《人工智能生成合成内容标识办法》实施指引" in body_html
    assert "<script" not in body_html.lower()


def test_headers_are_complete_and_deterministic(smtp_server: SmtpServer) -> None:
    b = sample_briefing()
    msg = _build(b, smtp_server, message_id="<2026-W47.3f9a1c@policywatch>")
    send_message(msg, smtp_server.settings())
    got = smtp_server.messages[0]

    assert got["Message-ID"] == "<2026-W47.3f9a1c@policywatch>"
    assert got["From"].addresses[0].addr_spec == "policywatch@example.org"
    assert got["To"].addresses[0].addr_spec == "analyst@example.org"
    assert parsedate_to_datetime(got["Date"]) == dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)
    assert got["Auto-Submitted"] == "auto-generated"
    assert got["List-Id"] == "AI policy briefing <briefing.example.org>"
    assert got["List-Unsubscribe"] == "<mailto:policywatch@example.org?subject=unsubscribe>"
    again = _build(b, smtp_server, message_id="<2026-W47.3f9a1c@policywatch>")
    assert again["Message-ID"] == msg["Message-ID"] and again["Date"] == msg["Date"]


def test_generated_message_id_is_unique_and_well_formed(smtp_server: SmtpServer) -> None:
    first, second = (_build(sample_briefing(), smtp_server)["Message-ID"] for _ in range(2))
    assert first != second
    assert first.startswith("<") and first.endswith("@example.org>")


def test_script_title_is_escaped_and_newline_title_injects_no_header(
    smtp_server: SmtpServer,
) -> None:
    evil = replace(
        sample_entries()[0],
        title='<script>alert("x")</script> AI rules\r\nBcc: victim@example.net\nX-Evil: 1',
        url="javascript:alert(document.cookie)",
    )
    b = sample_briefing(entries=(evil,), week="2026-W47\r\nBcc: victim@example.net")
    msg = _build(b, smtp_server)
    # The week is only used in headers; the bad value must be flattened, not raise or inject.
    assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"]
    send_message(msg, smtp_server.settings())

    got = smtp_server.messages[0]
    assert got["Bcc"] is None and got["X-Evil"] is None
    assert smtp_server.envelopes[0].rcpt_tos == ["analyst@example.org"]
    _text, html = _parts(got)
    body = html.get_content()
    assert "<script" not in body.lower()
    assert '&lt;script&gt;alert("x")&lt;/script&gt;' in body
    assert 'href="javascript:' not in body
    assert "javascript:alert(document.cookie)" in body  # shown as plain text, not a link


def test_empty_week_sends_nothing_new_briefing(smtp_server: SmtpServer) -> None:
    b = empty_briefing()
    send_message(_build(b, smtp_server), smtp_server.settings())
    got = smtp_server.messages[0]
    assert got["Subject"] == "AI policy briefing · 2026-W47 · nothing new"
    text, html = _parts(got)
    assert "NOTHING NEW THIS WEEK" in text.get_content()
    assert "Nothing new this week" in html.get_content()


def test_invalid_addresses_and_message_id_raise_mail_error(smtp_server: SmtpServer) -> None:
    b = sample_briefing()
    with pytest.raises(MailError, match="mail_to"):
        build_message(b, "<p></p>", "x", smtp_server.settings(mail_to=("not an address",)))
    with pytest.raises(MailError, match="Message-ID"):
        _build(b, smtp_server, message_id="no-at-sign")


def test_write_eml_round_trips(tmp_path: Path, smtp_server: SmtpServer) -> None:
    msg = _build(sample_briefing(), smtp_server, message_id="<2026-W47.abc@policywatch>")
    path = write_eml(msg, tmp_path)
    assert path == tmp_path / "2026-W47.eml"
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == subject_for(sample_briefing())
    assert parsed["Message-ID"] == "<2026-W47.abc@policywatch>"
    assert "Commerce Department updates export controls" in _parts(parsed)[0].get_content()


def test_unreachable_server_names_host_and_port() -> None:
    port = free_port()  # nothing listens there any more
    server = SmtpServer("127.0.0.1", port)
    with pytest.raises(MailError, match=rf"127\.0\.0\.1:{port}: .*refused"):
        send_message(_build(sample_briefing(), server), server.settings(), timeout=5)


def test_missing_host_or_recipients_is_a_clear_error(smtp_server: SmtpServer) -> None:
    msg = _build(sample_briefing(), smtp_server)
    with pytest.raises(MailError, match="no SMTP host"):
        send_message(msg, smtp_server.settings(host=None))
    with pytest.raises(MailError, match="no recipients"):
        send_message(msg, smtp_server.settings(mail_to=()))


# --- TLS and AUTH against the same real server, with a throwaway certificate -----------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _server_context(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*tls_files)
    return context


@pytest.fixture
def starttls_server(tls_files: tuple[Path, Path]) -> Iterator[SmtpServer]:
    """STARTTLS server that requires login (only after TLS) as alice / s3cret-pass."""
    with start_smtp_server(
        tls_context=_server_context(tls_files),
        authenticator=password_authenticator("alice", "s3cret-pass"),
    ) as server:
        yield server


def test_starttls_with_login_delivers(
    starttls_server: SmtpServer, tls_files: tuple[Path, Path]
) -> None:
    settings = starttls_server.settings(security="starttls", user="alice", password="s3cret-pass")
    client_context = ssl.create_default_context(cafile=str(tls_files[0]))
    send_message(_build(sample_briefing(), starttls_server), settings, context=client_context)
    assert starttls_server.messages[0]["Subject"].endswith("7 new")


def test_wrong_password_error_never_contains_password(
    starttls_server: SmtpServer, tls_files: tuple[Path, Path]
) -> None:
    settings = starttls_server.settings(security="starttls", user="alice", password="hunter2-WRONG")
    client_context = ssl.create_default_context(cafile=str(tls_files[0]))
    with pytest.raises(MailError) as info:
        send_message(_build(sample_briefing(), starttls_server), settings, context=client_context)
    message = str(info.value)
    assert f"127.0.0.1:{starttls_server.port}" in message and "535" in message
    assert "hunter2" not in message and info.value.__cause__ is None
    assert starttls_server.messages == []


def test_untrusted_certificate_is_refused(starttls_server: SmtpServer) -> None:
    settings = starttls_server.settings(security="starttls", user="alice", password="s3cret-pass")
    with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED"):
        send_message(_build(sample_briefing(), starttls_server), settings)
    assert starttls_server.messages == []


def test_starttls_required_but_not_offered(smtp_server: SmtpServer) -> None:
    with pytest.raises(MailError, match="does not offer STARTTLS"):
        send_message(
            _build(sample_briefing(), smtp_server), smtp_server.settings(security="starttls")
        )


def test_implicit_tls_delivers(tls_files: tuple[Path, Path]) -> None:
    with start_smtp_server(ssl_context=_server_context(tls_files)) as server:
        client_context = ssl.create_default_context(cafile=str(tls_files[0]))
        send_message(
            _build(sample_briefing(), server),
            server.settings(security="ssl"),
            context=client_context,
        )
        assert len(server.messages) == 1
