"""Related stories: for each article, the articles that share its tags and its vocabulary.

``terms_of`` runs once per article when it is parsed (the result is cached with the article);
``related`` runs over the whole archive on every build that needs it.
"""

from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"[^\W\d_]{3,}")
# Words too common in news text to say what a story is about.
STOPWORDS = frozenset("""
the and for that with was were are has have had his her their they them this these those from
but not been will would could should said says say also its into than then there which who whom
whose what when where while about after before over under more most other some such only own
same very can just now out off our ours you your yours she him himself herself itself one two
three four five six seven eight nine ten new year years last first like being between because
any each few many much may might must did does doing done get got make made per mr mrs ms
told according including people time week month day today yesterday tomorrow against during
""".split())
TERMS = 12


def terms_of(title: str, body: str, limit: int = TERMS) -> tuple[str, ...]:
    """The most frequent content words of a story (headline words count three times), ties
    broken alphabetically so the result never depends on anything but the text."""
    counts: Counter[str] = Counter()
    for word in _WORD.findall(title.casefold()):
        if word not in STOPWORDS:
            counts[word] += 3
    for word in _WORD.findall(body.casefold()):
        if word not in STOPWORDS:
            counts[word] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(word for word, _ in ranked[:limit])
