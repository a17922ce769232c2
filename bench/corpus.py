"""A deterministic synthetic news corpus for benchmarks: N articles as seeds, plus the same
articles as Hugo and Pelican content, so that every generator builds the same archive.

Lengths follow the BBC corpus (a headline of 4-9 words, 3-12 paragraphs of 20-80 words, about 2.5 kB); the
vocabulary is Zipf-distributed; dates spread over the years before 2025; eight sections and a
tag vocabulary of 200 (two to four tags an article). Same N and seed, same bytes.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

SECTIONS = ["World", "Business", "Politics", "Sport", "Technology", "Science", "Health", "Culture"]
_SYLLABLES = ["ka", "lo", "ri", "men", "ta", "so", "vel", "an", "dor", "pi", "ne", "qua", "bel", "tor", "mi",
              "sen", "ul", "ra", "go", "fi", "nat", "es", "pol", "un"]


@dataclass(frozen=True)
class Item:
    number: int
    section: str
    headline: str
    paragraphs: tuple[str, ...]
    date: dt.datetime
    tags: tuple[str, ...]


def _vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    words, seen = [], set()
    while len(words) < size:
        w = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3, 3, 4))))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def items(n: int, seed: int = 2025):
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    cum, total = [], 0.0
    for i in range(len(vocab)):
        total += 1 / (i + 1)  # Zipf
        cum.append(total)
    tags = [f"{vocab[i]} {vocab[i + 1]}" for i in range(300, 700, 2)]
    start = dt.datetime(2015, 1, 1, tzinfo=dt.timezone.utc)
    for k in range(n):
        words = lambda m: rng.choices(vocab, cum_weights=cum, k=m)  # noqa: E731
        headline = " ".join(words(rng.randint(4, 9))).capitalize()
        paragraphs = []
        for _ in range(rng.randint(3, 12)):
            sentence = " ".join(words(rng.randint(20, 80)))
            paragraphs.append(sentence[0].upper() + sentence[1:] + ".")
        date = start + dt.timedelta(minutes=rng.randint(0, 10 * 365 * 24 * 60))
        yield Item(k + 1, rng.choice(SECTIONS), headline, tuple(paragraphs), date, tuple(rng.sample(tags, rng.randint(2, 4))))


def write_seeds(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for it in items(n):
        text = f"{it.section}\n\n{it.headline}\n\n" + "\n\n".join(it.paragraphs) + "\n\nComment here"
        (folder / f"{it.number:06d}.txt").write_text(text, encoding="utf-8")


def write_pelican_content(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for it in items(n):
        path = folder / f"a{it.number:06d}.md"
        path.write_text(f"Title: {it.headline}\nDate: {it.date.strftime('%Y-%m-%d %H:%M')}\nCategory: {it.section}\n"
                        f"Tags: {', '.join(it.tags)}\nSlug: a{it.number:06d}\n\n" + "\n\n".join(it.paragraphs) + "\n",
                        encoding="utf-8")


def date_index(n: int) -> dict[int, dt.datetime]:
    return {it.number: it.date for it in items(n)}
