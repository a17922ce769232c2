"""sitemap.xml and robots.txt: plain text, no XML library needed."""

from __future__ import annotations



def escape(text: str) -> str:
    # xml.sax.saxutils.escape would do, but importing it pulls in urllib.request (10 ms a build).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sitemap_xml(entries: list[tuple[str, str]]) -> bytes:
    """entries: (absolute URL, lastmod ISO date), in a stable order."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for loc, lastmod in entries:
        lines.append(f"  <url><loc>{escape(loc)}</loc><lastmod>{escape(lastmod)}</lastmod></url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots_txt(sitemap_url: str) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {sitemap_url}\n".encode("utf-8")
