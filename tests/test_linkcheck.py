"""Link check against real HTTP(S) servers on 127.0.0.1 with injected faults.

The seam: the checker core (``check_urls``) takes plain URLs and speaks http and
https alike, so the fault-injection tests talk to a plain HTTP server on
loopback. The data only allows https URLs, so the CLI tests run a real TLS
server on 127.0.0.1 with a certificate from a throwaway CA (trustme) and trust
that CA through SSL_CERT_FILE, the standard OpenSSL variable the checker's
default SSL context honours. No test-only option exists in the CLI, and TLS
failures (a server whose CA is not trusted) are tested for real.

The servers are the standard library's ThreadingHTTPServer, not aiohttp, so the
client is tested against an independent HTTP implementation.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import QUELLE, write_yaml
from lotse.cli import main
from lotse.linkcheck.checker import USER_AGENT, Outcome, Settings, check_urls, parse_retry_after
from lotse.linkcheck.history import KEEP, History, HistoryError
from lotse.linkcheck.collect import collect_urls
from lotse.linkcheck.report import classify
from lotse.linkcheck.cli import linkcheck as linkcheck_command
from lotse.linkcheck.revision import urls_at_revision
from lotse.validator import load_valid

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "linkcheck.yml"

HUGE_CAP = 256 * 1024 * 1024  # the endless body stops here so a broken client cannot hang the suite


# --------------------------------------------------------------------------- fault-injecting server


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops SYNs under parallel connects: a 1 s retransmit, a false timeout

    def __init__(self, tls: ssl.SSLContext | None = None):
        super().__init__(("127.0.0.1", 0), FaultHandler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, float, str]] = []  # (method, path, time, user agent)
        self.hits: dict[str, int] = {}
        self.inflight = 0
        self.max_inflight = 0
        self.huge_bytes_sent = 0
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def handle_error(self, request, client_address):
        pass  # clients that hang up early (timeouts, closed GETs) are the point of these tests

    def times(self, path: str) -> list[float]:
        return [t for _m, p, t, _ua in self.requests if p == path]

    def methods(self, path: str) -> list[str]:
        return [m for m, p, _t, _ua in self.requests if p == path]


class FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self._serve("HEAD")

    def do_GET(self):
        self._serve("GET")

    def _send(self, status: int, headers: dict | None = None, body: bytes = b""):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET" and body:
            self.wfile.write(body)

    def _serve(self, method: str):
        srv: FaultServer = self.server
        path = self.path.split("?", 1)[0]  # the query only makes URLs distinct
        with srv.lock:
            srv.requests.append((method, path, time.monotonic(), self.headers.get("User-Agent", "")))
            n = srv.hits[path] = srv.hits.get(path, 0) + 1
        self._route(method, path, n)

    def _route(self, method: str, path: str, n: int):
        if path in ("/ok", "/new", "/neu", "/antrag", "/start", "/portal", "/formular") or path.startswith(("/zufi/", "/bund/")):
            return self._send(200, {"Content-Type": "text/html"}, b"<p>ok</p>")
        if path == "/slow":
            time.sleep(3.0)
            return self._send(200)
        if path == "/hold":
            srv: FaultServer = self.server
            with srv.lock:
                srv.inflight += 1
                srv.max_inflight = max(srv.max_inflight, srv.inflight)
            time.sleep(0.2)
            with srv.lock:  # before answering: the client may send its next request right after the answer
                srv.inflight -= 1
            return self._send(200)
        if path == "/limited":
            return self._send(429, {"Retry-After": "1"}) if n == 1 else self._send(200)
        if path == "/limited-long":
            return self._send(429, {"Retry-After": "3600"}) if n == 1 else self._send(200)
        if path == "/flaky":
            return self._send(503) if n == 1 else self._send(200)
        if path == "/down":
            return self._send(503)
        if path == "/forbidden":
            return self._send(403)  # what bot-blocking sites answer
        if path == "/loop/a":
            return self._send(302, {"Location": "/loop/b"})
        if path == "/loop/b":
            return self._send(302, {"Location": "/loop/a"})
        if path.startswith("/chain/"):
            return self._send(302, {"Location": f"/chain/{int(path.rsplit('/', 1)[1]) + 1}"})
        if path in ("/old", "/alt"):
            return self._send(301, {"Location": "/new" if path == "/old" else "/neu"})
        if path == "/temp":
            return self._send(302, {"Location": "/new"})
        if path == "/nohead":
            return self._send(405, {"Allow": "GET"}) if method == "HEAD" else self._send(200)
        if path == "/huge":
            if method == "HEAD":
                return self._send(405, {"Allow": "GET"})
            return self._endless()
        return self._send(404, {"Content-Type": "text/plain"}, b"not found")

    def _endless(self):
        srv: FaultServer = self.server
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()
        chunk = b"x" * 65536
        try:
            while srv.huge_bytes_sent < HUGE_CAP:
                self.wfile.write(chunk)
                srv.huge_bytes_sent += len(chunk)
        except OSError:
            pass  # the client hung up: exactly what should happen
        self.close_connection = True


def _start(server: FaultServer) -> FaultServer:
    server.thread.start()
    return server


@pytest.fixture
def server():
    srv = _start(FaultServer())
    yield srv
    srv.shutdown()
    srv.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Short timeouts and backoff keep the suite fast; the logic is the same as at night. The 1 s
# timeout leaves room for a busy machine and is still far below /slow's 3 s.
# The test servers listen on 127.0.0.1: allowed here by name, as the checker's guard
# against internal addresses requires (no workflow passes this).
LOOPBACK = frozenset({"127.0.0.1"})
FAST = Settings(internal_hosts=LOOPBACK, concurrency=32, per_host=16, spacing=0.0, timeout=1.0, retries=1, backoff=0.05, max_retry_after=1.5, max_redirects=5)


def classes(outcomes, history: History, needed: int = 2, at: str = "2026-01-01T00:00:00Z") -> dict[str, str]:
    for outcome in outcomes.values():
        history.record(outcome, at)
    uses = {url: [] for url in outcomes}
    return {link.url: link.status for link in classify(uses, outcomes, {}, history, needed)}


# --------------------------------------------------------------------------- the fault matrix


def test_each_fault_gets_its_class_within_bounded_time(server):
    refused = f"http://127.0.0.1:{closed_port()}/"
    urls = {
        "ok": server.url("/ok"),
        "slow": server.url("/slow"),
        "limited": server.url("/limited"),
        "flaky": server.url("/flaky"),
        "loop": server.url("/loop/a"),
        "moved": server.url("/old"),
        "temporary": server.url("/temp"),
        "nohead": server.url("/nohead"),
        "huge": server.url("/huge"),
        "gone": server.url("/gone"),
        "chain": server.url("/chain/1"),
        "refused": refused,
        "dns": "https://x.invalid/",
    }
    started = time.monotonic()
    outcomes = check_urls(urls.values(), FAST)
    elapsed = time.monotonic() - started
    got = classes(outcomes, History())
    by_name = {name: got[url] for name, url in urls.items()}
    assert by_name == {
        "ok": "ok",
        "slow": "transient",
        "limited": "ok",
        "flaky": "ok",
        "loop": "transient",  # a failure, but not yet confirmed by a second run
        "moved": "redirect",
        "temporary": "ok",  # a 302 is the server's business, not the editor's
        "nohead": "ok",
        "huge": "ok",
        "gone": "transient",
        "chain": "transient",
        "refused": "transient",
        "dns": "transient",
    }
    codes = {name: outcomes[url].code for name, url in urls.items() if outcomes[url].result == "fail"}
    assert codes == {"slow": "timeout", "loop": "loop", "gone": "http-404", "chain": "too-many-redirects", "refused": "refused", "dns": "dns"}

    moved = outcomes[urls["moved"]]
    assert (moved.http_status, moved.moved_to, moved.final_url) == (200, server.url("/new"), server.url("/new"))
    temporary = outcomes[urls["temporary"]]
    assert temporary.moved_to is None and temporary.final_url == server.url("/new")

    # 429 honoured: the retry came no earlier than Retry-After said (1 s).
    first, second = server.times("/limited")
    assert second - first >= 0.95
    assert outcomes[urls["limited"]].attempts == 2
    assert outcomes[urls["flaky"]].attempts == 2 and server.hits["/flaky"] == 2
    # Timeouts are retried (retries=1), hard failures are not.
    assert outcomes[urls["slow"]].attempts == 2 and server.hits["/slow"] == 2
    assert outcomes[urls["gone"]].attempts == 1 and outcomes[urls["gone"]].http_status == 404
    # HEAD refused -> GET; never more than one HEAD per URL.
    assert server.methods("/nohead") == ["HEAD", "GET"]
    assert server.methods("/huge") in (["HEAD", "GET"], ["GET"])  # ["GET"] once the host is known as GET-only
    # The endless body was not downloaded: the client hung up after the headers.
    assert 0 < server.huge_bytes_sent < 16 * 1024 * 1024
    # Honest user agent on every request.
    assert {ua for *_rest, ua in server.requests} == {USER_AGENT}
    # Bounded: nothing waited for the 3 s answer, the endless body or more than the retry cap.
    # (A correctness bound derived from the settings, not a speed goal.)
    bound = (FAST.retries + 1) * FAST.timeout + FAST.backoff * 2 + FAST.max_retry_after + 5
    assert elapsed < bound


def test_retry_after_is_capped(server):
    settings = Settings(internal_hosts=LOOPBACK, spacing=0.0, timeout=1.0, retries=1, backoff=0.05, max_retry_after=0.3)
    outcome = check_urls([server.url("/limited-long")], settings)[server.url("/limited-long")]
    assert outcome.result == "ok" and outcome.attempts == 2
    first, second = server.times("/limited-long")
    assert 0.25 <= second - first < 5  # waited the cap, not the server's 3600 s


def test_persistent_503_is_transient_after_retries(server):
    settings = Settings(internal_hosts=LOOPBACK, spacing=0.0, timeout=1.0, retries=2, backoff=0.05)
    outcome = check_urls([server.url("/down")], settings)[server.url("/down")]
    assert (outcome.result, outcome.code, outcome.attempts, server.hits["/down"]) == ("fail", "http-503", 3, 3)
    assert outcome.retryable


def test_per_host_limit_is_respected(server):
    urls = [server.url(f"/hold?n={i}") for i in range(8)]
    outcomes = check_urls(urls, Settings(internal_hosts=LOOPBACK, concurrency=50, per_host=2, spacing=0.0, timeout=2.0, retries=0))
    assert {o.result for o in outcomes.values()} == {"ok"} and len(outcomes) == 8
    assert server.max_inflight == 2  # never more than the limit, and the limit was used


def test_requests_to_one_host_are_spaced(server):
    urls = [server.url("/ok") + f"?n={i}" for i in range(5)]
    check_urls(urls, Settings(internal_hosts=LOOPBACK, per_host=5, spacing=0.2, timeout=2.0, retries=0))
    starts = sorted(t for _m, p, t, _ua in server.requests)
    # Spaced starts take 4 x 0.2 s; without spacing all five arrive at once. The span (not
    # single gaps) is compared because a busy machine can delay when the server sees a request.
    assert len(starts) == 5 and starts[-1] - starts[0] >= 0.6


def test_same_url_is_requested_once(server):
    url = server.url("/ok")
    outcomes = check_urls([url, url, url], FAST)
    assert list(outcomes) == [url] and server.hits["/ok"] == 1


# --------------------------------------------------------------------------- history


def _fail(url, code="http-404"):
    return Outcome(url, "fail", 404, url, code=code)


def _ok(url):
    return Outcome(url, "ok", 200, url)


def test_404_is_transient_first_then_broken_with_history(server, tmp_path):
    url = server.url("/gone")
    path = tmp_path / "history.json"
    history = History.load(path)
    assert classes(check_urls([url], FAST), history, at="2026-01-01T03:17:00Z") == {url: "transient"}
    history.save(path)
    history = History.load(path)
    assert classes(check_urls([url], FAST), history, at="2026-01-02T03:17:00Z") == {url: "broken"}
    assert history.consecutive_failures(url) == 2


def test_a_success_resets_the_count_and_flapping_is_seen():
    url = "https://example.org/x"
    history = History()
    for i, outcome in enumerate([_fail(url), _ok(url), _fail(url)]):
        history.record(outcome, f"2026-01-0{i + 1}T00:00:00Z")
    assert history.consecutive_failures(url) == 1
    assert history.flapping(url)
    links = classify({url: []}, {url: _fail(url)}, {}, history, 2)
    assert links[0].status == "transient" and links[0].flapping


def test_report_shows_flapping_links_with_their_pattern():
    from lotse.linkcheck.collect import Use
    from lotse.linkcheck.report import report_markdown

    url = "https://example.org/wackelt"
    history = History()
    for i, outcome in enumerate([_ok(url), _fail(url), _ok(url), _fail(url), _ok(url)]):
        history.record(outcome, f"2026-01-0{i + 1}T00:00:00Z")
    use = Use("data/services/x.yml", 7, "kanaele[1].url", "testamt")
    links = classify({url: [use]}, {url: _ok(url)}, {}, history, 2)
    assert links[0].status == "ok" and links[0].flapping
    meta = {"city": "Teststadt", "started": "2026-01-05T03:17:00Z", "url_count": 1, "duration_seconds": 1.0, "consecutive_failures_needed": 2}
    md = report_markdown(links, meta, {"testamt": "Testamt"}, [], "data/linkcheck-ignore.yml")
    assert "## Wackelige Links" in md
    assert f"- `{url}`: ✓✗✓✗✓" in md and "`data/services/x.yml`, Zeile 7, Feld `kanaele[1].url`" in md
    assert "Alles in Ordnung" in md  # flapping but currently fine: nothing to fix per office


def test_history_is_bounded_deterministic_and_pruned(tmp_path):
    history = History()
    for i in range(KEEP + 5):
        history.record(_ok("https://a.example/"), f"2026-01-{i + 1:02d}T00:00:00Z")
    history.record(_fail("https://b.example/"), "2026-01-01T00:00:00Z")
    assert len(history.urls["https://a.example/"]) == KEEP
    history.prune({"https://a.example/"})
    assert list(history.urls) == ["https://a.example/"]
    path = tmp_path / "h.json"
    history.save(path)
    first = path.read_bytes()
    History.load(path).save(path)
    assert path.read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == ["h.json"]  # no temp file left behind


def test_unreadable_history_is_reported(tmp_path):
    path = tmp_path / "h.json"
    path.write_text("{kaputt", encoding="utf-8")
    with pytest.raises(HistoryError, match="nicht lesbar"):
        History.load(path)


def test_retry_after_header_forms():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: retry now
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


# --------------------------------------------------------------------------- CLI over real TLS


@pytest.fixture
def tls_servers(tmp_path, monkeypatch):
    """A trusted TLS server and one whose CA nobody trusts; SSL_CERT_FILE trusts the first."""
    trustme = pytest.importorskip("trustme")
    trusted_ca, stranger_ca = trustme.CA(), trustme.CA()
    servers = []
    for ca in (trusted_ca, stranger_ca):
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(ctx)
        servers.append(_start(FaultServer(tls=ctx)))
    ca_file = tmp_path / "ca.pem"
    trusted_ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    yield servers
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def _https_data(root: Path, good: FaultServer, stranger: FaultServer) -> None:
    """Point every URL of the mini data folder at the local TLS servers."""
    u = lambda path: good.url(path, "https")  # noqa: E731
    config = yaml.safe_load((root / "lotse.yml").read_text(encoding="utf-8"))
    config["website"] = u("/start")
    config["portale"].update({"amt24": u("/portal"), "amt24_leistung": u("/zufi/{id}"), "bundesportal": u("/bund/{id}")})
    write_yaml(root / "lotse.yml", config)

    online = yaml.safe_load((root / "services" / "online-leistung.yml").read_text(encoding="utf-8"))
    online["kanaele"][0]["url"] = u("/antrag")
    online["amt24_id"] = "6007623"
    online["beschreibung"] = f"Das [Formular]({u('/formular')}) hilft."
    online["quelle"] = QUELLE + [{"titel": "Gesperrte Seite", "url": u("/gesperrt")}]
    write_yaml(root / "services" / "online-leistung.yml", online)

    analog = yaml.safe_load((root / "services" / "analoge-leistung.yml").read_text(encoding="utf-8"))
    analog["rechtsgrundlage"] = [{"titel": "§ 1 Testgesetz", "url": u("/weg")}]
    write_yaml(root / "services" / "analoge-leistung.yml", analog)

    amt = yaml.safe_load((root / "aemter" / "testamt.yml").read_text(encoding="utf-8"))
    amt["website"] = u("/alt")
    write_yaml(root / "aemter" / "testamt.yml", amt)
    write_yaml(root / "aemter" / "fremdamt.yml", {
        "id": "fremdamt", "name": "Fremdes Amt", "traeger": "land", "website": stranger.url("/", "https"),
        "stand": "2026-01-01", "quelle": QUELLE,
    })

    ll = yaml.safe_load((root / "lebenslagen" / "umzug.yml").read_text(encoding="utf-8"))
    ll["quelle"] = [{"titel": "Antrag", "url": u("/antrag")}]  # the same URL as the channel: checked once
    write_yaml(root / "lebenslagen" / "umzug.yml", ll)

    write_yaml(root / "linkcheck-ignore.yml", {"ausnahmen": [
        {"url": u("/gesperrt"), "grund": "Sperrt Prüfprogramme, im Browser erreichbar.", "stand": "2026-01-01"},
        {"url": u("/laengst-weg"), "praefix": True, "grund": "Alte Ausnahme, passt zu nichts mehr.", "stand": "2026-01-01"},
    ]})


def _run(root: Path, out: Path, history: Path):
    args = ["linkcheck", "--data", str(root), "--out", str(out), "--history", str(history),
            "--timeout", "2", "--retries", "0", "--spacing", "0", "--interne-adressen-erlauben", "127.0.0.1"]
    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_cli_two_nights_over_tls(mini_data, tmp_path, tls_servers):
    good, stranger = tls_servers
    _https_data(mini_data, good, stranger)
    out, history = tmp_path / "out", tmp_path / "state" / "history.json"
    u = lambda path: good.url(path, "https")  # noqa: E731

    first = _run(mini_data, out, history)
    assert first.exit_code == 0, first.output
    assert "Linkprüfung: 10 Adressen" in first.output  # the plain summary line (not a terminal)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    status = {link["url"]: link["status"] for link in report["links"]}
    assert status == {
        u("/start"): "ok", u("/portal"): "ok", u("/antrag"): "ok", u("/formular"): "ok",
        u("/zufi/6007623"): "ok",  # derived from portale.amt24_leistung + amt24_id
        u("/bund/99115005104000"): "ok",  # derived from portale.bundesportal + leika
        u("/alt"): "redirect",
        u("/weg"): "transient",  # 404, first night
        stranger.url("/", "https"): "transient",  # untrusted certificate, first night
        u("/gesperrt"): "skipped",
    }
    assert "/gesperrt" not in good.hits  # suppressed URLs are never requested
    assert good.hits["/antrag"] == 1  # used by a channel and a Lebenslage, checked once

    second = _run(mini_data, out, history)
    assert second.exit_code == 1, second.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    links = {link["url"]: link for link in report["links"]}
    assert [link["url"] for link in report["links"]] == sorted(links)

    broken = links[u("/weg")]
    assert {k: broken[k] for k in ("status", "http_status", "final_url", "used_by")} == {
        "status": "broken", "http_status": 404, "final_url": u("/weg"),
        "used_by": [str(mini_data / "services" / "analoge-leistung.yml")],
    }
    assert broken["fields"][0]["field"] == "rechtsgrundlage[1].url" and broken["fields"][0]["amt"] == "testamt"
    tls = links[stranger.url("/", "https")]
    assert (tls["status"], tls["code"], tls["http_status"]) == ("broken", "tls", None)
    moved = links[u("/alt")]
    assert (moved["status"], moved["moved_to"], moved["final_url"], moved["http_status"]) == ("redirect", u("/neu"), u("/neu"), 200)
    shared = links[u("/antrag")]
    assert shared["used_by"] == sorted([str(mini_data / "lebenslagen" / "umzug.yml"), str(mini_data / "services" / "online-leistung.yml")])
    assert links[u("/gesperrt")]["reason"] == "Sperrt Prüfprogramme, im Browser erreichbar."
    assert report["summary"]["broken"] == 2 and report["consecutive_failures_needed"] == 2
    assert [s["url"] for s in report["stale_suppressions"]] == [u("/laengst-weg")]

    md = (out / "report.md").read_text(encoding="utf-8")
    testamt = md.index("## Testamt (`testamt`)")
    fremd = md.index("## Fremdes Amt (`fremdamt`)")
    assert fremd < testamt  # offices sorted by name
    section = md[testamt:]
    assert "### Kaputt – bitte korrigieren" in section
    assert f"`{u('/weg')}` – Seite nicht gefunden (HTTP 404)" in section
    assert f"`{mini_data / 'services' / 'analoge-leistung.yml'}`, Zeile" in section and "Feld `rechtsgrundlage[1].url`" in section
    assert f"`{u('/alt')}` → neue Adresse: `{u('/neu')}`" in section
    assert "Zertifikatsfehler (TLS)" in md[fremd:testamt]
    assert u("/laengst-weg") in md and "Sperrt Prüfprogramme" in md

    saved = json.loads(history.read_text(encoding="utf-8"))
    assert [e["result"] for e in saved["urls"][u("/weg")]] == ["fail", "fail"]
    assert u("/gesperrt") not in saved["urls"]


def test_cli_refuses_invalid_data(mini_data, tmp_path):
    write_yaml(mini_data / "services" / "kaputt.yml", {"id": "kaputt"})
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["linkcheck", "--data", str(mini_data), "--out", str(out), "--history", str(tmp_path / "h.json")])
    assert result.exit_code == 2
    assert "kaputt.yml:1: Pflichtfeld" in result.output and "ungültig" in result.output
    assert not out.exists()


def test_cli_offline_run_is_not_recorded(mini_data, tmp_path):
    """No server answers at all: the checking machine is offline, not every link dead."""
    config = yaml.safe_load((mini_data / "lotse.yml").read_text(encoding="utf-8"))
    config["website"] = "https://stadt.invalid/"
    config["portale"] = {"amt24": "https://portal.invalid/", "amt24_leistung": "https://portal.invalid/{id}", "bundesportal": "https://bund.invalid/{id}"}
    write_yaml(mini_data / "lotse.yml", config)
    online = yaml.safe_load((mini_data / "services" / "online-leistung.yml").read_text(encoding="utf-8"))
    online["kanaele"][0]["url"] = "https://antrag.invalid/formular"
    write_yaml(mini_data / "services" / "online-leistung.yml", online)
    history, out = tmp_path / "h.json", tmp_path / "out"
    result = CliRunner().invoke(main, ["linkcheck", "--data", str(mini_data), "--out", str(out), "--history", str(history), "--retries", "0"])
    assert result.exit_code == 2 and "keine Netzverbindung" in result.output
    assert not history.exists() and not out.exists()


def test_cli_invalid_suppress_entry_needs_a_reason(mini_data, tmp_path):
    write_yaml(mini_data / "linkcheck-ignore.yml", {"ausnahmen": [{"url": "https://example.org/", "stand": "2026-01-01"}]})
    result = CliRunner().invoke(main, ["linkcheck", "--data", str(mini_data), "--out", str(tmp_path / "o"), "--history", str(tmp_path / "h.json")])
    assert result.exit_code == 2 and "„grund“" in result.output


# --------------------------------------------------------------------------- workflow


def test_workflow_runs_nightly_keeps_history_and_uses_real_options():
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = flow[True]  # YAML 1.1 reads the key "on" as true
    minute = int(triggers["schedule"][0]["cron"].split()[0])
    assert minute % 2 == 1 and "workflow_dispatch" in triggers
    steps = flow["jobs"]["linkcheck"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/cache/restore@") for u in uses) and any(u.startswith("actions/cache/save@") for u in uses)
    restore = next(s for s in steps if s.get("uses", "").startswith("actions/cache/restore@"))
    assert restore["with"]["restore-keys"].strip() == "linkcheck-history-"
    run = next(s["run"] for s in steps if "lotse linkcheck" in s.get("run", ""))
    args = run.split("lotse linkcheck", 1)[1].split()
    ctx = linkcheck_command.make_context("linkcheck", [a.strip('"') for a in args])  # raises on an unknown option
    assert ctx.params["needed"] == 2
    issue = next(s["run"] for s in steps if "gh issue" in s.get("run", ""))
    assert "gh issue edit" in issue and "gh issue create" in issue


# --------------------------------------------------------------------------- pull requests: --new-since


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false", *args],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout.strip()


def test_without_memory_certain_failures_are_broken_the_rest_transient(server):
    """The pull-request policy: only what another try would repeat fails the check."""
    urls = {
        "ok": server.url("/ok"),
        "gone": server.url("/gone"),  # 404
        "refused": f"http://127.0.0.1:{closed_port()}/",
        "dns": "https://x.invalid/",
        "loop": server.url("/loop/a"),
        "moved": server.url("/old"),
        "forbidden": server.url("/forbidden"),  # 403: often a bot block
        "limited": server.url("/limited"),  # 429
        "down": server.url("/down"),  # 503
        "slow": server.url("/slow"),  # timeout
    }
    settings = Settings(internal_hosts=LOOPBACK, spacing=0.0, timeout=1.0, retries=0)
    outcomes = check_urls(urls.values(), settings)
    history = History()
    for outcome in outcomes.values():
        history.record(outcome, "2026-01-01T00:00:00Z")
    # Two failures already on record change nothing without memory; with memory they would.
    history.record(_fail(urls["forbidden"], "http-403"), "2025-12-31T00:00:00Z")
    got = {link.url: link.status for link in classify({u: [] for u in outcomes}, outcomes, {}, history, None)}
    assert {name: got[url] for name, url in urls.items()} == {
        "ok": "ok", "gone": "broken", "refused": "broken", "dns": "broken", "loop": "broken", "moved": "redirect",
        "forbidden": "transient", "limited": "transient", "down": "transient", "slow": "transient",
    }


@pytest.fixture
def pr_repo(tmp_path, mini_data, tls_servers):
    """A git repository: the base commit with every URL on the local TLS servers, then a pull request."""
    good, stranger = tls_servers
    _https_data(mini_data, good, stranger)  # the base already holds a 404 (/weg) and a TLS failure
    repo = tmp_path / "repo"
    shutil.copytree(mini_data, repo / "data")
    git(repo, "init", "-q")
    git(repo, "add", "data")
    git(repo, "commit", "-q", "-m", "base")
    service = repo / "data" / "services" / "analoge-leistung.yml"
    record = yaml.safe_load(service.read_text(encoding="utf-8"))
    record["kanaele"].append({"typ": "post", "bezeichnung": "Per Brief", "url": good.url("/fehlt", "https")})
    record["beschreibung"] = f"Mehr [hier]({good.url('/new', 'https')}) und <{good.url('/down', 'https')}>."
    write_yaml(service, record)
    git(repo, "commit", "-q", "-am", "pr")
    return repo


def test_new_since_checks_only_new_urls_without_history(pr_repo, tls_servers, monkeypatch):
    good, stranger = tls_servers
    u = lambda path: good.url(path, "https")  # noqa: E731
    monkeypatch.chdir(pr_repo)  # as in the workflow: relative --data, default --history
    history = pr_repo / ".lotse-cache" / "linkcheck-history.json"
    # Earlier nights saw the new URL fail: a pull request must neither read nor extend that.
    History({u("/fehlt"): [{"at": "2026-01-01T03:17:00Z", "result": "fail", "http_status": 404, "code": "http-404"}]}).save(history)
    before = (history.read_bytes(), history.stat().st_mtime_ns)

    args = ["linkcheck", "--data", "data", "--new-since", "HEAD~1", "--out", "out", "--format", "github",
            "--timeout", "2", "--retries", "0", "--spacing", "0", "--interne-adressen-erlauben", "127.0.0.1"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 1, result.output

    # Only the three new URLs were requested; none of the base's, not even its broken ones.
    assert set(good.hits) == {"/fehlt", "/new", "/down"} and stranger.hits == {}
    report = json.loads((pr_repo / "out" / "report.json").read_text(encoding="utf-8"))
    assert {link["url"]: link["status"] for link in report["links"]} == {u("/fehlt"): "broken", u("/new"): "ok", u("/down"): "transient"}
    assert report["new_since"] == "HEAD~1" and report["base_commit"] == git(pr_repo, "rev-parse", "HEAD~1")
    assert report["history_file"] is None and report["url_count"] == 3 and report["summary"]["broken"] == 1
    fehlt = next(link for link in report["links"] if link["url"] == u("/fehlt"))
    assert (fehlt["history"], fehlt["consecutive_failures"]) == (["fail"], 1)  # this run only, not the nights'
    assert (history.read_bytes(), history.stat().st_mtime_ns) == before
    assert [p.name for p in history.parent.iterdir()] == [history.name]

    text = (pr_repo / "data" / "services" / "analoge-leistung.yml").read_text(encoding="utf-8").splitlines()
    url_line = next(i for i, line in enumerate(text, 1) if "/fehlt" in line)
    text_line = next(i for i, line in enumerate(text, 1) if line.startswith("beschreibung:"))
    errors = [line for line in result.output.splitlines() if line.startswith("::error ")]
    warnings = [line for line in result.output.splitlines() if line.startswith("::warning ")]
    assert errors == [f"::error file=data/services/analoge-leistung.yml,line={url_line},title=Link (kanaele[2].url)::"
                      f"{u('/fehlt')}: Seite nicht gefunden (HTTP 404)."]
    assert len(warnings) == 1 and warnings[0].startswith(f"::warning file=data/services/analoge-leistung.yml,line={text_line},")
    assert "Serverfehler (HTTP 503)" in warnings[0]

    md = (pr_repo / "out" / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Linkprüfung Teststadt: neue Adressen\n")
    assert "### Kaputt – bitte korrigieren" in md and f"- `{u('/fehlt')}` – Seite nicht gefunden (HTTP 404)\n" in md
    assert "### Nicht sicher erreichbar – bitte im Browser prüfen" in md
    # No run counts, and no stale suppressions (the base's /laengst-weg): both are the nightly report's.
    assert "Läufen nacheinander" not in md and "## Ausnahmeliste" not in md

    # Nothing new since the pull request's own commit: nothing is fetched, the check passes.
    hits = dict(good.hits)
    again = CliRunner().invoke(main, ["linkcheck", "--data", "data", "--new-since", "HEAD", "--out", "out"], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert "Keine neuen Adressen seit HEAD" in again.output and good.hits == hits
    assert json.loads((pr_repo / "out" / "report.json").read_text(encoding="utf-8"))["links"] == []


def test_new_urls_come_from_git_wherever_the_data_folder_lies(tmp_path, mini_data):
    """Any --data folder inside the repository; missing at the base means every URL is new."""
    repo = tmp_path / "repo"
    (repo / "inhalt").mkdir(parents=True)
    (repo / "README.md").write_text("Testrepository\n", encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "ohne Daten")
    data = repo / "inhalt" / "daten"
    shutil.copytree(mini_data, data)
    # git archive would leave these files out; the old data must be read as committed.
    (repo / ".gitattributes").write_text("inhalt/** export-ignore\n", encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "Daten")
    committed = set(collect_urls(load_valid(data)))

    first, none = urls_at_revision(data, "HEAD~1")
    assert first == git(repo, "rev-parse", "HEAD~1") and none == set()
    assert urls_at_revision(data, "HEAD")[1] == committed

    service = data / "services" / "analoge-leistung.yml"
    record = yaml.safe_load(service.read_text(encoding="utf-8"))
    record["kanaele"].append({"typ": "post", "bezeichnung": "Per Brief", "url": "https://stadt.example/formular.pdf"})
    record["beschreibung"] = "Mehr [hier](https://stadt.example/hinweise) und <https://stadt.example/faq>."
    record["amt24_id"] = "1234567"
    write_yaml(service, record)  # not committed: the working tree against HEAD
    now = set(collect_urls(load_valid(data)))
    assert now - urls_at_revision(data, "HEAD")[1] == {
        "https://stadt.example/formular.pdf", "https://stadt.example/hinweise", "https://stadt.example/faq",
        "https://amt24.sachsen.de/zufi/leistungen/1234567",  # derived from portale.amt24_leistung
    }


@pytest.mark.parametrize("case", ["not a repository", "unknown revision", "option as revision", "nightly option"])
def test_new_since_refuses_clearly(mini_data, tmp_path, case):
    out = tmp_path / "out"
    args = ["linkcheck", "--data", str(mini_data), "--out", str(out)]
    if case != "not a repository":
        git(mini_data, "init", "-q")
        git(mini_data, "add", ".")
        git(mini_data, "commit", "-q", "-m", "base")
    args += {
        "not a repository": ["--new-since", "HEAD"],
        "unknown revision": ["--new-since", "gibtsnicht"],
        "option as revision": ["--new-since=--output=/tmp/x"],
        "nightly option": ["--new-since", "HEAD", "--history", str(tmp_path / "h.json")],
    }[case]
    result = CliRunner().invoke(main, args)
    expected = {
        "not a repository": "liegt in keinem git-Repository",
        "unknown revision": "Den git-Stand „gibtsnicht“ gibt es in diesem Repository nicht",
        "option as revision": "ist kein git-Stand",
        "nightly option": "--history gilt nur für den nächtlichen Lauf",
    }[case]
    assert result.exit_code == 2 and expected in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    assert not out.exists()
