"""Related stories (ssg/related.py and the block under each article).

Unit tests build archives in memory (``Article`` objects, no files); site tests build small
sites. No test measures time: the bound on work is checked by counting index visits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssg.content import related
from ssg.build import BuildOptions, build_site
from ssg.config import load_config
from ssg.problems import Problems
from ssg.content.article import Article
from ssg.content.related import Stored, compute, terms_of
from ssg.content.collect import Archive
from ssg.urls import slugify
from sitekit import NOW, article, build, make_site, page, tree

UTC = dt.timezone.utc
START = dt.datetime(2025, 1, 1, 8, tzinfo=UTC)


def art(relpath: str, title: str, day: float, body: str = "", tags=()) -> Article:
    return Article(relpath=relpath, title=title, date=START + dt.timedelta(days=day), section="News",
                   section_slug="news", slug=relpath.removesuffix(".md"), summary="", body_hash="",
                   tags=tuple(tags), terms=terms_of(title, body))


def archive(articles) -> Archive:
    found = sorted(articles, key=lambda a: (-a.date.timestamp(), a.relpath))  # as site.collect orders them
    return Archive({a.relpath: a for a in found}, ())


NEWS = [
    art("volcano.md", "Volcano erupts in Iceland", 1, "Lava and ash close airports; flights grounded.", ["Iceland"]),
    art("ash.md", "Flights resume after ash cloud", 2, "Airports reopen as volcano ash clears over Iceland.", ["Iceland"]),
    art("final.md", "Cup final goes to penalties", 3, "Stadium erupts as the keeper saves two penalties."),
    art("tickets.md", "Cup final tickets sold out", 4, "Fans queue at the stadium for final tickets."),
    art("budget.md", "Parliament passes budget", 5, "Ministers defend tax rises in the budget vote."),
    art("markets.md", "Shares slide", 6, "Traders sell.", ["Economy"]),
    art("currency.md", "Pound weakens", 7, "Sterling drops.", ["economy"]),  # one tag, two spellings
]


# --- choosing -------------------------------------------------------------------------
def test_shared_tags_and_words_make_stories_related():
    links = related.related(archive(NEWS), 5)
    assert links["volcano.md"][0] == "ash.md" and links["ash.md"][0] == "volcano.md"
    assert links["final.md"][0] == "tickets.md" and links["tickets.md"][0] == "final.md"
    # A tag alone relates stories (its spellings are one tag), with nothing else in common.
    assert links["markets.md"] == ("currency.md",) and links["currency.md"] == ("markets.md",)
    # Sharing nothing (not a tag, not a word) is never related.
    assert "budget.md" not in links["volcano.md"] + links["final.md"] + links["markets.md"]
    assert links["budget.md"] == ()


def test_a_shared_tag_outweighs_a_shared_word():
    story = art("story.md", "Harbour reopens", 10, "The harbour reopens after repairs.", ["Ports"])
    by_tag = art("tag.md", "Dock strike ends", 9, "Workers return.", ["Ports"])
    by_word = art("word.md", "Harbour fees rise", 11, "Harbour charges go up.")
    fillers = [art(f"f{i}.md", f"Filler {i}", 20 + i, f"Nothing shared at all {i}.") for i in range(6)]
    links = related.related(archive([story, by_tag, by_word] + fillers), 5)
    assert links["story.md"] == ("tag.md", "word.md")


def test_rare_words_outweigh_common_ones():
    # "council" is in most stories (ignored or weak); "ferry" only in two.
    stories = [art(f"c{i}.md", f"Council meeting {i}", i, "The council met about roads and council budgets.") for i in range(12)]
    stories += [art("f1.md", "Ferry cancelled", 20, "The council cancels the island ferry."),
                art("f2.md", "Ferry returns", 21, "Island ferry service is back, says the council.")]
    links = related.related(archive(stories), 3)
    assert links["f1.md"][0] == "f2.md" and links["f2.md"][0] == "f1.md"


def test_self_never_included_count_respected_no_duplicates():
    rng = random.Random(7)
    vocab = [f"{a}{b}" for a in ("bar", "lor", "mex", "tan", "vel", "zo", "qui", "pra") for b in ("don", "kin", "sar", "tum", "ell", "ox")]
    stories = [art(f"s{i:03d}.md", " ".join(rng.sample(vocab, 3)), rng.randint(0, 60),
                   " ".join(rng.choices(vocab, k=30)), rng.sample(["a", "b", "c", "d", "e", "f"], rng.randint(0, 2)))
               for i in range(80)]
    # Two stories with one headline: never both under a third, never under each other.
    stories.append(dataclasses.replace(stories[0], relpath="copy.md", slug="copy"))
    arch = archive(stories)
    for count in (1, 3, 5, 8):
        links = related.related(arch, count)
        assert links.keys() == arch.articles.keys()
        for relpath, chosen in links.items():
            assert relpath not in chosen
            assert len(chosen) <= count
            assert len(set(chosen)) == len(chosen)
            titles = [arch.articles[r].title.casefold() for r in chosen] + [arch.articles[relpath].title.casefold()]
            assert len(set(titles)) == len(titles)
        assert sum(1 for chosen in links.values() if chosen) > len(arch.articles) / 2  # they do find stories


def test_ties_go_to_the_newer_story_then_the_path():
    story = art("story.md", "Story", 5, "", ["t"])
    older, newer = art("older.md", "Older", 1, "", ["t"]), art("newer.md", "Newer", 3, "", ["t"])
    same_b, same_a = art("b.md", "Bee", 2, "", ["t"]), art("a.md", "Ay", 2, "", ["t"])
    links = related.related(archive([older, same_b, story, newer, same_a]), 5)
    assert links["story.md"] == ("newer.md", "a.md", "b.md", "older.md")


def test_count_zero_turns_it_off():
    result = compute(archive(NEWS), 0)
    assert result.params == "" and set(result.links.values()) == {()}


def test_deterministic_and_independent_of_input_order():
    first = related.related(archive(NEWS), 3)
    for seed in range(5):
        shuffled = NEWS[:]
        random.Random(seed).shuffle(shuffled)
        assert related.related(archive(shuffled), 3) == first


# --- bounded work: counted, never timed -------------------------------------------------
def _big(n: int, seed: int = 1) -> Archive:
    """n stories that all share one tag and a handful of common words, plus rarer ones."""
    rng = random.Random(seed)
    vocab = [f"w{i}x" for i in range(100)]
    common = ["senate", "market", "league", "storm"]
    stories = []
    for i in range(n):
        words = rng.sample(common, 2) + rng.sample(vocab, 6)
        title = f"Story {i} " + " ".join(words[:3])
        terms = tuple(sorted(set(words)))
        stories.append(Article(relpath=f"s{i:06d}.md", title=title, date=START + dt.timedelta(minutes=17 * i),
                               section="News", section_slug="news", slug=f"s{i}", summary="", body_hash="",
                               tags=("News", f"T{rng.randint(0, 19)}"), terms=terms))
    return archive(stories)


def test_work_per_article_is_bounded_and_linear():
    bound = related.FEATURES * related.WINDOW
    per_article = {}
    for n in (1000, 4000):
        result = compute(_big(n), 5)
        assert result.scored == n
        assert result.visits <= n * bound
        per_article[n] = result.visits / n
    # A tag on every story and words in most of them do not make the work per article grow.
    assert per_article[4000] <= per_article[1000] * 1.05, per_article


def test_parallel_scoring_gives_the_same_result(monkeypatch):
    monkeypatch.setattr(related, "PARALLEL_MIN", 100)
    arch = _big(600)
    one, two = compute(arch, 5, jobs=1), compute(arch, 5, jobs=2)
    assert two.links == one.links and two.rows == one.rows and two.visits == one.visits


def test_one_changed_story_rescores_few():
    arch = _big(3000)
    first = compute(arch, 5)
    stored = Stored(first.params, first.links, {r: inputs for r, (inputs, _) in first.rows.items()})
    # A body edit that leaves the features alone: nothing is scored.
    same = compute(arch, 5, stored, maybe_changed={"s001500.md"})
    assert same.scored == 0 and same.rows == {} and same.links == first.links
    # New words and a new tag: only the stories near it in the lists of its features.
    changed = dataclasses.replace(arch.articles["s001500.md"], terms=("w1x", "w2x", "storm", "zebra"), tags=("News", "T3"))
    arch2 = Archive({**arch.articles, changed.relpath: changed}, ())
    result = compute(arch2, 5, stored, maybe_changed={changed.relpath})
    assert 0 < result.scored < 3000 // 10, result.scored
    assert result.links == compute(arch2, 5).links


def test_a_damaged_cache_is_not_trusted():
    arch = archive(NEWS)
    first = compute(arch, 5)
    links = dict(first.links)
    links["volcano.md"] = ("ghost.md",)  # an article the cache does not know
    result = compute(arch, 5, Stored(first.params, links, {r: i for r, (i, _) in first.rows.items()}), maybe_changed=set())
    assert result.full and result.links == first.links


# --- incremental results equal a full computation -------------------------------------
class Store:
    """What the build state keeps of the results (``state.BuildState.save`` / ``related``)."""

    def __init__(self):
        self.rows: dict[str, tuple[str, str]] = {}
        self.params = ""

    def save(self, result) -> None:
        if result.full:
            self.rows.clear()
        for r in result.dropped:
            self.rows.pop(r, None)
        self.rows.update(result.rows)
        self.params = result.params

    def stored(self) -> Stored | None:
        if not self.params:
            return None
        links = {r: tuple(text.split("\0")) if text else () for r, (_, text) in self.rows.items()}
        return Stored(self.params, links, {r: inputs for r, (inputs, _) in self.rows.items()})


WORDS = ["ash", "lava", "vote", "budget", "goal", "penalty", "storm", "flood", "bank", "rate"]
TAGS = ["Iceland", "iceland", "Sport", "Money", "Weather"]
edit = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 999), st.lists(st.sampled_from(WORDS), max_size=4),
              st.lists(st.sampled_from(TAGS), max_size=2), st.integers(0, 30)),
    st.tuples(st.just("remove"), st.integers(0, 999)),
    st.tuples(st.just("words"), st.integers(0, 999), st.lists(st.sampled_from(WORDS), max_size=4)),
    st.tuples(st.just("tags"), st.integers(0, 999), st.lists(st.sampled_from(TAGS), max_size=2)),
    st.tuples(st.just("date"), st.integers(0, 999), st.integers(0, 30)),
    st.tuples(st.just("title"), st.integers(0, 999), st.sampled_from(["Same headline", "Other", "ASH  lava"])),
)


def _tags(names) -> tuple[str, ...]:
    """As content files give them: one spelling per slug, the first."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(slugify(name, fallback="term"), name)
    return tuple(seen.values())


def _story(i: int, words, tags, day: int) -> Article:
    return art(f"n{i}.md", f"Story {i}", day, " ".join(words), _tags(tags))


@pytest.mark.parametrize("window,features", [(3, 3), (24, 12)])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(initial=st.lists(st.tuples(st.lists(st.sampled_from(WORDS), max_size=4),
                                  st.lists(st.sampled_from(TAGS), max_size=2), st.integers(0, 30)), max_size=22),
       edits=st.lists(st.lists(edit, min_size=1, max_size=3), min_size=1, max_size=5),
       count=st.integers(1, 4))
def test_incremental_results_equal_a_full_computation(monkeypatch, window, features, initial, edits, count):
    monkeypatch.setattr(related, "WINDOW", window)
    monkeypatch.setattr(related, "FEATURES", features)
    stories = {f"n{i}.md": _story(i, *spec) for i, spec in enumerate(initial)}
    store = Store()
    store.save(compute(archive(stories.values()), count))
    serial = len(initial)
    for step in edits:
        touched = set()
        for e in step:
            keys = sorted(stories)
            pick = keys[e[1] % len(keys)] if keys and e[0] != "add" else None
            if e[0] == "add":
                serial += 1
                new = _story(serial, e[2], e[3], e[4])
                stories[new.relpath] = new
                touched.add(new.relpath)
            elif pick is None:
                continue
            elif e[0] == "remove":
                del stories[pick]
            else:
                a = stories[pick]
                if e[0] == "words":
                    a = dataclasses.replace(a, terms=terms_of(a.title, " ".join(e[2])))
                elif e[0] == "tags":
                    a = dataclasses.replace(a, tags=_tags(e[2]))
                elif e[0] == "date":
                    a = dataclasses.replace(a, date=START + dt.timedelta(days=e[2]))
                elif e[0] == "title":
                    a = dataclasses.replace(a, title=e[2], terms=terms_of(e[2], " ".join(a.terms)))
                stories[pick] = a
                touched.add(pick)
        arch = archive(stories.values())
        full = compute(arch, count)
        for hint in (touched, None):
            incremental = compute(arch, count, store.stored(), maybe_changed=hint)
            assert incremental.links == full.links, (step, hint)
        store.save(compute(arch, count, store.stored(), maybe_changed=touched))
        assert store.stored() is None or store.stored().links == full.links
        assert {r: i for r, (i, _) in store.rows.items()} == {r: i for r, (i, _) in full.rows.items()}


# --- the block under each article -------------------------------------------------------
SITE = {
    "content/world/volcano.md": article("Volcano erupts in Iceland", "2024-05-01T08:00:00+00:00", "World",
                                        "Lava and ash close airports; flights grounded.", slug="volcano",
                                        extra="tags: [Iceland]"),
    "content/world/ash.md": article('<script>alert("x")</script> & {{ ash }}', "2024-05-02T08:00:00+00:00", "World",
                                    "Airports reopen as volcano ash clears over Iceland.", slug="ash",
                                    extra="tags: [Iceland]"),
    "content/sport/final.md": article("Cup final goes to penalties", "2024-05-03T08:00:00+00:00", "Sport",
                                      "Stadium erupts as the keeper saves two penalties.", slug="final"),
    "content/sport/tickets.md": article("Cup final tickets sold out", "2024-05-04T08:00:00+00:00", "Sport",
                                        "Fans queue at the stadium for final tickets.", slug="tickets"),
    "content/world/budget.md": article("Parliament passes budget", "2024-05-05T08:00:00+00:00", "World",
                                       "Ministers defend tax rises.", slug="budget"),
}


def block(html: str) -> str | None:
    m = re.search(r'<section class="related".*?</section>', html, re.S)
    return m.group(0) if m else None


def test_block_under_the_story_with_heading_links_and_escaped_titles(tmp_path):
    site = make_site(tmp_path, SITE)
    build(site)
    html = page(site, "world/volcano/index.html")
    found = block(html)
    assert found is not None
    assert html.index("</article>") < html.index(found)
    assert '<h2 class="block-title" id="related-title">Related stories</h2>' in found
    assert 'aria-labelledby="related-title"' in found
    # Root-relative links under the site's base path, the section and the date of each story.
    assert '<a href="/news/world/ash/">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; {{ ash }}</a>' in found
    assert 'World · <time datetime="2024-05-02T08:00:00+00:00">2 May 2024</time>' in found
    assert "<script>alert" not in html
    assert '<a href="/news/sport/tickets/">Cup final tickets sold out</a>' in block(page(site, "sport/final/index.html"))
    # A story sharing nothing has no block at all: no empty heading.
    assert block(page(site, "world/budget/index.html")) is None
    assert "Related stories" not in page(site, "world/budget/index.html")


def test_count_in_site_toml(tmp_path):
    site = make_site(tmp_path, SITE)
    toml = (site / "site.toml").read_text()
    (site / "site.toml").write_text(toml + "\n[related]\ncount = 1\n")
    build(site)
    assert block(page(site, "world/volcano/index.html")).count("<li>") == 1
    (site / "site.toml").write_text(toml + "\n[related]\ncount = 0\n")
    build(site)
    for path in (site / "public").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert 'class="related"' not in text and "Related stories" not in text, path


def test_output_independent_of_file_creation_order(tmp_path):
    a = make_site(tmp_path, SITE, name="a")
    b = make_site(tmp_path, dict(reversed(list(SITE.items()))), name="b")
    build(a)
    build(b)
    assert tree(a / "public") == tree(b / "public")


def test_incremental_builds_follow_related_changes_with_small_windows(tmp_path, monkeypatch):
    """Edits that change related lists, on a site where WINDOW is small enough to matter: the
    incremental build equals a clean one each time."""
    monkeypatch.setattr(related, "WINDOW", 2)
    files = {f"content/world/s{i}.md": article(f"Storm story {i}", f"2024-05-{i + 1:02d}T08:00:00+00:00", "World",
                                               f"Storm floods town {i}.", slug=f"s{i}", extra="tags: [Weather]")
             for i in range(8)}
    site = make_site(tmp_path, files)
    build(site)

    def check():
        build(site)
        config = dataclasses.replace(load_config(site), output_dir="clean")
        problems = Problems()
        report = build_site(site, config, problems, BuildOptions(now=NOW, clean=True, jobs=1))
        assert report.published and not problems.errors
        assert tree(site / "public") == tree(site / "clean")

    path = site / "content/world/s3.md"
    path.write_text(path.read_text().replace("Storm story 3", "Flood alert 3"))
    check()
    path.write_text(path.read_text().replace("2024-05-04", "2024-05-20"))
    check()
    (site / "content/world/s5.md").unlink()
    check()
    (site / "content/world/new.md").write_text(article("Storm returns", "2024-05-04T09:00:00+00:00", "World",
                                                       "Storm floods again.", slug="new", extra="tags: [Weather]"))
    check()
    path.write_text(path.read_text().replace("tags: [Weather]", "tags: [Floods]"))
    check()
