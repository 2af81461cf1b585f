"""The one settings model: every POLICYWATCH_* variable, its flat name, one error format (#14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from policywatch.errors import ConfigError
from policywatch.settings import (
    VARIABLES,
    check_cron,
    check_timezone,
    log_level_from_env,
    schedules_from_env,
    settings_from_env,
)

P = "POLICYWATCH_"


def test_every_variable_reaches_its_field(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    env = {
        "HOME": str(tmp_path), "SOURCES": "s.yaml", "TOPICS": "t.yaml", "SUBSCRIPTIONS": "/x.yaml",
        "GLOSSARY": "g.yaml", "DB_URL": "sqlite:///x.db", "DATA_DIR": "d", "REPORTS_DIR": "r",
        "BASELINE_DIR": "base", "BUILTIN_BASELINE": "off", "TIMEZONE": "Asia/Shanghai",
        "WORKERS": "3", "SMTP_HOST": "mx", "SMTP_PORT": "25", "SMTP_USER": "u",
        "SMTP_PASSWORD": "pw", "SMTP_SECURITY": "SSL", "MAIL_FROM": "a@x", "MAIL_TO": "b@x, ,c@x",
        "INGEST_CRON": "1 * * * *", "BRIEFING_CRON": "2 8 * * 1", "INGEST_SPLIT": "cn,eu,cn",
        "LOG_LEVEL": "debug",
    }  # fmt: skip
    assert set(env) | {"DEMO_DIR"} == {var.name for var in VARIABLES}
    s = settings_from_env({P + name: f" {value} " for name, value in env.items()})
    assert (s.home, s.sources_path, s.topics_path) == (
        tmp_path,
        tmp_path / "s.yaml",
        tmp_path / "t.yaml",
    )
    assert (s.subscriptions_path, s.glossary_path) == (Path("/x.yaml"), tmp_path / "g.yaml")
    assert (s.db_url, s.data_dir, s.reports_dir) == (
        "sqlite:///x.db",
        tmp_path / "d",
        tmp_path / "r",
    )
    assert (s.baseline_dir, s.builtin_baseline, s.workers) == (tmp_path / "base", False, 3)
    assert s.smtp.model_dump() == {
        "host": "mx", "port": 25, "user": "u", "password": "pw", "security": "ssl",
        "mail_from": "a@x", "mail_to": ("b@x", "c@x"),
    }  # fmt: skip
    assert s.timezone == s.schedules.timezone == "Asia/Shanghai"
    assert (s.schedules.ingest_cron, s.schedules.briefing_cron) == ("1 * * * *", "2 8 * * 1")
    assert (s.schedules.split_tags, s.log_level) == (("cn", "eu"), "DEBUG")


def test_the_mapping_is_the_only_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("POLICYWATCH_SMTP_USER=from-dotenv\n")
    monkeypatch.setenv("POLICYWATCH_SMTP_HOST", "from-os-environ")
    monkeypatch.setenv("SMTP_HOST", "unprefixed")
    assert settings_from_env({}).smtp.host is None  # an explicit mapping: os.environ unread
    assert settings_from_env({"policywatch_smtp_host": "lower"}).smtp.host is None
    s = settings_from_env()  # no mapping: os.environ, never the .env file
    assert (s.smtp.host, s.smtp.user) == ("from-os-environ", None)
    assert settings_from_env({P + "SMTP_HOST": "  "}).smtp.host is None  # empty counts as unset


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HOME", "{tmp}/missing", "{tmp}/missing: no such folder (create it, e.g. with "),
        ("BASELINE_DIR", "typo", "{tmp}/typo: no such folder (create it, or unset the variable"),
        ("BASELINE_DIR", "file", "{tmp}/file: is not a folder (create it, or unset"),
        ("BUILTIN_BASELINE", "maybe", "'maybe': use true or false"),
        ("WORKERS", "-1", "Input should be greater than or equal to 0"),
        ("SMTP_PORT", "smtp", "Input should be a valid integer, unable to parse string"),
        ("SMTP_SECURITY", "tls", "Input should be 'starttls', 'ssl' or 'none'"),
        ("TIMEZONE", "Mars/Olympus", "unknown timezone 'Mars/Olympus' (use an IANA name"),
        ("INGEST_CRON", "0 8 * *", "'0 8 * *' is not a cron expression (five fields"),
        ("BRIEFING_CRON", "99 * * * *", "'99 * * * *' is not a cron expression"),
        ("INGEST_SPLIT", "cn, E U", "'E U' is not a source tag"),
        ("LOG_LEVEL", "loud", "'LOUD': use one of ('DEBUG', 'INFO'"),
    ],
)
def test_errors_name_the_variable_in_one_line(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    (tmp_path / "file").write_text("")
    env = {P + "HOME": str(tmp_path), P + "SMTP_PASSWORD": "hunter2-secret"}
    env[P + name] = value.format(tmp=tmp_path)
    with pytest.raises(ConfigError) as caught:
        settings_from_env(env)
    text = str(caught.value)
    assert text.startswith(f"environment {P}{name}: {message.format(tmp=tmp_path)}"), text
    assert "\n" not in text and "hunter2-secret" not in text


def test_log_level_and_schedules_are_read_alone(tmp_path: Path) -> None:
    env = {P + "HOME": str(tmp_path / "missing"), P + "LOG_LEVEL": "info"}  # e.g. before `init`
    assert log_level_from_env(env) == "INFO"
    assert schedules_from_env({**env, P + "INGEST_SPLIT": "cn"}).split_tags == ("cn",)
    with pytest.raises(ConfigError, match="POLICYWATCH_HOME"):
        settings_from_env(env)


def test_secrets_stay_out_of_repr() -> None:
    s = settings_from_env({P + "SMTP_PASSWORD": "hunter2-secret"})
    assert s.smtp.password == "hunter2-secret"
    assert "hunter2-secret" not in repr(s) and "hunter2-secret" not in str(s.smtp)


def test_public_checks_keep_the_format() -> None:
    with pytest.raises(ConfigError, match=r"^environment POLICYWATCH_X: 'x' is not a cron"):
        check_cron("x", "POLICYWATCH_X")
    with pytest.raises(ConfigError, match=r"^environment POLICYWATCH_TIMEZONE: unknown timezone"):
        check_timezone("Nowhere/Town")
    check_cron("0 8 * * 1", "POLICYWATCH_X")
    check_timezone("Europe/Berlin")
