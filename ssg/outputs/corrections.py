"""Corrections: the site-wide list of every correction made to a story (front matter
``corrections``), newest first, as a page (``/corrections/``) and as RSS and Atom feeds, so that
readers and fact-checkers can follow them.

A correction's date and text are the article's, never the clock's: two builds give the same
bytes. Text is shown as typed (Atom says ``type="text"``; RSS text is escaped as HTML, as in
``feeds.py``).
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import NamedTuple

from ssg import __version__


class Item(NamedTuple):
    """One correction in the site-wide list."""

    date: dt.datetime
    text: str
    title: str  # the story's headline
    url: str  # the story's absolute URL


def item(a, i: int, path_of, absolute) -> Item:
    """The ``i``th correction of article ``a`` (the planner orders them, newest first)."""
    iso, text = a.corrections[i]
    return Item(dt.datetime.fromisoformat(iso), text, a.title, absolute(path_of(a)))


def feeds(*, title: str, description: str, language: str, home_url: str, rss_url: str, atom_url: str,
          items: list[Item], hub: str = "") -> tuple[bytes, bytes]:
    """(RSS, Atom) of the corrections, newest first: one entry per correction, whose link is the
    story's notice (``#corrections``) and whose id is the story's URL and the correction's date.
    ``hub``: the WebSub hub both name ("" none)."""
    from feedgen.feed import FeedGenerator

    from ssg.outputs.feeds import rss_bytes

    fg = FeedGenerator()
    fg.id(home_url)
    fg.title(title)
    fg.subtitle(description)
    fg.language(language)
    fg.link(href=home_url, rel="alternate")
    fg.link(href=atom_url, rel="self")
    if hub:
        fg.link(href=hub, rel="hub")
    fg.generator("ssg", version=__version__)
    fg.author(name=title)
    newest = items[0].date if items else dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    fg.updated(newest)
    fg.lastBuildDate(newest)
    for item in items:
        fe = fg.add_entry(order="append")
        fe.id(f"{item.url}#correction-{item.date.isoformat()}")
        fe.guid(f"{item.url}#correction-{item.date.isoformat()}", permalink=False)
        fe.title(f"Correction: {item.title}")
        fe.link(href=f"{item.url}#corrections", rel="alternate")
        fe.published(item.date)
        fe.updated(item.date)
        fe.summary(item.text)
    atom = fg.atom_str(pretty=True)
    fg.link(href=rss_url, rel="self", replace=True)
    fg.link(href=home_url, rel="alternate")
    fg.title(escape(title, quote=False))
    fg.description(escape(description, quote=False))
    for fe, item in zip(fg.entry(), items):
        fe.title(escape(f"Correction: {item.title}", quote=False))
        fe.description(escape(item.text, quote=False))
    return rss_bytes(fg, hub), atom
