"""The legal pages from data/lotse.yml (issue 13): validation, content, footer on every page."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import DATA, MINI_CONFIG, RECHTLICHES, write_yaml

from lotse.cli import main
from lotse.site.build import build_site
from lotse.site.rechtliches import MISSING, PAGES


def set_config(data: Path, config: dict) -> None:
    write_yaml(data / "lotse.yml", config)


def validate(data: Path):
    return CliRunner().invoke(main, ["validate", "--data", str(data)])


def test_missing_legal_configuration_fails_validation_in_german(mini_data):
    config = {k: v for k, v in MINI_CONFIG.items() if k != "rechtliches"}
    set_config(mini_data, config)
    result = validate(mini_data)
    assert result.exit_code == 1
    assert "lotse.yml:1: Pflichtfeld „rechtliches“ (Rechtliche Angaben) fehlt. Bitte ergänzen." in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("path", [("anbieter", "email"), ("datenschutz", "protokolle"), ("barrierefreiheit", "durchsetzungsstelle"), ("gebaerdensprache",)])
def test_every_legal_key_must_be_present(mini_data, path):
    config = copy.deepcopy(MINI_CONFIG)
    node = config["rechtliches"]
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    set_config(mini_data, config)
    result = validate(mini_data)
    assert result.exit_code == 1
    assert f"Pflichtfeld „{path[-1]}“" in result.output and "fehlt" in result.output


def test_wrong_values_are_refused(mini_data):
    config = copy.deepcopy(MINI_CONFIG)
    config["rechtliches"]["anbieter"]["email"] = "keine-adresse"
    config["rechtliches"]["barrierefreiheit"]["vereinbarkeit"] = "fast"
    config["rechtliches"]["gebaerdensprache"] = "http://video.example.org/dgs.mp4"
    set_config(mini_data, config)
    result = validate(mini_data)
    assert result.exit_code == 1
    assert result.output.count("rechtliches.") >= 3, result.output


def _pages(data: Path, tmp_path: Path) -> dict[str, str]:
    site = build_site(data, tmp_path / "site")
    return {url: (site / url / "index.html").read_text(encoding="utf-8") for url in PAGES}


def test_open_values_are_marked_visibly(mini_data, tmp_path):
    pages = _pages(mini_data, tmp_path)
    for url, html in pages.items():
        assert MISSING in html, url
        assert 'class="lotse-ergaenzen"' in html
    assert "Stadt Teststadt" in pages["impressum/"]
    assert "Server" in pages["datenschutz/"] and "IP-Adresse" in pages["datenschutz/"]  # logs, even without cookies


def test_given_values_are_shown_and_escaped(mini_data, tmp_path):
    config = copy.deepcopy(MINI_CONFIG)
    legal = config["rechtliches"]
    legal["anbieter"].update({"anschrift": "Rathausplatz 1\n00000 Teststadt", "vertreten_durch": "Bürgermeisterin <script>x</script>",
                              "email": "post@teststadt.example", "telefon": "0000 123-0"})
    legal["redaktion"] = "Redaktion Verwaltungsleistungen"
    legal["datenschutz"].update({"datenschutzbeauftragter": "Datenschutzbeauftragte, datenschutz@teststadt.example",
                                 "hosting": "Rechenzentrum der Teststadt", "protokolle": "Gelöscht nach **7 Tagen**.",
                                 "aufsichtsbehoerde": "Die Sächsische Datenschutz- und Transparenzbeauftragte"})
    legal["barrierefreiheit"].update({"vereinbarkeit": "teilweise", "maengel": ["Diagramme ohne Tabellenfassung."],
                                      "erstellt_am": "2026-11-21", "kontakt": "barrierefrei@teststadt.example",
                                      "durchsetzungsstelle": "Durchsetzungsstelle des Landes"})
    legal["leichte_sprache"] = "# Was ist auf dieser Seite?\n\nHier finden Sie **Ämter**."
    legal["gebaerdensprache"] = "https://video.teststadt.example/dgs.mp4"
    set_config(mini_data, config)
    pages = _pages(mini_data, tmp_path)
    impressum = pages["impressum/"]
    assert "Rathausplatz 1<br>00000 Teststadt" in impressum
    assert '<a href="mailto:post@teststadt.example">' in impressum
    assert "&lt;script&gt;" in impressum and "<script>x" not in impressum
    assert "<strong>7 Tagen</strong>" in pages["datenschutz/"]
    assert "teilweise vereinbar" in pages["barrierefreiheit/"] and "21.11.2026" in pages["barrierefreiheit/"]
    assert "<strong>Ämter</strong>" in pages["leichte-sprache/"]
    assert "<h2>Diese Website in Leichter Sprache</h2><h3>Was ist auf dieser Seite?</h3>" in pages["leichte-sprache/"]
    assert 'href="https://video.teststadt.example/dgs.mp4"' in pages["gebaerdensprache/"]
    for url in ("impressum/", "datenschutz/", "barrierefreiheit/", "leichte-sprache/", "gebaerdensprache/"):
        assert MISSING not in pages[url], url


def test_every_page_links_every_legal_page(mini_data, tmp_path):
    site = build_site(mini_data, tmp_path / "site")
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        html = page.read_text(encoding="utf-8")
        footer = html[html.index('<footer class="md-footer'):]
        for url in PAGES:
            hrefs = re.findall(r'href="([^"]*%s)"' % re.escape(url), footer)
            assert hrefs, (page, url)
            if page.name != "404.html":  # 404 links from the site root, tested in test_server.py
                assert (page.parent / hrefs[0] / "index.html").resolve().is_file(), (page, hrefs[0])


def test_shipped_configuration_invents_nothing():
    """Only the provider's name and the supervisory authority have a source; the rest stays open."""
    legal = yaml.safe_load((DATA / "lotse.yml").read_text(encoding="utf-8"))["rechtliches"]
    assert legal["anbieter"]["name"] == "Stadt Leipzig"
    assert legal["anbieter"]["anschrift"] is None and legal["anbieter"]["email"] is None and legal["anbieter"]["telefon"] is None
    assert legal["quelle"], "filled values name their source"
    assert set(RECHTLICHES) <= set(legal)
