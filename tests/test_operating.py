"""What an operator relies on (issue 11, items 3, 4 and 8): a status that stays true on every run
(ingest_runs, the Prefect state, the artifact and the exit code agree; a dump still rejected keeps
every run from being green until it is fixed or acknowledged), `blogetl ack`, `blogetl status`
without Prefect, the exit codes with and without Prefect, and clean errors for every option and
path mistake."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

from blogetl import cli as library_cli
from blogetl import pipeline
from blogetl.warehouse.acks import acknowledge
from blogetl.warehouse.history import recent_runs
from blogetl.warehouse.lock import WriterLock
from blogetl.warehouse.store import edit_published
from flows import cli as flows_cli

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "samples"
BLOGETL = Path(sys.executable).with_name("blogetl")
BINARY, EMPTY = "zz_binary.txt", "zz_empty.txt"
BINARY_BYTES = bytes(range(256)) * 40

# --no-flow: the library; []: the Prefect flow (needs the test server).
MODES = [pytest.param(["--no-flow"], id="no-flow"), pytest.param([], id="flow", marks=pytest.mark.flows)]


def with_bad_dumps(raw: Path) -> Path:
    """The samples plus a binary and an empty dump."""
    (raw / BINARY).write_bytes(BINARY_BYTES)
    (raw / EMPTY).write_bytes(b"   \n")
    return raw


def runs(db: Path) -> list[tuple[int, str, int, int, list[str]]]:
    """(run_id, status, dumps_not_loaded, dumps_acknowledged, paths named in not_loaded) of every run, as
    `blogetl status` reads them (ingest_runs, and the runs since the last publish that changed nothing)."""
    rows = sorted(recent_runs(db, 10_000), key=lambda r: int(r["run_id"]))
    return [(r["run_id"], r["status"], r["dumps_not_loaded"], r["dumps_acknowledged"],
             [item["path"] for item in r.get("not_loaded") or []]) for r in rows]


def invoke(app: typer.Typer, *args: str) -> Result:
    """Run a command in-process; an exception other than the exit is a failure (it would be a traceback)."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def one_line(output: str, text: str) -> str:
    """The line of output holding text (a message never wraps onto a second line)."""
    lines = [line for line in output.splitlines() if text in line]
    assert lines, f"{text!r} not on one line of:\n{output}"
    return lines[0]


@pytest.fixture
def mode(request: pytest.FixtureRequest) -> list[str]:
    """The ingest mode; the flow mode starts (or reuses) the session's Prefect test server."""
    if not request.param:
        request.getfixturevalue("prefect_server")
    return list(request.param)


# --- 3. a status that stays true ------------------------------------------------------------------


def test_a_rejected_dump_fails_every_run_until_it_is_fixed_or_acknowledged(raw_copy: Path, tmp_path: Path) -> None:
    """The run after the one that rejected a dump does not parse it again (same sha256), and still fails on it."""
    raw, db = with_bad_dumps(raw_copy), tmp_path / "blog.duckdb"
    first = pipeline.run(raw, db)
    assert (first.exit_code, first.summary.status, sorted(first.not_loaded)) == (1, "incomplete", [BINARY, EMPTY])
    second = pipeline.run(raw, db)
    assert (second.summary.dumps_new, second.summary.dumps_unchanged) == (0, 7)  # nothing parsed again
    assert (second.exit_code, second.summary.status, sorted(second.not_loaded)) == (1, "incomplete", [BINARY, EMPTY])
    assert second.not_loaded[BINARY] == "rejected by the parser: binary_dump (unchanged since run 1)"
    assert second.message == f"2 dump(s) not loaded: {BINARY}, {EMPTY}"

    # fixed: new bytes that load
    shutil.copy(SAMPLES / "003_837c0e1b7ac6da94.txt", raw / EMPTY)
    third = pipeline.run(raw, db)
    assert (third.exit_code, third.summary.status, list(third.not_loaded)) == (1, "incomplete", [BINARY])
    # acknowledged: the run is green and still names it
    with edit_published(db) as con:
        acknowledge(con, BINARY, __import__("hashlib").sha256(BINARY_BYTES).hexdigest(), "a known broken export")
    fourth = pipeline.run(raw, db)
    assert (fourth.exit_code, fourth.summary.status, fourth.not_loaded) == (0, "succeeded", {})
    assert list(fourth.acknowledged) == [BINARY] and "a known broken export" in fourth.acknowledged[BINARY]
    assert fourth.message == f"6 of 7 dumps loaded, 1 acknowledged: {BINARY}"
    assert f"acknowledged 1: {BINARY}" in fourth.summary.format()
    # other bytes that are still rejected need a look again
    (raw / BINARY).write_bytes(BINARY_BYTES[::-1])
    fifth = pipeline.run(raw, db)
    assert (fifth.exit_code, fifth.summary.status, list(fifth.not_loaded)) == (1, "incomplete", [BINARY])
    # a dump moved out of raw/ needs no look
    (raw / BINARY).unlink()
    sixth = pipeline.run(raw, db)
    assert (sixth.exit_code, sixth.summary.status, sixth.summary.dumps_missing) == (0, "succeeded", 1)
    assert runs(db) == [
        (1, "incomplete", 2, 0, [BINARY, EMPTY]), (2, "incomplete", 2, 0, [BINARY, EMPTY]), (3, "incomplete", 1, 0, [BINARY]),
        (4, "succeeded", 0, 1, []), (5, "incomplete", 1, 0, [BINARY]), (6, "succeeded", 0, 0, []),
    ]


def test_acknowledgements_cover_unreadable_dumps_and_failed_parses(raw_copy: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """An unreadable dump is acknowledged while it stays unreadable; a failed parse for the bytes it failed on."""
    db = tmp_path / "blog.duckdb"
    unreadable, flaky_dump = "001_2e98f75a052abd0d.txt", "003_837c0e1b7ac6da94.txt"
    real_open = Path.open

    def guarded(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self.name == unreadable:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    def flaky(metas):  # type: ignore[no-untyped-def]
        for meta, result in pipeline.parse_in_process(metas):
            yield meta, (RuntimeError("a parser bug") if meta.path == flaky_dump else result)

    monkeypatch.setattr(Path, "open", guarded)  # tests run as root: chmod 000 would not stop the read
    report = pipeline.run(raw_copy, db, parse_map=flaky)
    assert report.not_loaded == {unreadable: "cannot be read: Permission denied",
                                 flaky_dump: "parse failed: RuntimeError: a parser bug"}
    out = invoke(library_cli.app, "ack", unreadable, "--reason", "its owner fixes the permissions", "--raw", raw_copy, "--db", db)
    assert out.exit_code == 0 and f"{unreadable}: acknowledged while it cannot be read (Permission denied)" in out.output
    out = invoke(library_cli.app, "ack", str(raw_copy / flaky_dump), "--reason", "parser bug filed", "--raw", raw_copy, "--db", db)
    assert out.exit_code == 0 and f"{flaky_dump}: acknowledged at sha256 " in out.output
    again = pipeline.run(raw_copy, db, parse_map=flaky)
    assert (again.exit_code, again.summary.status, sorted(again.acknowledged)) == (0, "succeeded", [unreadable, flaky_dump])
    monkeypatch.undo()  # readable again: it loads, and the acknowledgement no longer matters
    fixed = pipeline.run(raw_copy, db)
    assert (fixed.exit_code, fixed.not_loaded, fixed.acknowledged) == (0, {}, {})


def test_ack_list_and_remove_from_the_command_line(raw_copy: Path, tmp_path: Path) -> None:
    raw, db = with_bad_dumps(raw_copy), tmp_path / "blog.duckdb"
    assert invoke(library_cli.app, "ingest", "--no-dedup", "--raw", raw, "--db", db).exit_code == 1
    listed = invoke(library_cli.app, "ack", "--list", "--db", db)
    assert (listed.exit_code, listed.output.strip()) == (0, f"no acknowledged dumps in {db}")
    for name in (BINARY, EMPTY):
        assert invoke(library_cli.app, "ack", name, "--reason", f"{name} is junk", "--raw", raw, "--db", db).exit_code == 0
    listed = invoke(library_cli.app, "ack", "--list", "--db", db)
    assert listed.exit_code == 0
    assert "rejected" in one_line(listed.output, BINARY) and f"{BINARY} is junk" in one_line(listed.output, BINARY)
    assert invoke(library_cli.app, "ingest", "--no-dedup", "--raw", raw, "--db", db).exit_code == 0
    removed = invoke(library_cli.app, "ack", EMPTY, "--remove", "--db", db)
    assert removed.exit_code == 0 and f"{EMPTY}: acknowledgement withdrawn" in removed.output
    again = invoke(library_cli.app, "ingest", "--no-dedup", "--raw", raw, "--db", db)
    assert again.exit_code == 1 and f"1 dump(s) not loaded: {EMPTY}; 1 acknowledged: {BINARY}" in again.output
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT path, reason FROM dump_acks").fetchall() == [(BINARY, f"{BINARY} is junk")]
    # mistakes in ack are usage errors
    for args, message in [
        (["ack", BINARY, "--db", db], "say why the dump is accepted as it is: --reason TEXT"),
        (["ack", "--db", db], "name the dump (PATH), or use --list"),
        (["ack", "nothing.txt", "--reason", "x", "--raw", raw, "--db", db], "nothing.txt is no dump under"),
        (["ack", EMPTY, "--remove", "--db", db], f"{EMPTY} is not acknowledged"),
        (["ack", "--list", BINARY, "--db", db], "--list takes no PATH"),
        (["ack", "--list", "--db", tmp_path / "nowhere.duckdb"], "no warehouse at"),
    ]:
        out = invoke(library_cli.app, *args)
        assert out.exit_code == 2, (args, out.output)
        assert one_line(out.output, message).startswith("Error: ")


@pytest.mark.flows
def test_the_flow_state_the_artifact_ingest_runs_and_the_exit_code_agree(prefect_server: str, raw_copy: Path,
                                                                          tmp_path: Path) -> None:
    from prefect.artifacts import Artifact

    from flows.ingest import run_ingest

    def artifact_heading() -> str:
        latest = Artifact.get("blogetl-ingest-summary")
        assert latest is not None and isinstance(latest.data, str)
        return latest.data.splitlines()[0]

    raw, db = with_bad_dumps(raw_copy), tmp_path / "blog.duckdb"
    for run_id in (1, 2):  # the second run parses nothing and still fails on both
        state, report = run_ingest(str(raw), str(db), dedup=False)
        assert state.is_failed() and report is not None and sorted(report.not_loaded) == [BINARY, EMPTY]
        assert state.message == f"2 dump(s) not loaded: {BINARY}, {EMPTY}"
        assert artifact_heading() == f"# blogetl ingest run {run_id}: incomplete"
        assert runs(db)[-1][:2] == (run_id, "incomplete")
    for name in (BINARY, EMPTY):
        assert invoke(library_cli.app, "ack", name, "--reason", "junk", "--raw", raw, "--db", db).exit_code == 0
    state, report = run_ingest(str(raw), str(db), dedup=False)
    assert state.is_completed() and report is not None and report.not_loaded == {}
    assert state.message == f"5 of 7 dumps loaded, 2 acknowledged: {BINARY}, {EMPTY}"
    assert artifact_heading() == "# blogetl ingest run 3: succeeded"
    latest = Artifact.get("blogetl-ingest-summary")
    assert latest is not None and "## Not loaded, acknowledged" in str(latest.data)
    assert runs(db)[-1] == (3, "succeeded", 0, 2, [])


# --- exit codes, the same with and without Prefect ---------------------------------------------------


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_exit_codes_0_and_1_follow_ingest_runs(mode: list[str], raw_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    clean = invoke(flows_cli.app, "ingest", *mode, "--no-dedup", "--raw", raw_copy, "--db", db)
    assert clean.exit_code == 0
    assert one_line(clean.output, "creating a new warehouse at") == f"creating a new warehouse at {db}"
    with_bad_dumps(raw_copy)
    codes = [invoke(flows_cli.app, "ingest", *mode, "--no-dedup", "--raw", raw_copy, "--db", db) for _ in range(2)]
    assert [c.exit_code for c in codes] == [1, 1]
    assert all(f"2 dump(s) not loaded: {BINARY}, {EMPTY}" in c.output for c in codes)
    assert "creating a new warehouse" not in codes[0].output
    assert [(r, s) for r, s, *_ in runs(db)] == [(1, "succeeded"), (2, "incomplete"), (3, "incomplete")]


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_exit_code_3_when_the_writer_lock_is_held(mode: list[str], raw_copy: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "blog.duckdb"
    holder = WriterLock(tmp_path / ".blog.duckdb.lock", db).acquire()  # another writer (flock: per open file)
    real = WriterLock.acquire
    monkeypatch.setattr(WriterLock, "acquire", lambda self, timeout=30.0, first_wait=0.05: real(self, 0.3, first_wait))
    if not mode:  # the flow's open-warehouse task retries a held lock for minutes: once is enough here
        import flows.ingest

        monkeypatch.setattr(flows.ingest, "open_warehouse", flows.ingest.open_warehouse.with_options(retries=0))
    try:
        out = invoke(flows_cli.app, "ingest", *mode, "--no-dedup", "--raw", raw_copy, "--db", db)
    finally:
        holder.release()
    assert out.exit_code == 3
    line = one_line(out.output, "ingest could not run:")
    assert "is being written by another run (PID" in line and "gave up after 0.3 s" in line
    assert not db.exists()


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_exit_code_3_names_the_memory_limit_when_duckdb_runs_out(mode: list[str], raw_copy: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLOGETL_DUCKDB_MEMORY_LIMIT", "1MB")
    out = invoke(flows_cli.app, "ingest", *mode, "--no-dedup", "--raw", raw_copy, "--db", tmp_path / "blog.duckdb")
    assert out.exit_code == 3
    line = one_line(out.output, "ingest could not run:")
    assert "DuckDB ran out of memory within its limit of 1MB: raise BLOGETL_DUCKDB_MEMORY_LIMIT" in line


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_a_run_that_fails_after_taking_the_lock_is_failed_everywhere(mode: list[str], raw_copy: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """An error mid-run (here the disk, while loading): exit 3, ingest_runs 'failed' with the error, and the
    flow's artifact heading says 'failed' too; the published warehouse keeps what it had."""
    db = tmp_path / "blog.duckdb"
    assert invoke(flows_cli.app, "ingest", "--no-flow", "--no-dedup", "--raw", raw_copy, "--db", db).exit_code == 0

    def disk_error(*args: object, **kwargs: object) -> object:
        raise duckdb.IOException("IO Error: Could not write file: No space left on device")

    import flows.ingest

    monkeypatch.setattr(pipeline if mode else flows.ingest, "load_all", disk_error)
    (raw_copy / "new.txt").write_bytes((SAMPLES / "000_17c9fd5fd54ce450.txt").read_bytes() + b"\nmore\n")
    out = invoke(flows_cli.app, "ingest", *mode, "--no-dedup", "--raw", raw_copy, "--db", db)
    assert out.exit_code == 3
    assert one_line(out.output, "ingest could not run:") == (
        "ingest could not run: IOException: IO Error: Could not write file: No space left on device"
        " (free space on the disk of --db: a run writes a working copy of the warehouse beside it)")
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT run_id, status, error FROM ingest_runs ORDER BY run_id").fetchall() == [
            (1, "succeeded", None), (2, "failed", "IOException: IO Error: Could not write file: No space left on device")]
        assert con.execute("SELECT count(*) FROM dumps").fetchone() == (5,)
    if not mode:
        from prefect.artifacts import Artifact

        latest = Artifact.get("blogetl-ingest-summary")
        assert latest is not None and str(latest.data).startswith("# blogetl ingest run 2: failed")


def test_could_not_run_gives_one_line_for_each_kind_of_error() -> None:
    oom = duckdb.OutOfMemoryException("Out of Memory Error: could not allocate\n\nPossible solutions: ...")
    assert "\n" not in pipeline.could_not_run(oom) and "raise BLOGETL_DUCKDB_MEMORY_LIMIT" in pipeline.could_not_run(oom)
    assert pipeline.could_not_run(OSError(errno.ENOSPC, "No space left on device", "/w/x")) == (
        "No space left on device: /w/x (free space on the disk of --db: a run writes a working copy of the warehouse beside it)")
    assert pipeline.could_not_run(duckdb.IOException("IO Error: disk\nmore")) == "IOException: IO Error: disk"


# --- 4. blogetl status ---------------------------------------------------------------------------

STATUS_WITHOUT_PREFECT = """
import json, sys
from flows.cli import app
code = None
try:
    app(["status", "--db", sys.argv[1], "--last", "5"])
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "prefect": sorted(m for m in sys.modules if m.split(".")[0] in ("prefect", "prefect_dask"))}))
"""
HOLD_WRITER = """
import sys
from blogetl.warehouse import Warehouse
with Warehouse.open(sys.argv[1]) as wh:
    print("holding", flush=True)
    sys.stdin.readline()
"""


def test_status_shows_the_last_runs_without_prefect_while_a_run_holds_the_lock(raw_copy: Path, tmp_path: Path) -> None:
    raw, db = with_bad_dumps(raw_copy), tmp_path / "blog.duckdb"
    pipeline.run(raw, db)
    pipeline.run(raw, db)
    writer = subprocess.Popen([sys.executable, "-c", HOLD_WRITER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "holding"
        done = subprocess.run([sys.executable, "-c", STATUS_WITHOUT_PREFECT, str(db)], capture_output=True, text=True, timeout=120)
    finally:
        writer.communicate("\n", timeout=60)
    *table, last = done.stdout.strip().splitlines()
    assert json.loads(last) == {"code": 0, "prefect": []}, done.stderr
    out = "\n".join(table)
    assert out.startswith(f"last 2 run(s) of {db}")
    rows = {line.split()[0]: line.split() for line in table if line.split() and line.split()[0].isdigit()}
    assert sorted(rows) == ["1", "2"] and all("incomplete" in row for row in rows.values())
    assert f"{BINARY}: rejected by the parser: binary_dump (unchanged since run 1)" in out
    assert "blogetl ack PATH --reason TEXT" in out and "Traceback" not in done.stderr


def test_status_mistakes_are_usage_errors(tmp_path: Path) -> None:
    out = invoke(library_cli.app, "status", "--db", tmp_path / "nowhere.duckdb")
    assert out.exit_code == 2 and one_line(out.output, "no warehouse at").startswith("Error: ")
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    out = invoke(library_cli.app, "status", "--db", other)
    assert out.exit_code == 2 and "has no ingest_runs table: it is no blogetl warehouse" in out.output
    out = invoke(library_cli.app, "status", "--db", tmp_path / "nowhere.duckdb", "--last", "0")
    assert out.exit_code == 2 and "--last" in out.output


# --- 8. clean errors for option and path mistakes -----------------------------------------------------


def path_mistakes(tmp_path: Path, raw: Path) -> list[tuple[list[str], int, str]]:
    """(arguments, exit code, message) for each mistake."""
    folder = tmp_path / "folder.duckdb"
    folder.mkdir()
    not_duckdb = tmp_path / "notes.duckdb"
    not_duckdb.write_text("a text file\n")
    dump = raw / "000_17c9fd5fd54ce450.txt"
    return [
        (["--task-runner", "dsak", "--db", tmp_path / "a.duckdb"], 2, "Invalid value for '--task-runner'"),
        (["--raw", tmp_path / "nowhere"], 2, "raw folder not found"),
        (["--raw", dump], 2, f"{dump} is a file; give the folder of dumps that holds it"),
        (["--db", folder], 2, f"{folder} is a folder; give the warehouse file, for example {folder / 'blog.duckdb'}"),
        (["--db", dump / "blog.duckdb"], 2, f"{dump} is a file, so {dump / 'blog.duckdb'} cannot be made"),
        (["--db", not_duckdb], 2, f"{not_duckdb} is not a DuckDB warehouse"),
        (["--db", "/proc/blog.duckdb"], 3, "ingest could not run: cannot write in /proc (--db /proc/blog.duckdb)"),
        (["--db", "/proc/blogetl/blog.duckdb"], 3, "ingest could not run: cannot write in /proc/blogetl"),
    ]


@pytest.mark.parametrize("no_flow", [["--no-flow"], []], ids=["no-flow", "flow"])
def test_option_and_path_mistakes_are_one_line_and_an_exit_code(raw_copy: Path, tmp_path: Path, no_flow: list[str]) -> None:
    """Caught before any run (the flow's checks are the library's: no Prefect server is started)."""
    for args, code, message in path_mistakes(tmp_path, raw_copy):
        full = ["ingest", *no_flow, *(["--raw", raw_copy] if "--raw" not in args else []), *args]
        out = invoke(flows_cli.app, *full)
        assert out.exit_code == code, (full, out.output)
        line = one_line(out.output, message)
        assert line.startswith("Error: ") if code == 2 else line.startswith("ingest could not run:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.duckdb", "notes.duckdb", "raw"]  # nothing made


@pytest.mark.parametrize("failure, strerror", [(errno.EROFS, "Read-only file system"), (errno.EACCES, "Permission denied"),
                                               (errno.ENOSPC, "No space left on device")])
def test_a_warehouse_folder_the_os_refuses_to_write_is_exit_code_3(raw_copy: Path, tmp_path: Path, failure: int, strerror: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only file system or a folder without write permission (simulated: tests run as root)."""
    def refuse(*args: object, **kwargs: object) -> object:
        raise OSError(failure, strerror)

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    for no_flow in (["--no-flow"], []):
        out = invoke(flows_cli.app, "ingest", *no_flow, "--raw", raw_copy, "--db", tmp_path / "wh" / "blog.duckdb")
        assert out.exit_code == 3
        assert one_line(out.output, "ingest could not run:") == (
            f"ingest could not run: cannot write in {tmp_path / 'wh'} (--db {tmp_path / 'wh' / 'blog.duckdb'}): {strerror}")


def test_a_real_read_only_file_system_is_exit_code_3(raw_copy: Path, tmp_path: Path) -> None:
    """A read-only tmpfs, where this machine lets the tests mount one (root with CAP_SYS_ADMIN)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(ro)], capture_output=True).returncode:
        pytest.skip("cannot mount a read-only file system here")
    try:
        for no_flow in (["--no-flow"], []):
            out = invoke(flows_cli.app, "ingest", *no_flow, "--raw", raw_copy, "--db", ro / "blog.duckdb")
            assert out.exit_code == 3
            assert one_line(out.output, "ingest could not run:") == (
                f"ingest could not run: cannot write in {ro} (--db {ro / 'blog.duckdb'}): Read-only file system")
    finally:
        subprocess.run(["umount", str(ro)], check=True)


def test_an_unwritable_folder_is_exit_code_3(raw_copy: Path, tmp_path: Path) -> None:
    """A folder the process may not write in: mode 0500, and for root (who writes anywhere) immutable too."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    as_root = __import__("os").geteuid() == 0
    if as_root:
        subprocess.run(["chattr", "+i", str(locked)], check=True)
    try:
        out = invoke(flows_cli.app, "ingest", "--no-flow", "--raw", raw_copy, "--db", locked / "blog.duckdb")
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(locked)], check=True)
    line = one_line(out.output, "ingest could not run:")
    assert out.exit_code == 3 and ("Permission denied" in line or "Operation not permitted" in line), line


@pytest.mark.parametrize("args, code, message", [
    (["ingest", "--task-runner", "dsak"], 2, "Error: Invalid value for '--task-runner': Value error, 'dsak' is not one of 'threads', 'dask'."),
    (["ingest", "--db", "{tmp}"], 2, "Error: Invalid value for --db: {tmp} is a folder; give the warehouse file"),
    (["ingest", "--db", "/proc/blog.duckdb"], 3, "ingest could not run: cannot write in /proc (--db /proc/blog.duckdb): "),
], ids=["task-runner", "db-folder", "db-proc"])
def test_the_installed_command_prints_no_traceback(raw_copy: Path, tmp_path: Path, args: list[str], code: int, message: str) -> None:
    """The issue's examples through the real `blogetl` process (flow mode: Prefect is never started)."""
    argv = [a.format(tmp=tmp_path) for a in args] + ["--raw", str(raw_copy)]
    done = subprocess.run([str(BLOGETL), *argv], capture_output=True, text=True, timeout=120)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    expected = message.format(tmp=tmp_path)
    assert any(line.startswith(expected) for line in done.stderr.splitlines()), done.stderr


def test_an_empty_raw_or_one_with_none_of_the_known_dumps_is_a_warning(raw_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    assert invoke(library_cli.app, "ingest", "--no-dedup", "--raw", raw_copy, "--db", db).exit_code == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    out = invoke(library_cli.app, "ingest", "--no-dedup", "--raw", empty, "--db", db)
    assert out.exit_code == 0
    assert one_line(out.output, "warning:") == (f"warning: {empty} holds no dumps (.txt, .text, .html, .htm files); "
                                                "the warehouse's 5 dumps are kept and reported missing")
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(raw_copy / "000_17c9fd5fd54ce450.txt", other / "a_new_name.txt")
    out = invoke(library_cli.app, "ingest", "--no-dedup", "--raw", other, "--db", db)
    assert out.exit_code == 0
    assert one_line(out.output, "warning:") == (f"warning: {other} holds none of the 5 dumps the warehouse knows "
                                                "(is it the right --raw?); they are kept and reported missing")
    out = invoke(library_cli.app, "ingest", "--no-dedup", "--raw", raw_copy, "--db", db)
    assert out.exit_code == 0 and "warning:" not in out.output
    new = invoke(library_cli.app, "ingest", "--no-dedup", "--raw", empty, "--db", tmp_path / "new.duckdb")
    assert new.exit_code == 0
    assert one_line(new.output, "warning:") == f"warning: {empty} holds no dumps (.txt, .text, .html, .htm files)"


@pytest.mark.flows
def test_the_flow_reports_the_same_warnings(prefect_server: str, tmp_path: Path) -> None:
    from flows.ingest import run_ingest

    empty = tmp_path / "empty"
    empty.mkdir()
    state, report = run_ingest(str(empty), str(tmp_path / "blog.duckdb"), dedup=False)
    assert state.is_completed() and report is not None
    assert report.warnings == [f"{empty} holds no dumps (.txt, .text, .html, .htm files)"]
