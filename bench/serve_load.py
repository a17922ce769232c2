"""The preview server under load: many concurrent clients on loopback for a while.

Usage: python bench/serve_load.py [ARTICLES=1000] [SECONDS=10] [CLIENTS=50]

Builds a synthetic archive (bench/corpus.py seeds, search off) in a temporary folder, starts
`ssg serve` on it, and has CLIENTS threads fetch a mix of pages (article, section, tag, archive
pages, the home page), feeds, the stylesheet and missing pages (404) as fast as they can for
SECONDS: half of them keep their connection alive, half open one per request. Prints the
requests made, errors, statuses, requests per second, latency percentiles and the server's
resident memory (RSS, from /proc) at the start, the middle and the end. Exit status 1 on any
error. tests/test_serve_stress.py runs a shorter version of the same load (``load``).
"""

from __future__ import annotations

import http.client
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path



def free_port() -> int:
    """A port nobody listens on now (``ssg serve --port`` takes 1 to 65535)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

def rss_kb(pid: int) -> int:
    """Resident memory of a process, in kB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def served_paths(root: Path, base: str = "/", rng: random.Random | None = None, pages: int = 300) -> list[str]:
    """A mix of URLs of a built folder: up to ``pages`` HTML pages, every feed at the top and
    the stylesheet, and a few that do not exist."""
    rng = rng or random.Random(1)
    html = sorted(p.relative_to(root).as_posix() for p in root.rglob("index.html"))
    chosen = rng.sample(html, min(pages, len(html)))
    urls = [base + rel[: -len("index.html")] for rel in chosen]
    urls += [base + name for name in ("feed.xml", "atom.xml", "sitemap.xml", "style.css") if (root / name).is_file()]
    urls += [base + "no/such/page/", base + "missing.html", base + "world/nothing-here/"]
    return urls


def load(port: int, paths: list[str], *, clients: int = 50, seconds: float = 10.0, pid: int | None = None,
         seed: int = 1) -> dict:
    """``clients`` threads GET random ``paths`` for ``seconds``. Returns the figures: requests,
    errors (a list of strings: exceptions, 5xx, short bodies), statuses, rps, latencies (s:
    p50, p90, p99, max) and RSS samples (kB, every 0.25 s, when ``pid`` is given)."""
    stop = threading.Event()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    rss: list[tuple[float, int]] = []
    start_gate = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        keep_alive = n % 2 == 0
        conn = None
        mine, codes, wrong = [], {}, []
        start_gate.wait()
        while not stop.is_set():
            path = rng.choice(paths)
            t0 = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                if not keep_alive or resp.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                wrong.append(f"{path}: {type(exc).__name__}: {exc}")
                if conn is not None:
                    conn.close()
                conn = None
                continue
            mine.append(time.perf_counter() - t0)
            codes[resp.status] = codes.get(resp.status, 0) + 1
            expected_length = resp.getheader("Content-Length")
            if resp.status >= 500:
                wrong.append(f"{path}: HTTP {resp.status}")
            elif expected_length is not None and int(expected_length) != len(body):
                wrong.append(f"{path}: {len(body)} bytes of {expected_length}")
        if conn is not None:
            conn.close()
        with lock:
            latencies.extend(mine)
            errors.extend(wrong)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    start_gate.wait()
    started = time.perf_counter()
    if pid is not None:
        rss.append((0.0, rss_kb(pid)))
    while (elapsed := time.perf_counter() - started) < seconds:
        time.sleep(min(0.25, seconds - elapsed))
        if pid is not None:
            rss.append((time.perf_counter() - started, rss_kb(pid)))
    stop.set()
    for t in threads:
        t.join(60)
    duration = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0

    return {
        "clients": clients, "seconds": duration, "requests": len(latencies), "errors": errors,
        "statuses": dict(sorted(statuses.items())), "rps": len(latencies) / duration,
        "p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": latencies[-1] if latencies else 0.0,
        "mean": statistics.fmean(latencies) if latencies else 0.0, "rss": rss,
    }


def rss_points(rss: list[tuple[float, int]]) -> tuple[int, int, int, int]:
    """RSS (kB) at the start, the middle and the end of a run, and the peak."""
    values = [kb for _, kb in rss]
    return values[0], values[len(values) // 2], values[-1], max(values)


def report(fig: dict) -> str:
    start, middle, end, peak = rss_points(fig["rss"]) if fig["rss"] else (0, 0, 0, 0)
    return (f"{fig['clients']} clients, {fig['seconds']:.1f} s: {fig['requests']:,} requests "
            f"({fig['rps']:,.0f}/s), {len(fig['errors'])} errors, statuses {fig['statuses']}; latency "
            f"p50 {fig['p50'] * 1000:.1f} ms, p90 {fig['p90'] * 1000:.1f} ms, p99 {fig['p99'] * 1000:.1f} ms, "
            f"max {fig['max'] * 1000:.1f} ms; server RSS start {start / 1024:.1f} MB, middle {middle / 1024:.1f} MB, "
            f"end {end / 1024:.1f} MB, peak {peak / 1024:.1f} MB")


def main() -> int:
    if any(a.startswith("-") for a in sys.argv[1:]) or len(sys.argv) > 4:
        print(__doc__.strip())
        return 0 if sys.argv[1:] in (["-h"], ["--help"]) else 2
    articles = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import corpus

    tmp = Path(tempfile.mkdtemp(prefix="ssg-serve-load-"))
    site = tmp / "site"
    site.mkdir()
    (site / "site.toml").write_text('title = "Load"\nbase_url = "https://example.org/"\n[search]\nenabled = false\n',
                                    encoding="utf-8")
    corpus.write_seeds(site / "seeds", articles)
    proc = subprocess.Popen([sys.executable, "-m", "ssg", "serve", "--site", str(site), "--port", str(free_port())],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = base = None
        for line in proc.stdout:
            m = re.search(r"serving http://[^:]+:(\d+)(/\S*)", line)
            if m:
                port, base = int(m.group(1)), m.group(2)
                break
        if port is None:
            print("the server did not start", file=sys.stderr)
            return 1
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
        paths = served_paths(site / ".ssg" / "serve", base)
        print(f"{articles:,} articles, {len(paths)} URLs in the mix; server pid {proc.pid}", flush=True)
        fig = load(port, paths, clients=clients, seconds=seconds, pid=proc.pid)
        alive = proc.poll() is None
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    print(report(fig))
    for e in fig["errors"][:10]:
        print("error:", e)
    if not alive:
        print("the server died")
    return 1 if fig["errors"] or not alive else 0


if __name__ == "__main__":
    sys.exit(main())
