"""``ssg init``: a new site that builds with the built-in default theme."""

from __future__ import annotations

import shlex
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


def next_steps(typed: str, created: Path, cwd: Path) -> list[str]:
    """What to run after ``ssg init``: the first hour's three commands, the folder named as it
    was typed (quoted for the shell when it must be), and no ``cd`` into the current folder."""
    lines = ["next steps:"]
    if created != cwd.resolve():
        lines.append(f"  cd {shlex.quote(typed)}")
    lines += ['  ssg new "Your first headline" --section News',
              "  ssg serve            # preview at http://127.0.0.1:8000/, reloads on every change"]
    return lines
