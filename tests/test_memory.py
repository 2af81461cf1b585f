"""The malloc arena cap of an ingest run (policywatch/memory.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from policywatch.memory import limit_malloc_arenas


def test_the_cap_is_set_on_glibc() -> None:
    """This machine runs glibc: mallopt accepts the cap (a non-zero return)."""
    script = "from policywatch.memory import limit_malloc_arenas; print(limit_malloc_arenas())"
    env = {"PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "True", out.stderr


def test_a_users_malloc_arena_max_stands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
