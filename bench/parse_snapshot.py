"""Snapshot of everything the parse stage makes of a set of inputs, to prove an optimisation changes nothing.

Usage:
    python bench/parse_snapshot.py write OUT.jsonl [--inputs raw,fixtures,raw20,raw100:200,realpages,variants]
    python bench/parse_snapshot.py compare OLD.jsonl NEW.jsonl

`write` parses each input (``parse_bytes``: posts, comments, rejects, line uses, the decoded text,
every field) and turns it into the Arrow tables the loader gets (``to_arrow``), and writes one JSON
line per input.  `compare` names every input whose line differs and the first field that does.  The inputs: raw/'s samples, the fixture pages, /work/exp/raw20 (and a
slice of raw100), every page under /work/realpages*/pages; and variants made from the samples and
real pages so that every decoding path is taken: each as a saved HTML page, as text with HTML
remnants, as cp1252 bytes, as mojibake (UTF-8 read as cp1252), with CRLF line ends, and under a
site folder (a site hint).  Third-party text stays outside the repository: only the script is here.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from blogetl.parse.parser import parse_bytes
from blogetl.sources.files import DumpFile
from blogetl.warehouse.arrow import to_arrow

REPO = Path(__file__).resolve().parent.parent
EXP = Path("/work/exp")


def _files(root: Path, limit: int | None = None) -> list[Path]:
    found = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".txt", ".html", ".htm"))
    return found[:limit] if limit else found


def _as_html(text: str) -> bytes:
    """A saved page: paragraphs as <p>, lines in a paragraph joined by <br>, a nav and a script to drop."""
    paras = [p for p in text.split("\n\n") if p.strip()]
    body = "".join("<p>" + "<br>\n".join(html.escape(ln) for ln in p.split("\n")) + "</p>\n" for p in paras)
    return (f"<!DOCTYPE html><html><head><title>x</title><script>var a = '<p>no</p>';</script></head>"
            f"<body><nav><a href='/'>Hem</a></nav>{body}</body></html>").encode()


def _remnants(text: str) -> bytes:
    """Text whose line breaks inside paragraphs went through <br> and entities (&amp;)."""
    return text.replace("\n", "<br>\n", 3).replace("&", "&amp;").encode()


def variants(name: str, data: bytes) -> Iterator[tuple[str, bytes, str | None]]:
    """Inputs made from one text page, each taking another decoding path."""
    text = data.decode("utf-8")
    yield f"{name}#html", _as_html(text), None
    yield f"{name}#remnants", _remnants(text), None
    yield f"{name}#cp1252", text.encode("cp1252", errors="replace"), None
    yield f"{name}#mojibake", text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8"), None
    yield f"{name}#crlf", text.replace("\n", "\r\n").encode(), None
    yield f"{name}#hint", data, "blogg.vk.se"


def inputs(kinds: list[str]) -> Iterator[tuple[str, bytes, str | None]]:
    """(name, bytes, site hint) of every input of the kinds asked for."""
    for kind in kinds:
        kind, _, n = kind.partition(":")
        limit = int(n) if n else None
        if kind == "raw":
            for p in _files(REPO / "raw"):
                yield f"raw/{p.name}", p.read_bytes(), None
        elif kind == "fixtures":
            for p in _files(REPO / "tests/fixtures/pages"):
                yield f"fixtures/{p.relative_to(REPO / 'tests/fixtures/pages')}", p.read_bytes(), None
        elif kind in ("raw20", "raw100"):
            for p in _files(EXP / kind, limit):
                yield f"{kind}/{p.name}", p.read_bytes(), None
        elif kind == "realpages":
            for root in sorted(Path("/work").glob("realpages*")):
                for p in _files(root / "pages"):
                    yield f"{root.name}/{p.relative_to(root / 'pages')}", p.read_bytes(), None
        elif kind == "realdedup":
            for p in _files(Path("/work/realdedup")):
                yield f"realdedup/{p.name}", p.read_bytes(), None
        elif kind == "generated":  # a saved page whose thread is a nested list (bench_parse's)
            items = "".join(f"<li><div>user{i}</div><p>Kommentar nummer {i}.</p><ul class='children'><li>"
                            f"<div>Anna Berg (inläggsförfattare)</div><p>Svar {i}.</p></li></ul></li>" for i in range(200))
            yield "generated/thread.html", (f"<html><body><h1>Rubrik</h1><p>En text om något viktigt här.</p>"
                                            f"<h3>400 kommentarer</h3><ol>{items}</ol><h3>Lämna ett svar</h3></body></html>").encode(), None
        elif kind == "variants":
            sources = [*_files(REPO / "raw"), *_files(REPO / "tests/fixtures/pages")]
            for root in sorted(Path("/work").glob("realpages*")):
                sources += _files(root / "pages")
            for p in sources:
                yield from variants(str(p), p.read_bytes())
        else:
            raise SystemExit(f"unknown input kind: {kind}")


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(type(value).__name__)


def snapshot(name: str, data: bytes, hint: str | None) -> dict[str, Any]:
    """What the parse stage makes of one input: the parse result and the Arrow tables."""
    result = parse_bytes(data, filename=name, site_hint=hint)
    dump = DumpFile(path=name, data=data, sha256="0" * 64, size=len(data), site_hint=hint)
    try:  # the tables as the pipeline makes them: from a parse without line-use records
        staged = parse_bytes(data, filename=name, site_hint=hint, line_uses=False)
    except TypeError:  # a parser before that option
        staged = result
    tables = to_arrow(dump, staged)
    return {"input": name, "result": result.model_dump(mode="json"),
            "arrow": {t: getattr(tables, t).to_pylist() for t in ("dumps", "post_sightings", "comment_sightings", "rejects")}}


def write(out: Path, kinds: list[str]) -> None:
    n = 0
    with out.open("w") as fh:
        for name, data, hint in inputs(kinds):
            fh.write(json.dumps(snapshot(name, data, hint), default=_json, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    print(f"{n} inputs written to {out}")


def _first_diff(a: Any, b: Any, path: str = "") -> str:
    if type(a) is not type(b):
        return f"{path}: {a!r:.120} != {b!r:.120}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                return _first_diff(a.get(k), b.get(k), f"{path}.{k}")
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_diff(x, y, f"{path}[{i}]")
    return f"{path}: {a!r:.200} != {b!r:.200}"


def compare(old: Path, new: Path) -> int:
    a = [json.loads(line) for line in old.open()]
    b = [json.loads(line) for line in new.open()]
    by_name = {d["input"]: d for d in b}
    bad = 0
    for d in a:
        other = by_name.get(d["input"])
        if other is None:
            print(f"missing in {new}: {d['input']}")
            bad += 1
        elif other != d:
            print(f"differs: {d['input']}: {_first_diff(d, other)}")
            bad += 1
    extra = set(by_name) - {d["input"] for d in a}
    for name in sorted(extra):
        print(f"only in {new}: {name}")
    print(f"{len(a)} inputs compared, {bad} differ, {len(extra)} new")
    return 1 if bad or extra else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("out", type=Path)
    w.add_argument("--inputs", default="raw,fixtures,raw20,raw100:200,realpages,realdedup,generated,variants")
    c = sub.add_parser("compare")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    args = ap.parse_args()
    if args.cmd == "write":
        write(args.out, args.inputs.split(","))
    else:
        sys.exit(compare(args.old, args.new))


if __name__ == "__main__":
    main()
