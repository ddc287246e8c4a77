"""`lotse sync ozg` against a real HTTP server on 127.0.0.1 serving saved exports.

The fixture files in tests/fixtures/ozg/ are in the documented format of the OZG
dashboard API (see its README). Every fault must end with a German message,
exit status 1 and a data folder whose bytes and mtimes are exactly as before.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from click.testing import CliRunner

from lotse.cli import main
from lotse.validator import load
from sync import SyncError
from sync.hosts import load_hosts
from sync.writer import NotLossless, Op, RecordWriter, edit_text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ozg"
WORKFLOW = ROOT / ".github" / "workflows" / "sync.yml"
HEADER_ONLY = "leika_key;leika_name;ozgid;ozg_bezeichnung;url;online_status\r\n".encode()

# ---------------------------------------------------------------------------- records

WOHNSITZ = """\
# Wohnsitz anmelden – von Hand gepflegt. Dieser Kommentar muss jeden Abgleich überleben.
id: online-leistung
name: "Wohnsitz anmelden"   # Name wie auf Amt24
leika: "99115005104000"
kurzbeschreibung: Wer umzieht, meldet die neue Wohnung innerhalb von zwei Wochen bei der Meldebehörde an.
zielgruppe: [buerger]
zustaendig: testamt
kanaele:
  # Online zuerst: so will es die Redaktion.
  - typ: amt24
    bezeichnung: Online-Anmeldung bei Amt24
    url: https://amt24.sachsen.de/zufi/leistungen/6007623  # Amt24-Kennung 6007623
    eid: true
    # Hinweis gilt nur für den Online-Weg
    hinweis: Mit Online-Ausweis.
  # Persönlich: Termin nötig
  - typ: vor-ort
    bezeichnung: 'Persönlich im Bürgerbüro'
digitalisierung: digital   # geprüft 2026-01
amt24_id: '6007623'

# Redaktionelle Angaben
stand: 2026-01-01
quelle:
  - titel: Testdaten
"""

WOHNSITZ_AFTER = WOHNSITZ.replace(
    "    eid: true\n", "    eid: true\n    online_status: nicht ok\n"
).replace(
    "amt24_id: '6007623'\n", "amt24_id: '6007623'\nozg:\n  id: 10124\n  name: Wohnsitzmeldungen\n"
)

# Indentless lists and a long line wrapped by hand: ruamel.yaml would re-flow the
# wrapped line, so this record exercises the line-patching path of the writer.
ELTERNGELD = """\
id: elterngeld
name: Elterngeld beantragen
leika: '99041006017000'
kurzbeschreibung: Eltern beantragen Elterngeld für die ersten Lebensmonate ihres Kindes,
  schriftlich oder persönlich.
zielgruppe:
- buerger
zustaendig: testamt
kanaele:
- typ: post
  bezeichnung: Antrag per Post
- typ: vor-ort
  bezeichnung: Persönlich im Amt
  # gehört noch zum Kanal vor Ort
# Stand der Redaktion
digitalisierung: analog
stand: 2026-01-01
quelle:
- titel: Testdaten
"""

ELTERNGELD_AFTER = ELTERNGELD.replace(
    "  # gehört noch zum Kanal vor Ort\n",
    "  # gehört noch zum Kanal vor Ort\n- typ: efa\n  bezeichnung: Online-Antrag über ElterngeldDigital\n"
    "  url: https://www.elterngeld-digital.de/\n  online_status: ok\n",
).replace(
    "digitalisierung: analog\n", "digitalisierung: digital\nozg:\n  id: 10000\n  name: Elterngeld\n"
)

GEWERBE = """\
id: gewerbe-anmelden
name: Gewerbe anmelden
leika: '99050012104000'
kurzbeschreibung: Wer ein Gewerbe beginnt, zeigt es beim Gewerbeamt an.
zielgruppe: [unternehmen]
zustaendig: testamt
kanaele:
  - typ: portal
    bezeichnung: Online-Gewerbeanzeige
    url: https://portal.beispiel.example/gewerbe
    online_status: ok
digitalisierung: digital
ozg:
  id: 10294
  name: Unternehmensanmeldung und -genehmigung
stand: 2026-01-01
quelle:
  - titel: Testdaten
"""

PARKEN = """\
id: bewohnerparken
name: Bewohnerparkausweis beantragen
leika: '99108001001000'
kurzbeschreibung: Anwohnende beantragen einen Parkausweis für ihr Wohngebiet.
zielgruppe: [buerger]
zustaendig: testamt
kanaele:
  - typ: portal
    bezeichnung: Online-Antrag
    hinweis: Adresse noch unbekannt.
digitalisierung: digital
stand: 2026-01-01
quelle:
  - titel: Testdaten
"""

PARKEN_AFTER = PARKEN.replace(
    "    bezeichnung: Online-Antrag\n",
    "    bezeichnung: Online-Antrag\n    url: https://parken.beispiel.example/antrag\n    online_status: ok\n",
).replace("stand: 2026-01-01\n", "ozg:\n  id: 10173\n  name: Parkausweise und Zufahrtsberechtigungen\nstand: 2026-01-01\n")


@pytest.fixture
def data(mini_data) -> Path:
    """mini_data plus records with comments, odd quoting and both list styles."""
    services = mini_data / "services"
    (services / "online-leistung.yml").write_text(WOHNSITZ, encoding="utf-8")
    (services / "elterngeld.yml").write_text(ELTERNGELD, encoding="utf-8")
    (services / "gewerbe-anmelden.yml").write_text(GEWERBE, encoding="utf-8")
    (services / "bewohnerparken.yml").write_text(PARKEN, encoding="utf-8")
    assert [str(p) for p in load(mini_data)[1]] == []
    return mini_data


def snapshot(folder: Path) -> dict:
    """Bytes and mtime of every file below ``folder``."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------- server


class Api:
    """A loopback server for ``GET /api/v1/data/{ars}``.

    ``pages`` maps a page number to (status, content type, body, delay); pages
    without an entry get ``rest`` (by default an empty CSV page).
    """

    def __init__(self):
        self.pages: dict = {}
        self.rest = (200, "text/csv;charset=UTF-8", HEADER_ONLY, 0)
        self.requests: list[dict] = []
        self.script: list = []  # responses served once, in order, before `pages`
        self.claimed_length = None  # announce more bytes than are sent: a broken transfer
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                api.requests.append({"path": parts.path, "query": query, "agent": self.headers.get("User-Agent", "")})
                if not parts.path.startswith("/api/v1/data/"):
                    return self._send(404, "text/plain", b"not found")
                if api.script:
                    status, ctype, body, delay = api.script.pop(0)
                else:
                    status, ctype, body, delay = api.pages.get(int(query.get("page", 0)), api.rest)
                if delay:
                    time.sleep(delay)
                self._send(status, ctype, body, api.claimed_length)

            def _send(self, status, ctype, body, claimed=None):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(claimed or len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def files(self, *names: str) -> Api:
        """Serve these fixture files as pages 0, 1, ..."""
        for number, name in enumerate(names):
            self.pages[number] = (200, _ctype(name), (FIXTURES / name).read_bytes(), 0)
        return self

    def page_numbers(self) -> list[int]:
        return [int(r["query"]["page"]) for r in self.requests]


def _ctype(name: str) -> str:
    return "application/json" if name.endswith(".json") else "text/csv;charset=UTF-8"


@pytest.fixture
def api():
    server = Api()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def run(data: Path, api: Api, *args: str):
    result = CliRunner().invoke(
        main,
        ["sync", "ozg", "--data", str(data), "--api-url", api.url, "--retries", "0", "--timeout", "5", *args],
        catch_exceptions=False,
    )
    return result


def read(data: Path, name: str) -> str:
    return (data / "services" / name).read_text(encoding="utf-8")


TODAY = dt.date.today().isoformat()


# ---------------------------------------------------------------------------- normal case


@pytest.mark.parametrize("export", ["normal-semikolon-bom.csv", "normal-komma.csv", "normal.json"])
def test_sync_updates_only_owned_fields(data, api, export):
    api.files(export)
    before = snapshot(data)
    result = run(data, api)
    assert result.exit_code == 0, result.output

    # Owned fields changed; comments, quoting, key order and everything else byte for byte.
    assert read(data, "online-leistung.yml") == WOHNSITZ_AFTER
    assert read(data, "elterngeld.yml") == ELTERNGELD_AFTER
    assert read(data, "bewohnerparken.yml") == PARKEN_AFTER
    after = snapshot(data)
    for unchanged in ("services/gewerbe-anmelden.yml", "services/analoge-leistung.yml", "lotse.yml", "aemter/testamt.yml", "lebenslagen/umzug.yml"):
        assert after[unchanged] == before[unchanged], unchanged
    assert set(after) == set(before) | {"sync-state.json"}
    assert [str(p) for p in load(data)[1]] == []

    out = result.stdout
    assert "## Abgleich mit dem OZG-Dashboard (ARS 147130000000)" in out
    assert "`elterngeld` (services/elterngeld.yml): neuer Online-Kanal efa" in out
    assert "Digitalisierungsgrad analog → digital" in out
    assert "Online-Status nicht ok" in out  # two listings of the same URL: "nicht ok" wins
    assert "Geschriebene Dateien: 4." in out
    # The API knows Wohngeld for Leipzig, the directory does not: a candidate, not a new file.
    assert f"99107023037000 Wohngeld erstmalig oder neu beantragen: https://wohngeld.beispiel.example/antrag (ohne OZG-Angabe, Status ok, gelistet seit {TODAY})" in out
    assert not (data / "services" / "wohngeld.yml").exists()
    assert "parken.beispiel.example (1)" in out  # unknown hosts are named, so the table can grow

    state = json.loads((data / "sync-state.json").read_text(encoding="utf-8"))
    assert state["ozg"]["147130000000"]["99115005104000"] == {"https://amt24.sachsen.de/zufi/leistungen/6007623": {"gesehen_seit": TODAY}}


def test_windows_line_endings_and_bom_survive(data, api):
    path = data / "services" / "elterngeld.yml"
    path.write_bytes(b"\xef\xbb\xbf" + ELTERNGELD.replace("\n", "\r\n").encode("utf-8"))
    api.files("normal-semikolon-bom.csv")
    result = run(data, api)
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == b"\xef\xbb\xbf" + ELTERNGELD_AFTER.replace("\n", "\r\n").encode("utf-8")


def test_second_run_touches_nothing(data, api):
    api.files("normal-semikolon-bom.csv")
    assert run(data, api).exit_code == 0
    first = snapshot(data)
    result = run(data, api)
    assert result.exit_code == 0, result.output
    assert snapshot(data) == first
    assert "Geänderte Leistungen: 0" in result.stdout
    assert "Geschriebene Dateien: 0." in result.stdout


def test_dry_run_shows_a_diff_and_writes_nothing(data, api):
    api.files("normal-semikolon-bom.csv")
    before = snapshot(data)
    result = run(data, api, "--dry-run")
    assert result.exit_code == 0, result.output
    assert snapshot(data) == before
    out = result.stdout
    assert "--- a/services/online-leistung.yml\n+++ b/services/online-leistung.yml\n" in out
    assert "+    online_status: nicht ok\n" in out
    assert "-digitalisierung: analog\n+digitalisierung: digital\n" in out
    assert "--- /dev/null\n+++ b/sync-state.json\n" in out
    assert "services/gewerbe-anmelden.yml" not in out
    assert "Probelauf (--dry-run): nichts geschrieben." in out


def test_summary_file_holds_the_summary(data, api, tmp_path):
    api.files("normal.json")
    target = tmp_path / "out" / "summary.md"
    result = run(data, api, "--summary-file", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") in result.stdout
    assert target.read_text(encoding="utf-8").startswith("## Abgleich mit dem OZG-Dashboard")


@pytest.mark.parametrize("pages", [
    ("seiten-0.csv", "seiten-1.csv", "seiten-2.csv"),
    ("seiten-0.json", "seiten-1.json", "seiten-2.json"),
])
def test_pagination(data, api, mini_data, pages):
    api.files(*pages)
    result = run(data, api, "--page-size", "2")
    assert result.exit_code == 0, result.output
    assert read(data, "online-leistung.yml") == WOHNSITZ_AFTER
    assert read(data, "elterngeld.yml") == ELTERNGELD_AFTER
    assert "99107023037000" in result.stdout  # from the last page
    # CSV: a full last page needs one more request to see the end; JSON says "last".
    assert api.page_numbers() == ([0, 1, 2, 3] if pages[0].endswith(".csv") else [0, 1, 2])
    assert {r["query"]["size"] for r in api.requests} == {"2"}


def test_request_format(data, api):
    api.files("normal-semikolon-bom.csv")
    assert run(data, api).exit_code == 0
    (request,) = api.requests
    assert request["path"] == "/api/v1/data/147130000000"  # ARS from lotse.yml
    assert request["query"] == {"filetype": "csv", "page": "0", "size": "500"}
    assert request["agent"].startswith("Lotse/")
    api.requests.clear()
    assert run(data, api, "--ars", "146120000000", "--dry-run").exit_code == 0
    assert api.requests[0]["path"] == "/api/v1/data/146120000000"


def test_flags_channels_the_dashboard_stops_listing(data, api):
    api.files("normal-semikolon-bom.csv")
    assert run(data, api).exit_code == 0
    api.files("ohne-wohnsitz.csv")
    kept = read(data, "online-leistung.yml")
    result = run(data, api)
    assert result.exit_code == 0, result.output
    assert "Markiert: Online-Kanäle, die das Dashboard nicht mehr nennt (1)" in result.stdout
    assert f"`online-leistung`: „Online-Anmeldung bei Amt24“ https://amt24.sachsen.de/zufi/leistungen/6007623 (fehlt seit {TODAY})" in result.stdout
    assert read(data, "online-leistung.yml") == kept  # flagged, not removed
    state = json.loads((data / "sync-state.json").read_text(encoding="utf-8"))
    assert state["ozg"]["147130000000"]["99115005104000"]["https://amt24.sachsen.de/zufi/leistungen/6007623"] == {"gesehen_seit": TODAY, "fehlt_seit": TODAY}
    # The next night with the same export: still flagged, and nothing rewritten.
    before = snapshot(data)
    again = run(data, api)
    assert "fehlt seit" in again.stdout
    assert snapshot(data) == before


def test_retries_a_server_error(data, api):
    api.files("normal-semikolon-bom.csv")
    api.script.append((503, "text/plain", b"busy", 0))
    result = run(data, api, "--retries", "2")
    assert result.exit_code == 0, result.output
    assert api.page_numbers() == [0, 0]


def test_progress_lines_without_a_terminal(data, api):
    api.files("normal-semikolon-bom.csv")
    result = run(data, api)
    assert "OZG-Dashboard abrufen …" in result.stderr
    assert "Seite 1: 6 Einträge" in result.stderr
    assert "Dateien schreiben: 4 Datei(en) geschrieben" in result.stderr


# ---------------------------------------------------------------------------- faults


FAULTS = [
    ("fehler-kopfzeile.csv", "die Kopfzeile der CSV-Daten ist unbekannt"),
    ("fehler-zeilenlaenge.csv", "Zeile 4: 9 Felder statt 13"),
    ("fehler-anfuehrungszeichen.csv", "Zeile 5: auf ein schließendes Anführungszeichen folgt kein Trennzeichen"),
    ("fehler-anfuehrungszeichen-ende.csv", "Zeile 7: ein Anführungszeichen wird bis zum Ende der Daten nicht geschlossen"),
    ("fehler-abgeschnitten.csv", "vermutlich abgeschnitten"),
    ("fehler-leer.csv", "keine Einträge"),
    ("fehler-doppelt.csv", "mehrfach mit verschiedenen Adressen"),
    ("fehler-http.csv", "ist nicht https („http://www.elterngeld-digital.de/“)"),
    ("fehler-status.csv", "online_status „kaputt“"),
    ("fehler-utf16.csv", "UTF-16-kodiert"),
    ("fehler-json-abgeschnitten.json", "die JSON-Daten sind fehlerhaft oder abgeschnitten"),
    ("fehler-json-anzahl.json", "kündigt 11 Einträge an, geliefert wurden 6"),
]


def assert_refused(result, before, data, fragment):
    assert result.exit_code == 1, result.output
    assert "Fehler: " in result.stderr
    assert fragment in result.stderr
    assert "Es wurde nichts geändert." in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(data) == before


@pytest.mark.parametrize("name,fragment", FAULTS, ids=[f[0] for f in FAULTS])
def test_faulty_export_changes_nothing(data, api, name, fragment):
    api.files(name)
    before = snapshot(data)
    assert_refused(run(data, api), before, data, fragment)


@pytest.mark.parametrize("status,ctype,body,fragment", [
    (500, "text/plain", b"Internal Server Error", "antwortet mit HTTP 500"),
    (404, "application/json", b'{"error": "not found"}', "antwortet mit HTTP 404"),
    (200, "text/html", b"<html><body>Wartungsarbeiten</body></html>", "HTML-Seite statt Daten"),
], ids=["500", "404", "html"])
def test_http_faults_change_nothing(data, api, status, ctype, body, fragment):
    api.pages[0] = (status, ctype, body, 0)
    before = snapshot(data)
    assert_refused(run(data, api), before, data, fragment)


def test_broken_transfer(data, api):
    api.files("normal-semikolon-bom.csv")
    api.claimed_length = len(api.pages[0][2]) + 500  # the connection closes before that
    before = snapshot(data)
    assert_refused(run(data, api), before, data, "mitten in der Übertragung abgebrochen")


def test_a_server_that_ignores_page_is_caught(data, api):
    api.rest = (200, "text/csv", (FIXTURES / "seiten-0.csv").read_bytes(), 0)
    before = snapshot(data)
    assert_refused(run(data, api, "--page-size", "2"), before, data, "beachtet den Parameter „page“ nicht")


def test_timeout(data, api):
    api.files("normal-semikolon-bom.csv")
    api.pages[0] = api.pages[0][:3] + (3,)  # answers after 3 s
    before = snapshot(data)
    started = time.monotonic()
    result = run(data, api, "--timeout", "0.5")
    assert time.monotonic() - started < 3
    assert_refused(result, before, data, "Zeitüberschreitung: Das OZG-Dashboard hat nicht innerhalb von 0.5 s geantwortet")


def test_unreachable_server(data, api):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the sync runs: nobody listens
    before = snapshot(data)
    result = CliRunner().invoke(main, ["sync", "ozg", "--data", str(data), "--api-url", f"http://127.0.0.1:{port}/api/", "--retries", "0"])
    assert_refused(result, before, data, "ist nicht erreichbar")


def test_invalid_data_is_refused(data, api):
    # The sync starts only from data that passes `lotse validate`.
    umzug = data / "lebenslagen" / "umzug.yml"
    umzug.write_text(umzug.read_text(encoding="utf-8").replace("analoge-leistung", "gibt-es-nicht"), encoding="utf-8")
    api.files("normal-semikolon-bom.csv")
    before = snapshot(data)
    result = run(data, api)
    assert_refused(result, before, data, "Die Daten haben schon vor dem Abgleich 1 Problem(e)")
    assert "gibt-es-nicht" in result.stderr
    assert api.requests == []  # refused before asking the dashboard


def test_writer_validates_the_result_before_writing(data):
    dataset, problems = load(data)
    assert problems == []
    path = data / "services" / "online-leistung.yml"
    before = snapshot(data)
    with RecordWriter(data) as writer:
        # analog with an online channel: the validator's record rule must catch it
        writer.stage_record(path, dataset.leistungen["online-leistung"].data, [Op("set", ("digitalisierung",), "analog")])
        problems = writer.validate(dataset)
        assert [p.line for p in problems] == [19]  # the line of „digitalisierung“
        assert "„digitalisierung“ ist „analog“, aber es gibt einen Online-Kanal" in problems[0].message
        with pytest.raises(SyncError):
            writer.commit()
    with RecordWriter(data) as writer:
        # a cross-record rule: the featured service must stay online
        kanaele = dataset.leistungen["online-leistung"].data["kanaele"]
        writer.stage_record(path, dataset.leistungen["online-leistung"].data,
                            [Op("set", ("kanaele", 0, "typ"), "email-pdf"), Op("set", ("digitalisierung",), "analog")])
        assert kanaele[0]["typ"] == "amt24"  # the loaded data is not modified
        messages = [p.message for p in writer.validate(dataset)]
        assert any("hervorgehoben" in m for m in messages), messages
    assert snapshot(data) == before


def test_bad_ars(data, api):
    before = snapshot(data)
    assert_refused(run(data, api, "--ars", "1471300"), before, data, "ist kein Amtlicher Regionalschlüssel")


def test_bad_host_table(data, api, tmp_path):
    hosts = tmp_path / "hosts.yml"
    hosts.write_text("standard: {typ: portal, bezeichnung: Online-Antrag}\nhosts:\n  amt24.sachsen.de: {typ: vor-ort, bezeichnung: Amt24}\n", encoding="utf-8")
    before = snapshot(data)
    assert_refused(run(data, api, "--hosts", str(hosts)), before, data, "„typ“ muss einer der Online-Kanaltypen sein")


def test_file_that_cannot_be_edited_losslessly_is_left_alone(data, api):
    # The label is wrapped by hand right where the URL has to go: ruamel.yaml would
    # re-flow it, and the new line's place is ambiguous, so the file is not touched.
    wrapped = PARKEN.replace("    bezeichnung: Online-Antrag\n", "    bezeichnung: Online-Antrag für den\n      Bewohnerparkausweis\n")
    (data / "services" / "bewohnerparken.yml").write_text(wrapped, encoding="utf-8")
    api.files("normal-semikolon-bom.csv")
    result = run(data, api)
    assert result.exit_code == 0, result.output
    assert read(data, "bewohnerparken.yml") == wrapped
    assert read(data, "online-leistung.yml") == WOHNSITZ_AFTER
    assert "Nicht geändert: Datei lässt sich nicht verlustfrei bearbeiten (1)" in result.stdout
    assert "services/bewohnerparken.yml" in result.stdout


# ---------------------------------------------------------------------------- parts


def test_host_table():
    hosts = load_hosts()
    assert hosts.classify("https://amt24.sachsen.de/zufi/leistungen/6007623").typ == "amt24"
    assert hosts.classify("https://www.elterngeld-digital.de/").typ == "efa"
    assert hosts.classify("https://www.elster.de/eportal/").typ == "portal"
    assert hosts.classify("https://www.leipzig.de/formular").typ == "formular"
    assert hosts.classify("https://notleipzig.de/").host is None  # a suffix is not a subdomain
    unknown = hosts.classify("https://portal.beispiel.example/")
    assert (unknown.typ, unknown.host) == ("portal", None)


def test_writer_moves_comments_with_the_key_they_describe():
    text = "a: 1\n# about c\nc: 3\n"
    assert edit_text(text, [Op("set", ("id",), "x")], "leistung.schema.json") == "id: x\na: 1\n# about c\nc: 3\n"
    text = "id: x\ndigitalisierung: digital  # eol\n# about stand\n\nstand: 2026-01-01\n"
    new = edit_text(text, [Op("set", ("ozg",), {"id": 5, "name": "on"})])
    # "on" would read back as true: quoted. The comment stays above `stand`.
    assert new == 'id: x\ndigitalisierung: digital  # eol\nozg:\n  id: 5\n  name: "on"\n# about stand\n\nstand: 2026-01-01\n'


def test_writer_delete_keeps_following_comment():
    text = "ozg:\n  id: 1\n  name: Alt\n# Redaktion\nstand: 2026-01-01\n"
    new = edit_text(text, [Op("set", ("ozg", "id"), 2), Op("delete", ("ozg", "name"))])
    assert new == "ozg:\n  id: 2\n# Redaktion\nstand: 2026-01-01\n"


@pytest.mark.parametrize("text,ops,in_place", [
    (GEWERBE, [Op("set", ("kanaele", 0, "url"), "https://portal.beispiel.example/gewerbe/neu"), Op("set", ("kanaele", 0, "online_status"), "nicht ok")], True),
    (GEWERBE, [Op("set", ("leika",), "99050012104001"), Op("set", ("kanaele", 0, "typ"), "amt24"), Op("set", ("ozg", "id"), 10295)], True),
    # would need quotes that the old value did not have
    (GEWERBE, [Op("set", ("ozg", "name"), "Name: mit Doppelpunkt")], False),
    # new keys after a one-line scalar, in schema order
    (PARKEN, [Op("set", ("kanaele", 0, "url"), "https://parken.beispiel.example/antrag"), Op("set", ("kanaele", 0, "online_status"), "ok")], True),
    (WOHNSITZ, [Op("set", ("kanaele", 0, "online_status"), "ok")], True),
    # after a nested list, and after a flow list
    (GEWERBE.replace("    online_status: ok\n", "    nutzerkonto:\n      - bundid\n"), [Op("set", ("kanaele", 0, "online_status"), "ok")], True),
    (GEWERBE.replace("    online_status: ok\n", "    nutzerkonto: [bundid, elster]\n"), [Op("set", ("kanaele", 0, "online_status"), "ok")], True),
    # after a block scalar: where it ends is not clear from the parser's marks
    (PARKEN.replace("    bezeichnung: Online-Antrag\n", "    bezeichnung: >-\n      Online-Antrag\n"), [Op("set", ("kanaele", 0, "url"), "https://parken.beispiel.example/antrag")], False),
    # a new mapping is ruamel.yaml's job
    (WOHNSITZ, [Op("set", ("ozg",), {"id": 10124})], False),
    # a deeper comment after the predecessor: above or below the new key? ruamel.yaml decides
    (WOHNSITZ.replace("    eid: true\n", "    eid: true\n      # zur eID\n"), [Op("set", ("kanaele", 0, "online_status"), "ok")], False),
])
def test_line_edits_write_what_ruamel_writes(text, ops, in_place):
    from sync.writer import edit_in_place, edit_round_trip

    fast = edit_in_place(text, ops)
    assert (fast is not None) == in_place
    slow = edit_round_trip(text, ops)
    if in_place:
        assert fast == slow
    assert edit_text(text, ops) == (fast or slow)
    assert fast != text and slow != text


def test_writer_refuses_ambiguous_patches():
    from sync.writer import edit_round_trip

    text = "kanaele:\n- typ: portal\n  bezeichnung: Ein langer Name,\n    von Hand umbrochen\nstand: 2026-01-01\n"
    ops = [Op("set", ("kanaele", 0, "url"), "https://x.example/")]
    # ruamel.yaml would re-flow the label right where the new line goes
    with pytest.raises(NotLossless):
        edit_round_trip(text, ops)
    # the line edit knows where the label ends
    assert edit_text(text, ops) == text.replace("umbrochen\n", "umbrochen\n  url: https://x.example/\n")


# ---------------------------------------------------------------------------- workflow


def test_workflow_is_valid_for_github():
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run([str(checker), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_schedule_and_pull_request():
    wf = yaml.load(WORKFLOW.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # "on" stays a string
    (cron,) = [s["cron"] for s in wf["on"]["schedule"]]
    minute = cron.split()[0]
    assert minute.isdigit() and int(minute) % 2 == 1, "an odd minute, away from the scheduler's rush"
    assert "workflow_dispatch" in wf["on"]
    assert wf["concurrency"]["cancel-in-progress"] == "false"
    (job,) = wf["jobs"].values()
    runs = [s.get("run", "") for s in job["steps"]]
    assert any(r.strip() == "make install-locked" for r in runs)
    assert any("lotse sync ozg" in r and "--summary-file" in r for r in runs)
    (pr,) = [s for s in job["steps"] if s.get("uses", "").startswith("peter-evans/create-pull-request@")]
    assert pr["with"]["branch"] == "${{ env.BRANCH }}" and wf["env"]["BRANCH"] == "sync/ozg-dashboard"
    assert "sync-body.md" in pr["with"]["body-path"]
