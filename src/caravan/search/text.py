"""The one text normalizer behind search: what is indexed and what is asked go through the same steps.

Arabic: diacritics (U+064B-065F, U+0670) and tatweel (U+0640) removed, alef forms folded to bare alef, alef
maqsura to yeh, teh marbuta to heh; then a Snowball stem (Arabic for Arabic-script words, English otherwise).
"""

import re
import unicodedata
from functools import lru_cache

import Stemmer

ARABIC_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u0640]")
ALEF_FORMS = str.maketrans(
    {
        "\u0623": "\u0627",
        "\u0625": "\u0627",
        "\u0622": "\u0627",
        "\u0671": "\u0627",
        "\u0649": "\u064a",
        "\u0629": "\u0647",
    }
)
ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 2000

_arabic = Stemmer.Stemmer("arabic")
_english = Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Case-, width- and Arabic-form-insensitive text, before stemming."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = ARABIC_DIACRITICS.sub("", text)
    return text.translate(ALEF_FORMS)


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    if ARABIC_LETTER.search(word):
        return _arabic.stemWord(word)
    return _english.stemWord(word)


def terms(text: str) -> list[str]:
    """The search terms of a text, in order (duplicates kept out)."""
    seen: dict[str, None] = {}
    for word in WORD.findall(fold(text)):
        seen.setdefault(stem(word), None)
        if len(seen) >= MAX_TERMS:
            break
    return list(seen)
