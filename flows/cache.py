"""The parse cache on disk: bounded by age and size, removable with `blogetl clean-cache`.

Each cached parse is one file in Prefect's local result storage (PREFECT_HOME/storage unless
PREFECT_LOCAL_STORAGE_PATH says otherwise), named by its cache key: ``blogetl-parse-...``.
Prefect stops using one when its ``cache_expiration`` has passed but never removes it, so
``prune`` removes expired files and, beyond a size bound, the oldest ones; every flow run
calls it before parsing. Nothing else in the storage folder is touched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

CACHE_PREFIX = "blogetl-parse-"


def storage_dir() -> Path:
    """Where Prefect keeps persisted results on this machine (the parse cache among them)."""
    from prefect.settings import get_current_settings

    return Path(get_current_settings().results.local_storage_path).expanduser()


@dataclass(frozen=True)
class Removed:
    """What a clean-up removed."""

    files: int = 0
    bytes: int = 0

    def __add__(self, other: Removed) -> Removed:
        """Two clean-ups' totals."""
        return Removed(self.files + other.files, self.bytes + other.bytes)

    def describe(self) -> str:
        """'3 cached parse results (8.6 MB)'."""
        return f"{self.files} cached parse result{'s' if self.files != 1 else ''} ({self.bytes / 1e6:.1f} MB)"


def cached_files(folder: Path | None = None) -> list[tuple[Path, float, int]]:
    """(path, mtime, size) of every cached parse, oldest first."""
    folder = folder or storage_dir()
    out = []
    try:
        entries = list(folder.iterdir())
    except FileNotFoundError:
        return []
    for path in entries:
        if not path.name.startswith(CACHE_PREFIX):
            continue
        try:
            st = path.stat()
        except FileNotFoundError:  # removed meanwhile by a concurrent run
            continue
        out.append((path, st.st_mtime, st.st_size))
    return sorted(out, key=lambda item: item[1])


def _remove(path: Path, size: int) -> Removed:
    try:
        path.unlink()
    except FileNotFoundError:
        return Removed()
    return Removed(1, size)


def clean(folder: Path | None = None, *, older_than_days: float | None = None) -> Removed:
    """Remove cached parses (all, or those written more than older_than_days ago)."""
    cutoff = None if older_than_days is None else time.time() - older_than_days * 86400
    removed = Removed()
    for path, mtime, size in cached_files(folder):
        if cutoff is None or mtime < cutoff:
            removed += _remove(path, size)
    return removed


def prune(folder: Path | None = None, *, max_age_days: float, max_bytes: float) -> Removed:
    """Remove expired cached parses, then the oldest until the rest fit in max_bytes (0: no bound)."""
    removed = clean(folder, older_than_days=max_age_days) if max_age_days > 0 else Removed()
    files = cached_files(folder)
    total = sum(size for _, _, size in files)
    for path, _mtime, size in files:
        if max_bytes <= 0 or total <= max_bytes:
            break
        removed += _remove(path, size)
        total -= size
    return removed


def forget(key: str, folder: Path | None = None) -> bool:
    """Remove one cached parse by its key (a batch whose parse failed must not be reused)."""
    path = (folder or storage_dir()) / key
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
