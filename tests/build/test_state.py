"""The build state's fingerprints (ssg/state.py); its cache behaviour (corrupt, foreign, --clean)
is tested end to end in test_incremental.py."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ssg.keys import digest, strings_key


def test_strings_key_is_stable_and_tells_parts_apart():
    assert strings_key("a", "b") == strings_key("a", "b")
    assert len(strings_key("a", "b")) == 32
    assert strings_key("a", "b") != strings_key("b", "a")
    assert strings_key("ab", "") != strings_key("a", "b") != strings_key("a", "b", "")
    # A NUL inside a part would make the join ambiguous: those keys are the repr's, hashed apart.
    assert strings_key("a\0", "b") != strings_key("a", "\0b")
    assert strings_key(repr(("a\0", "b"))) != strings_key("a\0", "b") != digest("a\0", "b")


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(alphabet="ab\0", max_size=3), min_size=1, max_size=4),
       st.lists(st.text(alphabet="ab\0", max_size=3), min_size=1, max_size=4))
def test_strings_key_differs_whenever_the_parts_differ(one, other):
    assert (strings_key(*one) == strings_key(*other)) == (one == other)
