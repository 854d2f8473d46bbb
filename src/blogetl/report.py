"""`blogetl report`: one self-contained HTML page about a published warehouse, for people who do not
write SQL: posts per month of publication per outlet, the largest cross-published articles on a
timeline, the rejects per dump and reason, the last runs.

The charts are SVG drawn by pygal and written into the page itself (no script, no stylesheet, no font
from anywhere else): the page opens offline, from a mail attachment or a file share.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

TOP_OUTLETS = 8  # outlets with a series of their own in the monthly chart; the rest are 'other outlets'
TOP_ARTICLES = 12  # cross-published articles on the timeline
TOP_DUMPS = 15  # dumps in the rejects chart
LAST_RUNS = 10
UNKNOWN_OUTLET = "outlet unknown"


@dataclass
class ReportData:
    """What the page shows, read from the warehouse."""

    db_path: str
    totals: dict[str, int] = field(default_factory=dict)
    monthly: list[tuple[date, str, int]] = field(default_factory=list)  # (month, outlet, posts), dated posts
    undated: list[tuple[str, int]] = field(default_factory=list)  # (outlet, posts) without a publication date
    scraped: list[tuple[date, str, int]] = field(default_factory=list)  # (month first seen, outlet, posts), undated posts
    articles: list[dict[str, Any]] = field(default_factory=list)  # title, members, outlets, first_*, copies
    rejects: list[tuple[str, str, int]] = field(default_factory=list)  # (dump path, reason, rejects)
    rejected_dumps: int = 0
    runs: list[dict[str, Any]] = field(default_factory=list)


def gather(con: duckdb.DuckDBPyConnection, db_path: str) -> ReportData:
    """Read the figures the page shows (views v_monthly_posts, v_articles, v_article_copies; rejects; ingest_runs)."""
    data = ReportData(db_path)
    for name, sql in {"posts": "SELECT count(*) FROM posts", "articles": "SELECT count(*) FROM articles",
                      "dumps": "SELECT count(*) FROM dumps WHERE missing_since_run_id IS NULL",
                      "rejects": "SELECT count(*) FROM rejects", "runs": "SELECT count(*) FROM ingest_runs"}.items():
        data.totals[name] = int(con.execute(sql).fetchone()[0])  # type: ignore[index]
    rows = con.execute("SELECT month, coalesce(outlet, ?), posts FROM v_monthly_posts ORDER BY month, 2", [UNKNOWN_OUTLET]).fetchall()
    data.monthly = [(m, o, int(n)) for m, o, n in rows if m is not None]
    data.undated = [(o, int(n)) for m, o, n in rows if m is None]
    data.scraped = [(m, o, int(n)) for m, o, n in con.execute("""
        SELECT date_trunc('month', first_seen_at)::DATE AS month, coalesce(outlet, ?), count(*) FROM v_posts
        WHERE published_at IS NULL AND first_seen_at IS NOT NULL GROUP BY ALL ORDER BY 1, 2""", [UNKNOWN_OUTLET]).fetchall()]
    top = con.execute(f"""
        SELECT article_id, title, members, outlets, first_outlet, first_published_at FROM v_articles
        WHERE members > 1 ORDER BY members DESC, versions DESC, article_id LIMIT {TOP_ARTICLES}""").fetchall()
    for article_id, title, members, outlets, first_outlet, first_at in top:
        copies = con.execute("""SELECT coalesce(outlet, ?), published_at, relation, title FROM v_article_copies
                                WHERE article_id = ? ORDER BY published_at NULLS LAST, post_id""",
                             [UNKNOWN_OUTLET, article_id]).fetchall()
        data.articles.append({"title": title, "members": int(members), "outlets": list(outlets), "first_outlet": first_outlet,
                              "first_at": first_at, "copies": copies})
    data.rejects = [(p, r, int(n)) for p, r, n in con.execute(f"""
        WITH per AS (SELECT d.path, r.reason, count(*) AS n FROM rejects r JOIN dumps d USING (dump_id) GROUP BY ALL),
             worst AS (SELECT path FROM per GROUP BY path ORDER BY sum(n) DESC, path LIMIT {TOP_DUMPS})
        SELECT path, reason, n FROM per WHERE path IN (SELECT path FROM worst) ORDER BY path, reason""").fetchall()]
    data.rejected_dumps = int(con.execute(
        "SELECT count(*) FROM dumps WHERE status = 'rejected' AND missing_since_run_id IS NULL").fetchone()[0])  # type: ignore[index]
    cur = con.execute(f"SELECT * FROM ingest_runs ORDER BY run_id DESC LIMIT {LAST_RUNS}")
    names = [d[0] for d in cur.description or ()]
    data.runs = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    return data


def _config() -> dict[str, Any]:
    """pygal settings every chart shares: no external script, SVG ready to sit inside HTML."""
    return {"js": [], "disable_xml_declaration": True, "width": 1000, "height": 420, "legend_at_bottom": True,
            "legend_at_bottom_columns": 4, "truncate_legend": 40, "truncate_label": 40}


def monthly_chart(rows: list[tuple[date, str, int]], title: str) -> str | None:
    """Stacked bars: posts per month, one series per outlet (the largest ones; the rest as 'other outlets')."""
    import pygal

    if not rows:
        return None
    per_outlet: dict[str, int] = defaultdict(int)
    for _, outlet, n in rows:
        per_outlet[outlet] += n
    named = [o for o, _ in sorted(per_outlet.items(), key=lambda kv: (-kv[1], kv[0])) if o != UNKNOWN_OUTLET][:TOP_OUTLETS]
    first, last = min(m for m, _, _ in rows), max(m for m, _, _ in rows)
    months = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    counts: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for month, outlet, n in rows:
        counts[outlet if outlet in named or outlet == UNKNOWN_OUTLET else "other outlets"][month] += n
    chart = pygal.StackedBar(**_config(), x_label_rotation=-45, show_minor_x_labels=len(months) <= 36,
                             x_labels_major_every=12 if len(months) > 36 else None, title=title)
    chart.x_labels = [f"{mo:%Y-%m}" for mo in months]
    for outlet in [*named, "other outlets", UNKNOWN_OUTLET]:
        if outlet in counts:
            chart.add(outlet, [counts[outlet].get(mo) or None for mo in months])
    return str(chart.render(is_unicode=True))


def timeline_chart(data: ReportData) -> str | None:
    """The largest cross-published articles: each a row of dots at its copies' publication dates."""
    import pygal

    dated = [a for a in data.articles if any(c[1] for c in a["copies"])]
    if not dated:
        return None
    chart = pygal.DateTimeLine(**{**_config(), "height": 140 + 34 * len(dated), "truncate_legend": 60},
                               title="Cross-published articles: copies by date", x_value_formatter=lambda d: f"{d:%Y-%m-%d}",
                               x_label_rotation=-30, dots_size=6, range=(0.5, len(dated) + 0.5), show_y_guides=False,
                               show_legend=False, print_labels=True)  # the y labels name the articles; each dot its outlet
    chart.y_labels = [{"label": a["title"][:40], "value": len(dated) - i} for i, a in enumerate(dated)]
    for i, a in enumerate(dated):
        row = len(dated) - i
        points = [{"value": (c[1], row), "label": c[0]} for c in a["copies"] if c[1]]
        chart.add(a["title"], points)
    return str(chart.render(is_unicode=True))


def rejects_chart(data: ReportData) -> str | None:
    """Horizontal stacked bars: rejects per dump (the worst ones) and reason."""
    import pygal

    if not data.rejects:
        return None
    dumps = sorted({p for p, _, _ in data.rejects}, key=lambda p: (-sum(n for q, _, n in data.rejects if q == p), p))
    most = max(sum(n for q, _, n in data.rejects if q == p) for p in dumps)
    step = max(1, -(-most // 10))
    chart = pygal.HorizontalStackedBar(**{**_config(), "height": 160 + 26 * len(dumps)}, title="Rejects per dump and reason",
                                       y_labels=list(range(0, most + step, step)))  # whole rejects on the axis
    chart.x_labels = dumps
    for reason in sorted({r for _, r, _ in data.rejects}):
        by_dump = {p: n for p, r, n in data.rejects if r == reason}
        chart.add(reason, [by_dump.get(p) for p in dumps])
    return str(chart.render(is_unicode=True))


def _e(value: object) -> str:
    """Text for the page."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return html.escape(str(value))


def _table(headers: list[str], rows: list[list[object]], numeric: set[int] | None = None) -> str:
    """An HTML table."""
    numeric = numeric or set()
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td class=\"{'n' if i in numeric else ''}\">{_e(v)}</td>" for i, v in enumerate(r)) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(svg: str | None, name: str, empty: str) -> str:
    """A chart, or a line saying why there is none."""
    if svg is None:
        return f'<p class="empty" data-chart="{name}">{html.escape(empty)}</p>'
    return f'<figure class="chart" data-chart="{name}">{svg}</figure>'


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1060px; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .9rem; } td, th { padding: .2rem .6rem; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; } figure.chart { margin: .5rem 0; } figure.chart svg { width: 100%; height: auto; }
.totals span { display: inline-block; margin-right: 1.4rem; } .empty, .note { color: #666; }
"""


def render(data: ReportData, generated: datetime | None = None) -> str:
    """The whole page."""
    generated = generated or datetime.now(UTC).replace(tzinfo=None)
    undated = sum(n for _, n in data.undated)
    totals = "".join(f"<span><b>{v:,}</b> {html.escape(k)}</span>" for k, v in data.totals.items())
    undated_note = (f'<p class="note">{undated:,} posts show no publication date and are not in that chart: '
                    + ", ".join(f"{html.escape(o)} {n:,}" for o, n in sorted(data.undated, key=lambda x: -x[1]))
                    + ". The chart below counts them by the month their dump was saved (the file's time), not published.</p>"
                    if undated else "")
    article_rows = [[a["title"], a["members"], ", ".join(a["outlets"]), a["first_outlet"], a["first_at"],
                     "; ".join(f"{o} {c:%Y-%m-%d}" if c else f"{o} (undated)" for o, c, _, _ in a["copies"])] for a in data.articles]
    run_rows = [[r.get("run_id"), r.get("finished_at"), r.get("status"), r.get("dumps_new"), r.get("dumps_changed"),
                 r.get("posts_added"), r.get("posts_updated"), r.get("dumps_not_loaded")] for r in data.runs]
    reject_rows = [[p, r, n] for p, r, n in data.rejects]
    return f"""<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>blogetl report: {html.escape(Path(data.db_path).name)}</title>
<style>{STYLE}</style></head>
<body>
<h1>blogetl warehouse report</h1>
<p class="note">{html.escape(data.db_path)}, generated {generated:%Y-%m-%d %H:%M} UTC</p>
<p class="totals">{totals}</p>
<h2>Posts per month of publication, per outlet</h2>
{_figure(monthly_chart(data.monthly, "Posts per month of publication"), "monthly", "No post shows a publication date yet.")}
{undated_note}
{_figure(monthly_chart(data.scraped, "Posts without a publication date, per month their page was saved"), "scraped",
         "") if data.scraped else ""}
<h2>The largest cross-published articles</h2>
{_figure(timeline_chart(data), "timeline", "No cross-published article shows a publication date.")}
{_table(["article", "copies", "outlets", "first outlet", "first published", "copies by date"], article_rows, {1})
 if article_rows else '<p class="empty">No article was published more than once.</p>'}
<h2>Rejects per dump and reason</h2>
<p class="note">{data.rejected_dumps:,} dumps under raw/ rejected whole; {data.totals.get("rejects", 0):,} rejects in all.</p>
{_figure(rejects_chart(data), "rejects", "No rejects: every line of every dump was placed.")}
{_table(["dump", "reason", "rejects"], reject_rows, {2}) if reject_rows else ""}
<h2>The last runs</h2>
{_table(["run", "finished (UTC)", "status", "new dumps", "changed", "posts added", "updated", "need a look"], run_rows, {0, 3, 4, 5, 6, 7})}
</body></html>
"""


def default_out(db_path: Path | str) -> Path:
    """Where the page goes unless told: beside the warehouse, blog.duckdb -> blog-report.html."""
    db = Path(db_path)
    return db.with_name(f"{db.stem}-report.html")


def write_report(db_path: Path | str, out: Path | str) -> Path:
    """Read the published warehouse (a fresh snapshot) and write the page to out."""
    from blogetl.warehouse.access import connect
    from blogetl.warehouse.errors import WarehouseError

    with connect(db_path, fresh=True) as con:
        try:
            data = gather(con, str(db_path))
        except duckdb.CatalogException as exc:
            raise WarehouseError(f"{db_path} lacks what the report reads ({str(exc).splitlines()[0]}): it was published by an "
                                 "older blogetl; any blogetl ingest run (even one with nothing new) brings its views up to date") from exc
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(data), encoding="utf-8")
    return target
