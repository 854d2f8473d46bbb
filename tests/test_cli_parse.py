"""`blogetl parse`: one JSON object per record on stdout, a summary line on stderr."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.dumps import ROOT, SAMPLES, sample
from typer.testing import CliRunner

from blogetl.models import Comment, Post, Reject
from flows.cli import app  # the installed `blogetl`: blogetl.cli's commands and the Prefect ones

SUMMARY = re.compile(r"^parsed (\d+) dumps: (\d+) posts, (\d+) comments, (\d+) rejects in \d+\.\d{3} s$")
MODELS = {"post": Post, "comment": Comment, "reject": Reject}


def run(*args: str) -> tuple[int, str, str]:
    """Invoke the CLI in-process; exit code, stdout, stderr."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def rows(stdout: str) -> list[dict]:
    """The JSONL records printed on stdout."""
    return [json.loads(line) for line in stdout.splitlines()]


def test_console_script_parses_the_samples() -> None:
    """The installed `blogetl` script: `blogetl parse tests/fixtures/samples/*` prints 31 posts, 5 comments, no rejects."""
    exe = Path(sys.executable).with_name("blogetl")
    dumps = sorted(str(p.relative_to(ROOT)) for p in SAMPLES.iterdir())
    proc = subprocess.run([str(exe), "parse", *dumps], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    found = rows(proc.stdout)
    assert [r["type"] for r in found].count("post") == 31
    assert [r["type"] for r in found].count("comment") == 5
    assert {r["type"] for r in found} == {"post", "comment"}
    (summary,) = proc.stderr.strip().splitlines()
    assert SUMMARY.match(summary).groups() == ("5", "31", "5", "0")


def test_jsonl_records_validate_against_the_models() -> None:
    """Every line is one record of its declared type, tagged with its dump, in page order."""
    code, out, err = run("parse", str(SAMPLES))
    assert code == 0
    found = rows(out)
    for row in found:
        dump = row.pop("dump")
        assert Path(dump).name in {p.name for p in SAMPLES.iterdir()}
        MODELS[row["type"]].model_validate(row)
    first = next(r for r in rows(out) if r["type"] == "post")
    assert (first["title"], first["comment_count_declared"], first["reactions"]) == ("Gymnasieelevernas utbildning på spel", 2, 11)
    assert SUMMARY.match(err.strip()).groups() == ("5", "31", "5", "0")


def test_comments_follow_their_post() -> None:
    """003's comments come right after its post and name it."""
    code, out, _ = run("parse", str(next(SAMPLES.glob("003_*.txt"))))
    assert code == 0
    found = rows(out)
    assert [r["type"] for r in found] == ["post"] + ["comment"] * 5
    assert {r["post_id"] for r in found} == {found[0]["post_id"]}
    assert [r["author"] for r in found[1:]] == ["tjalle", "Andreas Lundgren", "tjalle", "PNW", "Andreas Lundgren"]


def test_table_format() -> None:
    """--format table prints one row per dump (no JSON) and the same summary on stderr."""
    code, out, err = run("parse", str(SAMPLES), "--format", "table")
    assert code == 0
    assert "{" not in out
    for kind in ("listing", "single", "article"):
        assert kind in out
    assert SUMMARY.match(err.strip())


def test_site_hint_from_the_folder(tmp_path: Path) -> None:
    """raw/<site>/dump.txt: the folder names the site of a page that does not name itself."""
    folder = tmp_path / "folkbladet.nu"
    folder.mkdir()
    article = sample("004").replace("OFFENTLIGA AFFÄRER", "tidningen")
    (folder / "a.txt").write_text(article, encoding="utf-8")
    (tmp_path / "b.txt").write_text(article, encoding="utf-8")
    code, out, _ = run("parse", str(tmp_path))
    assert code == 0
    sites = {Path(r["dump"]).relative_to(tmp_path).as_posix(): r["site"] for r in rows(out)}
    assert sites == {"folkbladet.nu/a.txt": "folkbladet.nu", "b.txt": None}


def test_bad_dumps_are_rejects_not_failures(tmp_path: Path) -> None:
    """An empty file and a binary file print reject records; the run still succeeds."""
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))
    code, out, err = run("parse", str(tmp_path))
    assert code == 0
    assert [(r["type"], r["reason"]) for r in rows(out)] == [("reject", "empty_dump"), ("reject", "binary_dump")]
    assert SUMMARY.match(err.strip()).groups() == ("2", "0", "0", "2")


@pytest.mark.parametrize("args", [["parse", "no/such/dump.txt"], ["parse"]])
def test_usage_errors_exit_non_zero(args: list[str]) -> None:
    """A missing path or no path at all is a usage error, not a traceback."""
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err


# --- argument errors of the other commands: caught before Prefect or the warehouse start ----


@pytest.mark.parametrize("command", ["ingest", "watch", "serve"])
def test_a_missing_raw_folder_is_a_usage_error(command: str, tmp_path: Path) -> None:
    code, _out, err = run(command, "--raw", str(tmp_path / "nowhere"), "--db", str(tmp_path / "w.duckdb"))
    assert code == 2 and "raw folder not found" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # no warehouse, no lock file


@pytest.mark.parametrize("cron", ["not a cron", "61 * * * *", ""])
def test_serve_rejects_a_bad_cron_before_starting(cron: str) -> None:
    code, _out, err = run("serve", "--cron", cron)
    assert code == 2 and "not a cron expression" in err


def test_a_non_utf8_file_name_prints_as_valid_utf8(tmp_path: Path) -> None:
    import os

    (tmp_path / "ok.txt").write_bytes((SAMPLES / "004_49aed72cbd58d17c.txt").read_bytes())
    os.rename(os.fsencode(tmp_path / "ok.txt"), os.fsencode(tmp_path) + b"/bl\xe5gg.txt")
    out = subprocess.run([sys.executable, "-m", "blogetl.cli", "parse", str(tmp_path)], capture_output=True, check=True)
    [record] = [json.loads(line) for line in out.stdout.decode("utf-8").splitlines()]
    assert record["dump"] == f"{tmp_path}/bl\\xe5gg.txt" and record["title"] == "Vill stoppa bedrägerier i hemtjänst"
