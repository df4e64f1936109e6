"""One spelling for how a word sounds, whatever script or romanisation it was written in.

Citizens write the same word as ਕੂੜਾ, कूड़ा, "kooda" or "kuda", and "kachra" for कचरा (Hindi drops the vowel its
script writes). Devanagari and Gurmukhi are transliterated to Latin letters; then long vowels are made short,
doubled letters single, letters romanisations use for one sound made one, and the short "a" left out. So
ਕੂੜਾ, कूड़ा, "kooda" and "kuda" all become "kud", and the classifiers' character n-grams over this key let what the
training data teaches in one way of writing count in the others.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import List, Tuple

from indic_transliteration import sanscript
from indic_transliteration.sanscript import transliterate

_SCRIPTS = (
    (re.compile(r"[\u0900-\u097F]"), sanscript.DEVANAGARI),
    (re.compile(r"[\u0A00-\u0A7F]"), sanscript.GURMUKHI),
)

# ITRANS's marks, before lower-casing: anusvara, tippi and bindi are a nasal; the others go (ੜ is ".D", a d).
_ITRANS: List[Tuple[re.Pattern, str]] = [(re.compile(r"\.n|\.m|M"), "n"), (re.compile(r"[.~^]"), "")]
_LATIN: List[Tuple[re.Pattern, str]] = [
    (re.compile(r"ee|ii|y"), "i"),
    (re.compile(r"oo|uu"), "u"),
    (re.compile(r"igh"), "i"),
    (re.compile(r"chch"), "ch"),
    (re.compile(r"(.)\1+"), r"\1"),
    (re.compile(r"w"), "v"),
    (re.compile(r"z"), "j"),
    (re.compile(r"q"), "k"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"a"), ""),
]


@lru_cache(maxsize=65536)
def word_key(word: str) -> str:
    for letters, scheme in _SCRIPTS:
        if letters.search(word):
            # Without the nukta: ख़ and ਖ਼ sound as "kh" to those who write "kharab".
            word = unicodedata.normalize("NFD", word).replace("\u093c", "").replace("\u0a3c", "")
            word = transliterate(word, scheme, sanscript.ITRANS)
            for pattern, replacement in _ITRANS:
                word = pattern.sub(replacement, word)
            break
    word = word.lower()
    for pattern, replacement in _LATIN:
        word = pattern.sub(replacement, word)
    # A word of short a's alone ("a", "aa") keeps a letter, so that it is still a word.
    return word or "a"


def sound_key(text: str) -> str:
    """The key of every word of a normalised text, in order."""
    return " ".join(word_key(word) for word in text.split())
