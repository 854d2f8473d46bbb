"""One author's different op-eds that reuse his own sentences stay apart; his edited copies group.

Modelled on real cross-publications (the labelled pages behind ``blogetl.dedup.config``): an
author writes an op-ed on housing every few months, repeating a sub-heading and a few
sentences with updated figures; he prints an op-ed in VK and posts it on his blog under a new
intro with a couple of sentences reworded; a trade paper reports on it in reported speech; a
short yearly post repeats one paragraph of last year's.  The texts are our own.
"""

from __future__ import annotations

import duckdb
import pytest

from blogetl.dedup import create_input, run
from blogetl.dedup.classify import is_report
from blogetl.ids import stable_id

SUBHEAD = "Fler bostäder behövs i hela kommunen!"
GOAL = ("Kommunens mål är att det ska byggas tvåtusen nya bostäder varje år, men resultatet har år efter år "
        "stannat långt under det målet.")
BUILDERS = ("De privata byggherrarna och det kommunala bostadsbolaget måste tillsammans få bättre möjligheter "
            "att planera, finansiera och bygga nya hyresrätter.")

# Housing op-ed, spring: new figures on completed homes, the sub-heading, two recurring sentences.
HOUSING_SPRING = "\n\n".join([
    "Bostadsbristen är inte längre en fråga bara för studenter och nyinflyttade. I vår berättar både "
    "undersköterskor och ingenjörer att de tackat nej till jobb i Umeå eftersom de inte hittat någonstans att bo.",
    "Enligt den senaste sammanställningen blev drygt fyrahundra bostäder klara under förra året. Det är det "
    "lägsta antalet på nästan ett decennium och långt från vad en växande kommun behöver.",
    SUBHEAD,
    GOAL + " Varje år som målet missas växer kön och hyrorna i andra hand stiger.",
    "Vi vill därför korta handläggningstiderna för detaljplaner, släppa fram fler markanvisningar i "
    "kommundelarna och låta byggherrar som vill bekosta planarbetet göra det.",
    BUILDERS + " Ingen aktör klarar bristen på egen hand.",
    "Bostäderna är nyckeln till att Umeå ska kunna fortsätta växa.",
])
# Housing op-ed, autumn: about detached houses; the same sub-heading and the same two sentences.
HOUSING_AUTUMN = "\n\n".join([
    "Den som vill köpa en villa eller ett radhus i Umeå möts i dag av ett utbud som knappt finns. Under de "
    "senaste tio åren har småhusen varit en liten del av allt som byggts i kommunen.",
    "Många barnfamiljer söker sig därför till grannkommunerna, trots att de arbetar i staden och helst vill bo "
    "nära skola och förskola här.",
    SUBHEAD,
    "Vi föreslår att kommunen snabbt planlägger nya villaområden i Röbäck och längs älven, och att tomtkön "
    "öppnas även för dem som vill bygga själva.",
    GOAL,
    "Småhusen frigör dessutom lägenheter för unga och äldre när familjer flyttar vidare, så hela "
    "bostadsmarknaden får fart.",
    BUILDERS,
    "Tomter åt fler är ett löfte vi tänker hålla.",
])

# An op-ed as printed in VK, and the author's blog copy: a new intro, two sentences reworded.
OP_ED_VK = "\n\n".join([
    "Trygghet i vardagen är en förutsättning för att en stad ska fungera. Den som inte vågar gå hem ensam "
    "från bussen på kvällen har inte samma frihet som andra, och det drabbar oftast kvinnor och unga.",
    "I kommunens senaste folkhälsoenkät uppger nästan hälften av de unga tjejerna att de känner sig otrygga "
    "när de går hem på kvällen. Siffran har ökat för varje mätning sedan den första undersökningen gjordes.",
    "Vi vill därför att kommunen lyser upp gång- och cykelvägar, röjer buskage vid hållplatser och låter "
    "fältarbetare röra sig i centrum även sena fredags- och lördagskvällar.",
    "Samtidigt måste samarbetet med polisen bli tätare. Kameror på platser där brott upprepas, fler "
    "trygghetsvandringar och en snabb återkoppling till dem som anmäler är enkla steg som ger resultat.",
    "Det förebyggande arbetet på skolor och fritidsgårdar är lika viktigt. Unga som har något meningsfullt "
    "att göra på kvällarna rekryteras inte lika lätt av de kriminella.",
    "Tryggheten i Umeå ska inte vara en slump. Den ska byggas medvetet, gata för gata och kväll för kväll.",
])
OP_ED_BLOG = "\n\n".join([
    "I dagens VK skriver jag om tryggheten på kvällarna i vår stad. Frågan kommer upp på nästan varje möte jag "
    "har med föreningar och föräldrar. Läs debattartikeln här nedan.",
    "Trygghet i vardagen är en förutsättning för att en stad ska fungera. Den som inte vågar gå hem ensam "
    "från bussen på kvällen har inte samma frihet som andra, och det drabbar oftast kvinnor och unga.",
    "I kommunens senaste folkhälsoenkät uppger nästan hälften av de unga tjejerna att de känner sig otrygga "
    "på väg hem en vanlig kväll. Siffran har ökat för varje mätning sedan den första undersökningen gjordes.",
    "Vi vill därför att kommunen lyser upp gång- och cykelvägar, röjer buskage vid hållplatser och låter "
    "fältarbetare röra sig i centrum även sena fredags- och lördagskvällar.",
    "Samtidigt måste samarbetet med polisen bli tätare. Kameror på platser där brott upprepas, fler "
    "trygghetsvandringar och en snabb återkoppling till dem som anmäler är enkla steg som ger resultat.",
    "Det förebyggande arbetet på skolor och fritidsgårdar är lika viktigt. Unga som har något att göra om "
    "kvällarna lockas inte lika lätt av gängen.",
    "Tryggheten i Umeå ska inte vara en slump. Den ska byggas medvetet, gata för gata och kväll för kväll.",
])
QUOTED_1 = ("Vi vill därför att kommunen lyser upp gång- och cykelvägar, röjer buskage vid hållplatser och låter "
            "fältarbetare röra sig i centrum även sena fredags- och lördagskvällar")
QUOTED_2 = ("Kameror på platser där brott upprepas, fler trygghetsvandringar och en snabb återkoppling till dem "
            "som anmäler är enkla steg som ger resultat")


def report(attributed: bool) -> str:
    """A trade paper's report on the op-ed; unattributed, the same text reads as the author's own."""
    first = f"– {QUOTED_1}, säger Anna Berg." if attributed else f"{QUOTED_1}."
    second = f"”{QUOTED_2}” menar hon." if attributed else f"{QUOTED_2}."
    return "\n\n".join([
        "Kommunalrådet vill se fler åtgärder för kvällstrygghet i centrala Umeå efter en ny folkhälsoenkät.",
        "Förslagen läggs fram inför budgetdebatten i juni och har redan väckt frågor om kostnaderna.",
        first,
        "Enligt förvaltningen kostar belysningen omkring två miljoner kronor, medan fältarbetarnas kvällspass "
        "ryms inom den nuvarande budgeten.",
        second,
        "Oppositionen har tidigare föreslagit kommunala ordningsvakter men fått nej i fullmäktige.",
    ])


REUSED = ("Enligt forskare kan tiotusentals unga i Sverige leva under hedersförtryck, och var tredje elev med "
          "utländsk bakgrund bedöms leva under hedersrelaterade normer i familjen. Det kan vi aldrig acceptera. "
          "Politiken måste ta ett större ansvar för att bekämpa förtrycket och våldet.")
# Two yearly posts on the same memorial day: the second repeats one paragraph of the first.
YEARLY_FIRST = "\n\n".join([
    "Det är tjugo år sedan mordet som fick hela landet att tala om hedersvåld. Ändå är förtrycket fortsatt utbrett. "
    "Det gäller också i vår kommun.",
    REUSED,
    "Frihet och jämställdhet finns inte förrän varje flicka och pojke får välja vem de vill älska.",
])
YEARLY_SECOND = "\n\n".join([
    "Hedersförtrycket har ingen plats i vårt samhälle. Var och en har rätt till ett liv utan kontroll, oavsett "
    "om släkten har bott här i generationer eller nyss har kommit hit.",
    "I dag minns vi en ung kvinna som sköts av sin egen pappa för att hon ville leva sitt eget liv. Hon blev "
    "förälskad i fel person, och det kostade henne livet.",
    REUSED,
    "Därför behöver skolan och socialtjänsten arbeta tillsammans redan när de första tecknen syns.",
])


def posts_con(rows: dict[str, str]) -> duckdb.DuckDBPyConnection:
    """A posts table holding the given bodies (title = post id, no site)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE posts (post_id VARCHAR PRIMARY KEY, title VARCHAR, body VARCHAR, site VARCHAR)")
    create_input(con, "posts")
    con.executemany("INSERT INTO posts VALUES (?, ?, ?, NULL)", [(k, k, v) for k, v in rows.items()])
    run(con)
    return con


def pairs(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    """Whole post_pairs rows, coverages rounded to three decimals."""
    return [tuple(round(v, 3) if isinstance(v, float) else v for v in row)
            for row in con.execute("SELECT * FROM post_pairs ORDER BY post_a, post_b").fetchall()]


def members(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    """Whole article_members rows, coverages rounded to three decimals."""
    return [tuple(round(v, 3) if isinstance(v, float) else v for v in row)
            for row in con.execute("SELECT * FROM article_members ORDER BY post_id").fetchall()]


def art(post_id: str) -> str:
    """The article id derived from its canonical post."""
    return stable_id("article", post_id)


def alone(post_id: str) -> tuple[object, ...]:
    """The article_members row of a post that is its own article and names no outlet."""
    return (art(post_id), post_id, "version", True, None, [], None, None, None, None, None, None, None, None,
            None, None)


def test_fixtures_are_what_they_claim() -> None:
    assert not any(is_report(t) for t in (HOUSING_SPRING, HOUSING_AUTUMN, OP_ED_VK, OP_ED_BLOG, report(False),
                                          YEARLY_FIRST, YEARLY_SECOND))
    assert is_report(report(True))
    for text in (HOUSING_SPRING, HOUSING_AUTUMN):
        assert SUBHEAD in text.splitlines() and GOAL in text and BUILDERS in text


def test_two_op_eds_sharing_a_sub_heading_and_two_sentences_stay_apart() -> None:
    """Two passages, about 0.3 of each text: a quote's figures, but nobody quotes anybody."""
    con = posts_con({"spring": HOUSING_SPRING, "autumn": HOUSING_AUTUMN})
    assert pairs(con) == [("autumn", "spring", "shared", None, 0.306, 0.296, 48, 2, 29, 21)]
    assert members(con) == [alone("autumn"), alone("spring")]


BLOG_INTRO = "I dagens VK skriver jag"
BLOG_ROW = (art("blog"), "blog", "version", True, "vk", ["vk"], "text", BLOG_INTRO, 0, len(BLOG_INTRO),
            "vk", "version", 0.77, 0.893, 151, 1)
VK_ROW = (art("blog"), "vk", "version", False, None, [], None, None, None, None,
          "blog", "version", 0.893, 0.77, 151, 1)
VERSION_PAIR = ("blog", "vk", "version", None, 0.77, 0.893, 151, 1, 151, 45)


def test_an_op_ed_and_its_blog_copy_with_a_new_intro_are_one_article() -> None:
    """The blog copy (more words) is canonical and names VK in its intro; the edits are bridged."""
    con = posts_con({"vk": OP_ED_VK, "blog": OP_ED_BLOG})
    assert pairs(con) == [VERSION_PAIR]
    assert members(con) == [BLOG_ROW, VK_ROW]


def test_a_report_in_reported_speech_quotes_the_op_ed_and_attaches_to_it() -> None:
    con = posts_con({"vk": OP_ED_VK, "blog": OP_ED_BLOG, "report": report(attributed=True)})
    assert pairs(con) == [
        ("blog", "report", "quote", "report", 0.245, 0.444, 48, 2, 26, 15),
        VERSION_PAIR,
        ("report", "vk", "quote", "report", 0.444, 0.284, 48, 2, 26, 15),
    ]
    assert members(con) == [
        BLOG_ROW,
        (art("blog"), "report", "quote", False, None, [], None, None, None, None,
         "vk", "quote", 0.444, 0.284, 48, 2),
        VK_ROW,
    ]


def test_the_same_text_without_reported_speech_is_another_op_ed_and_stays_apart() -> None:
    """Same passages, same figures: only the reported speech made the other text a report."""
    con = posts_con({"vk": OP_ED_VK, "blog": OP_ED_BLOG, "other": report(attributed=False)})
    assert pairs(con) == [
        ("blog", "other", "shared", None, 0.245, 0.466, 48, 2, 26, 15),
        VERSION_PAIR,
        ("other", "vk", "shared", None, 0.466, 0.284, 48, 2, 26, 15),
    ]
    assert members(con) == [BLOG_ROW, alone("other"), VK_ROW]


def test_a_short_post_repeating_one_paragraph_of_last_years_stays_apart() -> None:
    """One passage, half of the first post and a third of the second (the real pair: 0.52 / 0.36).

    Before quotes needed a report this was a quote (one passage of over 0.30).  It is also
    the edge of what alignment can tell: a paragraph making up more of both short posts
    (mean coverage >= 0.44) would read as a version, as one edited post does.
    """
    con = posts_con({"first": YEARLY_FIRST, "second": YEARLY_SECOND})
    assert pairs(con) == [("first", "second", "shared", None, 0.5, 0.353, 41, 1, 41, 12)]
    assert members(con) == [alone("first"), alone("second")]


def test_a_source_op_ed_never_becomes_a_quote_of_a_report_printed_twice() -> None:
    """The report ran on two sites (one article); the op-ed it quotes stays its own article."""
    reprint = report(True).replace("Kommunalrådet vill se", "Kommunalrådet i Umeå vill se")
    con = posts_con({"vk": OP_ED_VK, "report": report(True), "reprint": reprint})
    assert pairs(con) == [
        ("report", "reprint", "duplicate", None, 0.991, 0.973, 107, 1, 107, 26),
        ("report", "vk", "quote", "report", 0.444, 0.284, 48, 2, 26, 15),
        ("reprint", "vk", "quote", "reprint", 0.436, 0.284, 48, 2, 26, 15),
    ]
    assert members(con) == [
        (art("reprint"), "report", "duplicate", False, None, [], None, None, None, None,
         "reprint", "duplicate", 0.991, 0.973, 107, 1),
        (art("reprint"), "reprint", "version", True, None, [], None, None, None, None,
         "report", "duplicate", 0.973, 0.991, 107, 1),
        alone("vk"),
    ]


@pytest.mark.parametrize("text", [HOUSING_SPRING, OP_ED_VK, YEARLY_FIRST])
def test_an_authors_own_texts_carry_no_reported_speech(text: str) -> None:
    assert not is_report(text)
