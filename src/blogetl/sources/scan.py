"""Finding dumps and deciding which need loading: new or changed sha256 under raw/."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from blogetl.sources.files import (
    DumpFile,
    discover_dumps,
    link_outside,
    modified_at,
    read_dump,
    refusal,
    relative_name,
    site_hint_for,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DumpMeta:
    """A dump file's identity without its bytes: enough to plan a run and to read it later."""

    root: Path
    path: str  # relative to root, forward slashes, valid UTF-8 (see files.relative_name)
    sha256: str
    size: int
    site_hint: str | None
    modified_at: datetime  # naive UTC
    file: Path  # the file on disk (its name differs from `path` when it is not UTF-8)
    error: str | None = None  # why the file could not be read; such a dump is named, not loaded
    refused: str | None = None  # why the file is not read at all (a link out of raw/): it is a rejected dump

    def read(self) -> DumpFile:
        """The dump's bytes (hashed again: the file may have changed since the scan)."""
        return read_dump(self.file, self.root)


# A dump whose size and modification time are those the warehouse recorded when it loaded it is
# not read again (the quick check of rsync and make): path -> (size, modified_at, sha256).
Known = Mapping[str, tuple[int, datetime, str]]


def meta_of(root: Path, file: Path, known: Known | None = None) -> DumpMeta:
    """Stat and hash one file (a file `known` holds with this size and mtime keeps its recorded sha256);
    a link out of raw/ is neither read nor followed: its identity is where it leads, and it is refused."""
    target = link_outside(file, root)
    if target is not None:
        rel = relative_name(file, root)
        modified = modified_at(file.lstat())
        digest = hashlib.sha256(f"symbolic link to {target}".encode("utf-8", "surrogateescape")).hexdigest()  # stable: not read
        return DumpMeta(root, rel, digest, 0, site_hint_for(rel), modified, file, refused=refusal(target))
    stat = file.stat()  # before the bytes: a write while they are hashed shows as a change (changed_since_scan)
    rel = relative_name(file, root)
    modified = modified_at(stat)
    recorded = (known or {}).get(rel)
    if recorded is not None and recorded[0] == stat.st_size and recorded[1] == modified and recorded[2]:
        digest = recorded[2]
    else:
        with file.open("rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return DumpMeta(root, rel, digest, stat.st_size, site_hint_for(rel), modified, file)


def rescan(meta: DumpMeta) -> DumpMeta:
    """Hash and stat a dump again (one that could not be read); raises OSError while it still cannot."""
    return meta_of(meta.root, meta.file)


def scan(raw_dir: Path | str, known: Known | None = None) -> list[DumpMeta]:
    """Every dump under raw_dir with its sha256, sorted by path; those `known` holds with the same size
    and modification time are not read (touch a file to have it hashed again).

    A file deleted or renamed away between listing and hashing (a scraper tidying up) is no
    longer a dump of raw/: it is left out with a warning, and the run goes on.
    """
    root = Path(raw_dir).absolute()
    found = []
    for file in discover_dumps(root):
        try:
            found.append(meta_of(root, file, known))
        except FileNotFoundError:
            log.warning("%s disappeared while raw/ was scanned; left out of this run", file)
        except OSError as exc:  # permissions, I/O errors: the run names it and loads the others
            log.error("%s cannot be read: %s", file, exc)
            rel = relative_name(file, root)
            found.append(DumpMeta(root, rel, "", 0, site_hint_for(rel), datetime(1970, 1, 1), file,
                                  error=f"cannot be read: {exc.strerror or exc}"))
    return found


@dataclass(frozen=True)
class Plan:
    """Scanned dumps split by what the warehouse already holds."""

    new: list[DumpMeta]
    changed: list[DumpMeta]
    unchanged: list[DumpMeta]
    unreadable: list[DumpMeta] = field(default_factory=list)

    @property
    def todo(self) -> list[DumpMeta]:
        """The dumps to parse and load, in path order."""
        return sorted(self.new + self.changed, key=lambda m: m.path)


def plan(scanned: Sequence[DumpMeta], known: Mapping[str, str]) -> Plan:
    """Split scanned dumps into new, changed and unchanged given known path -> sha256."""
    readable = [m for m in scanned if m.error is None]
    new = [m for m in readable if m.path not in known]
    changed = [m for m in readable if m.path in known and known[m.path] != m.sha256]
    unchanged = [m for m in readable if known.get(m.path) == m.sha256]
    return Plan(new, changed, unchanged, [m for m in scanned if m.error is not None])
