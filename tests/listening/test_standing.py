"""The standing index (Hyperscan candidates, then the exact evaluator) finds exactly what testing
every query on every message finds: many random queries in every construct of the language, over
many random French and English messages (accents, both apostrophes, hyphens, tags, mentions,
links, letters of other alphabets, authors and channels)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from animateur.listening import standing
from animateur.listening.matcher import Doc, compile_query, frequency_cost
from animateur.listening.query import QueryError
from animateur.listening.standing import StandingIndex

# Spellings as messages write them; queries write them folded or not.
VOCABULARY = [
    "École", "écoliers", "ecole", "Grève", "greve", "grèves", "SNCF", "train", "trains", "retard",
    "service", "client", "clients", "tarif", "tarifs", "cher", "chère", "trop", "lent", "merci", "bravo",
    "cœur", "Œuvre", "straße", "façade", "naïve", "Noël", "hôpital", "l’école", "aujourd'hui", "d’accord",
    "e-réputation", "porte-parole", "#rscci", "#Grève", "@mairie", "@SNCF", "strike", "delay", "school",
    "customer", "price", "prices", "too", "expensive", "thanks", "great", "the", "of", "and", "it's",
    "don’t", "Ørsted", "smørrebrød", "Москва", "Αθήνα", "coffee", "beer", "brewing", "brew", "café",
    "bière", "x_y", "42", "2026", "a", "à", "où", "ou", "or", "OR", "and", "NOT",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", ", ", ". ", " - ", "’", "'", " « ", " » ", "\n", " — ", "#", "/", "_"]
QUERY_WORDS = [
    "ecole", "École", "ecoliers", "greve", "grève", "sncf", "train", "retard", "service", "client",
    "tarif", "cher", "trop", "lent", "merci", "coeur", "oeuvre", "strasse", "façade", "naive", "noel",
    "hopital", "l'ecole", "aujourd’hui", "d'accord", "e-reputation", "porte-parole", "#rscci", "#greve",
    "@mairie", "@sncf", "strike", "delay", "school", "customer", "price", "expensive", "thanks",
    "great", "it's", "don't", "orsted", "ørsted", "smørrebrød", "москва", "coffee", "beer", "brewing",
    "cafe", "biere", "x_y", "42", "a", "ou", "the",
]  # fmt: skip


def _message(rng: random.Random) -> dict[str, str]:
    words = [rng.choice(VOCABULARY) for _ in range(rng.randint(1, 30))]
    text = "".join(w + rng.choice(SEPARATORS) for w in words).strip()
    if rng.random() < 0.15:
        text += f" https://{rng.choice(['www.', 'm.', ''])}{rng.choice(['exemple.fr', 'sncf.com', 'news.org'])}/x"
    return {
        "text": text,
        "author": rng.choice(["Ana Lopez", "@sncf", "Mairie de Lyon", "bob"]),
        "channel_kind": rng.choice(["mastodon", "site", "email"]),
        "channel_name": rng.choice(["Forum", "Le Blog", "Support SNCF"]),
        "language": rng.choice(["fr", "en", ""]),
        "sentiment": rng.choice(["positive", "neutral", "negative", ""]),
        "kind": rng.choice(["post", "comment", "reply"]),
    }


def _term(rng: random.Random) -> str:
    word = rng.choice(QUERY_WORDS)
    shape = rng.randrange(9)
    bare = word.lstrip("#@")
    if shape == 0 and len(bare) > 3:
        return word[: rng.randint(len(word) - len(bare) + 2, len(word) - 1)] + "*"
    if shape == 1 and len(bare) > 2:
        at = rng.randrange(len(word) - len(bare), len(word))
        return word[:at] + "?" + word[at + 1 :]
    if shape == 2 and len(bare) > 4:
        at = rng.randrange(len(word) - len(bare) + 1, len(word) - 1)
        return word[:at] + "*" + word[at + 2 :]
    if shape == 3:
        return '"' + " ".join(_plain(rng) for _ in range(rng.randint(2, 3))) + '"'
    if shape == 4:
        return f'"{_plain(rng)} {rng.choice(QUERY_WORDS)[:3]}*"'
    return word


def _plain(rng: random.Random) -> str:
    return rng.choice(QUERY_WORDS)


def _field(rng: random.Random) -> str:
    return rng.choice(
        [
            "lang:fr", "lang:en", "sentiment:negative", "sentiment:positif", "kind:comment",
            "site:exemple.fr", "site:sncf.com", "author:ana", "author:@sncf", 'channel:"le blog"',
            "channel:mastodon", "channel:forum",
        ]
    )  # fmt: skip


def _query(rng: random.Random, depth: int = 0) -> str:
    shape = rng.randrange(12 if depth < 2 else 4)
    if shape <= 2:
        return _term(rng)
    if shape == 3:
        return f"{_term(rng)} {_term(rng)}"
    if shape == 4:
        return f"{_query(rng, depth + 1)} OR {_query(rng, depth + 1)}"
    if shape == 5:
        return f"({_query(rng, depth + 1)} OR {_term(rng)}) -{_plain(rng)}"
    if shape == 6:
        return f"{_term(rng)} {rng.choice(['NEAR', 'ONEAR'])}/{rng.randint(0, 4)} {_term(rng)}"
    if shape == 7:
        return f"{_term(rng)} {_field(rng)}"
    if shape == 8:
        return f"{_field(rng)} NOT {_plain(rng)}"
    if shape == 9:
        return f"{_field(rng)} OR {_term(rng)}"
    if shape == 10:
        return f"{_term(rng)} AND NOT ({_term(rng)} OR {_field(rng)})"
    return f"-{_plain(rng)} {_field(rng)}"


def _queries(rng: random.Random, wanted: int) -> list[str]:
    made: list[str] = []
    while len(made) < wanted:
        text = _query(rng)
        try:
            compile_query(text)
        except QueryError:
            continue
        made.append(text)
    return made


@pytest.mark.parametrize("use_hyperscan", [True, False], ids=["hyperscan", "lookups"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_standing_index_matches_exactly_what_the_naive_loop_matches(seed, use_hyperscan):
    if use_hyperscan and standing.hyperscan is None:
        pytest.skip("Hyperscan is not installed on this platform")
    rng = random.Random(seed)
    written = _queries(rng, 600)
    docs = [Doc.of(**_message(rng)) for _ in range(400)]
    seen = Counter(w for d in docs[:100] for w in d.word_set)
    index = StandingIndex.build(enumerate(written), frequency_cost(seen, 100), use_hyperscan=use_hyperscan)
    assert len(index) == len(written)
    assert (index.scanner is not None) == use_hyperscan
    compiled = [compile_query(q) for q in written]
    matched = 0
    for doc in docs:
        expected = sorted(i for i, q in enumerate(compiled) if q.matches(doc))
        assert sorted(index.matching(doc)) == expected, (doc.words, [written[i] for i in expected])
        assert sorted(index.naive(doc)) == expected
        assert set(expected) <= index.candidates(doc)
        matched += len(expected)
    # The random queries do match: the comparison is not between two empty answers.
    assert matched > len(docs)


def test_terms_at_the_edge_of_other_alphabets_and_tags_are_still_found():
    written = ["smørrebrød", "ørst*", "ø?sted", "москва", "#rscci", "#gr?ve", '"l ecole"', '"porte parole" cher*']
    index = StandingIndex.build(enumerate(written))
    cases = {
        "Smørrebrød à Москва": {0, 3},
        "Ørsted et #RSCCI": {1, 2, 4},
        "Vive la #Grève !": {5},
        "À l’École, le porte-parole est chère": {6, 7},
        "x#rscci": set(),
    }
    for text, expected in cases.items():
        assert set(index.matching(Doc.of(text))) == expected, text


def test_a_pattern_that_two_words_of_a_message_fit_matches_it_once():
    index = StandingIndex.build(enumerate(["#rsc*", "gr?ve", "gr?ve OR greve*", '"service client"']))
    found = index.matching(Doc.of("#rscci #rsccx grève grave greves : service client, service client"))
    assert sorted(found) == [0, 1, 2, 3]


def test_the_words_of_a_text_are_those_of_the_word_patterns_whatever_its_letters_and_tags():
    """folded_words folds ASCII and Latin-1 texts by translate in C, others by a table of each
    character's fold: the same folded text as stream.folding.fold, and the same words as WORD."""
    import re

    from animateur.listening.query import WORD, folded_words, normalize_apostrophes
    from animateur.stream.folding import fold

    def expected(text: str) -> tuple[str, list[str]]:
        folded = fold(normalize_apostrophes(text))
        return folded, WORD.findall(folded) if ("#" in folded or "@" in folded) else re.findall(r"\w+", folded)

    rng = random.Random(6)
    alphabet = [chr(i) for i in range(256)] + list("é«»—ßœŒæÆΣσİﬁ😀’‘ʼ…“€ǅẞ#@# ") + ["\u0301", "\u0327"]
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(60)))
        assert folded_words(text) == expected(text), repr(text)
    # Every character of the Basic Multilingual Plane, alone and between others.
    for code in range(0x10000):
        if not 0xD800 <= code < 0xE000:
            for text in (chr(code), f"a{chr(code)}b", f"#{chr(code)}é", f"ΑΣ{chr(code)} "):
                assert folded_words(text) == expected(text), hex(code)


@pytest.mark.parametrize("seed", [4, 5])
def test_a_query_that_reads_no_name_nor_site_matches_the_words_alone_as_the_whole_message(seed):
    """Backtests read only the words and fields (Doc.of_words) for such queries: the same answers."""
    from animateur.listening.matcher import reads_names

    rng = random.Random(seed)
    written = [q for q in _queries(rng, 600) if not reads_names(compile_query(q).tree)]
    compiled = [compile_query(q) for q in written]
    for _ in range(300):
        message = _message(rng)
        whole = Doc.of(**message)
        light = Doc.of_words(
            message["text"], language=message["language"], sentiment=message["sentiment"], kind=message["kind"]
        )
        assert [q.matches(light) for q in compiled] == [q.matches(whole) for q in compiled], message["text"]
    assert len(written) > 300
