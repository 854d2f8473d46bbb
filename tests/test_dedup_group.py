"""Grouping verified pairs into articles, and article ids that survive runs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from blogetl.dedup.group import Group, Pair, PostInfo, Previous, assign_ids, group
from blogetl.ids import stable_id


def pair(a: str, b: str, relation: str, matched: int = 50, quoter: str | None = None) -> Pair:
    """A pair with plausible figures; quoter defaults to b for quotes."""
    a, b = sorted((a, b))
    q = (quoter or b) if relation == "quote" else None
    return Pair(a, b, relation, q, 0.5, 0.5, matched, 3)


def posts(*ids: str, words: dict[str, int] | None = None) -> dict[str, PostInfo]:
    """PostInfo for ids, 100 words unless told."""
    return {i: PostInfo((words or {}).get(i, 100)) for i in ids}


def as_sets(groups: list[Group]) -> set[frozenset[tuple[str, str]]]:
    """Groups as comparable sets of (post, relation)."""
    return {frozenset(g.members.items()) for g in groups}


def test_versions_and_duplicates_join_quotes_attach() -> None:
    ps = posts("vk", "fb", "vk-copy", "report", "alone", words={"vk": 800, "fb": 420, "vk-copy": 800})
    groups = group(ps, [pair("vk", "fb", "version"), pair("vk", "vk-copy", "duplicate"),
                        pair("vk", "report", "quote", quoter="report")])
    assert as_sets(groups) == {
        frozenset({("vk", "version"), ("fb", "version"), ("vk-copy", "duplicate"), ("report", "quote")}),
        frozenset({("alone", "version")}),
    }
    big = next(g for g in groups if len(g.members) > 1)
    assert big.canonical == "vk"  # most words; the copy ties on words and loses on id
    assert big.best["report"].relation == "quote" and big.best["fb"].other("fb") == "vk"


def test_a_report_quoting_two_op_eds_never_merges_them() -> None:
    ps = posts("a1", "a2", "b1", "report")
    groups = group(ps, [pair("a1", "a2", "version"), pair("report", "a1", "quote", 40, "report"),
                        pair("report", "b1", "quote", 90, "report")])
    assert as_sets(groups) == {
        frozenset({("a1", "version"), ("a2", "version")}),
        frozenset({("b1", "version"), ("report", "quote")}),  # the article it quotes most
    }


def test_between_single_posts_only_the_quoter_attaches() -> None:
    groups = group(posts("op", "rep"), [pair("op", "rep", "quote", quoter="rep")])
    assert as_sets(groups) == {frozenset({("op", "version"), ("rep", "quote")})}


def test_a_post_that_attaches_is_not_a_target() -> None:
    # r2 quotes r1, r1 quotes op: r1 joins op's article; r2's only target is attaching, so it stays.
    groups = group(posts("op", "r1", "r2"), [pair("op", "r1", "quote", quoter="r1"),
                                             pair("r1", "r2", "quote", quoter="r2")])
    assert as_sets(groups) == {frozenset({("op", "version"), ("r1", "quote")}), frozenset({("r2", "version")})}


def test_shared_pairs_never_group() -> None:
    groups = group(posts("a", "b"), [pair("a", "b", "shared")])
    assert len(groups) == 2


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_grouping_ignores_input_order(data: st.DataObject) -> None:
    ids = [f"p{i}" for i in range(8)]
    rel = st.sampled_from(["duplicate", "version", "quote", "shared"])
    raw = data.draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids), rel,
                                       st.integers(10, 90)), max_size=12))
    pairs = {tuple(sorted((a, b))): pair(a, b, r, m) for a, b, r, m in raw if a != b}
    shuffled = data.draw(st.permutations(list(pairs.values())))
    first = group(posts(*ids), list(pairs.values()))
    second = group(posts(*reversed(ids)), shuffled)
    assert [(g.canonical, g.members) for g in first] == [(g.canonical, g.members) for g in second]
    assert sorted(p for g in first for p in g.members) == sorted(ids)  # every post exactly once


# --- ids --------------------------------------------------------------------------------------


def prev_state(groups: list[Group], ids: list[str], created: dict[str, int], taken: set[str] = frozenset()) -> Previous:
    """The Previous a run with these groups and ids would leave."""
    return Previous({m: aid for g, aid in zip(groups, ids, strict=True) for m in g.members},
                    {aid: g.canonical for g, aid in zip(groups, ids, strict=True)}, created,
                    frozenset(set(ids) | set(taken)))


def test_new_articles_get_ids_from_their_canonical_post() -> None:
    groups = group(posts("a", "b"), [])
    result = assign_ids(groups, Previous({}, {}, {}), run_no=1)
    assert result.ids == [stable_id("article", "a"), stable_id("article", "b")]
    assert result.redirects == {} and set(result.created.values()) == {1}


def test_a_new_version_joining_keeps_the_article_id_even_as_canonical() -> None:
    run1 = group(posts("short"), [])
    ids1 = assign_ids(run1, Previous({}, {}, {}), 1)
    run2 = group(posts("short", "long", words={"long": 900}), [pair("short", "long", "version")])
    ids2 = assign_ids(run2, prev_state(run1, ids1.ids, ids1.created), 2)
    assert run2[0].canonical == "long"
    assert ids2.ids == ids1.ids and ids2.created == ids1.created and ids2.redirects == {}


def test_merge_keeps_the_older_id_and_redirects_the_other() -> None:
    run1 = group(posts("a"), [])
    ids1 = assign_ids(run1, Previous({}, {}, {}), 1)
    prev1 = prev_state(run1, ids1.ids, ids1.created)
    run2 = group(posts("a", "b"), [])
    ids2 = assign_ids(run2, prev1, 2)  # b is new in run 2: younger
    run3 = group(posts("a", "b", "bridge"), [pair("a", "bridge", "version"), pair("b", "bridge", "version")])
    ids3 = assign_ids(run3, prev_state(run2, ids2.ids, ids2.created), 3)
    old_a, old_b = ids2.ids
    assert ids3.ids == [old_a]
    assert ids3.redirects == {old_b: old_a}


def test_unchanged_input_keeps_every_id() -> None:
    groups = group(posts("a", "b", "c"), [pair("a", "b", "version")])
    first = assign_ids(groups, Previous({}, {}, {}), 1)
    again = assign_ids(groups, prev_state(groups, first.ids, first.created), 2)
    assert again.ids == first.ids and again.created == first.created and again.redirects == {}


def test_a_split_leaves_the_old_id_with_the_old_canonical() -> None:
    joined = group(posts("a", "b", words={"a": 500}), [pair("a", "b", "version")])
    ids1 = assign_ids(joined, Previous({}, {}, {}), 1)
    apart = group(posts("a", "b", words={"a": 500}), [])
    ids2 = assign_ids(apart, prev_state(joined, ids1.ids, ids1.created), 2)
    assert ids2.ids[0] == ids1.ids[0]  # group of "a", the old canonical
    assert ids2.ids[1] not in ids1.ids and ids2.redirects == {}


def test_a_fresh_id_never_reuses_a_redirected_one() -> None:
    taken = {stable_id("article", "a")}
    result = assign_ids(group(posts("a"), []), Previous({}, {}, {}, frozenset(taken)), 5)
    assert result.ids == [stable_id("article", "a", 1)]
