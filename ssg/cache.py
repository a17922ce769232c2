"""What a rebuild may reuse from an earlier one: parsed articles and rendered Markdown.

Parsed articles are keyed by their file's path, size and modification time (plus the config
that shaped them); rendered HTML by a hash of the Markdown and the Markdown settings, so an
entry can only ever be reused for identical input. Kept in memory by ``ssg serve`` across
rebuilds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass
class BuildCache:
    articles: dict[str, tuple[tuple, object]] = field(default_factory=dict)
    html: dict[str, str] = field(default_factory=dict)

    def article(self, relpath: str, key: tuple):
        hit = self.articles.get(relpath)
        return hit[1] if hit is not None and hit[0] == key else None

    def store_article(self, relpath: str, key: tuple, article) -> None:
        self.articles[relpath] = (key, article)

    @staticmethod
    def html_key(markdown: str, settings: str) -> str:
        return hashlib.blake2b(f"{settings}\x00{markdown}".encode("utf-8"), digest_size=16).hexdigest()
