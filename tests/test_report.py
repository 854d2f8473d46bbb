"""`blogetl report`: one self-contained page (nothing fetched from anywhere) whose charts show the
warehouse's figures; a slow test opens it in headless Chromium and checks every chart drew its marks.

The warehouse: the five samples, the fixture pages of every family (dates, sites, outlets, the op-ed
printed in VK and Folkbladet), a dump that starts in the middle of a post (a reject) and an empty and
a binary dump (rejected whole)."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fixtures.dumps import PAGES, SAMPLES, listing_post, sample
from typer.testing import CliRunner

import blogetl
from blogetl import pipeline
from blogetl.dedup import run as deduplicate
from blogetl.report import TOP_OUTLETS, UNKNOWN_OUTLET, gather
from flows.cli import app

DOCS_SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "report.png"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples, the fixture pages, and three dumps with rejects."""
    root = tmp_path_factory.mktemp("report")
    raw = root / "raw"
    shutil.copytree(SAMPLES, raw)
    for family in (p for p in PAGES.iterdir() if p.is_dir()):
        shutil.copytree(family, raw / "pages" / family.name)
    head = "\n\n".join(sample("000").split("\n\n")[2:4])  # a dump that starts mid-post
    (raw / "zz_mid_post.txt").write_text(head + "\n\n" + listing_post("001", 2), encoding="utf-8")
    (raw / "zz_empty.txt").write_bytes(b"")
    (raw / "zz_binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 20)
    db = root / "blog.duckdb"
    report = pipeline.run(raw, db, after_load=[deduplicate])
    assert sorted(report.not_loaded) == ["zz_binary.txt", "zz_empty.txt"]
    return db


@pytest.fixture(scope="module")
def page(warehouse: Path) -> Path:
    """The report, written by the command."""
    out = warehouse.with_name("report.html")
    result = CliRunner().invoke(app, ["report", "--db", str(warehouse), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def bars(rows: list[tuple[Any, str, int]]) -> int:
    """Bars of a monthly chart: one per (month, series), the outlets past TOP_OUTLETS in one series."""
    posts: Counter[str] = Counter()
    for _, outlet, n in rows:
        posts[outlet] += n
    named = set(sorted((o for o in posts if o != UNKNOWN_OUTLET), key=lambda o: (-posts[o], o))[:TOP_OUTLETS]) | {UNKNOWN_OUTLET}
    return len({(m, o if o in named else "other outlets") for m, o, _ in rows})


def expected_marks(warehouse: Path) -> dict[str, int]:
    """Marks each chart must draw: a bar per (month, series), a dot per dated copy, a bar per (dump, reason)."""
    with blogetl.connect(warehouse, fresh=True) as con:
        data = gather(con, str(warehouse))
    return {"monthly": bars(data.monthly), "scraped": bars(data.scraped),
            "timeline": sum(1 for a in data.articles for c in a["copies"] if c[1]),
            "rejects": len(data.rejects)}


def test_the_page_is_self_contained_and_shows_the_figures(page: Path, warehouse: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:|//)""", text)  # nothing fetched from the network
    assert "<link" not in text and "@import" not in text and "@font-face" not in text
    assert [m for m in re.findall(r'data-chart="(\w+)"', text)] == ["monthly", "scraped", "timeline", "rejects"]
    assert text.count("<svg") == 4
    assert "Sätt stopp för organiserad brottslighet" in text and "zz_mid_post.txt" in text
    assert "text_before_first_post" in text and "2 dumps under raw/ rejected whole" in text
    assert re.search(r"<td class=\"n\">1</td><td class=\"\">20\d\d-\d\d-\d\d \d\d:\d\d</td><td class=\"\">incomplete</td>", text)
    marks = expected_marks(warehouse)
    assert marks["monthly"] > 20 and marks["scraped"] >= 5 and marks["timeline"] >= 4 and marks["rejects"] == 3


def test_an_older_warehouse_gets_a_clear_message(tmp_path: Path, warehouse: Path) -> None:
    import duckdb

    db = Path(shutil.copy(warehouse, tmp_path / "old.duckdb"))
    with duckdb.connect(str(db)) as con:
        con.execute("DROP VIEW v_monthly_posts")
    result = CliRunner().invoke(app, ["report", "--db", str(db)])
    assert result.exit_code == 3 and "published by an older blogetl" in result.output


# ---- in a real browser -------------------------------------------------------------------------

# For every chart: its SVG's size, and the marks (bars, dots) the browser laid out with an area.
MEASURE = """JSON.stringify([...document.querySelectorAll('figure.chart')].map(f => {
  const svg = f.querySelector('svg'), box = svg.getBoundingClientRect();
  const drawn = [...svg.querySelectorAll('.series rect.rect, .series circle.dot')]
      .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; });
  return {chart: f.dataset.chart, width: box.width, height: box.height, marks: drawn.length,
          colours: [...new Set(drawn.map(e => getComputedStyle(e).fill))].length};
}))"""


class Chromium:
    """Headless Chromium driven over the DevTools protocol (websockets, already a dependency of Prefect)."""

    def __init__(self, profile: Path) -> None:
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        assert exe, "chromium is not installed: apt-get install -y chromium"
        self.proc = subprocess.Popen([exe, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
                                      f"--user-data-dir={profile}", "--window-size=1100,900", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert self.proc.stderr is not None
        deadline = time.monotonic() + 60
        port = None
        while port is None and time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if m := re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line):
                port = int(m.group(1))
        assert port, "chromium did not start"
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30).read())
        url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        from websockets.sync.client import connect

        self.ws = connect(url, max_size=None, open_timeout=30)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One protocol command and its result (events meanwhile are kept)."""
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv(timeout=60))
            if msg.get("id") == self.next_id:
                assert "error" not in msg, msg
                return dict(msg.get("result", {}))
            self.events.append(msg)

    def wait_for(self, event: str) -> None:
        """Until the event has come."""
        while not any(e.get("method") == event for e in self.events):
            self.events.append(json.loads(self.ws.recv(timeout=60)))

    def close(self) -> None:
        self.ws.close()
        self.proc.terminate()
        self.proc.wait(timeout=30)


@pytest.mark.slow
def test_chromium_renders_every_chart(page: Path, warehouse: Path, tmp_path: Path) -> None:
    browser = Chromium(tmp_path / "profile")
    try:
        browser.call("Page.enable")
        browser.call("Runtime.enable")
        browser.call("Network.enable")
        browser.call("Page.navigate", url=page.as_uri())
        browser.wait_for("Page.loadEventFired")
        measured = json.loads(browser.call("Runtime.evaluate", expression=MEASURE, returnByValue=True)["result"]["value"])
        size = browser.call("Runtime.evaluate", expression="[document.body.scrollWidth, document.body.scrollHeight]",
                            returnByValue=True)["result"]["value"]
        shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                            clip={"x": 0, "y": 0, "width": 1100, "height": size[1], "scale": 1})
    finally:
        browser.close()
    errors = [e for e in browser.events if e.get("method") in ("Runtime.exceptionThrown", "Network.loadingFailed")]
    requests = [e["params"]["request"]["url"] for e in browser.events if e.get("method") == "Network.requestWillBeSent"]
    assert errors == [] and requests == [page.as_uri()]  # the page alone: nothing else fetched, no script error
    marks = expected_marks(warehouse)
    assert [m["chart"] for m in measured] == ["monthly", "scraped", "timeline", "rejects"]
    for m in measured:
        assert m["width"] > 800 and m["height"] > 100, m
        assert m["marks"] == marks[m["chart"]], m  # every bar and dot drawn with an area
    assert next(m for m in measured if m["chart"] == "monthly")["colours"] >= 5  # a colour per outlet
    png = base64.b64decode(shot["data"])
    assert png.startswith(b"\x89PNG") and len(png) > 50_000
    (tmp_path / "report.png").write_bytes(png)
    if os.environ.get("BLOGETL_SCREENSHOT"):  # BLOGETL_SCREENSHOT=1 pytest -m slow tests/test_report.py: docs/report.png anew
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        DOCS_SCREENSHOT.write_bytes(png)
