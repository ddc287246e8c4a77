"""`lotse sync pvog` against a real HTTP server on 127.0.0.1 speaking the PVOG Suchdienst format.

Fixtures in tests/fixtures/pvog/ (invented texts, real structure; see its README):
``katalog.csv`` is the region's catalogue, ``detail/<ID-LB>.json`` the descriptions.
Every fault must end with a German message, exit status 1 and a data folder whose
bytes and mtimes are exactly as before.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from click.testing import CliRunner

from conftest import mini_service, write_yaml
from lotse.cli import main
from lotse.validator import load
from sync.pvog import parse_catalogue, parse_detail

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pvog"
ARS = "147130000000"
CATALOGUE = (FIXTURES / "katalog.csv").read_bytes()


def detail_bytes(id_lb: str) -> bytes:
    return (FIXTURES / "detail" / f"{id_lb}.json").read_bytes()


class Pvog:
    """Loopback PVOG: ``/api/v5/servicedescriptions/csv?ars=`` and ``/{ars}/detail?q=``.

    ``catalogue`` and ``details`` hold (status, content type, body, delay); missing
    details come from the fixture folder. ``log`` records every request path and query.
    """

    def __init__(self):
        self.catalogue = (200, "text/csv;charset=UTF-8", CATALOGUE, 0)
        self.details: dict[str, tuple] = {}
        self.log: list[tuple[str, dict]] = []
        self.active = 0
        self.max_active = 0
        self.delay = 0.0
        lock = threading.Lock()
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                with lock:
                    api.log.append((parts.path, query))
                    api.active += 1
                    api.max_active = max(api.max_active, api.active)
                try:
                    if parts.path == "/api/v5/servicedescriptions/csv" and query.get("ars") == ARS:
                        response = api.catalogue
                    elif parts.path == f"/api/v5/servicedescriptions/{ARS}/detail":
                        id_lb = query.get("q", "")
                        if id_lb in api.details:
                            response = api.details[id_lb]
                        elif (FIXTURES / "detail" / f"{id_lb}.json").is_file():
                            response = (200, "application/json", detail_bytes(id_lb), api.delay)
                        else:
                            response = (404, "application/json", b'{"error":"not found"}', 0)
                    else:
                        response = (404, "text/plain", b"not found", 0)
                    status, ctype, body, delay = response
                    if delay:
                        time.sleep(delay)
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with lock:
                        api.active -= 1

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v5"

    def detail_requests(self) -> list[str]:
        return [q["q"] for path, q in self.log if path.endswith("/detail")]


@pytest.fixture
def pvog():
    server = Pvog()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


EDITOR = """\
# Von Hand gepflegt: dieser Kommentar bleibt.
id: wohnsitz
name: Wohnsitz anmelden
leika: "99115005104000"
kurzbeschreibung: Wer umzieht, meldet die neue Wohnung an.
zielgruppe: [buerger]
zustaendig: testamt
kanaele:
  - typ: vor-ort
    bezeichnung: Persönlich im Bürgerbüro
digitalisierung: analog
unterlagen:
  - Personalausweis  # die Redaktion weiß es besser
stand: 2026-01-01
quelle:
  - titel: Testdaten
"""


@pytest.fixture
def data(mini_data) -> Path:
    """mini_data (its online-leistung has the Wohnsitz key; replaced) plus records matching fixtures."""
    (mini_data / "services" / "online-leistung.yml").unlink()
    cfg = yaml.safe_load((mini_data / "lotse.yml").read_text(encoding="utf-8"))
    cfg["hervorgehoben"] = []
    cfg["pvog"] = {"quelle": "Leistungsverzeichnis Testland"}
    write_yaml(mini_data / "lotse.yml", cfg)
    lebenslage = yaml.safe_load((mini_data / "lebenslagen" / "umzug.yml").read_text(encoding="utf-8"))
    lebenslage["schritte"][0]["leistungen"] = ["wohnsitz", "analoge-leistung"]
    write_yaml(mini_data / "lebenslagen" / "umzug.yml", lebenslage)
    (mini_data / "services" / "wohnsitz.yml").write_text(EDITOR, encoding="utf-8")
    for sid, leika in (("reisepass", "99085001012000"), ("hund", "99102013104000"), ("gewerbe", "99050012104000"),
                       ("fuehrungszeugnis", "99049001001000"), ("wohngeld", "99107023037000"), ("elterngeld", "99041006017000"),
                       ("geburtsurkunde", "99027002012000"), ("parken", "99108001001000"), ("personalausweis", "99008001012000"),
                       ("ohne-pvog", "99999999999000")):
        write_yaml(mini_data / "services" / f"{sid}.yml", mini_service(sid, leika=leika))
    assert [str(p) for p in load(mini_data)[1]] == []
    return mini_data


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


def run(data: Path, pvog: Pvog, *args: str):
    return CliRunner().invoke(
        main, ["sync", "pvog", "--data", str(data), "--api-url", pvog.url, "--retries", "0", "--timeout", "5", *args],
        catch_exceptions=False,
    )


def pvog_file(data: Path, sid: str) -> dict:
    return yaml.safe_load((data / "pvog" / f"{sid}.yml").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------- normal case


def test_sync_writes_source_texts_apart_from_editors_files(data, pvog):
    before = snapshot(data)
    result = run(data, pvog)
    assert result.exit_code == 0, result.output
    after = snapshot(data)
    # Editors' files are untouched, byte for byte and mtime.
    for name, value in before.items():
        assert after[name] == value, name
    assert (data / "services" / "wohnsitz.yml").read_text(encoding="utf-8") == EDITOR
    written = {n for n in after if n.startswith("pvog/")}
    assert written == {f"pvog/{s}.yml" for s in ("wohnsitz", "reisepass", "hund", "gewerbe", "fuehrungszeugnis", "wohngeld",
                                                  "elterngeld", "geburtsurkunde", "parken", "personalausweis")}
    assert [str(p) for p in load(data)[1]] == []

    w = pvog_file(data, "wohnsitz")
    assert w["id_lb"] == "B100019.LB.100001"
    assert w["quelle"] == {"titel": "Leistungsverzeichnis Testland", "stand": "2026-03-12"}
    assert w["module"]["voraussetzungen"]["text"] == "- Sie haben eine neue Wohnung bezogen.\n- Sie sind mindestens 16 Jahre alt."
    assert w["module"]["verfahrensablauf"]["text"].startswith("1. Termin buchen\n2. ")
    assert w["module"]["rechtsgrundlagen"] == {"links": [{"titel": "§ 17 Bundesmeldegesetz (BMG)", "url": "https://www.gesetze-im-internet.de/bmg/__17.html"}]}
    assert [o["url"] for o in w["onlinedienste"]] == ["https://amt24.sachsen.de/zufi/onlinedienste/9001", "https://wohnsitz.example.org/start"]
    assert w["onlinedienste"][1]["identifizierung"] == ["Online-Ausweis"]
    assert w["synonyme"] == ["Ummeldung", "Umzug melden"]
    assert "STATUS" not in (data / "pvog" / "wohnsitz.yml").read_text(encoding="utf-8")

    out = result.stdout
    assert "## Abgleich mit dem Leistungsverzeichnis (PVOG, ARS 147130000000)" in out
    assert "1 Zeilen ohne gültige ID-LB übersprungen" in out
    assert "`parken`: B100019.LB.100010 genommen, nicht: B100019.LB.100110" in out  # several for one key: said
    assert "`ohne-pvog` (LeiKa 99999999999000)" in out
    assert "Unbekannte Modul-Codes (nicht übernommen): 31 (1×), 99 (1×)." in out
    state = json.loads((data / "sync-state.json").read_text(encoding="utf-8"))
    assert state["pvog"][ARS]["wohnsitz"] == {"id_lb": "B100019.LB.100001", "updatedatum": "20.01.2026 00:48"}


def test_structured_modules_keep_the_sentence_from_the_title(data, pvog):
    assert run(data, pvog).exit_code == 0
    p = pvog_file(data, "personalausweis")["module"]
    assert p["bearbeitungsdauer"]["text"] == "- Bei Abgabe vor Beginn der Ferienzeit: rund 3 Wochen nach Antrag"
    assert p["fristen"]["text"] == "- Widerspruchsfrist: innerhalb von : 1 Monat"
    assert p["kosten"]["text"] == "Die Gebühr richtet sich nach dem Alter.\n\n- ab 24 Jahren: 37,00 EUR\n- unter 24 Jahren: 22,80 EUR"


def test_missing_empty_and_placeholder_modules_are_left_out(data, pvog):
    result = run(data, pvog)
    assert result.exit_code == 0, result.output
    assert set(pvog_file(data, "reisepass")["module"]) == {"beschreibung", "unterlagen"}
    assert set(pvog_file(data, "hund")["module"]) == {"beschreibung"}  # filled: false, blank, empty <p>, no entries
    assert "unterlagen" not in pvog_file(data, "gewerbe")["module"]  # placeholder
    assert "leere oder Platzhalter-Module nicht übernommen" in result.stdout


def test_hostile_html_is_neutralised(data, pvog):
    result = run(data, pvog)
    assert result.exit_code == 0, result.output
    text = (data / "pvog" / "elterngeld.yml").read_text(encoding="utf-8")
    for bad in ("script", "alert", "javascript:", "data:text", "onclick", "iframe", "evil.example", "<style"):
        assert bad not in text, bad
    e = pvog_file(data, "elterngeld")
    assert e["name"] == "Elterngeld beantragen"
    assert [o["url"] for o in e["onlinedienste"]] == ["https://elterngeld.example.org/"]
    assert e["module"]["unterlagen"]["links"] == [{"titel": "gut", "url": "https://www.example.org/elterngeld"}]
    assert "ohne gültige https-Adresse" in result.stdout


def test_second_run_fetches_and_writes_nothing(data, pvog):
    assert run(data, pvog).exit_code == 0
    first = snapshot(data)
    pvog.log.clear()
    result = run(data, pvog)
    assert result.exit_code == 0, result.output
    assert snapshot(data) == first
    assert pvog.detail_requests() == []
    assert "Geschriebene Dateien: 0." in result.stdout


def test_only_changed_descriptions_are_fetched(data, pvog):
    assert run(data, pvog).exit_code == 0
    pvog.log.clear()
    changed = CATALOGUE.replace(b"|02.02.2026 10:00|", b"|15.03.2026 10:00|")
    pvog.catalogue = (200, "text/csv", changed, 0)
    body = json.loads(detail_bytes("B100019.LB.100002"))
    body["details"].append({"code": "98", "title": "", "text": "", "xZufiCategory": "KOSTEN", "filled": True,
                            "details": [{"code": "01", "title": "Reisepass", "text": "70,00 EUR", "links": []}]})
    body["lastUpdate"] = "2026-03-15T10:00:00Z"
    pvog.details["B100019.LB.100002"] = (200, "application/json", json.dumps(body).encode(), 0)
    result = run(data, pvog)
    assert result.exit_code == 0, result.output
    assert pvog.detail_requests() == ["B100019.LB.100002"]
    assert pvog_file(data, "reisepass")["module"]["kosten"] == {"text": "- Reisepass: 70,00 EUR"}
    assert pvog_file(data, "reisepass")["stand"] == "2026-03-15"


def test_remembered_id_lb_wins_over_the_lowest(data, pvog):
    state = {"pvog": {ARS: {"parken": {"id_lb": "B100019.LB.100110", "updatedatum": "x"}}}}
    (data / "sync-state.json").write_text(json.dumps(state), encoding="utf-8")
    assert run(data, pvog).exit_code == 0
    assert pvog_file(data, "parken")["id_lb"] == "B100019.LB.100110"


def test_deleted_source_file_is_fetched_again(data, pvog):
    assert run(data, pvog).exit_code == 0
    (data / "pvog" / "hund.yml").unlink()
    pvog.log.clear()
    assert run(data, pvog).exit_code == 0
    assert pvog.detail_requests() == ["B100019.LB.100003"]
    assert (data / "pvog" / "hund.yml").is_file()


def test_dry_run_prints_the_diff_and_writes_nothing(data, pvog):
    before = snapshot(data)
    result = run(data, pvog, "--dry-run")
    assert result.exit_code == 0, result.output
    assert snapshot(data) == before
    assert "--- /dev/null\n+++ b/pvog/wohnsitz.yml\n" in result.stdout
    assert "+id_lb: B100019.LB.100001\n" in result.stdout
    assert "Probelauf (--dry-run): nichts geschrieben." in result.stdout


def test_at_most_four_requests_at_once(data, pvog):
    pvog.delay = 0.05
    result = run(data, pvog)
    assert result.exit_code == 0, result.output
    assert len(pvog.detail_requests()) == 10
    assert 2 <= pvog.max_active <= 4


def test_catalogue_parser_reads_doubled_quotes_and_merges_rows():
    catalogue = parse_catalogue(CATALOGUE, ARS)
    assert catalogue.services["B100019.LB.100009"].name == 'Förderprogramm "Energieeffizient Sanieren" Gewährung'
    assert [o.id_od for o in catalogue.services["B100019.LB.100001"].online] == ["B100019.OD.9001", "B100019.OD.9002"]
    assert [o.id_od for o in catalogue.services["B100019.LB.100008"].online] == ["B100019.OD.9011", "B100019.OD.9012", "B100019.OD.9013"]
    assert "TEST-0001" not in catalogue.services and catalogue.skipped == 1
    assert len(catalogue.services) >= 25


@pytest.mark.parametrize("path", sorted((FIXTURES / "detail").glob("*.json")), ids=lambda p: p.stem)
def test_every_fixture_description_parses(path):
    detail = parse_detail(path.read_bytes(), path.stem, "Ersatzname")
    assert detail.content["id_lb"] == path.stem
    assert detail.content["name"]


# ---------------------------------------------------------------------------- faults

BAD_CATALOGUES = {
    "fehler-feldzahl": (CATALOGUE.replace(b"|03.02.2026 09:00|||", b"|03.02.2026 09:00||"), "Felder statt 8"),
    "fehler-kopfzeile": (b"ID|Name\nB100019.LB.1|x\n", "die Kopfzeile ist unbekannt"),
    "fehler-leer": (b"", "leeren Katalog"),
    "fehler-nur-kopf": (CATALOGUE.split(b"\n")[0] + b"\n", "keine Leistung"),
    "fehler-leika": (CATALOGUE.replace(b"|99085001012000|", b"|12345|"), "ist kein LeiKa-Schlüssel"),
    "fehler-datum": (CATALOGUE.replace(b"|02.02.2026 10:00|", b"|2026-02-02|"), "ist kein Datum"),
    "fehler-widerspruch": (CATALOGUE + "B100019.LB.100002|99085001012000|Reisepass Ausstellung|Anders|02.02.2026 10:00|||\n".encode(), "zweimal mit verschiedenen Angaben"),
    "fehler-doppelt": (CATALOGUE + CATALOGUE.split(b"\n")[1] + b"\n", "steht doppelt im Katalog"),
    "fehler-utf16": ((CATALOGUE.decode("utf-8")).encode("utf-16"), "UTF-16"),
    "fehler-kein-utf8": (CATALOGUE.replace("Führungszeugnis".encode(), "Führungszeugnis".encode("latin-1")), "kein gültiges UTF-8"),
    "fehler-html": (b"<!DOCTYPE html><html><body>Wartung</body></html>", "HTML-Seite"),
}


@pytest.mark.parametrize("name", sorted(BAD_CATALOGUES))
def test_broken_catalogue_changes_nothing(data, pvog, name):
    body, message = BAD_CATALOGUES[name]
    pvog.catalogue = (200, "text/csv", body, 0)
    before = snapshot(data)
    result = run(data, pvog)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Es wurde nichts geändert." in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(data) == before


def _detail(**changes) -> bytes:
    body = json.loads(detail_bytes("B100019.LB.100003"))
    body.update(changes)
    return json.dumps(body).encode()


BAD_DETAILS = {
    "json-abgeschnitten": (200, detail_bytes("B100019.LB.100003")[:200], "fehlerhaft oder abgeschnitten"),
    "keine-json-objekt": (200, b"[1, 2, 3]", "erwartet wurde ein JSON-Objekt"),
    "falsche-id": (200, _detail(id="B100019.LB.999999"), "statt B100019.LB.100003"),
    "doppelte-schluessel": (200, b'{"id": "B100019.LB.100003", "id": "B100019.LB.100003", "lastUpdate": "2026-01-01"}', "steht doppelt"),
    "details-kein-array": (200, _detail(details={"code": "06"}), "„details“ muss eine Liste sein"),
    "text-keine-zeichenkette": (200, _detail(details=[{"code": "06", "text": 42}]), "statt Text"),
    "ohne-datum": (200, _detail(lastUpdate=None), "„lastUpdate“ fehlt"),
    "leika-falsch": (200, _detail(leikakeys=["abc"]), "ist kein LeiKa-Schlüssel"),
    "http-500": (500, b"{}", "HTTP 500"),
    "http-404": (404, b"{}", "HTTP 404"),
}


@pytest.mark.parametrize("name", sorted(BAD_DETAILS))
def test_broken_description_changes_nothing(data, pvog, name):
    status, body, message = BAD_DETAILS[name]
    pvog.details["B100019.LB.100003"] = (status, "application/json", body, 0)
    before = snapshot(data)
    result = run(data, pvog)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "Es wurde nichts geändert." in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(data) == before


def test_slow_description_times_out_and_changes_nothing(data, pvog):
    pvog.details["B100019.LB.100003"] = (200, "application/json", detail_bytes("B100019.LB.100003"), 3)
    before = snapshot(data)
    result = CliRunner().invoke(main, ["sync", "pvog", "--data", str(data), "--api-url", pvog.url, "--retries", "0", "--timeout", "0.5"])
    assert result.exit_code == 1
    assert "Zeitüberschreitung" in result.stderr
    assert snapshot(data) == before


def test_unreachable_service_changes_nothing(data):
    before = snapshot(data)
    result = CliRunner().invoke(main, ["sync", "pvog", "--data", str(data), "--api-url", "http://127.0.0.1:9/api/v5", "--retries", "0"])
    assert result.exit_code == 1
    assert "nicht erreichbar" in result.stderr
    assert snapshot(data) == before


def test_missing_api_url_is_explained(data):
    result = CliRunner().invoke(main, ["sync", "pvog", "--data", str(data)])
    assert result.exit_code == 1
    assert "die Adresse des PVOG-Suchdienstes fehlt" in result.stderr


def test_source_file_without_service_is_a_validation_error(data, pvog):
    assert run(data, pvog).exit_code == 0
    (data / "services" / "hund.yml").unlink()
    problems = [str(p) for p in load(data)[1]]
    assert any("pvog/hund.yml" in p and "keine Leistung data/services/hund.yml" in p for p in problems)


def test_huge_description_changes_nothing(data, pvog):
    huge = _detail(description="<p>" + "x" * (5 << 20) + "</p>")
    pvog.details["B100019.LB.100003"] = (200, "application/json", huge, 0)
    before = snapshot(data)
    result = run(data, pvog)
    assert result.exit_code == 1
    assert "MiB" in result.stderr
    assert snapshot(data) == before


def test_overall_time_limit_stops_a_slow_source(data, pvog):
    pvog.delay = 0.6  # every description; 10 of them, 4 at a time: at least 1.8 s
    before = snapshot(data)
    started = time.monotonic()
    result = CliRunner().invoke(main, ["sync", "pvog", "--data", str(data), "--api-url", pvog.url, "--retries", "0",
                                       "--timeout", "5", "--zeitlimit", "1"])
    assert result.exit_code == 1
    assert "Zeitlimit" in result.stderr
    assert time.monotonic() - started < 5
    assert snapshot(data) == before


# ---------------------------------------------------------------------------- --neue


def test_neue_creates_unreviewed_records_that_validate_and_build(data, pvog, tmp_path):
    result = run(data, pvog, "--neue")
    assert result.exit_code == 0, result.output
    assert [str(p) for p in load(data)[1]] == []
    created = sorted(p.stem for p in (data / "services").glob("*.yml") if "herkunft: pvog" in p.read_text(encoding="utf-8"))
    # 31 services in the region: 10 matched by key, 1 second description of a matched key (not new), 20 new
    assert len(created) == 20
    assert "foerderung-energieeffizient-sanieren-beantragen" in created and "fundsache-abholen" in created
    record = yaml.safe_load((data / "services" / "parkerleichterung-beantragen.yml").read_text(encoding="utf-8"))
    assert record["herkunft"] == "pvog" and record["geprueft"] is False and record["leika"] == "99900000001000"
    assert record["kurzbeschreibung"].startswith("Parkerleichterung beantragen: So geht es in der Stadt.")
    assert "zustaendig" not in record and "kanaele" not in record  # never guessed
    assert (data / "pvog" / "parkerleichterung-beantragen.yml").is_file()
    assert "### Neu angelegt, noch nicht geprüft (20)" in result.stdout
    # a second run creates nothing more and fetches nothing
    first = snapshot(data)
    pvog.log.clear()
    again = run(data, pvog, "--neue")
    assert again.exit_code == 0, again.output
    assert snapshot(data) == first and pvog.detail_requests() == []

    from lotse.site.build import build_site

    site = build_site(data, tmp_path / "site")
    page = (site / "leistungen" / "parkerleichterung-beantragen" / "index.html").read_text(encoding="utf-8")
    assert "Noch nicht von der Stadt geprüft." in page
    assert "Personalausweis" in page.split('id="unterlagen"', 1)[1]  # the state's text answers
    review = (site / "mitmachen" / "pruefen" / "index.html").read_text(encoding="utf-8")
    assert review.count("<tr><th scope=\"row\">") == 20
    assert "data/services/parkerleichterung-beantragen.yml" in review
    assert "zustaendig, kanaele, zielgruppe, digitalisierung" in review
    # unreviewed records are not in the city's figures
    start = (site / "index.html").read_text(encoding="utf-8")
    assert re.search(r"Alle Leistungen</th><td>12</td>", start)


def test_an_unreviewed_record_needs_its_fields_once_reviewed(data, pvog):
    assert run(data, pvog, "--neue").exit_code == 0
    path = data / "services" / "parkerleichterung-beantragen.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("geprueft: false", "geprueft: true"), encoding="utf-8")
    problems = [p.message for p in load(data)[1]]
    assert any("Pflichtfeld „zustaendig“" in m for m in problems)
    assert any("Pflichtfeld „kanaele“" in m for m in problems)


def test_search_finds_state_texts_without_outranking_titles(data, pvog):
    from lotse.search import index as search_index, query

    # a record whose title says "Wohnungsgeberbestätigung"; the Wohnsitz record has it only in the state's text
    write_yaml(data / "services" / "wohnungsgeberbestaetigung.yml",
               mini_service("wohnungsgeberbestaetigung", name="Wohnungsgeberbestätigung ausstellen"))
    assert run(data, pvog).exit_code == 0
    ds, problems = load(data)
    assert not problems
    payload, entries = search_index.build(ds)
    idx = query.load_index(json.loads(search_index.dumps(payload)))
    found = [entries[int(ref)]["u"].split("/")[1] for ref, _ in query.run(idx, "Wohnungsgeberbestätigung")]
    assert found[:2] == ["wohnungsgeberbestaetigung", "wohnsitz"]
    # the state's synonyms are searched too
    assert "wohnsitz" in [entries[int(ref)]["u"].split("/")[1] for ref, _ in query.run(idx, "Ummeldung")]


def test_nightly_workflow_runs_pvog_after_ozg_into_the_same_pull_request():
    workflow = yaml.safe_load((Path(__file__).resolve().parent.parent / ".github" / "workflows" / "sync.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["sync"]["steps"]
    runs = [s.get("run", "") for s in steps]
    ozg = next(i for i, r in enumerate(runs) if "lotse sync ozg" in r)
    pvog = next(i for i, r in enumerate(runs) if "lotse sync pvog" in r)
    pr = next(i for i, s in enumerate(steps) if "create-pull-request" in s.get("uses", ""))
    assert ozg < pvog < pr
    assert "sync-summary.md" in runs[pvog]  # its summary joins the one pull request text
    assert "data/pvog/*.yml" in steps[pr]["with"]["add-paths"]


def test_dry_run_of_the_shipped_data_against_the_fixture_region(pvog):
    """The real data/ against the invented fixture region: a diff is printed, nothing changes."""
    shipped = Path(__file__).resolve().parent.parent / "data"
    before = snapshot(shipped)
    result = CliRunner().invoke(main, ["sync", "pvog", "--data", str(shipped), "--api-url", pvog.url, "--retries", "0", "--dry-run", "--neue"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert snapshot(shipped) == before
    assert not (shipped / "pvog").exists()
    out = result.stdout
    assert "--- /dev/null\n+++ b/pvog/wohnsitz-anmelden.yml\n" in out
    assert "+quelle:\n+  titel: Leistungsverzeichnis Sachsen\n" in out
    assert "Probelauf (--dry-run): nichts geschrieben." in out


def test_plain_text_shortcut_equals_the_html_conversion():
    import random

    from lotse.htmltext import html_to_markdown
    from sync.pvog import _markdown

    rng = random.Random(5)
    alphabet = list("abcäöüß ÄÖÜ.,:;()/€%'\"„“\t\xa0 0123456789\f\v\u2028\x85*_<>&#[]\n") + ["1. ", " 2)", "EUR", "§ 5", "–", "Abs.", "- ", "<p>", "&amp;"]
    for _ in range(5000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert _markdown(value) == html_to_markdown(value), repr(value)


def test_summary_makes_source_text_inert(data, pvog):
    """The summary becomes the pull request's text: a name from the source adds no link, mention or HTML."""
    body = json.loads(detail_bytes("B100019.LB.100113"))
    body["name"] = "Böse [Link](https://evil.example/) @team <b>fett</b>"
    pvog.details["B100019.LB.100113"] = (200, "application/json", json.dumps(body).encode(), 0)
    result = run(data, pvog, "--neue", "--dry-run")
    assert result.exit_code == 0, result.output
    line = next(l for l in result.stdout.splitlines() if "B100019.LB.100113" in l and l.startswith("- `"))
    assert "[Link](" not in line and "@team" not in line and "<b>" not in line
