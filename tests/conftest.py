"""Shared fixtures. Area-specific fixtures live in the area's own test module."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest
import yaml

# Browser, accessibility and privacy tests share one Chromium and one built test site (issue 8).
pytest_plugins = ["browser_support"]

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


def write_yaml(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# The legal pages' configuration with every value still open (null), as a city starts out.
RECHTLICHES = {
    "anbieter": {"name": "Stadt Teststadt", "anschrift": None, "vertreten_durch": None, "email": None, "telefon": None},
    "redaktion": None,
    "datenschutz": {"datenschutzbeauftragter": None, "hosting": None, "protokolle": None, "aufsichtsbehoerde": None},
    "barrierefreiheit": {"vereinbarkeit": None, "maengel": None, "erstellt_am": None, "kontakt": None, "durchsetzungsstelle": None},
    "leichte_sprache": None,
    "gebaerdensprache": None,
}

MINI_CONFIG = {
    "stadt": "Teststadt",
    "ars": "147130000000",
    "portale": {
        "amt24": "https://amt24.sachsen.de/",
        "amt24_leistung": "https://amt24.sachsen.de/zufi/leistungen/{id}",
        "bundesportal": "https://verwaltung.bund.de/leistungsverzeichnis/de/leistung/{id}",
    },
    "hervorgehoben": ["online-leistung"],
    "rechtliches": RECHTLICHES,
    "stand": "2026-01-01",
}
QUELLE = [{"titel": "Testdaten"}]


def mini_service(sid: str, **fields) -> dict:
    record = {
        "id": sid,
        "name": f"Leistung {sid}",
        "kurzbeschreibung": "Eine kurze Beschreibung für Tests.",
        "zielgruppe": ["buerger"],
        "zustaendig": "testamt",
        "kanaele": [{"typ": "vor-ort", "bezeichnung": "Persönlich im Amt"}],
        "digitalisierung": "analog",
        "stand": "2026-01-01",
        "quelle": QUELLE,
    }
    record.update(fields)
    return record


@pytest.fixture
def mini_data(tmp_path) -> Path:
    """A small valid data folder: 1 office, 2 services (one online), 1 Lebenslage."""
    root = tmp_path / "data"
    write_yaml(root / "lotse.yml", MINI_CONFIG)
    write_yaml(root / "aemter" / "testamt.yml", {"id": "testamt", "name": "Testamt", "traeger": "stadt", "stand": "2026-01-01", "quelle": QUELLE})
    write_yaml(root / "services" / "analoge-leistung.yml", mini_service("analoge-leistung"))
    write_yaml(
        root / "services" / "online-leistung.yml",
        mini_service(
            "online-leistung",
            leika="99115005104000",
            kanaele=[{"typ": "amt24", "bezeichnung": "Online bei Amt24", "url": "https://amt24.sachsen.de/zufi/leistungen/6007623"}],
            digitalisierung="digital",
        ),
    )
    write_yaml(
        root / "lebenslagen" / "umzug.yml",
        {"id": "umzug", "titel": "Umzug", "kurzbeschreibung": "Alles rund um den Umzug.", "schritte": [{"titel": "Anmelden", "leistungen": ["online-leistung", "analoge-leistung"]}], "stand": "2026-01-01", "quelle": QUELLE},
    )
    return root


@pytest.fixture
def shipped_copy(tmp_path) -> Path:
    """A writable copy of the shipped data/ folder."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


# --------------------------------------------------------------------------- built site (issue 3)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The site built once per test session from the shipped data/ (read-only for tests)."""
    from lotse.site.build import build_site

    return build_site(DATA, tmp_path_factory.mktemp("site") / "site")


class _SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """Serves ``directory`` under ``prefix`` only, as a web server hosting the site in a sub-folder."""

    prefix = "/lotse/"

    def send_head(self):
        if not self.path.startswith(self.prefix):
            self.send_error(404, "Nicht unter dem Pfad der Website")
            return None
        return super().send_head()

    def translate_path(self, path):
        return super().translate_path("/" + path[len(self.prefix):] if path.startswith(self.prefix) else path)

    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture(scope="session")
def site_server():
    """Factory: ``base = site_server(site_dir)`` serves ``site_dir`` over real HTTP at
    ``http://127.0.0.1:<port>/lotse/`` and returns that URL; anything outside /lotse/ is 404,
    so links that are not relative fail. Servers stop at the end of the session."""
    servers = []

    def serve(directory: Path, prefix: str = "/lotse/") -> str:
        handler = type("Handler", (_SubPathHandler,), {"prefix": prefix})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}{prefix}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()
