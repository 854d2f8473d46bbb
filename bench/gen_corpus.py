"""Generate a blog/newspaper corpus with known cross-publications (deterministic by seed).

Every sentence starts as a real sentence of the sample dumps in raw/ and has about half of
its words swapped for other sample words, so texts read like the samples but no two
articles share text by accident.  On top of single posts the generator injects what the
dedup stage must find or must leave alone:

- versions: an op-ed printed 2-3 times (VK, Folkbladet, blog), each copy edited: sentences
  dropped, reworded and moved, paragraphs swapped, its own intro naming the outlet;
- quotes: trade-press reports (Offentliga Affärer style) quoting 20-40 % of one version in
  2-5 chunks framed by the reporter's own sentences;
- re-scrapes: the same post scraped again under another id;
- reuse: a new article that repeats one paragraph of an older one (two articles, not one);
- boilerplate: signature blocks and chrome lines shared by hundreds of unrelated posts.

``generate(n_posts, seed)`` returns posts (dicts shaped like the warehouse's ``posts`` rows)
and the truth.  Run as a script to print a summary or write JSON lines.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"
_SENT_SPLIT = re.compile(r"(?<=[.!?…”])\s+(?=[A-ZÅÄÖ”–])")
_CHROME = re.compile(r"^(Av , ,.*|\d+ kommentar(er)?|Bli först att kommentera|Arkiv|RSS .*)$")

SIGNATURES = [
    "Andreas Lundgren(s)\nOrdf, Individ- och familjenämnden",
    "Andreas Lundgren (S)\nordförande individ- och familjenämnden",
    "Hans Lindberg, kommunstyrelsens ordförande (S) Umeå kommun och ordförande för Umeå drog- och brottsförebyggande råd",
    "Janet Ågren, kommunalråd (S) och ordförande för planeringsutskottet vid Umeå kommun",
    "Lena Sandlin\nTf ordförande föreningen\nHand i Hand för kvinnofrid",
    "Peter Vigren (S)\nordförande gymnasie- och vuxenutbildningsnämnden",
    "Läs mer på min blogg och följ mig på Facebook där jag skriver om politiken i Umeå kommun varje vecka",
    "Med vänliga hälsningar\nSocialdemokraterna i Umeå",
]
CHROME_LINES = [
    "Läs hela debattartikeln här nedan:",
    "Läs vår debattartikel här nedan:",
    "Du kan även läsa debattartikeln här nedan:",
    "Läs mer här.",
]
NAMES = ["Hans Lindberg", "Janet Ågren", "Lena Sandlin", "Peter Vigren", "Anna Berg", "Erik Bergkvist"]
OUTLET_INTROS = {
    "VK": ["I dagens VK {d}/{m} skriver jag tillsammans med {name} om"],
    "Folkbladet": [
        "I dagens Folkbladet skriver jag tillsammans med {name} om",
        "Folkbladet publicerar på webben min och {name}s debattartikel om",
    ],
    "VK+Folkbladet": ["I dagens Västerbottens Kuriren och Västerbottens Folkblad svarar jag på"],
}


@dataclass
class Truth:
    """What the generator injected."""

    article_of: dict[str, str] = field(default_factory=dict)  # post_id -> true article
    relation: dict[str, str] = field(default_factory=dict)  # version | duplicate | quote
    source_of: dict[str, str] = field(default_factory=dict)  # duplicate/quote -> its source post
    outlets: dict[str, list[str]] = field(default_factory=dict)  # post_id -> outlet names
    reuse_pairs: list[tuple[str, str]] = field(default_factory=list)  # (new, old): keep apart


@dataclass
class Corpus:
    """Generated posts and their truth."""

    posts: list[dict[str, str | None]]
    truth: Truth


def sample_sentences(raw: Path = RAW) -> list[str]:
    """Sentences of five or more words from the sample dumps (chrome lines skipped)."""
    out: list[str] = []
    for path in sorted(raw.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or _CHROME.match(line):
                continue
            out.extend(s for s in _SENT_SPLIT.split(line) if len(s.split()) >= 5)
    return sorted(set(out))


class Writer:
    """Makes sentences, paragraphs and edits from the sample pool with one seeded RNG."""

    def __init__(self, rng: random.Random, sentences: list[str], mutate: float) -> None:
        self.rng = rng
        self.sentences = sentences
        self.vocab = sorted({w for s in sentences for w in s.split()})
        self.mutate = mutate

    def sentence(self, p: float | None = None, base: str | None = None) -> str:
        """A sample sentence with a share p of its words swapped for other sample words."""
        p = self.mutate if p is None else p
        words = (base or self.rng.choice(self.sentences)).split()
        words = [self.rng.choice(self.vocab) if self.rng.random() < p else w for w in words]
        text = " ".join(words)
        return text[0].upper() + text[1:] if text else text

    def paragraphs(self, lo: int, hi: int) -> list[list[str]]:
        """lo..hi paragraphs of 1-3 fresh sentences."""
        return [
            [self.sentence() for _ in range(self.rng.randint(1, 3))]
            for _ in range(self.rng.randint(lo, hi))
        ]

    def title(self) -> str:
        """A short fresh title."""
        words = self.sentence().rstrip(".!?").split()
        return " ".join(words[: self.rng.randint(3, 9)])

    def rephrase(self, sentence: str) -> str:
        """An editor's touch: one or two phrases of 1-4 words replaced, cut or added."""
        words = sentence.split()
        for _ in range(self.rng.randint(1, 2)):
            at = self.rng.randrange(len(words))
            cut = self.rng.randint(0, min(4, len(words) - at))
            new = [self.rng.choice(self.vocab) for _ in range(self.rng.randint(0 if cut else 1, 4))]
            words[at : at + cut] = new
        return " ".join(words) or sentence

    def edit(self, paras: list[list[str]]) -> list[list[str]]:
        """An edited version: sentences dropped, reworded, added; a paragraph pair swapped."""
        rng = self.rng
        drop, reword = rng.uniform(0.05, 0.25), rng.uniform(0.05, 0.2)
        out: list[list[str]] = []
        for para in paras:
            kept = [s for s in para if rng.random() >= drop]
            kept = [self.rephrase(s) if rng.random() < reword else s for s in kept]
            if rng.random() < 0.1:
                kept.insert(rng.randint(0, len(kept)), self.sentence())
            if kept:
                out.append(kept)
        if len(out) > 3 and rng.random() < 0.3:
            i = rng.randrange(len(out) - 1)
            out[i], out[i + 1] = out[i + 1], out[i]
        return out


def render(paras: list[list[str]], extra: list[str] = ()) -> str:  # type: ignore[assignment]
    """Paragraphs (one per line, blank line between) and extra blocks."""
    return "\n\n".join([" ".join(p) for p in paras] + list(extra))


class Generator:
    """Builds the corpus article by article until n_posts exist."""

    def __init__(self, n_posts: int, seed: int, mutate: float = 0.5) -> None:
        self.rng = random.Random(seed)
        self.w = Writer(self.rng, sample_sentences(), mutate)
        self.n_posts = n_posts
        self.seed = seed
        self.posts: list[dict[str, str | None]] = []
        self.truth = Truth()
        self.article_paras: list[tuple[str, str, list[list[str]]]] = []  # (article, post, paras)
        self.reused: list[tuple[str, str, str]] = []  # (new article, old article, paragraph)

    def _post(self, article: str, relation: str, title: str, body: str, **kw: str | None) -> str:
        """Append one post and its truth; returns its id."""
        post_id = f"g{self.seed}-{len(self.posts):07d}"
        self.posts.append({"post_id": post_id, "title": title, "body": body,
                           "site": kw.get("site", "vk.se"), "page_kind": kw.get("page_kind", "listing")})
        self.truth.article_of[post_id] = article
        self.truth.relation[post_id] = relation
        return post_id

    def _signature(self) -> list[str]:
        """A shared signature block for about 40 % of posts."""
        return [self.rng.choice(SIGNATURES)] if self.rng.random() < 0.4 else []

    def single(self, article: str) -> None:
        """An ordinary blog post."""
        paras = self.w.paragraphs(2, 8)
        if self.rng.random() < 0.15:
            paras.insert(1, [self.rng.choice(CHROME_LINES)])
        pid = self._post(article, "version", self.w.title(), render(paras, self._signature()))
        self.truth.outlets[pid] = []
        self.article_paras.append((article, pid, paras))

    def op_ed(self, article: str) -> None:
        """An op-ed printed in 2-3 outlets, each copy edited, then maybe quoted."""
        base = self.w.paragraphs(6, 14)
        signature = [self.rng.choice(SIGNATURES[:4])] if self.rng.random() < 0.7 else []
        outlets = self.rng.sample(["VK", "Folkbladet", "VK+Folkbladet", "blog"], self.rng.randint(2, 3))
        versions = []
        for outlet in outlets:
            paras = self.w.edit(base)
            intro = self._intro(outlet)
            body = render(intro + paras, signature)
            pid = self._post(article, "version", self.w.title(), body)
            self.truth.outlets[pid] = [] if outlet == "blog" else outlet.split("+")
            versions.append((pid, paras))
            self.article_paras.append((article, pid, paras))
        for _ in range(self.rng.choice([0, 0, 1, 1, 2])):
            self.quote(article, *self.rng.choice(versions))

    def _intro(self, outlet: str) -> list[list[str]]:
        """A version's own opening: the outlet phrase, a fresh sentence, maybe chrome."""
        if outlet == "blog":
            return [[self.w.sentence()]] if self.rng.random() < 0.5 else []
        phrase = self.rng.choice(OUTLET_INTROS[outlet]).format(
            d=self.rng.randint(1, 28), m=self.rng.randint(1, 12), name=self.rng.choice(NAMES))
        rest = self.w.sentence().rstrip(".")
        intro = [[f"{phrase} {rest[0].lower()}{rest[1:]}.", self.w.sentence()]]
        if self.rng.random() < 0.6:
            intro.append([self.rng.choice(CHROME_LINES)])
        return intro

    def quote(self, article: str, source: str, paras: list[list[str]]) -> None:
        """A trade-press report quoting 20-40 % of a version in 2-5 framed chunks."""
        rng = self.rng
        sents = [s for p in paras for s in p]
        total = sum(len(s.split()) for s in sents)
        want, k = rng.uniform(0.2, 0.4) * total, rng.randint(2, 5)
        starts = sorted(rng.sample(range(len(sents)), min(k, len(sents))))
        chunks: list[list[str]] = []
        got = 0
        for i, start in enumerate(starts):
            stop = starts[i + 1] if i + 1 < len(starts) else len(sents)
            chunk: list[str] = []
            for s in sents[start:stop]:
                if got >= want * (i + 1) / len(starts):
                    break
                chunk.append(s)
                got += len(s.split())
            if chunk:
                chunks.append(chunk)
        body = self._report(chunks, got * rng.uniform(1.0, 2.5))
        pid = self._post(article, "quote", self.w.title(), body,
                         site="offentligaaffarer.se", page_kind="article")
        self.truth.source_of[pid] = source
        self.truth.outlets[pid] = ["Offentliga Affärer"]

    def _report(self, chunks: list[list[str]], own_words: float) -> str:
        """Reporter text around quoted chunks, about own_words words of it."""
        name = self.rng.choice(NAMES)
        per_gap = max(1, round(own_words / 18 / (len(chunks) + 1)))
        lines = [" ".join(self.w.sentence() for _ in range(per_gap))]
        for i, chunk in enumerate(chunks):
            quoted = " ".join(chunk).rstrip(".")
            lines.append(f"– {quoted}, säger {name}." if i % 2 == 0 else f"”{quoted}” menar {name}.")
            lines.append(" ".join(self.w.sentence() for _ in range(per_gap)))
        lines.insert(1, f"{name} uppger för OFFENTLIGA AFFÄRER att {self.w.sentence().lower()}")
        return "\n\n".join(lines)

    def rescrape(self) -> None:
        """The same post scraped again under another id (another site or a title variant)."""
        src = self.rng.choice(self.posts)
        while self.truth.relation[str(src["post_id"])] == "quote":  # quotes are not re-scraped
            src = self.rng.choice(self.posts)
        sid = str(src["post_id"])
        pid = self._post(self.truth.article_of[sid], "duplicate", f"{src['title']} (kopia)",
                         str(src["body"]), site=src["site"], page_kind="single")
        self.truth.source_of[pid] = sid
        self.truth.outlets[pid] = self.truth.outlets.get(sid, [])

    def reuse(self, article: str) -> None:
        """A new article repeating one paragraph (2-4 sentences) of an older article."""
        old_article, _, old_paras = self.rng.choice(self.article_paras)
        old_words = sum(len(s.split()) for p in old_paras for s in p)
        fits = [p for p in old_paras if len(p) >= 2 and sum(len(s.split()) for s in p) <= 0.25 * old_words]
        if not fits:  # only "a few sentences of a longer text" counts as reuse
            self.single(article)
            return
        borrowed = list(self.rng.choice(fits))
        paras = self.w.paragraphs(5, 10)
        paras.insert(self.rng.randint(1, len(paras)), borrowed)
        pid = self._post(article, "version", self.w.title(), render(paras, self._signature()))
        self.truth.outlets[pid] = []
        self.reused.append((article, old_article, " ".join(borrowed)))

    def _reuse_pairs(self, keep: set[str]) -> list[tuple[str, str]]:
        """Pairs (new, old) of posts of two articles sharing a reused paragraph."""
        by_article: dict[str, list[dict[str, str | None]]] = {}
        for post in self.posts:
            if str(post["post_id"]) in keep and self.truth.relation[str(post["post_id"])] != "quote":
                by_article.setdefault(self.truth.article_of[str(post["post_id"])], []).append(post)
        pairs = []
        for new_article, old_article, text in self.reused:
            for new in by_article.get(new_article, []):
                for old in by_article.get(old_article, []):
                    if text in str(old["body"]):
                        pairs.append((str(new["post_id"]), str(old["post_id"])))
        return pairs

    def run(self) -> Corpus:
        """Generate until n_posts posts exist."""
        n = 0
        while len(self.posts) < self.n_posts:
            article = f"a{self.seed}-{n:07d}"
            n += 1
            roll = self.rng.random()
            if roll < 0.10:
                self.op_ed(article)
            elif roll < 0.15 and self.article_paras:
                self.reuse(article)
            elif roll < 0.19 and self.posts:
                self.rescrape()
            else:
                self.single(article)
        return Corpus(self.posts[: self.n_posts], self._trimmed_truth())

    def _trimmed_truth(self) -> Truth:
        """Truth restricted to the posts kept."""
        keep = {str(p["post_id"]) for p in self.posts[: self.n_posts]}
        t = self.truth
        return Truth(
            {k: v for k, v in t.article_of.items() if k in keep},
            {k: v for k, v in t.relation.items() if k in keep},
            {k: v for k, v in t.source_of.items() if k in keep and v in keep},
            {k: v for k, v in t.outlets.items() if k in keep},
            self._reuse_pairs(keep),
        )


def generate(n_posts: int, seed: int = 1) -> Corpus:
    """A deterministic corpus of n_posts posts with its truth."""
    return Generator(n_posts, seed).run()


def main(argv: list[str] | None = None) -> None:
    """Print a summary of a generated corpus, or write it as JSON lines."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, help="write posts as JSON lines here")
    args = ap.parse_args(argv)
    corpus = generate(args.posts, args.seed)
    if args.out:
        with args.out.open("w", encoding="utf-8") as fh:
            for post in corpus.posts:
                fh.write(json.dumps(post, ensure_ascii=False) + "\n")
    rel: dict[str, int] = {}
    for r in corpus.truth.relation.values():
        rel[r] = rel.get(r, 0) + 1
    print(f"{len(corpus.posts)} posts, {len(set(corpus.truth.article_of.values()))} articles, "
          f"relations {rel}, reuse pairs {len(corpus.truth.reuse_pairs)}", file=sys.stderr)


if __name__ == "__main__":
    main()
