"""Runtime settings: every POLICYWATCH_* environment variable, validated once.

Paths resolve from the working folder `POLICYWATCH_HOME` (default: the current directory):
sources.yaml, topics.yaml, baseline/, data/ and reports/ are looked up there unless set one by
one; a relative path in a variable is relative to the working folder too. `VARIABLES` lists
every variable with its default, for `policywatch config` and the `.env.example` of `init`.
Secrets (the SMTP password, a database password) come only from the environment and are masked
wherever settings are shown.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from policywatch.errors import ConfigError

ENV_PREFIX = "POLICYWATCH_"
MASK = "********"
DEFAULT_INGEST_CRON = "0 */6 * * *"
DEFAULT_BRIEFING_CRON = "0 8 * * 1"
DEFAULT_TIMEZONE = "UTC"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TAG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # a source tag (config.SLUG)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SmtpSettings(_Frozen):
    """SMTP delivery, from POLICYWATCH_SMTP_* / POLICYWATCH_MAIL_*; password never in YAML."""

    host: str | None = None
    port: int = 587
    user: str | None = None
    password: str | None = Field(None, repr=False)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    mail_from: str = "policywatch@localhost"
    mail_to: tuple[str, ...] = ()


class ScheduleSettings(_Frozen):
    """When the scheduled deployments run, and how ingest is split over workers."""

    timezone: str = DEFAULT_TIMEZONE
    ingest_cron: str = DEFAULT_INGEST_CRON
    briefing_cron: str = DEFAULT_BRIEFING_CRON
    split_tags: tuple[str, ...] = ()


class Settings(_Frozen):
    """Runtime settings from POLICYWATCH_* environment variables (all optional)."""

    home: Path = Path(".")
    sources_path: Path = Path("sources.yaml")
    topics_path: Path | None = None
    subscriptions_path: Path | None = None
    glossary_path: Path | None = None
    db_url: str = "sqlite:///data/policywatch.db"
    reports_dir: Path = Path("reports")
    baseline_dir: Path = Path("baseline")
    builtin_baseline: bool = True
    data_dir: Path = Path("data")
    timezone: str = "UTC"
    smtp: SmtpSettings = SmtpSettings()
    workers: int = Field(0, ge=0, description="extraction processes; 0 = number of cores")
    schedules: ScheduleSettings = ScheduleSettings()
    log_level: str = "WARNING"


@dataclass(frozen=True, slots=True)
class Variable:
    """One POLICYWATCH_* variable: its default (as documented) and what it means."""

    name: str
    default: str
    meaning: str
    secret: bool = False


VARIABLES: tuple[Variable, ...] = (
    Variable("HOME", "the current directory", "working folder every other path is looked up in"),
    Variable("SOURCES", "$HOME/sources.yaml", "the sources file"),
    Variable(
        "TOPICS", "$HOME/topics.yaml if present, else built-in", "relevance lexicon extension"
    ),
    Variable(
        "SUBSCRIPTIONS",
        "$HOME/subscriptions.yaml if present, else none",
        "briefing profiles, alert rules and source-failure notices",
    ),
    Variable(
        "GLOSSARY",
        "$HOME/glossary.yaml if present, else built-in only",
        "your bilingual glossary entries (added to the built-in)",
    ),
    Variable("DB_URL", "sqlite:///$DATA_DIR/policywatch.db", "any SQLAlchemy database URL"),
    Variable("DATA_DIR", "$HOME/data", "database (default) and Prefect home"),
    Variable("REPORTS_DIR", "$HOME/reports", "the briefing archive"),
    Variable("BASELINE_DIR", "$HOME/baseline", "your baseline documents (added to the built-in)"),
    Variable("BUILTIN_BASELINE", "true", "include the four built-in seed documents"),
    Variable("TIMEZONE", "UTC", "IANA timezone of weeks and schedules"),
    Variable("WORKERS", "0", "extraction processes; 0 = number of cores"),
    Variable("SMTP_HOST", "", "SMTP server; unset = write the email as reports/YYYY-Www.eml"),
    Variable("SMTP_PORT", "587", "SMTP port"),
    Variable("SMTP_USER", "", "SMTP user name"),
    Variable("SMTP_PASSWORD", "", "SMTP password (environment only)", secret=True),
    Variable("SMTP_SECURITY", "starttls", "starttls, ssl or none"),
    Variable("MAIL_FROM", "policywatch@localhost", "sender address"),
    Variable("MAIL_TO", "", "comma-separated recipients"),
    Variable("INGEST_CRON", "0 */6 * * *", "schedule of the ingest deployment"),
    Variable("BRIEFING_CRON", "0 8 * * 1", "schedule of the weekly_briefing deployment"),
    Variable("INGEST_SPLIT", "", "comma-separated source tags: one ingest-<tag> deployment each"),
    Variable("LOG_LEVEL", "WARNING", "log level on stderr"),
    Variable("DEMO_DIR", "demo-output", "output folder of `policywatch demo`"),
)
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from the environment; errors name the variable at fault."""
    get = _getter(os.environ if environ is None else environ)
    home = _home(get("HOME"))
    data_dir = _under(home, get("DATA_DIR")) or home / "data"
    values = {
        "home": home,
        "sources_path": _under(home, get("SOURCES")) or home / "sources.yaml",
        "topics_path": _under(home, get("TOPICS")) or _if_file(home / "topics.yaml"),
        "subscriptions_path": _under(home, get("SUBSCRIPTIONS"))
        or _if_file(home / "subscriptions.yaml"),
        "glossary_path": _under(home, get("GLOSSARY")) or _if_file(home / "glossary.yaml"),
        "db_url": get("DB_URL") or f"sqlite:///{data_dir / 'policywatch.db'}",
        "reports_dir": _under(home, get("REPORTS_DIR")) or home / "reports",
        "baseline_dir": _baseline_dir(home, get("BASELINE_DIR")),
        "builtin_baseline": _flag(get("BUILTIN_BASELINE"), "BUILTIN_BASELINE", True),
        "data_dir": data_dir,
        "timezone": get("TIMEZONE"),
        "workers": get("WORKERS"),
        "smtp": _smtp_from_env(get),
        "schedules": schedules_from_env(environ),
        "log_level": log_level_from_env(environ),
    }
    try:
        settings = Settings.model_validate(_given(values))
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ENV_PREFIX + "_".join(str(p) for p in err["loc"]).upper()
        raise ConfigError(f"environment {name}: {err['msg']}") from None
    check_timezone(settings.timezone)
    return settings


def _getter(env: Mapping[str, str]) -> Callable[[str], str | None]:
    """Lookup of POLICYWATCH_<name>; empty values count as unset."""

    def get(name: str) -> str | None:
        value = env.get(ENV_PREFIX + name)
        return value.strip() if value is not None and value.strip() else None

    return get


def _home(value: str | None) -> Path:
    """The working folder, absolute; ConfigError if it is set but not a folder."""
    home = Path(value).expanduser() if value else Path.cwd()
    if value and not home.is_dir():
        raise ConfigError(
            f"environment POLICYWATCH_HOME: {home}: no such folder "
            "(create it, e.g. with `policywatch init DIR`)"
        )
    return home.absolute()


def _under(home: Path, value: str | None) -> Path | None:
    """A path from a variable, relative ones taken from the working folder."""
    if value is None:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else home / path


def _if_file(path: Path) -> Path | None:
    return path if path.is_file() else None


def _baseline_dir(home: Path, value: str | None) -> Path:
    """The user baseline folder: a set one must exist (a typo must not drop the baseline)."""
    folder = _under(home, value)
    if folder is None:
        return home / "baseline"
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "no such folder"
        raise ConfigError(
            f"environment POLICYWATCH_BASELINE_DIR: {folder}: {what} "
            "(create it, or unset the variable to use $POLICYWATCH_HOME/baseline)"
        )
    return folder


def _flag(value: str | None, name: str, default: bool) -> bool:
    """A boolean variable: true/false, yes/no, on/off, 1/0."""
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ConfigError(f"environment {ENV_PREFIX}{name}: {value!r}: use true or false")


def _smtp_from_env(get: Callable[[str], str | None]) -> dict[str, Any]:
    mail_to = tuple(a.strip() for a in (get("MAIL_TO") or "").split(",") if a.strip())
    security = get("SMTP_SECURITY")
    return _given(
        {
            "host": get("SMTP_HOST"),
            "port": get("SMTP_PORT"),
            "user": get("SMTP_USER"),
            "password": get("SMTP_PASSWORD"),
            "security": security.lower() if security else None,
            "mail_from": get("MAIL_FROM"),
            "mail_to": mail_to,
        }
    )


def _given(values: dict[str, Any]) -> dict[str, Any]:
    """The values that were set: the rest take Settings' and SmtpSettings' defaults."""
    return {key: value for key, value in values.items() if value is not None}


def schedules_from_env(environ: Mapping[str, str] | None = None) -> ScheduleSettings:
    """POLICYWATCH_TIMEZONE / _INGEST_CRON / _BRIEFING_CRON / _INGEST_SPLIT, validated (cron by
    cronsim, which Prefect's server also uses): errors name the variable."""
    get = _getter(os.environ if environ is None else environ)
    split = tuple(t.strip() for t in (get("INGEST_SPLIT") or "").split(",") if t.strip())
    for tag in split:
        if not TAG.match(tag):
            raise ConfigError(f"environment POLICYWATCH_INGEST_SPLIT: {tag!r} is not a source tag")
    schedules = ScheduleSettings(
        timezone=get("TIMEZONE") or DEFAULT_TIMEZONE,
        ingest_cron=get("INGEST_CRON") or DEFAULT_INGEST_CRON,
        briefing_cron=get("BRIEFING_CRON") or DEFAULT_BRIEFING_CRON,
        split_tags=tuple(dict.fromkeys(split)),
    )
    check_timezone(schedules.timezone)
    check_cron(schedules.ingest_cron, "POLICYWATCH_INGEST_CRON")
    check_cron(schedules.briefing_cron, "POLICYWATCH_BRIEFING_CRON")
    return schedules


def check_cron(expression: str, variable: str) -> None:
    """ConfigError naming the variable unless expression is a five-field cron expression."""
    from datetime import datetime

    from cronsim import CronSim, CronSimError

    try:
        if len(expression.split()) != 5:
            raise CronSimError("five fields expected")
        CronSim(expression, datetime(2026, 1, 1))
    except CronSimError:
        raise ConfigError(
            f"environment {variable}: {expression!r} is not a cron expression "
            "(five fields, e.g. '0 */6 * * *')"
        ) from None


def log_level_from_env(environ: Mapping[str, str] | None = None) -> str:
    """POLICYWATCH_LOG_LEVEL in any case (info, INFO); ConfigError for anything else."""
    value = _getter(os.environ if environ is None else environ)("LOG_LEVEL")
    level = (value or "WARNING").upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"environment POLICYWATCH_LOG_LEVEL: {level!r}: use one of {LOG_LEVELS}")
    return level


def check_timezone(name: str) -> None:
    """ConfigError naming POLICYWATCH_TIMEZONE unless name is an IANA timezone."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"environment POLICYWATCH_TIMEZONE: unknown timezone {name!r} (use an IANA name "
            "such as 'Europe/Berlin' or 'Asia/Shanghai')"
        ) from None


def mask_url(url: str) -> str:
    """A URL with any password replaced by the mask (database URLs, apprise URLs)."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:{MASK}@{host}"


def resolved_settings(environ: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(variable, resolved value, origin) for every variable: `environment` when set,
    else `default`; secrets masked. Validates everything first (ConfigError on bad input)."""
    env = os.environ if environ is None else environ
    settings = settings_from_env(env)
    values = _resolved_values(settings)
    rows = []
    for var in VARIABLES:
        raw = (env.get(ENV_PREFIX + var.name) or "").strip()
        value = values.get(var.name, raw or var.default)
        if var.secret and value:
            value = MASK
        rows.append((ENV_PREFIX + var.name, value, "environment" if raw else "default"))
    return rows


def _resolved_values(settings: Settings) -> dict[str, str]:
    """What each variable resolves to in `settings` (paths made absolute)."""
    smtp = settings.smtp
    return {
        "HOME": str(settings.home),
        "SOURCES": str(settings.sources_path),
        "TOPICS": str(settings.topics_path) if settings.topics_path else "(built-in lexicon)",
        "SUBSCRIPTIONS": str(settings.subscriptions_path or "(none: mail POLICYWATCH_MAIL_TO)"),
        "GLOSSARY": str(settings.glossary_path or "(built-in glossary)"),
        "DB_URL": mask_url(settings.db_url),
        "DATA_DIR": str(settings.data_dir),
        "REPORTS_DIR": str(settings.reports_dir),
        "BASELINE_DIR": str(settings.baseline_dir),
        "BUILTIN_BASELINE": str(settings.builtin_baseline).lower(),
        "TIMEZONE": settings.timezone,
        "WORKERS": str(settings.workers or os.cpu_count() or 1),
        "SMTP_HOST": smtp.host or "",
        "SMTP_PORT": str(smtp.port),
        "SMTP_USER": smtp.user or "",
        "SMTP_PASSWORD": smtp.password or "",
        "SMTP_SECURITY": smtp.security,
        "MAIL_FROM": smtp.mail_from,
        "MAIL_TO": ", ".join(smtp.mail_to),
    }


def env_example() -> str:
    """The `.env.example` that `policywatch init` writes: every variable with its default."""
    lines = [
        "# policywatch settings: every POLICYWATCH_* variable with its default.",
        "# Export the ones you change (e.g. in a systemd unit or your shell profile);",
        "# secrets such as the SMTP password belong in the environment, never in files.",
        "",
    ]
    for var in VARIABLES:
        lines.append(f"# {var.meaning} (default: {var.default or 'unset'})")
        lines.append(f"# {ENV_PREFIX}{var.name}=")
    return "\n".join(lines) + "\n"
