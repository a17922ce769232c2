"""WebSub (https://www.w3.org/TR/websub/): telling the hub a feed changed, after a deploy.

Every feed of a site with ``[feeds] websub_hub`` names the hub (Atom ``<link rel="hub">``, RSS
``<atom:link rel="hub">``, JSON Feed ``hubs``). After a deploy, ``ssg deploy`` sends the hub one
``hub.mode=publish&hub.url=<feed URL>`` POST per feed file it uploaded (new, or its bytes
changed): never for an unchanged one. The monthly archived feeds name no hub (nobody
subscribes to them) and are not announced.

A hub that refuses or cannot be reached costs a warning per feed, never the deploy: the site
is out by then. Once the hub could not be reached at all, the feeds left are not tried (each
would wait for the same timeout) but still named.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

FEED_NAMES = frozenset({"feed.xml", "atom.xml", "feed.json"})  # the names every feed of ssg has
TIMEOUT = 10.0  # seconds per request
WORKERS = 4
_HUB_LINK = re.compile(rb"<(?:atom:)?link\b[^>]*\brel=[\"']hub[\"']")


def names_a_hub(data: bytes, rel: str) -> bool:
    """Whether a feed's bytes name a WebSub hub."""
    if rel.endswith(".json"):
        try:
            return bool(json.loads(data).get("hubs"))
        except (ValueError, AttributeError):
            return False
    return bool(_HUB_LINK.search(data))


def feeds_to_announce(output: Path, uploaded: list[str]) -> list[str]:
    """The uploaded files that are feeds naming a hub (relative to the output folder), in order."""
    out = []
    for rel in uploaded:
        if rel.rsplit("/", 1)[-1] in FEED_NAMES:
            try:
                data = (output / rel).read_bytes()
            except OSError:
                continue
            if names_a_hub(data, rel):
                out.append(rel)
    return out


def _post(hub: str, topic: str, timeout: float) -> None:
    body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": topic}).encode("ascii")
    request = urllib.request.Request(hub, data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded",
                                              "User-Agent": "ssg deploy (WebSub publisher)"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read(65536)


def notify(hub: str, feeds: list[tuple[str, str]], *, timeout: float = TIMEOUT,
           workers: int = WORKERS) -> list[tuple[str, str]]:
    """One publish notification per (name, topic URL) of ``feeds``; returns (name, why) of each
    the hub did not accept (a 2xx answer accepts)."""
    unreachable: list[str] = []
    lock = threading.Lock()

    def one(feed: tuple[str, str]) -> tuple[str, str] | None:
        name, topic = feed
        if unreachable:
            return name, f"not announced: {unreachable[0]}"
        try:
            _post(hub, topic, timeout)
        except urllib.error.HTTPError as exc:
            return name, f"the hub {hub} answered HTTP {exc.code} {exc.reason}".rstrip()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            with lock:
                if not unreachable:
                    unreachable.append(f"cannot reach the hub {hub}: {reason}")
            return name, f"cannot reach the hub {hub}: {reason}"
        return None

    with ThreadPoolExecutor(max(1, min(workers, len(feeds)))) as pool:
        return [r for r in pool.map(one, feeds) if r is not None]
