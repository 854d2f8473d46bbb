"""Parsed dumps as compact Arrow tables: what parse tasks ship to the single warehouse writer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from operator import itemgetter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from blogetl.ids import stable_id
from blogetl.models import DumpStatus, ParseResult, Post
from blogetl.parse.identity import HEAD_CHARS, SHINGLE_WORDS, SKETCH_SIZE, disambiguate
from blogetl.sources.files import DumpFile
from blogetl.warehouse.schema import (
    COMMENT_SIGHTINGS,
    DUMPS,
    POST_SIGHTINGS,
    REJECTS,
    Table,
    arrow_schema,
)


@dataclass(frozen=True)
class DumpTables:
    """One or more parsed dumps, one Arrow table per staged warehouse table (picklable)."""

    dumps: pa.Table
    post_sightings: pa.Table
    comment_sightings: pa.Table
    rejects: pa.Table

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled as Arrow IPC streams (what parse workers send back, what the flow's parse cache
        stores): pickling the tables themselves cost 2.5x writing the streams and reading them back
        6x, mostly per table, and a dump has four; a table that is the shared empty one stays it."""
        return _from_ipc, tuple(None if t is empty else _ipc(t) for empty, t in zip(_EMPTIES, self.tables(), strict=True))

    @property
    def paths(self) -> list[str]:
        """Paths (relative to raw/) of the dumps held."""
        return [str(p) for p in self.dumps.column("path").to_pylist()]

    def rejected(self) -> dict[str, str]:
        """Dumps the parser rejected whole (empty, binary, no structure): path -> the reasons."""
        reasons: dict[str, set[str]] = {}
        for dump_id, reason in zip(self.rejects.column("dump_id").to_pylist(),
                                   self.rejects.column("reason").to_pylist(), strict=True):
            reasons.setdefault(str(dump_id), set()).add(str(reason))
        return {
            str(row["path"]): "rejected by the parser: " + ", ".join(sorted(reasons.get(str(row["dump_id"]), ())))
            for row in self.dumps.select(["dump_id", "path", "status"]).to_pylist()
            if row["status"] == "rejected"
        }

    def cut_short(self, profiles: Collection[str]) -> list[str]:
        """Dumps read with one of `profiles` (pages whose closing chrome the parser knows) that end inside a
        post or a comment: a file still being written looks like that."""
        ended_inside = {str(d) for t in (self.post_sightings, self.comment_sightings)
                        for d, cut in zip(t.column("dump_id").to_pylist(), t.column("truncated").to_pylist(), strict=True)
                        if cut}
        return [str(row["path"]) for row in self.dumps.select(["dump_id", "path", "profile"]).to_pylist()
                if row["dump_id"] in ended_inside and row["profile"] in profiles]

    def only(self, dump_ids: set[str]) -> DumpTables:
        """The same tables restricted to some dumps."""
        keep = pa.array(sorted(dump_ids), pa.string())
        return DumpTables(*(t.filter(pc.is_in(t.column("dump_id"), value_set=keep)) for t in self.tables()))

    def tables(self) -> list[pa.Table]:
        """The four tables in field order."""
        return [getattr(self, f.name) for f in fields(self)]

    @classmethod
    def concat(cls, parts: Sequence[DumpTables]) -> DumpTables:
        """One batch from many parts; a dump path given twice keeps its last version."""
        ids = [part.dumps.column("dump_id").to_pylist() for part in parts]
        owner: dict[str, int] = {}
        for index, part_ids in enumerate(ids):
            owner.update(dict.fromkeys(part_ids, index))
        # a part is filtered only when a later part holds one of its dumps (filtering every part cost
        # a tenth of the load: 4 tables x 2,481 parts at 100 MB)
        kept = [part if all(owner[d] == index for d in part_ids) else part.only({d for d in part_ids if owner[d] == index})
                for index, (part, part_ids) in enumerate(zip(parts, ids, strict=True))]
        if not kept:
            return empty_tables()
        return cls(*(pa.concat_tables(group) for group in zip(*(k.tables() for k in kept), strict=True)))


STAGED_TABLES: tuple[Table, ...] = (DUMPS, POST_SIGHTINGS, COMMENT_SIGHTINGS, REJECTS)
# Per staged table: its rows' type, and the table holding no row (a table is immutable: one serves every dump).
_ROW_TYPES = {t.name: pa.struct(list(arrow_schema(t))) for t in STAGED_TABLES}
_EMPTY = {t.name: arrow_schema(t).empty_table() for t in STAGED_TABLES}


_EMPTIES = tuple(_EMPTY[t.name] for t in STAGED_TABLES)  # in DumpTables' field order


def _ipc(table: pa.Table) -> bytes:
    """A table as the bytes of an Arrow IPC stream."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    data: bytes = sink.getvalue().to_pybytes()
    return data


def _from_ipc(*streams: bytes | None) -> DumpTables:
    """DumpTables from _ipc's streams (None: the table holding no row)."""
    return DumpTables(*(empty if data is None else pa.ipc.open_stream(data).read_all()
                        for empty, data in zip(_EMPTIES, streams, strict=True)))


def layout_digest() -> str:
    """A hash of what parsed-dump tables hold (staged schemas; the sketch settings, which post ids of repeated
    titles on a page depend on), for the parse cache key."""
    layout = [str(arrow_schema(t)) for t in STAGED_TABLES] + [str(v) for v in (SHINGLE_WORDS, SKETCH_SIZE, HEAD_CHARS)]
    return stable_id("layout", *layout)


def empty_tables() -> DumpTables:
    """A batch holding no dump."""
    return DumpTables(*(_EMPTY[t.name] for t in STAGED_TABLES))


def dump_id_for(path: str) -> str:
    """The dump id: a hash of the path under raw/, so a changed file keeps its id."""
    return stable_id("dump", path)


def dump_status(result: ParseResult) -> DumpStatus:
    """loaded, partially_rejected or rejected."""
    if not result.rejects:
        return DumpStatus.LOADED
    return DumpStatus.PARTIALLY_REJECTED if result.posts or result.comments else DumpStatus.REJECTED


def _unique(rows: Iterable[dict[str, Any]], key: Sequence[str]) -> list[dict[str, Any]]:
    """Rows with the first of each key kept (ON CONFLICT would keep an arbitrary one)."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        out.setdefault(tuple(row[k] for k in key), row)
    return list(out.values())


def _struct_table(table: Table, unique: Sequence[Any]) -> pa.Table:
    """Rows (dicts, or tuples in the order of the staged columns), keys unique, as an Arrow table (the
    shared empty one when there are none)."""
    if not unique:
        return _EMPTY[table.name]
    return pa.Table.from_batches([pa.RecordBatch.from_struct_array(pa.array(unique, type=_ROW_TYPES[table.name]))])


def _unique_tuples(rows: Sequence[tuple[Any, ...]], key: Sequence[int]) -> list[tuple[Any, ...]]:
    """_unique of rows as tuples, the key given by column indexes."""
    get = itemgetter(*key)
    out: dict[Any, tuple[Any, ...]] = {}
    for row in rows:
        out.setdefault(get(row), row)
    return list(out.values())


def _dump_row(dump: DumpFile, result: ParseResult, modified_at: datetime | None, text_utf8: bytes | None = None) -> tuple[Any, ...]:
    """The dumps row of one parsed dump (a tuple in the order of the staged columns; text_utf8: the UTF-8
    of result.text, when known, converted instead of the text)."""
    row: tuple[Any, ...] = _DUMP_ROW({
        "dump_id": dump_id_for(dump.path), "path": dump.path, "sha256": dump.sha256, "size": dump.size,
        "encoding": result.encoding, "source_format": result.source_format, "page_kind": result.page_kind.value,
        "site": result.site, "status": dump_status(result), "posts_found": len(result.posts),
        "comments_found": len(result.comments), "rejects_found": len(result.rejects),
        "parser_version": result.parser_version, "file_modified_at": modified_at, "decoded_text": result.text if text_utf8 is None else text_utf8,
        "profile": result.profile, "mojibake_repaired": result.mojibake_repaired,
    })
    return row


def _post_rows(dump_id: str, posts: Sequence[Post]) -> list[tuple[Any, ...]]:
    """post_sightings rows of one dump (tuples in the order of its staged columns): one per post id, the
    first complete copy, with its copies counted.  A post's fields are read from the record as
    model_dump gives them (none is serialised other than as it is held), its page kind as its value."""
    copies = Counter(p.post_id for p in posts)
    fields = _POST_FIELDS
    return [
        (p.post_id, dump_id, p.page_kind.value, *fields(p.__dict__), copies[p.post_id])
        for p in sorted(posts, key=lambda p: (p.truncated, p.position))  # a complete sighting first
    ]


_COLUMNS = {t.name: [f.name for f in _ROW_TYPES[t.name]] for t in STAGED_TABLES}
# post_sightings' columns: post_id, dump_id, page_kind, then the post's fields, then copies
assert _COLUMNS[POST_SIGHTINGS.name][:3] == ["post_id", "dump_id", "page_kind"] and _COLUMNS[POST_SIGHTINGS.name][-1] == "copies"
_POST_FIELDS = itemgetter(*_COLUMNS[POST_SIGHTINGS.name][3:-1])
_DUMP_ROW = itemgetter(*_COLUMNS[DUMPS.name])
_KEYS = {t.name: [_COLUMNS[t.name].index(k) for k in t.key] for t in STAGED_TABLES}

# One dump's staged rows, unique by key: dumps and post_sightings as tuples, the others as dicts.
StagedRows = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[dict[str, Any]], list[dict[str, Any]]]


def staged_rows(dump: DumpFile, result: ParseResult, modified_at: datetime | None = None, *,
                text_utf8: bytes | None = None) -> StagedRows:
    """What to_arrow makes tables of: one dump's rows of each staged table (text_utf8: as to_arrow's)."""
    dump_id = dump_id_for(dump.path)
    posts, comments = disambiguate(result.posts, result.comments)  # the parser did; a hand-made result may not
    comment_cols = set(COMMENT_SIGHTINGS.staged)
    return (
        _unique_tuples([_dump_row(dump, result, modified_at, text_utf8)], _KEYS[DUMPS.name]),
        _unique_tuples(_post_rows(dump_id, posts), _KEYS[POST_SIGHTINGS.name]),
        _unique(({**c.model_dump(mode="json", include=comment_cols), "dump_id": dump_id} for c in comments),
                COMMENT_SIGHTINGS.key),
        _unique(({**r.model_dump(mode="json", include=set(REJECTS.staged)), "dump_id": dump_id,
                  "reject_id": stable_id("reject", dump_id, r.start_offset, r.end_offset, r.reason)}
                 for r in result.rejects), REJECTS.key),
    )


# Rows of each staged table per dump of a batch made by tables_of.
RowCounts = tuple[int, int, int, int]


def tables_of(rows: Sequence[StagedRows]) -> tuple[DumpTables, list[RowCounts]]:
    """Several dumps' rows as one DumpTables (one Arrow conversion per table: a conversion costs ~40 us
    before its first row, a dump's tables are small) and how many rows of each table each dump has, in
    order: split_tables gives each dump's own."""
    counts: list[RowCounts] = [(len(d), len(p), len(c), len(r)) for d, p, c, r in rows]
    tables = [_struct_table(table, [row for dump in rows for row in dump[k]]) for k, table in enumerate(STAGED_TABLES)]
    return DumpTables(*tables), counts


def split_tables(whole: DumpTables, counts: Sequence[RowCounts]) -> list[DumpTables]:
    """Each dump's tables out of tables_of's (slices, no copy; a table holding no row is the shared empty one)."""
    if len(counts) == 1:
        return [whole]
    out = []
    offsets = [0, 0, 0, 0]
    for n in counts:
        parts = []
        for k, (table, empty) in enumerate(zip(whole.tables(), _EMPTIES, strict=True)):
            parts.append(table.slice(offsets[k], n[k]) if n[k] else empty)
            offsets[k] += n[k]
        out.append(DumpTables(*parts))
    return out


def to_arrow(dump: DumpFile, result: ParseResult, *, modified_at: datetime | None = None,
             text_utf8: bytes | None = None) -> DumpTables:
    """One parsed dump as Arrow tables; modified_at is the file's mtime (naive UTC) when known; text_utf8
    the UTF-8 of result.text when the caller has it (the dump's bytes, Decoded.utf8): not encoded again."""
    whole, _ = tables_of([staged_rows(dump, result, modified_at, text_utf8=text_utf8)])
    return whole
