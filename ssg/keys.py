"""Keys: stable fingerprints of plain values, what every cache and output key is made of."""

from __future__ import annotations

import hashlib

# A file (or folder) modified this close to now may change again within one timestamp tick
# without its modification time changing, so its stat is not remembered (git's "racy"
# entries): it is looked at again next time.
RACY_NS = 2_000_000_000


def digest(*parts) -> str:
    """A stable fingerprint of plain values (str, int, tuples…): repr is deterministic for them."""
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).hexdigest()


def strings_key(*parts: str) -> str:
    """``digest`` for plain strings, the page keys made for every page of every build: joined by
    NUL, ~2.5 times faster than a repr. No path and no cleaned text (``content.clean_text``)
    holds a NUL; should a part hold one anyway, the join could be ambiguous, and the parts'
    repr is hashed instead, in a hash of its own (blake2b personalised), so that it can never
    equal the hash of a join."""
    joined = "\0".join(parts)
    if joined.count("\0") != len(parts) - 1:
        return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16, person=b"ssg-repr").hexdigest()
    return hashlib.blake2b(joined.encode("utf-8"), digest_size=16).hexdigest()
