"""Text normalisation shared by both search engines, so that they match the same way.

Folding (case and accents) happens here, in Python, on the index side *and* the query side:
"Beyoncé", "BEYONCE" and "beyonce" are one word to either engine. Filter keys (city,
performer, category) are computed here too, so an "exact" filter means the same thing
whichever engine stores them.
"""

from __future__ import annotations

import re
import unicodedata

# Longest `q` accepted, and how many of its words are searched (the rest are ignored).
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 10

# Letters that NFKD does not decompose but ASCII folding (OpenSearch's `asciifolding`) maps.
_EXTRA_FOLDS = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "\u0131": "i",  # dotless i
    }
)
# A word is a run of letters and digits (what tantivy's default tokenizer and OpenSearch's
# standard tokenizer both split on, for the text we hold).
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without accents: "Valdés-Harrington" -> "valdes-harrington"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA_FOLDS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def words(text: str) -> list[str]:
    """The folded words of `text`, in order."""
    return _WORD.findall(fold(text))


# Words that say how a query is phrased, not what it is about ("comedy in chicago", "jazz at the
# lighthouse"). As typed they would each have to match ("in" is a prefix of hundreds of words),
# so they are left out of a query that has other words; a query of nothing else ("the the")
# keeps them.
STOP_WORDS = frozenset(
    {"a", "an", "and", "at", "by", "for", "from", "in", "near", "of", "on", "or", "the", "to", "with"}
)


def query_words(q: str) -> list[str]:
    """The distinct words of a search query, in order, at most MAX_QUERY_WORDS of them, without
    its stop words unless it has nothing else."""
    distinct = list(dict.fromkeys(words(q)))
    meaningful = [word for word in distinct if word not in STOP_WORDS]
    return (meaningful or distinct)[:MAX_QUERY_WORDS]


def keyword(text: str) -> str:
    """The filter key of a value: folded words joined by one space.

    "  Saint-Étienne " and "saint etienne" share the key "saint etienne".
    """
    return " ".join(words(text))


def fuzzy_distance(word: str) -> int:
    """Edits tolerated in a query word: none up to 3 letters, 1 for 4-7, 2 for 8 or more.

    The same rule as OpenSearch's `fuzziness: "AUTO:4,8"`.
    """
    if len(word) >= 8:
        return 2
    if len(word) >= 4:
        return 1
    return 0


# Query words shorter than this are not expanded as prefixes ("a" would match everything).
MIN_PREFIX_CHARS = 2
