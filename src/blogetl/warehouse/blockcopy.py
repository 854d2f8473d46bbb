"""Bringing an earlier version of a DuckDB database file up to date by writing only the blocks that
differ, so that keeping the private base copy costs what a run changed, not the warehouse's size.

A DuckDB file (storage 1.x, unencrypted) is three 4 KiB headers, then blocks of `block_alloc_size`
bytes (256 KiB by default), each starting with the 8-byte checksum of the rest of the block; the
database headers hold that size.  A run that changes 1 % of a 1 GB warehouse rewrites a few
hundred of its ~7,000 blocks.  So the file a run replaces (the previous version, byte for byte the
state the run started from) becomes the new base copy by writing into it the headers and each block
whose checksum differs from the new file's, and giving it the new file's size: 8 bytes read per
block to compare, the changed blocks written.  Used only when nothing else has the old file open
(a write lease, below): an analyst's session still reading the previous version keeps it intact.
"""

from __future__ import annotations

import fcntl
import os
import struct
from pathlib import Path

HEADER = 3 * 4096  # the main header and the two database headers
_MAGIC = b"DUCK"
_CHECKSUM = 8


class NotPatchable(Exception):
    """The files are not two DuckDB databases of the same block size: copy the whole file."""


def block_size(header: bytes) -> int:
    """The block size the active database header names (the one of the higher iteration)."""
    if len(header) < HEADER or header[8:12] != _MAGIC:
        raise NotPatchable("not a DuckDB database file")
    headers = [struct.unpack_from("<QQQQQQ", header, offset) for offset in (4096, 8192)]
    size = int(max(headers, key=lambda h: h[1])[5])  # checksum, iteration, meta block, free list, block count, block size
    if size < 4096 or size > 1 << 24 or size & (size - 1):
        raise NotPatchable(f"unexpected block size {size}")
    return size


def _layout(fd: int) -> tuple[int, int]:
    """(block size, file size) of an open database file."""
    size = os.fstat(fd).st_size
    block = block_size(os.pread(fd, HEADER, 0))
    if (size - HEADER) % block:
        raise NotPatchable(f"file size {size} is not whole blocks of {block}")
    return block, size


def open_only_here(fd: int) -> bool:
    """Whether no other file descriptor, in any process, has this file open: the kernel grants a write
    lease only then. The lease is let go at once (it only answers the question); False where leases
    are not supported (NFS, another owner's file)."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
    except OSError:
        return False
    fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
    return True


def patch(source: Path, target: Path) -> int:
    """Make target, an earlier version of the database in source, equal to source: write the headers and
    every block whose checksum differs, and cut or grow it to source's size. Returns the bytes written.

    Raises NotPatchable when either is not a DuckDB file of the same block size, or when something else
    has target open; OSError as any file operation would. The caller flushes target to disk."""
    src = os.open(source, os.O_RDONLY)
    try:
        dst = os.open(target, os.O_RDWR)
        try:
            if not open_only_here(dst):
                raise NotPatchable(f"{target} is open elsewhere")
            block, size = _layout(src)
            old_block, old_size = _layout(dst)
            if old_block != block:
                raise NotPatchable(f"block size {old_block} -> {block}")
            written = os.pwrite(dst, os.pread(src, HEADER, 0), 0)
            old_blocks = (old_size - HEADER) // block
            for i in range((size - HEADER) // block):
                offset = HEADER + i * block
                if i < old_blocks and os.pread(src, _CHECKSUM, offset) == os.pread(dst, _CHECKSUM, offset):
                    continue
                data = os.pread(src, block, offset)
                written += os.pwrite(dst, data, offset)
            if old_size != size:
                os.ftruncate(dst, size)
            return written
        finally:
            os.close(dst)
    finally:
        os.close(src)
