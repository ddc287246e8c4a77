"""Office pages: booking link, editorial assignment, unknown address and hours, schema.org opening hours."""

from __future__ import annotations

import json
import re

from lotse.site.context import SiteContext
from lotse.site.pages import _Pages
from lotse.validator import load_valid

from test_bericht import CONFIG, FIXTURE_SERVICES, QUELLE, write_dataset, write_yaml


def _jsonld(html: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def _page(tmp_path, office: dict, config=None) -> str:
    root = write_dataset(tmp_path / "data", FIXTURE_SERVICES)
    if config is not None:
        write_yaml(root / "lotse.yml", config)
    write_yaml(root / "aemter" / "amt-buergerservice.yml", office)
    ctx = SiteContext(load_valid(root))
    return _Pages(ctx).amt(office["id"], ctx.amt(office["id"])).html


def test_known_hours_address_and_booking_become_schema_org(tmp_path):
    office = {"id": "amt-buergerservice", "name": "Amt Bürgerservice", "traeger": "stadt",
              "adresse": {"strasse": "Teststraße 1", "plz": "04109", "ort": "Teststadt"},
              "kontakt": {"telefon": "(0341) 115"},
              "oeffnungszeiten": {"zeiten": [{"tage": ["mo", "di"], "von": "08:00", "bis": "18:00"},
                                             {"tage": ["sa"], "von": "09:00", "bis": "12:00"}]},
              "termin_url": "https://termine.example.org/",
              "stand": "2026-12-06", "quelle": [{"titel": "Website der Stadt", "url": "https://www.example.org/", "stand": "2026-12-06"}]}
    html = _page(tmp_path, office)
    data = _jsonld(html)
    assert data["@type"] == "GovernmentOffice" and data["address"]["streetAddress"] == "Teststraße 1"
    assert data["openingHoursSpecification"] == [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": ["https://schema.org/Monday", "https://schema.org/Tuesday"], "opens": "08:00", "closes": "18:00"},
        {"@type": "OpeningHoursSpecification", "dayOfWeek": ["https://schema.org/Saturday"], "opens": "09:00", "closes": "12:00"},
    ]
    assert 'href="https://termine.example.org/">Termin online buchen' in html
    assert "data-lotse-unbekannt" not in html
    assert "(Stand: 06.12.2026)" in html  # every source with its date


def test_unknown_address_and_hours_are_said_with_whom_to_ask(tmp_path):
    office = {"id": "amt-buergerservice", "name": "Amt Bürgerservice", "traeger": "stadt",
              "zuordnung_redaktionell": True, "stand": "2026-01-01", "quelle": QUELLE}
    config = dict(CONFIG, buergertelefon="(0341) 115")
    html = _page(tmp_path, office, config)
    assert 'data-lotse-unbekannt="adresse"' in html and 'data-lotse-unbekannt="zeiten"' in html
    assert 'href="tel:0341115"' in html
    assert "data-lotse-redaktionell" in html
    assert "openingHoursSpecification" not in _jsonld(html)  # nothing invented
    assert "Termin online buchen" not in html
