"""The listening query language: parsed once into a tree, with errors that say what and where.

    ecole "service client" -spam          whole words, a phrase, an exclusion
    (greve OR manif*) AND NOT lang:en     operators in capitals, a prefix, a field
    tarif NEAR/3 "trop cher"              at most 3 words between, in either order
    #rscci @mairie site:example.org       literal tag and mention, a domain and its subdomains

Precedence, tightest first: NEAR/ONEAR, NOT (and `-`), AND (or plain space), OR. Words are
folded as the stream folds them (stream.folding): case and accents do not count, « ’ » is « ' »,
and an apostrophe or a hyphen splits words (« l'école » is the two words « l » and « ecole »).
No Django here except gettext: the command line and the benchmark use it as it is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from animateur.stream.folding import fold

# A word of a message or of a query: letters, digits and « _ », a leading « # » or « @ » kept
# when nothing of a word stands just before it (« a@b » is not a mention).
WORD = re.compile(r"(?<!\w)[#@]\w+|\w+")
# A query word may also hold « * » (at its end) and « ? » (any one character).
QUERY_WORD = re.compile(r"(?<![\w*?])[#@][\w*?]+|[\w*?]+")

FIELDS = ("author", "channel", "lang", "site", "sentiment", "kind")
SENTIMENTS = {
    "positive": "positive", "positif": "positive",
    "neutral": "neutral", "neutre": "neutral",
    "negative": "negative", "negatif": "negative",
}  # fmt: skip
KINDS = {
    "post": "post", "article": "post", "publication": "post",
    "comment": "comment", "commentaire": "comment",
    "reply": "reply", "reponse": "reply",
    "mention": "mention",
    "direct": "direct", "prive": "direct",
    "email": "email", "courriel": "email",
    "pingback": "pingback", "retrolien": "pingback",
}  # fmt: skip
MAX_QUERY_LENGTH = 4000
MAX_NEAR = 100


class QueryError(ValueError):
    """An invalid query: `message` names the problem, `position` (0-based) where it is."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return _("%(problem)s (at character %(column)d)") % {"problem": self.message, "column": self.position + 1}


# --- the tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """A term or a phrase: folded word patterns that must follow each other (a term is one word).

    A pattern may end with « * » (a prefix) and hold « ? » (one character)."""

    patterns: tuple[str, ...]
    position: int = field(default=0, compare=False)

    @property
    def is_phrase(self) -> bool:
        return len(self.patterns) > 1


@dataclass(frozen=True)
class Near:
    left: Words
    right: Words
    distance: int
    ordered: bool
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Field:
    name: str
    value: str  # folded; for author and channel, word patterns joined by spaces
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Not:
    child: Node
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Words | Near | Field | Not | And | Or


# --- tokens -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # "(", ")", "AND", "OR", "NOT", "NEAR", "-", "phrase", "word", "field"
    text: str
    position: int
    value: str = ""  # a phrase's inside, a field's value
    distance: int = 0  # NEAR/n
    ordered: bool = False  # ONEAR


_NEAR = re.compile(r"(O?)NEAR/(\S*)")
_FIELD = re.compile(r"([a-z]+):")


def normalize_apostrophes(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'").replace("ʼ", "'")


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char.isspace():
            i += 1
            continue
        if char in "()":
            tokens.append(Token(char, char, i))
            i += 1
            continue
        if char == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise QueryError(_("This quotation mark is never closed."), i)
            tokens.append(Token("phrase", query[i : end + 1], i, value=query[i + 1 : end]))
            i = end + 1
            continue
        if char == "-" and i + 1 < n and not query[i + 1].isspace() and query[i + 1] != "-":
            tokens.append(Token("-", "-", i))
            i += 1
            continue
        start = i
        while i < n and not query[i].isspace() and query[i] not in '()"':
            i += 1
        text = query[start:i]
        field_match = _FIELD.match(text)
        if field_match and field_match.group(1) in FIELDS:
            value_start = start + field_match.end()
            value = text[field_match.end() :]
            if not value and i < n and query[i] == '"':
                end = query.find('"', i + 1)
                if end < 0:
                    raise QueryError(_("This quotation mark is never closed."), i)
                value = query[i + 1 : end]
                value_start = i + 1
                i = end + 1
            tokens.append(Token("field", query[start:i], start, value=value, distance=value_start))
            continue
        if text in ("AND", "OR", "NOT"):
            tokens.append(Token(text, text, start))
            continue
        near = _NEAR.fullmatch(text)
        if near:
            digits = near.group(2)
            if not digits.isdigit() or int(digits) > MAX_NEAR:
                raise QueryError(
                    _("%(operator)s needs a number of words from 0 to %(max)d after the slash, as in NEAR/3.")
                    % {"operator": text.split("/")[0], "max": MAX_NEAR},
                    start,
                )
            tokens.append(Token("NEAR", text, start, distance=int(digits), ordered=bool(near.group(1))))
            continue
        if text in ("NEAR", "ONEAR"):
            raise QueryError(_("%(operator)s needs a number of words, as in NEAR/3.") % {"operator": text}, start)
        tokens.append(Token("word", text, start))
    return tokens


# --- words ------------------------------------------------------------------------------------


def text_words(text: str) -> list[str]:
    """The folded words of a message's text, in order (« L’École ! » → ["l", "ecole"])."""
    return folded_words(text)[1]


_PLAIN_WORD = re.compile(r"\w+")
# In an ASCII text, what is not a letter, a digit or « _ » (what \w+ leaves out) becomes a space:
# split() then gives the same words as findall, faster.
_ASCII_NON_WORD = str.maketrans({i: " " for i in range(128) if not (chr(i).isalnum() or chr(i) == "_")})
# The same, keeping « # » and « @ »: a piece holding one is then split by WORD alone.
_ASCII_NON_WORD_TAGS = str.maketrans({i: " " for i in range(128) if not (chr(i).isalnum() or chr(i) in "_#@")})


def _latin1_tables() -> tuple[bytes, bytes, bytes]:
    """For a text all of whose characters are Latin-1 (most French and English messages once their
    typographic apostrophes are plain): each character's fold as one Latin-1 byte, by one
    bytes.translate in C rather than a dictionary lookup per character; and which folded bytes are
    not a letter, a digit or « _ » (then without « # » and « @ »).

    The fold of a text is its characters' folds one after the other: NFKD decomposes each character
    alone and only reorders combining marks, which the fold drops, and lower() changes no Latin-1
    letter according to its neighbours. A character whose fold is not one Latin-1 character (« æ »,
    « ß », « ½ », « µ ») becomes « A », which no fold gives (folds are lower case): the text then
    takes the general way (tests/listening/test_standing.py compares both with stream.folding.fold)."""
    folds = bytearray()
    for code in range(256):
        folded = fold(chr(code))
        folds.append(ord(folded) if len(folded) == 1 and ord(folded) < 256 else ord("A"))
    non_word = bytes(code if chr(code).isalnum() or code == ord("_") else ord(" ") for code in range(256))
    non_word_tags = bytes(code if chr(code).isalnum() or chr(code) in "_#@" else ord(" ") for code in range(256))
    return bytes(folds), non_word, non_word_tags


_LATIN1_FOLD, _LATIN1_NON_WORD, _LATIN1_NON_WORD_TAGS = _latin1_tables()


class _FoldTable(dict[int, str]):
    """Each character's fold without the lower(): its special spellings (« œ » → « oe »), NFKD, its
    combining marks dropped; filled as characters are met, so that one str.translate folds a text."""

    def __missing__(self, code: int) -> str:
        value = self[code] = unfolded_case(chr(code))
        return value


def unfolded_case(text: str) -> str:
    """stream.folding.fold before its lower()."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_SPECIAL = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "’": "'"})
_FOLD_TABLE = _FoldTable()


def _split_tags(pieces: list[str]) -> list[str]:
    """Pieces cut at every character that is neither a word's nor « # » or « @ », as WORD reads
    them: a piece starts after a character that is not a word's, which is all WORD's look-behind
    asks, and no word of WORD crosses such a character."""
    words: list[str] = []
    add, extend = words.append, words.extend
    for piece in pieces:
        if "#" in piece or "@" in piece:
            extend(WORD.findall(piece))
        else:
            add(piece)
    return words


def folded_words(text: str) -> tuple[str, list[str]]:
    """The folded text (stream.folding.fold, apostrophes made plain) and its words (WORD's).

    ASCII and Latin-1 texts are folded and cut into words by translate and split, in C; other
    texts by one str.translate and the regular expression."""
    if text.isascii():  # no typographic apostrophe to make plain
        folded = text.lower()
        if "#" in folded or "@" in folded:
            return folded, _split_tags(folded.translate(_ASCII_NON_WORD_TAGS).split())
        return folded, folded.translate(_ASCII_NON_WORD).split()
    text = normalize_apostrophes(text)
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        raw = b""
    if raw:
        folded_bytes = raw.translate(_LATIN1_FOLD)
        if b"A" not in folded_bytes:
            folded = folded_bytes.decode("latin-1")
            if "#" in folded or "@" in folded:
                return folded, _split_tags(folded_bytes.translate(_LATIN1_NON_WORD_TAGS).decode("latin-1").split())
            return folded, folded_bytes.translate(_LATIN1_NON_WORD).decode("latin-1").split()
    folded = text.translate(_FOLD_TABLE).lower()
    if "#" in folded or "@" in folded:
        return folded, WORD.findall(folded)
    return folded, _PLAIN_WORD.findall(folded)


def _patterns(text: str, position: int) -> tuple[str, ...]:
    """A query term's folded word patterns; more than one makes it a phrase (« l'ecole », « e-reputation »)."""
    found = QUERY_WORD.findall(fold(normalize_apostrophes(text)))
    if not found:
        raise QueryError(_("« %(text)s » has no letter or digit to search for.") % {"text": text}, position)
    for pattern in found:
        bare = pattern.lstrip("#@")
        if not bare.replace("*", "").replace("?", ""):
            raise QueryError(
                _("« %(text)s » needs at least one letter or digit besides * and ?.") % {"text": text}, position
            )
        if bare.startswith(("*", "?")):
            raise QueryError(_("A word may not start with * or ?: write at least one letter first."), position)
        if "*" in bare[:-1]:
            raise QueryError(_("« * » may only end a word (a prefix, as in manif*)."), position + text.find("*"))
    return tuple(found)


def _field(token: Token) -> Field:
    name, _sep, _rest = token.text.partition(":")
    raw = token.value.strip()
    at = token.distance
    if not raw:
        raise QueryError(_("The field %(field)s: has no value.") % {"field": name}, token.position)
    folded = fold(normalize_apostrophes(raw))
    if name == "sentiment":
        if folded not in SENTIMENTS:
            raise QueryError(
                _("Unknown sentiment « %(value)s »: use positive, neutral or negative.") % {"value": raw}, at
            )
        return Field(name, SENTIMENTS[folded], token.position)
    if name == "kind":
        if folded not in KINDS:
            raise QueryError(
                _("Unknown kind « %(value)s »: use post, comment, reply, mention, direct, email or pingback.")
                % {"value": raw},
                at,
            )
        return Field(name, KINDS[folded], token.position)
    if name == "lang":
        if not re.fullmatch(r"[a-z]{2,3}", folded):
            raise QueryError(_("« %(value)s » is not a language code such as fr or en.") % {"value": raw}, at)
        return Field(name, folded, token.position)
    if name == "site":
        host = folded.removeprefix("https://").removeprefix("http://").split("/")[0].removeprefix("www.")
        if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", host):
            raise QueryError(_("« %(value)s » is not a domain name such as example.org.") % {"value": raw}, at)
        return Field(name, host, token.position)
    # author and channel: words of a name or handle (a leading @ does not count).
    words = _patterns(raw, at)
    return Field(name, " ".join(w.lstrip("#@") for w in words), token.position)


# --- the parser -------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[Token], length: int) -> None:
        self.tokens = tokens
        self.at = 0
        self.length = length

    def peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def parse(self) -> Node:
        node = self.or_expr()
        token = self.peek()
        if token is not None:  # only a stray « ) » stops or_expr before the end
            raise QueryError(_("This closing parenthesis has no opening one."), token.position)
        return node

    def or_expr(self) -> Node:
        children = [self.and_expr()]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            self._needs_right(token)
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> Node:
        children = [self.unary()]
        while (token := self.peek()) is not None and token.kind not in ("OR", ")"):
            if token.kind == "AND":
                self.take()
                self._needs_right(token)
            children.append(self.unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def _needs_right(self, operator: Token) -> None:
        following = self.peek()
        if following is None or following.kind in ("AND", "OR", ")", "NEAR"):
            raise QueryError(
                _("%(operator)s has nothing on its right.") % {"operator": operator.text}, operator.position
            )

    def unary(self) -> Node:
        token = self.peek()
        if token is None:
            raise QueryError(_("The query ends where a term was expected."), self.length)
        if token.kind in ("NOT", "-"):
            self.take()
            following = self.peek()
            if following is None or following.kind in ("AND", "OR", ")", "NEAR", "NOT", "-"):
                raise QueryError(
                    _("%(operator)s must be followed by a term, a phrase, a field or parentheses.")
                    % {"operator": token.text},
                    token.position,
                )
            return Not(self.unary(), token.position)
        return self.proximity()

    def proximity(self) -> Node:
        left = self.primary()
        token = self.peek()
        if token is None or token.kind != "NEAR":
            return left
        self.take()
        right_token = self.peek()
        if right_token is None:
            raise QueryError(_("%(operator)s has nothing on its right.") % {"operator": token.text}, token.position)
        right = self.primary()
        if not isinstance(left, Words) or not isinstance(right, Words):
            raise QueryError(
                _("%(operator)s joins two terms or phrases, not fields or parentheses.") % {"operator": token.text},
                token.position,
            )
        following = self.peek()
        if following is not None and following.kind == "NEAR":
            raise QueryError(_("Only two terms can be joined by NEAR: use AND between two NEAR."), following.position)
        return Near(left, right, token.distance, token.ordered, token.position)

    def primary(self) -> Node:
        token = self.peek()
        if token is None:
            raise QueryError(_("The query ends where a term was expected."), self.length)
        if token.kind in ("AND", "OR", "NEAR"):
            raise QueryError(_("%(operator)s has nothing on its left.") % {"operator": token.text}, token.position)
        if token.kind == ")":
            raise QueryError(_("This closing parenthesis has no opening one."), token.position)
        self.take()
        if token.kind == "(":
            following = self.peek()
            if following is not None and following.kind == ")":
                raise QueryError(_("These parentheses are empty."), token.position)
            node = self.or_expr()
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise QueryError(_("This parenthesis is never closed."), token.position)
            self.take()
            return node
        if token.kind == "phrase":
            if not token.value.strip():
                raise QueryError(_("This phrase is empty."), token.position)
            return Words(_patterns(token.value, token.position + 1), token.position)
        if token.kind == "field":
            return _field(token)
        return Words(_patterns(token.text, token.position), token.position)


def _has_positive(node: Node) -> bool:
    """Whether the query can match on its own: not only exclusions (« NOT spam » would match everything)."""
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_has_positive(c) for c in node.children)
    if isinstance(node, Or):
        return all(_has_positive(c) for c in node.children)
    return True


def parse(query: str) -> Node:
    """The query's tree, or QueryError naming the problem and its position."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(
            _("The query is too long: at most %(max)d characters.") % {"max": MAX_QUERY_LENGTH}, MAX_QUERY_LENGTH
        )
    if not query.strip():
        raise QueryError(_("The query is empty: write at least one term."), 0)
    node = _Parser(tokenize(query), len(query)).parse()
    if not _has_positive(node):
        raise QueryError(_("The query only excludes: say what to look for besides what to leave out."), 0)
    return node
