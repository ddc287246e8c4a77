"""The bounds of sync/http.py against real loopback servers that misbehave on purpose.

Each server speaks raw HTTP/1.1 over a socket, so it can do what http.server will
not: drip bytes, never end, lie about lengths. Limits are passed small so the
tests stay fast; the defaults are checked to be sane separately.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lotse.cli import main
from sync import SyncError
from sync.http import DEFAULT_ZEITLIMIT, MAX_RETRY_AFTER, Budget, Fetcher
from sync.ozg import fetch

ARS = "147130000000"
HEADER = b"leika_key;leika_name;ozgid;ozg_bezeichnung;url;online_status\r\n"


def csv_rows(start: int, count: int) -> bytes:
    return b"".join(
        f"99{start + i:012d};Leistung {start + i};;;https://amt24.sachsen.de/leistung/{start + i};ok\r\n".encode()
        for i in range(count)
    )


class RawServer:
    """A threaded TCP server on 127.0.0.1; ``handler(conn, request_head, number)`` writes the answer."""

    def __init__(self, handler):
        self.handler = handler
        self.requests: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/api/"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            self.requests.append(head)
            try:
                self.handler(conn, head, len(self.requests))
            except OSError:
                pass  # the client cut us off: that is the point of most tests here

    def close(self):
        self.stop.set()
        self.sock.close()


@pytest.fixture
def serve():
    servers = []

    def start(handler):
        server = RawServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def respond(conn, body: bytes, status: str = "200 OK", ctype: str = "text/csv", extra: str = ""):
    conn.sendall(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n".encode() + body)


def page_of(head: bytes) -> int:
    first = head.split(b"\r\n", 1)[0].decode()
    return int(first.split("page=")[1].split("&")[0].split(" ")[0])


def fetcher(**kw) -> Fetcher:
    budget = Budget(kw.pop("zeitlimit", 30), **{k: kw.pop(k) for k in ("max_total_bytes", "max_pages", "max_rows") if k in kw})
    return Fetcher("Das OZG-Dashboard", budget, **{"retries": 0, "timeout": 5, "backoff": 0.05, **kw})


# ---------------------------------------------------------------------------- time


def drip(conn, head, number):
    """One byte per 0.2 s, forever: each read succeeds, the response never ends."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\n\r\n")
    while True:
        conn.sendall(b"9")
        time.sleep(0.2)


def drip_headers(conn, head, number):
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
        conn.sendall(bytes([byte]))
        time.sleep(0.2)


@pytest.mark.parametrize("handler", [drip, drip_headers], ids=["body", "headers"])
def test_timeout_bounds_the_whole_response_not_each_read(serve, handler):
    server = serve(handler)
    started = time.monotonic()
    with pytest.raises(SyncError, match="nicht innerhalb von 1 s geantwortet"):
        fetcher(timeout=1).get(server.url)
    assert time.monotonic() - started < 2.5


def test_zeitlimit_bounds_the_run_across_retries_and_pages(serve):
    def slow_page(conn, head, number):
        time.sleep(0.3)
        page = page_of(head)
        respond(conn, HEADER + csv_rows(page * 2, 2))  # always a full page: endless pagination

    server = serve(slow_page)
    started = time.monotonic()
    with pytest.raises(SyncError, match=r"Zeitlimit überschritten: .* länger als 1\.5 s \(--zeitlimit\)"):
        fetch(server.url, ARS, fetcher(zeitlimit=1.5), page_size=2)
    assert time.monotonic() - started < 2.5


def test_retry_after_is_capped(serve):
    def busy(conn, head, number):
        respond(conn, b"busy", "429 Too Many Requests", "text/plain", "Retry-After: 86400\r\n")

    server = serve(busy)
    started = time.monotonic()
    with pytest.raises(SyncError, match=r"bittet, 86400 s zu warten .* länger als 120 s wartet der Abgleich nicht"):
        fetcher(retries=3).get(server.url)
    assert time.monotonic() - started < 1
    assert len(server.requests) == 1
    assert MAX_RETRY_AFTER <= 300  # "a couple of minutes"


def test_short_retry_after_is_obeyed(serve):
    def once_busy(conn, head, number):
        if number == 1:
            respond(conn, b"busy", "503 Service Unavailable", "text/plain", "Retry-After: 1\r\n")
        else:
            respond(conn, b"ok")

    server = serve(once_busy)
    started = time.monotonic()
    assert fetcher(retries=1).get(server.url).body == b"ok"
    assert time.monotonic() - started >= 1
    assert len(server.requests) == 2


def test_retry_that_would_pass_the_zeitlimit_is_not_waited_for(serve):
    def busy(conn, head, number):
        respond(conn, b"busy", "503 Service Unavailable", "text/plain", "Retry-After: 60\r\n")

    server = serve(busy)
    started = time.monotonic()
    with pytest.raises(SyncError, match="reicht das Zeitlimit nicht mehr"):
        fetcher(retries=3, zeitlimit=5).get(server.url)
    assert time.monotonic() - started < 1


# ---------------------------------------------------------------------------- size


def test_announced_size_over_the_cap_is_refused_before_reading(serve):
    def huge(conn, head, number):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 99999999999\r\n\r\n" + HEADER)
        time.sleep(5)

    server = serve(huge)
    started = time.monotonic()
    with pytest.raises(SyncError, match="ist größer als 1 MiB"):
        fetcher(max_response_bytes=1 << 20).get(server.url)
    assert time.monotonic() - started < 1


def test_streamed_body_over_the_cap_is_cut_off(serve):
    """No Content-Length, chunks without end: the cap stops reading, memory stays small."""

    def endless(conn, head, number):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nConnection: close\r\n\r\n" + HEADER)
        block = csv_rows(0, 1000)
        while True:
            conn.sendall(block)

    server = serve(endless)
    with pytest.raises(SyncError, match="ist größer als 200000 Bytes"):
        fetcher(max_response_bytes=200_000).get(server.url)


def test_bytes_over_the_run_are_capped(serve):
    server = serve(lambda conn, head, number: respond(conn, HEADER + csv_rows(page_of(head) * 50, 50)))
    with pytest.raises(SyncError, match="mehr als 20000 Bytes geliefert"):
        fetch(server.url, ARS, fetcher(max_total_bytes=20_000), page_size=50)


def test_endless_pagination_stops_at_the_page_cap(serve):
    server = serve(lambda conn, head, number: respond(conn, HEADER + csv_rows(page_of(head) * 2, 2)))
    with pytest.raises(SyncError, match="mehr als 5 Seiten"):
        fetch(server.url, ARS, fetcher(max_pages=5), page_size=2)
    assert len(server.requests) == 6


def test_a_page_with_too_many_rows_is_refused(serve):
    """The API ignores size and sends 20,000 rows: refused by the row cap, no MemoryError."""
    server = serve(lambda conn, head, number: respond(conn, HEADER + csv_rows(0, 20_000)))
    with pytest.raises(SyncError, match="mehr als 1000 Einträge"):
        fetch(server.url, ARS, fetcher(max_rows=1000), page_size=500)


def test_budget_is_shared_safely_between_threads(serve):
    body = HEADER + csv_rows(0, 10)
    server = serve(lambda conn, head, number: respond(conn, body))
    shared = fetcher()
    errors = []

    def work():
        try:
            for _ in range(5):
                shared.get(server.url)
                shared.budget.count_page(10)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert shared.budget.bytes == 20 * len(body)
    assert (shared.budget.pages, shared.budget.rows) == (20, 200)


def test_defaults_fit_the_nightly_job():
    workflow = (Path(__file__).resolve().parent.parent / ".github" / "workflows" / "sync.yml").read_text()
    minutes = int(workflow.split("timeout-minutes:")[1].split()[0])
    assert DEFAULT_ZEITLIMIT <= minutes * 60 * 0.75  # room for installing and the pull request


# ---------------------------------------------------------------------------- the command


def test_cli_slow_server_fails_in_german_and_changes_nothing(serve, mini_data):
    server = serve(drip)
    before = {p: p.read_bytes() for p in mini_data.rglob("*") if p.is_file()}
    started = time.monotonic()
    result = CliRunner().invoke(
        main, ["sync", "ozg", "--data", str(mini_data), "--api-url", server.url, "--timeout", "30", "--zeitlimit", "1", "--retries", "0"],
    )
    assert time.monotonic() - started < 4
    assert result.exit_code == 1, result.output
    assert "Zeitlimit überschritten" in result.stderr
    assert "Es wurde nichts geändert." in result.stderr
    assert "Traceback" not in result.output
    assert {p: p.read_bytes() for p in mini_data.rglob("*") if p.is_file()} == before


# ---------------------------------------------------------------------------- hostile content (findings 2 and 6)


def json_page(items) -> bytes:
    return json.dumps({"content": items, "totalPages": 1, "last": True}).encode()


ENTRY = {"leika_key": "99115005104000", "url": "https://amt24.sachsen.de/zufi/leistungen/6007623", "online_status": "ok",
         "ozgid": 10124, "ozg_bezeichnung": "Wohnsitzmeldungen"}


def sync_cli(data: Path, url: str):
    return CliRunner().invoke(main, ["sync", "ozg", "--data", str(data), "--api-url", url, "--retries", "0", "--timeout", "5"])


def files_of(folder: Path) -> dict:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("body,fragment", [
    (json_page([{**ENTRY, "ozgid": "9" * 5000}]), "ist keine positive ganze Zahl mit höchstens 9 Ziffern"),
    (b'{"content": [{"leika_key": "99115005104000", "url": "https://amt24.sachsen.de/x", "online_status": "ok", "ozgid": ' + b"9" * 5000 + b'}], "totalPages": 1}',
     "ist keine positive ganze Zahl mit höchstens 9 Ziffern"),
    (b'{"content": [], "totalElements": ' + b"9" * 5000 + b'}', "keine Einträge"),
    (b"[" * 100_000 + b"]" * 100_000, "unsinnig tief verschachtelt"),
    (json_page([{**ENTRY, "url": ["https://amt24.sachsen.de/x"]}]), "ist nicht https („(Liste oder Objekt)“)"),
], ids=["ozgid-text", "ozgid-number", "total-number", "nested", "list-as-url"])
def test_hostile_json_gives_a_german_message_and_changes_nothing(serve, mini_data, body, fragment):
    server = serve(lambda conn, head, number: respond(conn, body, ctype="application/json"))
    before = files_of(mini_data)
    result = sync_cli(mini_data, server.url)
    assert result.exit_code == 1, result.output
    assert fragment in result.stderr
    assert "Es wurde nichts geändert." in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert files_of(mini_data) == before


@pytest.mark.parametrize("name,fragment", [
    ("Wohnsitz " * 30_000, "services/online-leistung.yml:1: Die Datei ist 265 KiB groß; erlaubt sind höchstens 256 KiB"),
    ("Wohnsitz " * 40, "„ozg.name“ ist zu lang (359 Zeichen, höchstens 300)"),
], ids=["file-size", "max-length"])
def test_a_name_the_validator_would_refuse_is_not_written(serve, mini_data, name, fragment):
    """A 294 KiB ozg.name was written and then refused by `lotse build`."""
    server = serve(lambda conn, head, number: respond(conn, json_page([{**ENTRY, "ozg_bezeichnung": name}]), ctype="application/json"))
    before = files_of(mini_data)
    result = sync_cli(mini_data, server.url)
    assert result.exit_code == 1, result.output
    assert "Nach dem Abgleich wären die Daten ungültig" in result.stderr
    assert fragment in result.stderr
    assert files_of(mini_data) == before


def test_writer_applies_the_file_size_limit(mini_data):
    """The size rule lives in the loader; the writer checks the bytes it would write with it."""
    from lotse.validator import load
    from lotse.yamlload import MAX_BYTES
    from sync.writer import Op, RecordWriter

    path = mini_data / "services" / "analoge-leistung.yml"
    text = path.read_text(encoding="utf-8")
    item = "  - Unterlage " + "x" * 250 + "\n"
    room = MAX_BYTES - 150 - len(text.encode()) - len("unterlagen:\n")
    items = item * (room // len(item)) + "  - " + "y" * (room % len(item) - 5) + "\n"
    path.write_text(text.replace("stand:", "unterlagen:\n" + items + "stand:", 1), encoding="utf-8")
    assert MAX_BYTES - 200 < path.stat().st_size <= MAX_BYTES
    dataset, problems = load(mini_data)
    assert problems == []
    with RecordWriter(mini_data) as writer:
        writer.stage_record(path, dataset.leistungen["analoge-leistung"].data, [Op("set", ("kurzbeschreibung",), "Eine längere Beschreibung. " * 10)])
        assert writer.staged
        problems = [str(p) for p in writer.validate(dataset)]
    assert any(f"{path}:1: Die Datei ist 257 KiB groß" in p and "erlaubt sind höchstens 256 KiB" in p for p in problems), problems


def test_source_text_is_inert_in_the_pull_request_text(serve, mini_data, tmp_path):
    """Names and URLs from the API end up in the pull request body: no links, mentions, HTML or ANSI."""
    hostile = {
        "leika_key": "99041006017000",
        "leika_name": "Elterngeld [hier klicken](https://evil.example/) @stadt-leipzig/redaktion <img src=x> org/repo#1 \x1b[2J",
        "url": "https://аmt24.sachsen.de/zufi/leistungen/1",  # Cyrillic а
        "online_status": "ok",
    }
    server = serve(lambda conn, head, number: respond(conn, json_page([ENTRY, hostile]), ctype="application/json"))
    summary = tmp_path / "summary.md"
    result = CliRunner().invoke(main, ["sync", "ozg", "--data", str(mini_data), "--api-url", server.url, "--retries", "0",
                                       "--dry-run", "--summary-file", str(summary)])
    assert result.exit_code == 0, result.output
    text = summary.read_text(encoding="utf-8")
    assert "\\[hier klicken\\](https://evil.example/)" in text
    assert "@\u200bstadt-leipzig" in text and "#\u200b1" in text
    assert "\\<img src=x\\>" in text
    assert "\x1b" not in text and "\x1b" not in result.output
    assert "**Vorsicht:**" in text and "sieht aus wie amt24.sachsen.de" in text


def test_plain_idn_hosts_are_flagged_too():
    from sync.hosts import idn_warning

    assert idn_warning("https://amt24.sachsen.de/x", ["amt24.sachsen.de"]) is None
    assert "sieht aus wie leipzig.de" in idn_warning("https://xn--lipzig-3of.de/x", ["leipzig.de"])  # lеipzig (Cyrillic е)
    assert "außerhalb von A–Z" in idn_warning("https://straße.example/x", ["leipzig.de"])
