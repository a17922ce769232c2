"""``ssg schedule``: the next moments at which the site changes by itself.

An article dated in the future or under an embargo (``publish_at``) is published at that
moment; one with ``expires`` is taken down then. A site built by cron or CI must be built again
at each of those moments: this command lists them, soonest first, one per line
(``2027-01-01T09:00:00+00:00 publish content/politics/x.md``), for a scheduler to read. Drafts
are left out: they are never published by themselves.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from ssg.problems import Problems


def upcoming(site: Path, config, problems: Problems, now: dt.datetime) -> list[tuple[dt.datetime, str, str]]:
    """(moment, "publish" or "expire", content file) of every change after ``now``, soonest first."""
    from ssg.build.state import BuildState, state_path
    from ssg.content.collect import changes, collect, scan

    listing = scan(site / config.content_dir, site, problems, config.content_dir.rstrip("/"))
    known = {}
    path = state_path(site, config.output_dir)
    if path.exists():  # what the last build parsed is reused where the file did not change
        state = BuildState(path, Problems())
        try:
            known = state.articles()
        finally:
            state.close()
    collected = collect(site, config, problems, listing=listing, known=known, drafts=True, future=True, now=now,
                        jobs=os.cpu_count() or 1)
    shown = config.content_dir.rstrip("/")
    out = []
    for relpath in listing:
        if relpath not in collected.fps:
            continue  # could not be parsed: reported
        entry = collected.parsed.get(relpath) or known[relpath]
        a = entry[1]
        if a.draft:
            continue
        out += [(when, what, f"{shown}/{relpath}") for when, what in changes(a) if when > now]
    return sorted(out)


def run(site: Path, args, problems: Problems, say=print) -> list[str]:
    from ssg.config import load_config

    config = load_config(site)
    now = args.at or dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=config.tz)
    lines = [f"{when.isoformat()} {what} {path}" for when, what, path in upcoming(site, config, problems, now)]
    return lines or [f"nothing scheduled after {now.isoformat(timespec='minutes')}"]
