"""Benchmark: the link checker on 10,000 URLs over 50 loopback hosts, next to LinkChecker.

    .venv/bin/python benchmarks/linkcheck_bench.py                # full run (a few minutes)
    .venv/bin/python benchmarks/linkcheck_bench.py --urls 2000    # quicker look

Setup: server processes (aiohttp, two by default) answer on 127.0.0.2 ... 127.0.0.51
(50 hosts, one port), every URL after a fixed delay (100 ms); 127.0.0.1 serves an HTML page
linking all URLs, which is how LinkChecker gets the very same list.

For each configuration the script prints the measured time, the lower bound
that its own politeness settings allow, and the ratio (goal <= 1.3x):

    bound = max(ceil(n_host / per_host) * delay,   # per-host concurrency
                (n_host - 1) * spacing + delay,    # per-host spacing
                ceil(n / concurrency) * delay)     # total concurrency

LinkChecker (PyPI package, in the ``test`` extra) runs on the same URLs in the
same run with the same total concurrency (``--threads``) and its default
politeness of 10 requests per second per host, i.e. the same spacing as
Lotse's nightly default. If it is too slow for the whole list, ``--lc-urls``
runs it on an even subset (the same share of every host) and the script
extrapolates linearly, saying so.

Numbers are from whatever machine runs this; on a shared 2-core machine they
are noisy. "own CPU" is the checker's CPU time: far below the wall time means
the checker was waiting (on its politeness limits, or on a busy server/machine),
not computing. The script prints, it asserts nothing but that every URL came back ok.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# --------------------------------------------------------------------------- server (child process)


def serve(port: int, hosts: int, per_host: int, delay: float, proc: int, procs: int) -> None:
    from aiohttp import web

    async def page(request):
        await asyncio.sleep(delay)
        return web.Response(text="ok", content_type="text/plain")

    async def links(request):
        return web.Response(text=links_html(port, hosts, per_host), content_type="text/html")

    async def main():
        app = web.Application()
        app.router.add_get("/seite/{n}", page)  # add_get answers HEAD too
        app.router.add_get("/links.html", links)
        runner = web.AppRunner(app, access_log=None, handle_signals=True)
        await runner.setup()
        for i in range(proc, hosts, procs):
            await web.TCPSite(runner, host_ip(i), port, backlog=1024).start()
        if proc == 0:
            await web.TCPSite(runner, "127.0.0.1", port, backlog=1024).start()
        print("ready", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


def host_ip(i: int) -> str:
    return f"127.0.0.{i + 2}"


def all_urls(port: int, hosts: int, per_host: int) -> list[str]:
    # Host-interleaved order, as a real data set mixes hosts.
    return [f"http://{host_ip(h)}:{port}/seite/{n}" for n in range(per_host) for h in range(hosts)]


def links_html(port: int, hosts: int, per_host: int) -> str:
    items = "\n".join(f'<a href="{u}">{i}</a>' for i, u in enumerate(all_urls(port, hosts, per_host)))
    return f"<!doctype html><html><head><title>Links</title></head><body>\n{items}\n</body></html>\n"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- measurements


def bound(n: int, hosts: int, delay: float, concurrency: int, per_host: int, spacing: float) -> float:
    n_host = math.ceil(n / hosts)
    return max(math.ceil(n_host / per_host) * delay, (n_host - 1) * spacing + delay, math.ceil(n / concurrency) * delay)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_lotse(urls: list[str], settings) -> tuple[float, float]:
    """Wall time and the checker's own CPU time (to tell a busy checker from a busy machine)."""
    from lotse.linkcheck.checker import check_urls

    cpu, started = _cpu(), time.monotonic()
    outcomes = check_urls(urls, settings)
    elapsed, cpu = time.monotonic() - started, _cpu() - cpu
    bad = [o for o in outcomes.values() if o.result != "ok"]
    if len(outcomes) != len(urls) or bad:
        sys.exit(f"lotse: {len(bad)} of {len(outcomes)} URLs not ok, e.g. {bad[:1]}")
    return elapsed, cpu


def start_servers(port: int, hosts: int, per_host: int, delay: float, procs: int) -> list[subprocess.Popen]:
    servers = [
        subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(hosts), str(per_host), str(delay), str(i), str(procs)],
                         stdout=subprocess.PIPE, text=True)
        for i in range(procs)
    ]
    for server in servers:
        if server.stdout.readline().strip() != "ready":
            stop_servers(servers)
            sys.exit("benchmark server did not start")
    return servers


def stop_servers(servers: list[subprocess.Popen]) -> None:
    for server in servers:
        server.terminate()
    for server in servers:
        server.wait()


def run_linkchecker(port: int, n_expected: int, threads: int, workdir: Path, start_url: str) -> tuple[float, float, str]:
    exe = shutil.which("linkchecker", path=str(Path(sys.executable).parent)) or shutil.which("linkchecker")
    if not exe:
        return float("nan"), float("nan"), "not installed (pip install -e '.[test]')"
    rc = workdir / "linkcheckerrc"
    # 10 requests/s per host is LinkChecker's own default; written out so the comparison is explicit.
    rc.write_text("[checking]\nmaxrequestspersecond=10\n[output]\n", encoding="utf-8")
    env = dict(os.environ, XDG_CONFIG_HOME=str(workdir), XDG_DATA_HOME=str(workdir), HOME=str(workdir))
    cmd = [exe, "-f", str(rc), "--no-robots", "--check-extern", "-r", "1", "--threads", str(threads), "--no-status", "-o", "text", start_url]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    tail = proc.stdout.strip().splitlines()[-3:] if proc.stdout.strip() else proc.stderr.strip().splitlines()[-3:]
    match = re.search(r"(\d+) links? in (\d+) URLs? checked", proc.stdout)
    checked = int(match.group(2)) if match else -1
    errors = re.search(r"(\d+) errors? found", proc.stdout)
    note = f"{checked} URLs checked (incl. the list page), {errors.group(1) if errors else '?'} errors"
    if checked != n_expected + 1:
        note += " – UNEXPECTED COUNT: " + " | ".join(tail)
    return elapsed, cpu, note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=10_000, help="URLs in total (default 10000)")
    parser.add_argument("--hosts", type=int, default=50, help="loopback hosts (default 50)")
    parser.add_argument("--delay", type=float, default=0.1, help="server answer delay in seconds (default 0.1)")
    parser.add_argument("--lc-urls", type=int, default=None, help="LinkChecker on this many URLs only, then extrapolated (default: all)")
    parser.add_argument("--server-procs", type=int, default=2, help="server processes sharing the hosts (default 2)")
    parser.add_argument("--no-linkchecker", action="store_true")
    parser.add_argument("--serve", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve:
        port, hosts, per_host, delay, proc, procs = args.serve
        serve(int(port), int(hosts), int(per_host), float(delay), int(proc), int(procs))
        return

    from lotse.linkcheck.checker import Settings

    hosts = args.hosts
    per_host_urls = math.ceil(args.urls / hosts)
    n = per_host_urls * hosts
    port = free_port()
    servers = start_servers(port, hosts, per_host_urls, args.delay, args.server_procs)
    try:
        urls = all_urls(port, hosts, per_host_urls)
        print(f"Link check benchmark: {n} URLs on {hosts} loopback hosts ({host_ip(0)}..{host_ip(hosts - 1)}), "
              f"each answering after {args.delay * 1000:.0f} ms; {os.cpu_count()} cores (shared machine: numbers are noisy).")
        print()
        print(f"{'tool':34} {'settings':48} {'time':>8} {'bound':>8} {'ratio':>6} {'own CPU':>8}")
        # The loopback hosts are internal addresses, which the checker refuses unless allowed by name.
        loopback = frozenset(host_ip(i) for i in range(hosts))
        nightly = Settings(internal_hosts=loopback)
        unspaced = Settings(concurrency=200, per_host=4, spacing=0.0, internal_hosts=loopback)
        for label, s in (("lotse linkcheck (nightly defaults)", nightly), ("lotse linkcheck (no spacing)", unspaced)):
            elapsed, cpu = run_lotse(urls, s)
            b = bound(n, hosts, args.delay, s.concurrency, s.per_host, s.spacing)
            desc = f"concurrency {s.concurrency}, per host {s.per_host}, spacing {s.spacing:g} s"
            print(f"{label:34} {desc:48} {elapsed:7.1f}s {b:7.1f}s {elapsed / b:5.2f}x {cpu:7.1f}s", flush=True)

        if not args.no_linkchecker:
            from importlib.metadata import PackageNotFoundError, version

            try:
                lc_version = version("LinkChecker")
            except PackageNotFoundError:
                lc_version = "?"
            lc_n = min(args.lc_urls or n, n)
            lc_per_host = math.ceil(lc_n / hosts)
            lc_n = lc_per_host * hosts
            with tempfile.TemporaryDirectory() as tmp:
                if lc_n != n:
                    # Servers for an even subset, so the page lists exactly lc_n URLs.
                    lc_port = free_port()
                    lc_servers = start_servers(lc_port, hosts, lc_per_host, args.delay, args.server_procs)
                else:
                    lc_port, lc_servers = port, []
                try:
                    elapsed, cpu, note = run_linkchecker(lc_port, lc_n, nightly.concurrency, Path(tmp), f"http://127.0.0.1:{lc_port}/links.html")
                finally:
                    stop_servers(lc_servers)
            b = bound(lc_n, hosts, args.delay, nightly.concurrency, nightly.concurrency, 0.1)
            desc = f"{nightly.concurrency} threads, 10 req/s per host"
            label = f"LinkChecker {lc_version}"
            print(f"{label:34} {desc:48} {elapsed:7.1f}s {b:7.1f}s {elapsed / b:5.2f}x {cpu:7.1f}s  ({note})")
            if lc_n != n:
                print(f"{'':34} {'extrapolated linearly to ' + str(n) + ' URLs':48} {elapsed * n / lc_n:7.1f}s")
        print()
        print("bound = max(ceil(urls_per_host / per_host) * delay, (urls_per_host - 1) * spacing + delay, ceil(urls / concurrency) * delay)")
    finally:
        stop_servers(servers)


if __name__ == "__main__":
    main()
