"""Time from saving one article to Chromium showing it, under `ssg serve`.

Usage: python bench/serve_latency.py SITE [RUNS] [--body]   (SITE already imported; Debian chromium)

Each run saves a new headline for the site's first article (by path) and waits for Chromium,
which shows that article's page under `ssg serve`, to show it; with --body, a new first paragraph
instead (an edit of the text alone). Prints each run and the median, in seconds.
"""

from __future__ import annotations

import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright



def free_port() -> int:
    """A port nobody listens on now (``ssg serve --port`` takes 1 to 65535)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--body"]
    body = "--body" in sys.argv[1:]
    if not args or args[0].startswith("-") or not (Path(args[0]) / "content").is_dir() or (
            len(args) > 1 and not args[1].isdigit()):
        raise SystemExit("usage: python bench/serve_latency.py SITE [RUNS] [--body]   (SITE: a built site with content/)")
    site = Path(args[0]).resolve()
    runs = int(args[1]) if len(args) > 1 else 5
    proc = subprocess.Popen([sys.executable, "-m", "ssg", "serve", "--site", str(site), "--port", str(free_port()), "-q"],
                            stdout=subprocess.PIPE, text=True)
    url = None
    for line in proc.stdout:
        m = re.search(r"serving (http://\S+)", line)
        if m:
            url = m.group(1)
            break
    article = sorted((site / "content").rglob("*.md"))[0]
    text = article.read_text(encoding="utf-8")
    title = re.search(r"^title: (.*)$", text, re.M).group(1)
    slug = re.search(r"^slug: (.*)$", text, re.M).group(1)
    page_url = f"{url}{article.parent.name}/{slug}/"
    times = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                         args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page()
            for i in range(runs):
                page.goto(page_url)
                page.wait_for_function("() => window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.socket && window.LiveReload.connector.socket.readyState === 1")
                time.sleep(0.5)
                new = f"Latency probe {i}"
                started = time.perf_counter()
                if body:
                    article.write_text(text.replace("\n---\n", f"\n---\n\n{new}.\n", 1), encoding="utf-8")
                    page.wait_for_function(f"() => document.body && document.body.textContent.includes({new + '.'!r})", timeout=60000)
                else:
                    article.write_text(text.replace(f"title: {title}", f"title: {new}", 1), encoding="utf-8")
                    page.wait_for_function(f"() => document.querySelector('h1') && document.querySelector('h1').textContent === {new!r}", timeout=60000)
                times.append(time.perf_counter() - started)
                print(f"run {i + 1}: {times[-1]:.2f} s", flush=True)
            browser.close()
    finally:
        article.write_text(text, encoding="utf-8")
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    print(f"median save-to-browser ({'body' if body else 'headline'} edit): {statistics.median(times):.2f} s over {runs} runs")


if __name__ == "__main__":
    main()
