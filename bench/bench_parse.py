"""Parser throughput on the shipped samples and on a large synthetic listing built from them."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from pathlib import Path

from blogetl.parser import parse_bytes

RAW = Path(__file__).resolve().parent.parent / "raw"


def time_parse(data: bytes, name: str, repeat: int) -> list[float]:
    """Seconds per parse over `repeat` runs."""
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        parse_bytes(data, filename=name)
        out.append(time.perf_counter() - started)
    return out


def main() -> None:
    """Print per-sample parse times and MB/s on a 5 MB listing page."""
    print("parser: per sample (median of 50)")
    for path in sorted(RAW.glob("*.txt")):
        data = path.read_bytes()
        result = parse_bytes(data, filename=path.name)
        secs = statistics.median(time_parse(data, path.name, 50))
        print(f"  {path.name:28} {len(data):>7} B  {secs * 1000:7.2f} ms  "
              f"{len(result.posts)} posts, {len(result.comments)} comments, {len(result.rejects)} rejects")
    listing = b"\n\n".join((RAW / n).read_bytes().split(b"Arkiv")[0] for n in ("000_17c9fd5fd54ce450.txt", "001_2e98f75a052abd0d.txt", "002_cfe29880190abf46.txt"))
    big = listing * 110 + b"\nArkiv\nRSS Nytt fr\xc3\xa5n vk.se\n"
    started = time.perf_counter()
    result = parse_bytes(big, filename="big.txt")
    secs = time.perf_counter() - started
    tracemalloc.start()  # measured in a second run: tracing slows allocation several times over
    parse_bytes(big, filename="big.txt")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    mb = len(big) / 1e6
    print(f"parser: one {mb:.1f} MB listing page, {len(result.posts)} posts: {secs:.2f} s "
          f"({mb / secs:.2f} MB/s, {len(result.posts) / secs:,.0f} posts/s), peak Python memory {peak / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
