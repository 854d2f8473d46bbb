"""Normalising, fingerprinting and aligning text: the building blocks of dedup."""

from __future__ import annotations

import unicodedata

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from blogetl.dedup.align import AlignParams, align
from blogetl.dedup.classify import classify, quoter
from blogetl.dedup.config import DEFAULT
from blogetl.dedup.fingerprint import fingerprint_bodies, ngram_hashes
from blogetl.dedup.normalise import (
    Vocab,
    line_keys,
    normalise_word,
    tokenise,
    tokenise_batch,
    word_hash,
)

PARAGRAPH = (
    "Tanken med detta uppdrag är tvådelat. Dels handlar det om att se till att våra skattemedel går "
    "till de människor som behöver samhällets stöd, dels handlar det om att förebygga och försvåra att "
    "organiserad brottslighet etablerar sig och får fotfäste i Umeå kommun."
)
OTHER = (
    "Nu gäller det för alla västerbottningar att hålla i och hålla ut. Regionen hade idag presskonferens "
    "och presenterade skärpta råd för befolkningen som ska tillämpas i hela länet från och med i morgon."
)


# --- normalising ----------------------------------------------------------------------------


def test_casefold_keeps_swedish_letters() -> None:
    assert normalise_word("FÖR") == "för"
    assert normalise_word("Umeå") == "umeå"
    assert normalise_word("för") != normalise_word("for")  # never strip diacritics
    assert normalise_word("Straße") == "strasse"  # casefold, not lower


def test_decomposed_input_is_the_same_word() -> None:
    nfd = unicodedata.normalize("NFD", "Västerbottens Folkblad för")
    doc = tokenise(nfd)
    assert [normalise_word(nfd[s:e]) for s, e in (doc.span(i) for i in range(len(doc)))] == [
        "västerbottens", "folkblad", "för"]
    assert doc.hashes.tolist() == tokenise("västerbottens folkblad FÖR").hashes.tolist()


def test_batch_keeps_offsets_lines_and_bodies_apart() -> None:
    bodies = ["Rad ett.\n\nRad två, ja!", "", "Ensam rad"]
    batch = tokenise_batch(bodies, Vocab())
    assert batch.post.tolist() == [0, 0, 0, 0, 0, 2, 2]
    assert batch.line.tolist() == [0, 0, 2, 2, 2, 0, 0]
    doc = batch.doc(0, bodies[0])
    assert [bodies[0][doc.span(i)[0]:doc.span(i)[1]] for i in range(len(doc))] == ["Rad", "ett", "Rad", "två", "ja"]
    assert len(batch.doc(1, "")) == 0


def test_hashes_are_pinned() -> None:
    """Stored fingerprints must stay comparable across library versions: pin the arithmetic."""
    assert word_hash("för") == 0x2B8DC65278CC3209  # xxh3_64 of b"f\xc3\xb6r"
    hashes = np.array([word_hash(w) for w in ["i", "dagens", "vk", "skriver", "jag"]], dtype=np.uint64)
    assert ngram_hashes(hashes, 5).tolist() == [PINNED_NGRAM]
    _, keys = line_keys(hashes, np.zeros(5, np.int64), np.zeros(5, np.int64))
    assert keys.tolist() == [PINNED_LINE]


PINNED_NGRAM = 4206785602280798443
PINNED_LINE = 8221844400698070511


def test_line_key_does_not_depend_on_position() -> None:
    batch = tokenise_batch(["Andreas Lundgren(s)\nText här", "Annat\n\nAndreas Lundgren (S)"], Vocab())
    d0, d1 = batch.doc(0, ""), batch.doc(1, "")
    assert d0.line_keys[0] == d1.line_keys[2]
    assert d0.line_keys[0] != d0.line_keys[1]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("abcåäö ÅÄÖ.,\n–é\u0308"), max_size=60), max_size=6))
def test_batch_equals_one_by_one(bodies: list[str]) -> None:
    """Tokenising in a batch gives each body exactly what tokenising it alone gives."""
    vocab = Vocab()
    batch = tokenise_batch(bodies, vocab)
    for i, body in enumerate(bodies):
        alone, together = tokenise(body, vocab), batch.doc(i, body)
        assert alone.hashes.tolist() == together.hashes.tolist()
        assert alone.starts.tolist() == together.starts.tolist()
        assert alone.line.tolist() == together.line.tolist()
        assert alone.line_keys == together.line_keys


# --- fingerprints ---------------------------------------------------------------------------


def test_fingerprints_stay_inside_lines_and_are_sampled_by_content() -> None:
    bodies = ["ett två tre fyra\nfem sex sju åtta nio", "fem sex sju åtta nio"]
    fp = fingerprint_bodies(bodies, n=5, sample_mod=1, vocab=Vocab())
    assert fp.fp_post.tolist() == [0, 1]  # "ett två tre fyra fem" spans a line break: not made
    assert fp.fp_hash[0] == fp.fp_hash[1]
    assert fp.fp_pos.tolist() == [4, 0]
    some = fingerprint_bodies([PARAGRAPH, "Inledning. " + PARAGRAPH], n=5, sample_mod=3, vocab=Vocab())
    first = set(some.fp_hash[some.fp_post == 0].tolist())
    assert first and first <= set(some.fp_hash[some.fp_post == 1].tolist())
    assert all(h % 3 == 0 for h in some.fp_hash.tolist())


# --- alignment ------------------------------------------------------------------------------


def text_of(body: str, start: int, end: int) -> str:
    """A slice, for readable asserts."""
    return body[start:end]


def test_alignment_finds_a_quoted_paragraph_with_offsets_in_both() -> None:
    a = OTHER + "\n\n" + PARAGRAPH
    b = "Debattörerna skriver så här om saken:\n\n" + PARAGRAPH + "\n\nSlut på citatet från debattörerna."
    al = align(tokenise(a), tokenise(b), AlignParams())
    (p,) = al.passages
    assert text_of(a, p.a_start, p.a_end) == PARAGRAPH.rstrip(".")
    assert text_of(b, p.b_start, p.b_end) == PARAGRAPH.rstrip(".")
    assert p.matched_words == len(PARAGRAPH.split())


def test_alignment_bridges_a_small_edit() -> None:
    edited = PARAGRAPH.replace("etablerar sig och får fotfäste", "får fotfäste")
    al = align(tokenise(PARAGRAPH), tokenise(edited), AlignParams())
    assert len(al.passages) == 1
    assert al.passages[0].matched_words == len(edited.split())  # every word of the edit is in the original
    assert al.cov_b == 1.0 and al.cov_a < 1.0


def test_alignment_ignores_masked_lines() -> None:
    sig = "Hans Lindberg, kommunstyrelsens ordförande (S) Umeå kommun och ordförande för Umeå drog- och brottsförebyggande råd"
    a, b = tokenise(OTHER + "\n" + sig), tokenise(PARAGRAPH + "\n" + sig)
    assert align(a, b, AlignParams()).matched == len(tokenise(sig))
    assert align(a, b, AlignParams(), mask_a={1}, mask_b={1}).passages == ()


def test_short_overlap_is_no_passage() -> None:
    a = tokenise(OTHER + " Det här är viktigt för oss alla.")
    b = tokenise(PARAGRAPH + " Det här är viktigt för oss alla.")
    assert align(a, b, AlignParams()).passages == ()  # 7 words < min_passage_words


def test_unrelated_texts_share_nothing() -> None:
    assert align(tokenise(PARAGRAPH), tokenise(OTHER), AlignParams()).passages == ()


# --- classification -------------------------------------------------------------------------


def test_classify_thresholds() -> None:
    assert classify(1.0, 0.97, 1, DEFAULT) == "duplicate"
    assert classify(0.32, 0.61, 4, DEFAULT) == "version"  # the sample op-ed, VK vs Folkbladet
    assert classify(0.235, 0.376, 6, DEFAULT) == "quote"  # the sample report vs the VK version
    assert classify(0.142, 0.169, 2, DEFAULT) == "shared"  # the report vs the shorter version
    assert classify(0.20, 0.39, 1, DEFAULT) == "shared"  # one reused paragraph
    assert classify(0.36, 0.40, 1, DEFAULT) == "quote"  # one long block of over a third
    assert classify(0.24, 0.9, 3, DEFAULT) == "quote"  # a short post that is mostly a quote


def test_quoter_is_the_post_made_of_the_other() -> None:
    assert quoter("a", "b", 0.2, 0.4) == "b"
    assert quoter("a", "b", 0.5, 0.4) == "a"
    assert quoter("b", "a", 0.3, 0.3) == "a"
