"""Parser throughput on the shipped samples and on a large synthetic listing built from them."""

from __future__ import annotations

import re
import statistics
import time
import tracemalloc
from pathlib import Path

from blogetl.parse.parser import parse_bytes

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
    # the three listing samples without their closing chrome ('Arkiv', the RSS footer: 002 has only the latter)
    listing = b"\n\n".join(re.split(rb"\n(?:Arkiv|RSS Nytt)", (RAW / n).read_bytes())[0]
                            for n in ("000_17c9fd5fd54ce450.txt", "001_2e98f75a052abd0d.txt", "002_cfe29880190abf46.txt"))
    # 110 copies with numbered titles: distinct posts, as a real listing has (repeated titles over
    # different texts would each be compared by blogetl.parse.identity, which real pages rarely need)
    title = re.compile(rb"(?m)^(.+)(\n\nAv , ,)")
    big = b"".join(title.sub(rb"\1 #%d\2" % k, listing) + b"\n\n" for k in range(110)) + b"\nArkiv\nRSS Nytt fr\xc3\xa5n vk.se\n"
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
    html_thread()


def html_thread(sizes: tuple[int, ...] = (500, 1000, 2000, 4000)) -> None:
    """A saved page whose thread is one <ol> of n comments, each with a nested reply: time should
    grow linearly with n (bs4's insert/replace made it quadratic: 3,000 comments took 20.9 s)."""
    print("parser: saved HTML page with a nested comment list")
    for n in sizes:
        items = "".join(
            f"<li><div>user{i}</div><p>Kommentar nummer {i} med lite text.</p><ul class='children'><li>"
            f"<div>Andreas Lundgren (inläggsförfattare)</div><p>Svar {i}.</p></li></ul></li>" for i in range(n)
        )
        page = (f"<html><body><h1>Rubrik</h1><p>En text om något viktigt här.</p><h3>{2 * n} kommentarer</h3>"
                f"<ol>{items}</ol><h3>Lämna ett svar</h3></body></html>").encode()
        started = time.perf_counter()
        result = parse_bytes(page, filename="thread.html")
        secs = time.perf_counter() - started
        replies = sum(c.depth == 1 for c in result.comments)
        print(f"  {n:>5} comments + {replies} replies, {len(page) / 1e6:.2f} MB: {secs:.2f} s "
              f"({len(result.comments) / secs:,.0f} comments/s, {len(result.rejects)} rejects)")


if __name__ == "__main__":
    main()
