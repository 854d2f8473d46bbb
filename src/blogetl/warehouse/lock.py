"""The single-writer lock: an fcntl lock file beside the warehouse, holding the writer's PID."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from blogetl.warehouse.errors import WarehouseLocked


class WriterLock:
    """An exclusive, process-wide lock; the kernel releases it if the holder dies."""

    def __init__(self, lock_path: Path, db_path: Path) -> None:
        """A lock file guarding db_path (not taken yet)."""
        self.lock_path, self.db_path = Path(lock_path), Path(db_path)
        self._fd: int | None = None

    def holder_pid(self) -> str:
        """The PID the last blogetl holder wrote into the lock file, or 'unknown' (it may be dead: see holder)."""
        try:
            return self.lock_path.read_text().strip() or "unknown"
        except OSError:
            return "unknown"

    def holder(self, fd: int) -> str:
        """Who holds the lock, as far as the kernel says (/proc/locks): 'another run (PID n)' when it is a
        blogetl run, 'another process (PID n, <command>)' when another tool holds it (`flock`), and no
        PID at all when that is not known: the PID in the file may be a dead run's."""
        pid = flock_holder(fd)
        if pid is None:
            return "another process (which one is not known)"
        if pid == self.holder_pid():
            return f"another run (PID {pid})"
        try:
            command = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            command = ""
        return f"another process (PID {pid}{', ' + command if command else ''})"

    def _try(self, fd: int) -> bool:
        """One attempt at the lock."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def acquire(self, timeout: float = 30.0, first_wait: float = 0.05) -> WriterLock:
        """Take the lock, retrying with exponential backoff; WarehouseLocked after timeout seconds."""
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline, wait = time.monotonic() + timeout, first_wait
        while not self._try(fd):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                holder = self.holder(fd)
                os.close(fd)
                raise WarehouseLocked(
                    f"warehouse {self.db_path} is being written by {holder}; gave up after {timeout:g} s "
                    f"(lock file {self.lock_path})"
                )
            time.sleep(min(wait, remaining))
            wait = min(wait * 2, 1.0)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        """Let go of the lock (the file stays: removing it would race with a waiting run)."""
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def flock_holder(fd: int) -> str | None:
    """The PID holding an flock on the open file fd, from /proc/locks (Linux); None when not known."""
    st = os.fstat(fd)
    inode = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as fh:
            for line in fh:
                parts = line.split()
                # '2: FLOCK  ADVISORY  WRITE 32674 fe:00:2285981 0 EOF'; a waiter's line has '->' after the number
                if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5] == inode:
                    return parts[4]
    except OSError:
        return None
    return None
