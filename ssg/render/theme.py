"""Themes: find a theme's folders and build the Jinja2 environment over them.

Lookup order for templates: the site's own ``templates/``, then the theme, then its parents
(``theme.toml``: ``parent = "name"``). Themes are looked up in the site's ``themes/`` first,
then among the themes shipped inside the ssg package.

Two prefixes name a template further down that order, so that a template can extend the one
it overrides instead of copying it: ``theme/base.html`` is base.html of the theme chain (the
site's ``templates/`` skipped), and ``<name>/article.html`` that of the theme ``name`` of the
chain and its parents (``default/article.html`` from a child theme of ``default``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import NamedTuple, TYPE_CHECKING

from ssg.problems import Problem, SsgError

if TYPE_CHECKING:
    import jinja2


class Theme(NamedTuple):
    name: str
    chain: tuple[Path, ...]  # theme folders, the theme first, then its parents

    def template_dirs(self, site: Path) -> list[Path]:
        dirs = [site / "templates"] if (site / "templates").is_dir() else []
        return dirs + [d / "templates" for d in self.chain if (d / "templates").is_dir()]

    def static_dirs(self, site: Path) -> list[Path]:
        """Lowest priority first: parents, theme, then the site's own static/."""
        dirs = [d / "static" for d in reversed(self.chain) if (d / "static").is_dir()]
        if (site / "static").is_dir():
            dirs.append(site / "static")
        return dirs


def builtin_themes() -> Path | None:
    """The folder of the themes shipped with ssg (``ssg theme copy`` copies from it)."""
    from importlib import resources
    packaged = resources.files("ssg") / "themes"
    if packaged.is_dir():
        return Path(str(packaged))
    # Running from a source checkout: the repository's top-level themes/.
    repo = Path(__file__).resolve().parents[2] / "themes"
    return repo if repo.is_dir() else None


def find_theme(site: Path, name: str) -> Theme:
    chain: list[Path] = []
    wanted = name
    while wanted:
        if any(p.name == wanted for p in chain) or len(chain) > 8:
            raise SsgError([Problem("site.toml", None, f"theme: parent cycle at {wanted!r}")])
        candidates = [site / "themes" / wanted]
        builtin = builtin_themes()
        if builtin is not None:
            candidates.append(builtin / wanted)
        folder = next((c for c in candidates if c.is_dir()), None)
        if folder is None:
            raise SsgError([Problem("site.toml", None, f"theme: no theme named {wanted!r} (looked in {', '.join(map(str, candidates))})")])
        chain.append(folder)
        wanted = None
        meta = folder / "theme.toml"
        if meta.is_file():
            try:
                data = tomllib.loads(meta.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
                raise SsgError([Problem(str(meta), None, f"invalid theme.toml: {exc}")]) from None
            parent = data.get("parent")
            if parent is not None and not isinstance(parent, str):
                raise SsgError([Problem(str(meta), None, "parent: expected a theme name")])
            wanted = parent
    return Theme(name, tuple(chain))


THEME_PREFIX = "theme"  # "theme/base.html": the theme chain's base.html, the site's templates/ skipped


def loader(site: Path, theme: Theme) -> "jinja2.BaseLoader":
    """The site's and the theme chain's templates by their plain names; by a prefix (tried
    first, so that a site's own ``templates/theme/`` cannot hide it), the theme chain's
    (``theme/``) or the chain from one theme on (``<theme name>/``). A name that is also a
    folder of the site's templates is reached through the prefix only when the prefixed
    template exists (else the plain lookup goes on)."""
    import jinja2

    def files(dirs: list[Path]) -> "jinja2.FileSystemLoader":
        return jinja2.FileSystemLoader([str(d) for d in dirs])

    chain_dirs = [d / "templates" for d in theme.chain if (d / "templates").is_dir()]
    prefixes = {THEME_PREFIX: files(chain_dirs)}
    for i, folder in enumerate(theme.chain):
        prefixes.setdefault(folder.name, files([d / "templates" for d in theme.chain[i:] if (d / "templates").is_dir()]))
    loaders = [jinja2.PrefixLoader(prefixes), files(theme.template_dirs(site))]
    builtin = builtin_themes()
    if builtin is not None and (builtin / "default" / "templates").is_dir():
        # Templates of a kind of page newer than a theme copied before it: the default theme's.
        default = files([builtin / "default" / "templates"])
        loaders.append(jinja2.FunctionLoader(lambda name: default.get_source(None, name) if name in NEWER else None))
    return jinja2.ChoiceLoader(loaders)


# Templates added to the default theme after `ssg theme copy` existed: a theme that lacks one
# renders those pages with the default theme's (which extends the theme's own base.html).
NEWER = frozenset({"corrections.html"})


def environment(site: Path, theme: Theme, cache_dir: Path | None = None) -> "jinja2.Environment":
    """``cache_dir``: where compiled templates are kept between builds (Jinja's bytecode cache,
    checked against each template's source), so a build does not compile them all again."""
    import jinja2  # only a build that makes pages loads Jinja

    cache = None
    if cache_dir is not None:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            cache = jinja2.FileSystemBytecodeCache(str(cache_dir))
        except OSError:
            cache = None
    env = jinja2.Environment(
        loader=loader(site, theme),
        autoescape=True,  # everywhere, whatever the template's extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=cache,
    )
    return env


class Templates:
    """Renders templates to bytes, collecting every error (with the template's file and line)
    instead of raising: rendering goes on, so that all of them are reported at once. A template
    that failed is not tried again in this build (``failed``)."""

    def __init__(self, env: "jinja2.Environment", problems, site_view):
        self.env, self.problems, self.site = env, problems, site_view
        self.failed: set[str] = set()
        # asset("style.css"): the URL of a static file (views.Assets, in the global key).
        asset = getattr(site_view, "asset", None)
        if asset is not None:
            env.globals["asset"] = asset

    def render(self, template: str, source: str, **context) -> bytes | None:
        import jinja2

        if template in self.failed:
            return None
        try:
            html = self.env.get_template(template).render(site=self.site, **context)
        except jinja2.TemplateSyntaxError as exc:
            self.failed.add(template)
            # A syntax error in a shared template (base.html) fails every template that extends
            # it: reported once, whichever worker process met it.
            problem = Problem(str(exc.filename or exc.name or template), exc.lineno, f"template syntax error: {exc.message}")
            if problem not in self.problems.items:
                self.problems.items.append(problem)
            return None
        except jinja2.TemplateNotFound as exc:
            # Asked by an extends, include or import (a template's line), or the page's own.
            self.failed.add(template)
            filename, line = _where(exc, template)
            self._once(Problem(filename, line, f"template not found: {exc.name}"))
            return None
        except RecursionError as exc:
            # {% extends "base.html" %} in the site's base.html (instead of "theme/base.html"),
            # or templates that include each other: Jinja recurses until Python stops it.
            self.failed.add(template)
            filename, line = _where(exc, template)
            self._once(Problem(filename, line, f"template error while rendering {source}: a template extends, includes "
                                               "or imports itself, directly or through others (to extend the theme's "
                                               f"template of the same name, use \"{THEME_PREFIX}/<name>\")"))
            return None
        except Exception as exc:  # a template's runtime error, reported where it happened
            self.failed.add(template)
            filename, line = _where(exc, template)
            self.problems.error(filename, f"template error while rendering {source}: {type(exc).__name__}: {exc}", line)
            return None
        return html.encode("utf-8")

    def _once(self, problem: Problem) -> None:
        """A problem of a shared template, met by every template using it: reported once."""
        if problem not in self.problems.items:
            self.problems.items.append(problem)


def _where(exc: BaseException, template: str) -> tuple[str, int | None]:
    """The template file and line an exception was raised at (Jinja maps its frames to them):
    the innermost template frame; ``template`` without a line when none is a template's."""
    import traceback

    filename, line = template, None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename and frame.filename.endswith((".html", ".xml", ".txt", ".j2")):
            filename, line = frame.filename, frame.lineno
    return filename, line
