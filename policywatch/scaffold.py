"""`policywatch init`: scaffold a working folder from files shipped in the package.

Writes a starter sources.yaml (the shipped real sources), an example topics.yaml, an empty
baseline/ folder, .env.example (every POLICYWATCH_* variable with its default) and
prefect.yaml. An existing file is never overwritten: it is reported as kept.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from policywatch.errors import ConfigError
from policywatch.settings import env_example

# File in the working folder -> file shipped in policywatch/data.
_SHIPPED = {
    "sources.yaml": "sources.yaml",
    "topics.yaml": "topics.example.yaml",
    "prefect.yaml": "prefect.yaml",
}


def shipped_text(name: str) -> str:
    """A text file shipped in policywatch/data."""
    return (resources.files("policywatch") / "data" / name).read_text(encoding="utf-8")


def scaffold(folder: Path) -> list[tuple[Path, bool]]:
    """Create the working folder's files; (path, created) for each, existing ones kept."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        baseline = folder / "baseline"
        made = not baseline.is_dir()
        baseline.mkdir(exist_ok=True)
        files = {name: shipped_text(src) for name, src in _SHIPPED.items()}
        files[".env.example"] = env_example()
        return [(baseline, made)] + [
            (folder / name, _write_new(folder / name, text)) for name, text in files.items()
        ]
    except OSError as exc:
        raise ConfigError(
            f"{folder}: cannot create the working folder ({exc.strerror or exc})"
        ) from None


def _write_new(path: Path, text: str) -> bool:
    """Write text to path unless the file exists; True when written."""
    try:
        with path.open("x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        return False
    return True
