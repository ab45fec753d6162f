"""Words as the French text search compares them, the same on both databases: lower case,
accents removed, French stop words left out, each word reduced to its Snowball French stem.

This is what PostgreSQL's `french_unaccent` configuration (migration 0004) does inside the
database: its parser, `unaccent`, then the `french_stem` dictionary with its stop words. On
SQLite, the embedded default, the same steps run here in Python (the stemmer is the Snowball
project's own, generated for Python by `snowballstemmer`) and FTS5 indexes their result
(migration 0012).

A word that matches nothing may be a typo. `typo_candidates` gives the stems a word may have
been meant as: one edit away (a letter added, dropped, changed or two swapped: "jardinnage"
for "jardinage"), or else its stem shortened by two or three letters, as a conjugated verb's
is ("tricotons", stem "tricoton", for "tricot"). PostgreSQL's second look, trigram word
similarity, forgives much the same (docs/search.md compares the two on the demo directory).

Pure: no Django, no database.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import snowballstemmer

# The stop words of PostgreSQL's French dictionary (from the Snowball project), compared, as
# PostgreSQL does, with the unaccented word.
STOP_WORDS = frozenset(
    (Path(__file__).resolve().parent.parent / "data" / "french-stopwords.txt")
    .read_text(encoding="utf-8")
    .split()
)
# Letters a typo may add or change: stems are unaccented lower case.
ALPHABET = "abcdefghijklmnopqrstuvwxyz"
# A stem shorter than this is too short to guess at: "cha" would be a typo of half the words.
TYPO_MIN_LENGTH = 4
# Up to this many letters of a word's end may be a conjugation Snowball keeps ("-ons").
ENDING_LETTERS = 3

# Words as PostgreSQL's parser separates them: letters and digits; apostrophes, hyphens and
# punctuation separate ("l'atelier" is "l" and "atelier").
_WORD = re.compile(r"[^\W_]+")
# Letters NFKD does not take apart.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})
_stemmer = snowballstemmer.stemmer("french")


def unaccent(text: str) -> str:
    """Lower case, without accents: "Théâtre Œuvre" -> "theatre oeuvre"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def stems(text: str) -> list[str]:
    """The stems of the text's words, in order, stop words left out."""
    return [_stem(word) for word in _WORD.findall(unaccent(text)) if word not in STOP_WORDS]


def document(*texts: str) -> str:
    """What the index keeps of an activity's texts: their stems, separated by spaces."""
    return " ".join(stem for text in texts for stem in stems(text or ""))


def typo_candidates(stem: str) -> tuple[set[str], set[str]]:
    """The stems `stem` may be a typo or a conjugation of, nearest first: those one edit away,
    then those it starts with, shortened by up to `ENDING_LETTERS` letters. None shorter
    than `TYPO_MIN_LENGTH`."""
    if len(stem) < TYPO_MIN_LENGTH:
        return set(), set()
    splits = [(stem[:i], stem[i:]) for i in range(len(stem) + 1)]
    edits = {left + right[1:] for left, right in splits if right}
    edits |= {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
    edits |= {left + c + right[1:] for left, right in splits if right for c in ALPHABET}
    edits |= {left + c + right for left, right in splits for c in ALPHABET}
    shorter = {stem[:-n] for n in range(2, ENDING_LETTERS + 1)}
    return (
        {edit for edit in edits if len(edit) >= TYPO_MIN_LENGTH and edit != stem},
        {edit for edit in shorter if len(edit) >= TYPO_MIN_LENGTH},
    )
