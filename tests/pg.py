"""A throwaway PostgreSQL server for the test session (initdb + pg_ctl on a temporary directory).

`pg_url` (session) starts it on 127.0.0.1 and a free port and yields a postgresql+psycopg:// URL
of a fresh database; `new_database(pg_url)` makes another empty database on the same server.
`db_url` is parametrized over SQLite and PostgreSQL: one empty database per test.
Without PostgreSQL binaries the PostgreSQL tests skip, except in CI (CI=true) where they fail.
As root, initdb and postgres run as the `postgres` user (they refuse to run as root).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.serve import free_port

DEBIAN_BIN_DIRS = "/usr/lib/postgresql/*/bin"  # Debian/Ubuntu: one per major version
_counter = itertools.count(1)


def find_bin_dir() -> Path | None:
    """A directory holding initdb and pg_ctl: POLICYWATCH_PG_BIN, Debian's newest, or on PATH."""
    debian = sorted(glob.glob(DEBIAN_BIN_DIRS), key=_major_version, reverse=True)
    candidates = [os.environ.get("POLICYWATCH_PG_BIN", ""), *debian]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for folder in filter(None, candidates):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _major_version(bin_dir: str) -> int:
    version = Path(bin_dir).parent.name
    return int(version) if version.isdigit() else 0


def _unavailable(reason: str) -> None:
    """Skip locally, fail in CI: PostgreSQL tests must not silently vanish there."""
    message = f"PostgreSQL tests need a server: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: not skipping)", pytrace=False)
    pytest.skip(message)


def _runner(base: Path) -> list[str]:
    """Command prefix running as `postgres` when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return []
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        _unavailable("running as root and there is no `postgres` user to run initdb as")
    os.chown(base, user.pw_uid, user.pw_gid)
    return ["runuser", "-u", "postgres", "--"] if shutil.which("runuser") else ["su", "postgres"]


def _command(prefix: list[str], args: list[str]) -> list[str]:
    """A PostgreSQL tool's command line under the runner prefix (su -c when runuser is missing)."""
    return [*prefix, "-c", subprocess.list2cmdline(args)] if prefix[:1] == ["su"] else prefix + args


def _run(prefix: list[str], args: list[str]) -> None:
    """Run a PostgreSQL tool; raise with its output."""
    done = subprocess.run(
        _command(prefix, args), capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])} failed:\n{done.stdout}\n{done.stderr}")


_SERVER: list[list[str]] = []  # the session server: [runner prefix, pg_ctl -D ... -o ...]


def pg_ctl(action: str, *, wait: bool = True) -> subprocess.Popen[bytes]:
    """`pg_ctl ACTION -m fast` on the session's server (restart, stop, start); with wait, until
    it is done. Faults for the tests: the server restarted or down under a running store."""
    assert _SERVER, "pg_url must have started the server"
    cmd = _command(_SERVER[0], [*_SERVER[1], "-m", "fast", "-w", action])
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if wait:
        assert proc.wait(120) == 0, f"pg_ctl {action} failed"
    return proc


def ensure_running() -> None:
    """Start the session's server again if a test left it stopped."""
    if pg_ctl("status", wait=False).wait(30) != 0:
        pg_ctl("start")


def terminate_backends(db_url: str) -> int:
    """pg_terminate_backend every other connection to db_url's database; how many it ended."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    dsn = f"host={url.host} port={url.port} user={url.username} dbname=postgres"
    query = (
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()"
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(query, (url.database,)).fetchone()
    return int(row[0]) if row else 0


def new_database(server_url: str, name: str | None = None) -> str:
    """Create an empty database on the server of server_url; return its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    name = name or f"pw_{os.getpid()}_{next(_counter)}"
    dsn = f"host={url.host} port={url.port} user={url.username} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a database on a private PostgreSQL server, stopped at the end of the session."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        _unavailable("initdb/pg_ctl not found (install postgresql or set POLICYWATCH_PG_BIN)")
    assert bin_dir is not None
    base = Path(tempfile.mkdtemp(prefix="pw-pg-"))
    base.chmod(0o755)
    prefix = _runner(base)
    data, port = base / "data", free_port()
    options = f"-h 127.0.0.1 -p {port} -k {base} -c fsync=off -c full_page_writes=off"
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
    _run(prefix, [*initdb, "-E", "UTF8", "--locale=C", "--no-sync"])
    pg_ctl = str(bin_dir / "pg_ctl")
    _run(prefix, [pg_ctl, "-D", str(data), "-l", str(base / "log"), "-o", options, "-w", "start"])
    _SERVER[:] = [prefix, [pg_ctl, "-D", str(data), "-l", str(base / "log"), "-o", options]]
    try:
        yield new_database(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", "pw_test")
    finally:
        _run(prefix, [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database per test: a SQLite file, or a new database on the session's server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'pw.db'}"
    return new_database(request.getfixturevalue("pg_url"))
