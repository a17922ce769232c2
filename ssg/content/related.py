"""Related stories: for each article, the articles that share its tags and its vocabulary.

``terms_of`` runs once per article when it is parsed (the result is cached with the article).
``compute`` runs on every build that is not a no-op, over the whole archive, before rendering:

- An article's *features* are its tags (by slug) and its key terms. A feature's weight is its
  rarity, an IDF: ``ln(n / df)`` where ``df`` is the number of articles having it and ``n`` the
  archive's size rounded up to a power of two (so that one more story does not reweigh every
  other one). A shared tag also gets a fixed bonus (tags are chosen by editors, words are not).
  Weights are small integers, so sums are exact and the same in every order.
- Words used by more than ``MAX_SHARE`` of the articles (or by a single one) are ignored; each
  article uses its ``FEATURES`` most informative features.
- Candidates come from an inverted index (feature -> articles, newest first). A feature shared
  by more than ``WINDOW`` articles contributes only the ``WINDOW`` articles nearest in time to
  the story (half newer, half older), so the work per article is bounded by
  ``FEATURES * WINDOW`` whatever the archive's size: the whole computation grows linearly.
- A candidate's score is the sum of the weights of the features it shares with the story; the
  best ``count`` win, ties going to the newer article, then to the smaller path. The story
  itself and any story with the same headline as one already chosen (or as the story) are left
  out.

Incremental builds: the result for every article is kept in the build state with the inputs
it came from (date, headline, features). The next build re-scores only the articles whose
result could have changed: the changed ones; every article having a feature whose weight
changed; and, in the list of a feature a changed article entered, left or moved in (by its
date or headline), the articles whose window of that list now differs or holds it. Everything
else is reused, and the result is exactly that of a full computation (``tests/test_related.py``
checks it against random edit sequences). A full computation of a large archive is spread over
forked processes.
"""

from __future__ import annotations

import functools
import gc
import math
import re
import sys
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from typing import Iterable, Mapping, Sequence

from ssg.urls import slugify

_WORD = re.compile(r"[^\W\d_]{3,}")
_ASCII_WORD = re.compile(r"[a-z]{3,}", re.ASCII)  # the same words in casefolded ASCII text, twice as fast
# Words too common in news text to say what a story is about, with the stems contractions
# leave behind ("wasn't" -> "wasn") and the words of web addresses.
STOPWORDS = frozenset("""
the and for that with was were are has have had his her their they them this these those from
but not been will would could should said says say also its into than then there which who whom
whose what when where while about after before over under more most other some such only own
same very can just now out off our ours you your yours she him himself herself itself one two
three four five six seven eight nine ten new year years last first like being between because
any each few many much may might must did does doing done get got make made per mr mrs ms
told according including people time week month day today yesterday tomorrow against during
all both either neither nor how why here still well back even way ago around since until upon
within without across through again further once too yet another every whether though although
wasn isn aren weren don didn doesn won wouldn couldn shouldn hasn haven hadn
http https www com org net html
""".split())
TERMS = 12

# Scoring (changing any of these changes results: ``params_of`` names them in the stored state).
WINDOW = 24  # articles looked at per feature: the nearest in time
FEATURES = 12  # features used per article: its rarest
MAX_SHARE = 0.1  # words used by more than this share of the archive are ignored...
MIN_CAP = 4  # ...but never a word used by this many articles or fewer
TAG_BONUS = 6.0  # added to a tag's IDF
SCALE = 4  # weights are round(SCALE * IDF)
_SPLIT = 1 << 32  # a score and an article's index packed in one int: score * _SPLIT - index


def _words(text: str) -> list[str]:
    text = text.casefold()
    return (_ASCII_WORD if text.isascii() else _WORD).findall(text)


def terms_of(title: str, body: str, limit: int = TERMS) -> tuple[str, ...]:
    """The most frequent content words of a story (headline words count three times), ties
    broken alphabetically so the result never depends on anything but the text."""
    stop = STOPWORDS
    counts: Counter[str] = Counter(_words(body))  # counted in C, stopwords taken out after
    for word in _words(title):
        counts[word] += 3
    for word in stop.intersection(counts):
        del counts[word]
    if len(counts) > limit:  # only the words counted at least as often as the limit-th can make it
        cut = sorted(counts.values(), reverse=True)[limit - 1]
        ranked = sorted([(-n, word) for word, n in counts.items() if n >= cut])
    else:
        ranked = sorted([(-n, word) for word, n in counts.items()])
    return tuple(sys.intern(word) for _, word in ranked[:limit])


@functools.lru_cache(maxsize=65536)
def _tag_feature(name: str) -> str:
    # "#" keeps tags apart from words (terms are letters only).
    return "#" + slugify(name, fallback="term")


def features_of(article) -> tuple[str, ...]:
    """An article's features: its tags (``#slug``), then its terms."""
    return tuple(map(_tag_feature, article.tags)) + article.terms


def _same_title(title: str) -> str:
    return " ".join(title.casefold().split())


@dataclass
class Stored:
    """The previous build's results, as the build state keeps them."""

    params: str  # ``Result.params`` of the build that computed them
    links: dict[str, Sequence[str]]  # relpath -> related relpaths, for every article of that archive
    inputs: Mapping[str, str]  # relpath -> ``inputs_of`` the article then (may load on demand)


@dataclass
class Result:
    links: dict[str, Sequence[str]]  # relpath -> related relpaths (best first); every article
    params: str = ""  # "" when related stories are off
    # What the build state must remember: rows to write (relpath -> (inputs, links joined by
    # NUL)), relpaths to forget, and whether the stored rows are replaced as a whole.
    rows: dict[str, tuple[str, str]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    full: bool = True
    scored: int = 0  # articles scored on this run (the others were reused)
    visits: int = 0  # index entries visited while scoring (at most FEATURES * WINDOW per article)


def inputs_of(article, features: tuple[str, ...] | None = None) -> str:
    """Everything an article's own related list depends on besides the other articles: its
    place in time, its headline (stories with the same headline are left out) and its
    features; one line each (none of them can hold a line break)."""
    return "\n".join((repr(article.date.timestamp()), _same_title(article.title)) + (features or features_of(article)))


def _parse_inputs(text: str) -> tuple[float, str, tuple[str, ...]]:
    """(timestamp, headline as compared, features) from ``inputs_of``."""
    ts, title, *features = text.split("\n")
    return float(ts), title, tuple(features)


def params_of(count: int, size: int) -> str:
    """Everything besides the articles that results depend on: stored results are reused only
    by a build with the same."""
    return (f"related-1/{WINDOW}/{FEATURES}/{MAX_SHARE}/{MIN_CAP}/{TAG_BONUS}/{SCALE}/{TERMS}"
            f"/count={count}/n={_reference_size(size)}")


def _reference_size(n: int) -> int:
    return 1 << max(4, (n - 1).bit_length())


def weight(df: int, tag: bool, nref: int) -> int:
    """A feature's weight from the number of articles having it; 0: ignored."""
    if df < 2:
        return 0
    idf = math.log(nref / df)
    if tag:
        return round(SCALE * (TAG_BONUS + idf))
    if df > max(MIN_CAP, int(MAX_SHARE * nref)):
        return 0
    return max(0, round(SCALE * idf))


class _Lazy(dict):
    """index -> value, computed on first use (an incremental build needs few of them)."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, i):
        value = self[i] = self.make(i)
        return value


class _Index:
    """The inverted index: postings (feature -> article indices, ascending = newest first),
    document counts and ``keys`` (feature -> (-weight, feature) for the features that count:
    sorting these puts the rarest features first, ties by name)."""

    def __init__(self, feats: list[tuple[str, ...]], nref: int):
        self.nref = nref
        self.postings: dict[str, list[int]] = {}
        get = self.postings.get
        for i, fs in enumerate(feats):
            for f in fs:
                p = get(f)
                if p is None:
                    self.postings[f] = [i]
                else:
                    p.append(i)
        self.df = {f: len(p) for f, p in self.postings.items()}
        self.keys: dict[str, tuple[int, str]] = {}
        for f, df in self.df.items():
            w = weight(df, f[0] == "#", nref)
            if w:
                self.keys[f] = (-w, f)


def _window(size: int, k: int) -> tuple[int, int]:
    """The slice of a feature's list (``size`` long) that the article at rank ``k`` looks at."""
    if size <= WINDOW:
        return 0, size
    lo = min(max(k - WINDOW // 2, 0), size - WINDOW)
    return lo, lo + WINDOW


def _score(index: _Index, feats, titles, targets: Iterable[int], count: int):
    """Related article indices for each target index; and the number of postings visited."""
    postings, kget = index.postings, index.keys.get
    half = WINDOW // 2
    out: dict[int, list[int]] = {}
    visits = 0
    for i in targets:
        keys = sorted(filter(None, map(kget, feats[i])))
        acc: dict[int, int] = {}
        get = acc.get
        for negw, f in keys[:FEATURES]:
            p = postings[f]
            n = len(p)
            if n > WINDOW:  # as _window
                lo = bisect_left(p, i) - half
                if lo < 0:
                    lo = 0
                elif lo > n - WINDOW:
                    lo = n - WINDOW
                p = p[lo : lo + WINDOW]
            visits += len(p)
            w = -negw * _SPLIT
            # The value packs the score and the index: the highest value is the best score,
            # then the newest article.
            for j in p:
                acc[j] = get(j, -j) + w
        acc.pop(i, None)
        chosen: list[int] = []
        if acc:
            seen = {titles[i]}
            for v in sorted(acc.values(), reverse=True):
                j = -v % _SPLIT
                if titles[j] not in seen:
                    seen.add(titles[j])
                    chosen.append(j)
                    if len(chosen) == count:
                        break
        out[i] = chosen
    return out, visits


PARALLEL_MIN = 4000  # articles: below this, forking scorers costs more than it saves


def _score_all(index: _Index, feats, titles, n: int, count: int, jobs: int):
    """``_score`` of every article, over ``jobs`` forked processes when there are many."""
    if jobs <= 1 or n < PARALLEL_MIN:
        return _score(index, feats, titles, range(n), count)
    from ssg.parallel import fan_out

    size = -(-n // (jobs * 2))
    parts = [(lo, min(n, lo + size)) for lo in range(0, n, size)]
    found: dict[int, list[int]] = {}
    visits = 0
    for part, seen in fan_out(lambda bounds: _score(index, feats, titles, range(*bounds), count), parts, jobs):
        found.update(part)
        visits += seen
    return found, visits


def compute(archive, count: int, stored: Stored | None = None, maybe_changed: set[str] | None = None,
            jobs: int = 1) -> Result:
    """Related articles for every article of ``archive`` (articles newest first).

    ``stored``: the previous build's results, to reuse what cannot have changed.
    ``maybe_changed``: the only articles whose inputs may differ from the stored ones, besides
    articles entering or leaving the archive (None: compare every article's inputs).
    ``jobs``: processes a full computation of a large archive may use."""
    # The scoring allocates many small containers, none in a cycle: the cyclic collector would
    # only scan the whole (large) heap again and again, a cost growing with the archive.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _compute(archive, count, stored, maybe_changed, jobs)
    finally:
        if collecting:
            gc.enable()


def _compute(archive, count: int, stored: Stored | None, maybe_changed: set[str] | None, jobs: int) -> Result:
    articles = archive.articles
    n = len(articles)
    if count <= 0 or not n:
        return Result({r: () for r in articles}, params="")
    nref = _reference_size(n)
    params = params_of(count, n)
    arts = list(articles.values())
    relpaths = list(articles)
    if stored is not None and not stored.links.keys() >= set(chain.from_iterable(stored.links.values())):
        stored = None  # links to articles it does not know (a damaged cache): start again

    if stored is None or stored.params != params:
        feats = [features_of(a) for a in arts]
        titles = [_same_title(a.title) for a in arts]
        index = _Index(feats, nref)
        found, visits = _score_all(index, feats, titles, n, count, jobs)
        links = {relpaths[i]: tuple(relpaths[j] for j in found[i]) for i in range(n)}
        rows = {relpaths[i]: (inputs_of(arts[i], feats[i]), "\0".join([relpaths[j] for j in found[i]])) for i in range(n)}
        return Result(links, params, rows, [], True, n, visits)

    # --- incremental: what changed since the stored results -----------------------------
    old_links = stored.links
    added = articles.keys() - old_links.keys()
    removed = sorted(old_links.keys() - articles.keys())
    candidates = articles if maybe_changed is None else maybe_changed
    modified = [r for r in candidates if r in old_links and r in articles and stored.inputs.get(r) != inputs_of(articles[r])]
    if not added and not removed and not modified:
        return Result(old_links, params, {}, [], False, 0, 0)  # the same articles, all unchanged
    added = [r for r in relpaths if r in added]

    # --- which results those changes can reach; only those are scored again --------------
    # (The index is rebuilt: one pass over the features, cheaper than reading it from the cache.)
    feats = [features_of(a) for a in arts]
    titles = _Lazy(lambda i: _same_title(arts[i].title))
    position = {r: i for i, r in enumerate(relpaths)}
    index = _Index(feats, nref)
    targets = sorted(_affected(arts, index, feats, titles, relpaths, position, stored, added, removed, modified))
    found, visits = _score(index, feats, titles, targets, count)
    links = {r: old_links.get(r, ()) for r in relpaths}  # every added article is a target
    rows = {}
    for i in targets:
        r = relpaths[i]
        links[r] = tuple(relpaths[j] for j in found[i])
        rows[r] = inputs_of(arts[i], feats[i]), "\0".join(links[r])
    return Result(links, params, rows, removed, False, len(targets), visits)


def _affected(arts, index: _Index, feats, titles, relpaths, position, stored, added, removed, modified) -> set[int]:
    """Indices of the articles whose related stories may differ from the stored ones."""
    # Where the changed articles were and are. An article's place in a feature's list moves
    # when it enters or leaves the list, or when its date changes; and when its headline
    # changes, the articles near it in every list may now keep or drop it as a duplicate.
    old_entries = {r: _parse_inputs(stored.inputs[r]) for r in removed + modified}
    moved: dict[str, set[str]] = {}
    for r in removed:
        for f in old_entries[r][2]:
            moved.setdefault(f, set()).add(r)
    for r in added:
        for f in feats[position[r]]:
            moved.setdefault(f, set()).add(r)
    for r in modified:
        i = position[r]
        ts, title, old_feats = old_entries[r]
        before, after = set(old_feats), set(feats[i])
        same_place = ts == arts[i].date.timestamp() and title == titles[i]
        for f in (before ^ after) if same_place else (before | after):
            moved.setdefault(f, set()).add(r)

    # A feature's weight before and after: its count now, minus the movers in it now, plus the
    # movers in it before.
    weights = {}
    for f, movers in moved.items():
        now_in = [r for r in movers if r in position and f in feats[position[r]]]
        was_in = [r for r in movers if r in old_entries and f in old_entries[r][2]]
        count = index.df.get(f, 0)  # 0: no article has it any more
        tag = f[0] == "#"
        weights[f] = (weight(count, tag, index.nref), weight(count - len(now_in) + len(was_in), tag, index.nref),
                      now_in, was_in)

    def sort_key(i: int) -> tuple[float, str]:
        return -arts[i].date.timestamp(), relpaths[i]

    affected: set[int] = {position[r] for r in added + modified}
    for f, movers in moved.items():
        w_now, w_before, now_in, was_in = weights[f]
        if not w_now and not w_before:
            continue  # ignored before and after: it never decided anything
        p = index.postings.get(f, [])
        if w_now != w_before:
            affected.update(p)  # every article having it is scored differently
            continue
        # Otherwise an article sees a difference only if its window of this list changed, or
        # holds a mover (whose date or headline may have changed). Only articles within WINDOW
        # of a mover, in the list before or after, can be in that case. The list before: the
        # articles that stayed (in the same order), with the movers where they were (-1).
        stay = [i for i in p if relpaths[i] not in movers]
        old_list: list[int] = []
        was: dict[int, str] = {}  # rank in the list before -> the mover there
        done = 0
        for old_key, r in sorted(((-old_entries[r][0], r), r) for r in was_in):
            at = bisect_left(stay, old_key, key=sort_key)
            old_list.extend(stay[done:at])
            done = at
            was[len(old_list)] = r
            old_list.append(-1)
        old_list.extend(stay[done:])
        near: set[int] = set()
        for r in now_in:
            k = bisect_left(p, position[r])
            near.update(p[max(0, k - WINDOW) : k + WINDOW + 1])
        for k in was:
            near.update(j for j in old_list[max(0, k - WINDOW) : k + WINDOW + 1] if j >= 0)
        old_rank = {i: k for k, i in enumerate(old_list) if i >= 0}
        for i in near - affected:
            if relpaths[i] in movers:
                continue
            lo, hi = _window(len(p), bisect_left(p, i))
            now = {relpaths[j] for j in p[lo:hi]}
            lo, hi = _window(len(old_list), old_rank[i])
            before = {relpaths[j] if j >= 0 else was[k] for k, j in enumerate(old_list[lo:hi], lo)}
            if now != before or not movers.isdisjoint(now):
                affected.add(i)
    return affected


def related(archive, count: int) -> dict[str, tuple[str, ...]]:
    """relpath -> the relpaths of its related articles, best first (a full computation)."""
    return compute(archive, count).links
