"""``ssg init``: a new site that builds with the built-in default theme."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ssg.config import CONFIG_NAME
from ssg.problems import Problem, SsgError


def init_site(folder: Path) -> Path:
    folder = folder.resolve()
    if (folder / CONFIG_NAME).exists():
        raise SsgError([Problem(str(folder / CONFIG_NAME), None, "already exists; not overwritten")])
    folder.mkdir(parents=True, exist_ok=True)
    example = resources.files("ssg").joinpath("site.toml.example").read_text(encoding="utf-8")
    (folder / CONFIG_NAME).write_text(example, encoding="utf-8")
    for name in ("seeds", "content"):
        (folder / name).mkdir(exist_ok=True)
    gitignore = folder / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("/public/\n/.ssg/\n", encoding="utf-8")
    return folder
