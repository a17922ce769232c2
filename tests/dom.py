"""A small DOM over Python's ``html.parser``, for tests that compare what a page shows with what
was typed (test_fuzz, test_injection): elements with their attributes, children and text, found
by tag, attribute or class, and their text as a reader sees it. No dependency, and it parses any
input (a mangled page still yields a tree that the assertions then reject).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list = field(default_factory=list)  # Element or str (text)

    def iter(self):
        """This element and every element below it, in document order."""
        yield self
        for c in self.children:
            if isinstance(c, Element):
                yield from c.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Element]:
        """Elements below (and including) this one with that tag, class and attribute values;
        ``data_x="v"`` matches the attribute ``data-x``."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [e for e in self.iter()
                if (tag is None or e.tag == tag) and (cls is None or cls in e.attrs.get("class", "").split())
                and all(e.attrs.get(k) == v for k, v in wanted.items())]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Element:
        found = self.find_all(tag, cls, **attrs)
        assert len(found) == 1, f"{len(found)} elements {tag} {cls} {attrs}"
        return found[0]

    @property
    def text(self) -> str:
        """The text below this element, entities decoded, tags dropped (``<br>`` as a newline)."""
        out: list[str] = []

        def walk(e: Element) -> None:
            for c in e.children:
                if isinstance(c, str):
                    out.append(c)
                elif c.tag == "br":
                    out.append("\n")
                else:
                    walk(c)

        walk(self)
        return "".join(out)


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.current = self.root
        self.comments: list[str] = []
        self.declarations: list[str] = []

    def handle_starttag(self, tag, attrs):
        e = Element(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current)
        self.current.children.append(e)
        if tag not in VOID:
            self.current = e

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.current = self.current.parent

    def handle_endtag(self, tag):
        e = self.current
        while e is not self.root and e.tag != tag:  # implied end tags (</p> omitted…)
            e = e.parent
        if e is not self.root:
            self.current = e.parent

    def handle_data(self, data):
        self.current.children.append(data)

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_decl(self, decl):
        self.declarations.append(decl)

    def unknown_decl(self, data):  # <![CDATA[ …: never in HTML output
        self.declarations.append(data)


@dataclass
class Document:
    root: Element
    comments: list[str]
    declarations: list[str]

    def find_all(self, *args, **kwargs) -> list[Element]:
        return self.root.find_all(*args, **kwargs)

    def find(self, *args, **kwargs) -> Element:
        return self.root.find(*args, **kwargs)


def parse(html: str) -> Document:
    b = _Builder()
    b.feed(html)
    b.close()
    return Document(b.root, b.comments, b.declarations)


def squash(text: str) -> str:
    """Whitespace normalised as Python sees it (Unicode spaces, U+2028 and U+2029 included)."""
    return " ".join(text.split())
