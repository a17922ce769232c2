"""Build: the phases (``driver``), edit-only plans (``edits``), the build state (``state``).

``from ssg.build import build_site, BuildOptions`` still works: those names are looked up in
``driver`` on first use, so that importing ``ssg.build.state`` alone does not import the whole
pipeline.
"""

from __future__ import annotations

_DRIVER = {"BuildOptions", "BuildReport", "build_site", "run"}


def __getattr__(name: str):
    if name in _DRIVER:
        from ssg.build import driver

        return getattr(driver, name)
    raise AttributeError(f"module 'ssg.build' has no attribute {name!r}")
