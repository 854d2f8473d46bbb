"""One pipeline, one set of failure rules: the same bad inputs give the same exit code and names
with and without Prefect; chunks bounded by bytes; a failed parse is named, not raised."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import typer
import typer.main
from typer.testing import CliRunner

from blogetl import cli as library_cli
from blogetl import pipeline
from blogetl.sources.scan import scan
from flows import cli as flows_cli

BAD = {"zz_binary.txt": bytes(range(256)) * 40, "zz_empty.txt": b"   \n"}


def raw_with_bad_dumps(raw_copy: Path) -> Path:
    """The samples plus a binary and an empty dump."""
    for name, data in BAD.items():
        (raw_copy / name).write_bytes(data)
    return raw_copy


def test_bad_dumps_are_named_and_the_good_ones_load(raw_copy: Path, tmp_path: Path) -> None:
    """The library run: exit code 1, both bad dumps named with their reason, the samples published."""
    report = pipeline.run(raw_with_bad_dumps(raw_copy), tmp_path / "w.duckdb")
    assert (report.exit_code, sorted(report.not_loaded)) == (1, sorted(BAD))
    assert "binary_dump" in report.not_loaded["zz_binary.txt"] and "empty_dump" in report.not_loaded["zz_empty.txt"]
    assert report.message == "2 dump(s) not loaded: zz_binary.txt, zz_empty.txt"
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM posts").fetchone() == (30,)


def test_a_failed_parse_is_named_and_the_run_goes_on(raw_copy: Path, tmp_path: Path) -> None:
    """A map that fails on one dump (a vanished file, a bug) names it; the rest load and publish."""
    def flaky(metas):  # type: ignore[no-untyped-def]
        for meta, result in pipeline.parse_in_process(metas):
            yield meta, (OSError("gone") if meta.path.startswith("003") else result)

    report = pipeline.run(raw_copy, tmp_path / "w.duckdb", parse_map=flaky)
    (name,) = report.not_loaded
    assert name.startswith("003") and report.not_loaded[name] == "parse failed: OSError: gone"
    assert report.summary.status == "incomplete" and report.exit_code == 1


def test_chunks_are_bounded_by_bytes_and_keep_every_dump(raw_copy: Path) -> None:
    """Chunks hold at most max_bytes (a bigger dump alone), in scan order, every dump once."""
    metas = scan(raw_copy)
    chunks = list(pipeline.chunks_by_bytes(metas, max_bytes=20_000))
    assert [m for c in chunks for m in c] == metas
    assert all(sum(m.size for m in c) <= 20_000 or len(c) == 1 for c in chunks)
    assert len(chunks) > 1


@pytest.mark.parametrize("app, no_flow", [(flows_cli.app, ["--no-flow"]), (library_cli.app, [])], ids=["blogetl", "library"])
def test_cli_without_prefect_exits_1_and_names_the_dumps(raw_copy: Path, tmp_path: Path, app: typer.Typer, no_flow: list[str]) -> None:
    """`blogetl ingest --no-flow` (the library's `ingest` command) follows the report: exit 0 on clean
    input; 1 and each dump named on bad; a missing --raw is a usage error (2)."""
    clean = CliRunner().invoke(app, ["ingest", *no_flow, "--raw", str(raw_copy), "--db", str(tmp_path / "c.duckdb")])
    assert clean.exit_code == 0
    bad = CliRunner().invoke(app, ["ingest", *no_flow, "--raw", str(raw_with_bad_dumps(raw_copy)),
                                   "--db", str(tmp_path / "w.duckdb")])
    assert bad.exit_code == 1
    assert "2 dump(s) not loaded: zz_binary.txt, zz_empty.txt" in bad.output
    missing = CliRunner().invoke(app, ["ingest", *no_flow, "--raw", str(tmp_path / "nowhere"), "--db", str(tmp_path / "m.duckdb")])
    assert missing.exit_code == 2 and "raw folder not found" in missing.output


def test_the_blogetl_command_is_the_library_commands_plus_the_prefect_ones() -> None:
    """The installed command keeps every library command and adds the flow-only ones; its `ingest`
    has the library's options plus the flow's."""
    def commands(app: typer.Typer) -> dict[str, list[str]]:
        group = typer.main.get_group(app)
        return {name: sorted(p.name for p in cmd.params if p.name) for name, cmd in group.commands.items()}

    library, installed = commands(library_cli.app), commands(flows_cli.app)
    analysts = ["check", "describe", "export", "report", "search"]  # blogetl.analyst_cli
    assert sorted(library) == sorted(["ack", "edit", "ingest", "parse", "shell-init", "status", *analysts])
    assert sorted(installed) == sorted(["ack", "clean-cache", "edit", "ingest", "parse", "serve", "server", "shell-init",
                                        "status", "watch", *analysts])
    assert all(installed[name] == library[name] for name in ("ack", "edit", "parse", "shell-init", "status", *analysts))
    assert set(installed["ingest"]) == set(library["ingest"]) | {"task_runner", "dask_address", "flow", "quiet", "verbose",
                                                                 "alert_url"}


@pytest.mark.flows
def test_flow_and_library_fail_the_same_way(prefect_server: str, raw_copy: Path, tmp_path: Path) -> None:
    """The same bad inputs through the flow: the same exit code and the same dumps named."""
    raw = raw_with_bad_dumps(raw_copy)
    library = pipeline.run(raw, tmp_path / "lib.duckdb")
    result = CliRunner().invoke(flows_cli.app, ["ingest", "--raw", str(raw), "--db", str(tmp_path / "flow.duckdb")])
    assert result.exit_code == library.exit_code == 1
    assert library.message in result.output


def test_the_writer_runs_within_its_memory_limit(raw_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """BLOGETL_DUCKDB_MEMORY_LIMIT bounds the writer (a stage sees it), the run still completes, no spill folder stays."""
    monkeypatch.setenv("BLOGETL_DUCKDB_MEMORY_LIMIT", "64MB")
    seen: list[str] = []

    def stage(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        seen.append(str(con.execute("SELECT current_setting('memory_limit')").fetchone()[0]))
        return {}

    report = pipeline.run(raw_copy, tmp_path / "w.duckdb", after_load=[stage])
    assert report.ok and seen and seen[0].startswith("61.0 MiB")
    assert not list(tmp_path.glob("*.tmp"))
