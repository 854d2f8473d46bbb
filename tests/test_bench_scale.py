"""bench/scale.py at a tiny size: its options, and that its generated dumps are what it says they are
(VK listing pages the parser reads whole, every title distinct, a changed dump with one post edited).
No ingest runs and nothing timed here: the benchmark itself is `make bench-scale`."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from blogetl.parse.parser import parse_bytes

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))
import scale  # noqa: E402


def test_options(tmp_path):
    args = scale.parse_args(["--mb", "0.2", "--no-flow", "--work", str(tmp_path)])
    assert (args.mb, args.flow, args.keep, args.work) == (0.2, False, False, tmp_path.resolve())
    assert scale.parse_args(["--mb", "1"]).flow is True
    with pytest.raises(SystemExit):
        scale.parse_args(["--mb", "1", "--work", str(BENCH)])  # the work dir stays outside the repository
    with pytest.raises(SystemExit):
        scale.parse_args(["--mb", "0"])


def test_corpus_is_distinct_vk_listings_and_changes_edit_one_post(tmp_path):
    corpus = scale.Corpus(tmp_path, seed=1)
    corpus.grow(0.2)
    assert corpus.bytes >= 200_000 and sum(p.stat().st_size for p in corpus.files) == corpus.bytes
    titles, bodies = [], {}
    for path in corpus.files:
        result = parse_bytes(path.read_bytes(), filename=path.name)
        assert not result.rejects, path.name
        titles += [p.title for p in result.posts]
        bodies.update((p.title, p.body) for p in result.posts)
    assert len(titles) == corpus.posts == len(set(titles))

    changed = corpus.change(0.5, random.Random(1))
    assert sum(p.stat().st_size for p in corpus.files) == corpus.bytes
    edited = 0
    for path in changed:
        result = parse_bytes(path.read_bytes(), filename=path.name)
        assert not result.rejects
        edited += sum(bodies[p.title] != p.body for p in result.posts)
    assert edited == len(changed)


def test_run_measures_the_process_tree(tmp_path):
    child = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'x = bytearray(200_000_000); import time; time.sleep(0.6)'])"
    step = scale.run(scale.Step("tree", [sys.executable, "-c", child], 0.0), {}, tmp_path / "log", 10**12)
    assert step.rc == 0 and step.procs >= 2
    assert step.peak_proc >= 200_000_000 and step.peak_tree >= 200_000_000
