"""Freshness rule (lotse.frische), channel status "pilot", and the city's own count in the report."""

from __future__ import annotations

import copy
import datetime as dt

from click.testing import CliRunner

from lotse import bericht as b
from lotse.bericht import page as bericht_page
from lotse.cli import main
from lotse.frische import stale
from lotse.site.context import SiteContext
from lotse.validator import load, load_valid

from test_bericht import CONFIG, FIXTURE_SERVICES, service, write_dataset

TODAY = dt.date(2026, 12, 6)


def _data(tmp_path, services, config=None):
    root = write_dataset(tmp_path / "data", services)
    if config is not None:
        from test_bericht import write_yaml

        write_yaml(root / "lotse.yml", config)
    return root


def _config(days=730, **extra):
    config = copy.deepcopy(CONFIG)
    config["frische"] = {"pruefen_nach_tagen": days}
    config.update(extra)
    return config


OLD_SOURCE = {"titel": "Beschluss vom Mai 2020", "stand": "2020-05-05"}
NEW_SOURCE = {"titel": "Gesetzestext, geprüft", "stand": "2026-12-01"}


def test_old_dated_facts_are_listed_recent_ones_are_not(tmp_path):
    old_fee = {"bezeichnung": "Ausweis", "betrag": 37, "quelle": {"titel": "§ 1 PAuswGebV", "stand": "2021-01-01"}}
    new_fee = {"bezeichnung": "Pass", "betrag": 70, "quelle": {"titel": "§ 15 PassV", "stand": "2026-12-01"}}
    pilot = {"typ": "amt24", "bezeichnung": "Online (2020 erprobt)", "status": "pilot", "status_stand": "2020-05-05"}
    services = [
        service("s-alt", "Alte Angaben", "amt-buergerservice", ["vor-ort"], "analog",
                quelle=[OLD_SOURCE, NEW_SOURCE], gebuehren=[old_fee, new_fee]),
        service("s-neu", "Neue Angaben", "amt-buergerservice", ["vor-ort"], "analog", quelle=[NEW_SOURCE]),
    ]
    services[0]["kanaele"].append(pilot)
    ds, problems = load(_data(tmp_path, services, _config()), today=TODAY)
    assert problems == []
    found = {(v.record_id, v.field) for v in stale(ds, TODAY)}
    assert found == {("s-alt", "quelle[1].stand"), ("s-alt", "gebuehren[1].quelle.stand"), ("s-alt", "kanaele[2].status_stand")}
    # the limit comes from the config: with ten years nothing is old
    ds, _ = load(_data(tmp_path / "x", services, _config(days=3650)), today=TODAY)
    assert stale(ds, TODAY) == []


def test_validate_warns_about_old_facts_but_exits_0(tmp_path):
    services = [service("s-alt", "Alte Angaben", "amt-buergerservice", ["vor-ort"], "analog", quelle=[OLD_SOURCE])]
    root = _data(tmp_path, services, _config())
    result = CliRunner().invoke(main, ["validate", "--data", str(root)])
    assert result.exit_code == 0, result.output
    assert "s-alt.yml:" in result.output and "Hinweis: „quelle[1].stand“ ist vom 2020-05-05" in result.output
    assert "bitte prüfen" in result.output
    github = CliRunner().invoke(main, ["validate", "--data", str(root), "--format", "github"])
    assert github.exit_code == 0 and "::warning file=" in github.output


def test_report_lists_old_facts_under_bitte_pruefen(tmp_path):
    services = [service("s-alt", "Alte Angaben", "amt-buergerservice", ["vor-ort"], "analog", quelle=[OLD_SOURCE])]
    ds = load_valid(_data(tmp_path, services, _config()))
    rep = b.compute(ds, today=TODAY)
    assert [(v.record_id, v.datum) for v in rep.pruefen] == [("s-alt", "2020-05-05")]
    md = b.to_markdown(rep)
    assert "## Bitte prüfen" in md and "Leistung „Alte Angaben“ | quelle[1].stand | 2020-05-05" in md
    assert "| services/s-alt.yml:" in md and str(tmp_path) not in md  # no machine's paths in the report
    html = bericht_page.render(SiteContext(ds), rep)
    assert 'id="pruefen"' in html and "leistungen/s-alt/" in html


def test_pilot_channel_is_not_online_and_needs_its_date(tmp_path):
    pilot = {"typ": "amt24", "bezeichnung": "Online (2020 erprobt)", "status": "pilot", "status_stand": "2020-05-05"}
    record = service("s-pilot", "Pilot", "amt-buergerservice", ["post"], "analog")
    record["kanaele"].insert(0, pilot)
    ds, problems = load(_data(tmp_path, [record], _config()), today=TODAY)
    assert problems == []  # analog is right: the pilot does not count as online
    assert ds.channel_types(ds.leistungen["s-pilot"].data) == ["post"]
    assert b.compute(ds, today=TODAY).digital == 0
    # claiming "digital" with only a pilot channel is an error
    record2 = copy.deepcopy(record)
    record2["digitalisierung"] = "digital"
    del record2["kanaele"][0]["status_stand"]
    _ds, problems = load(_data(tmp_path / "y", [record2], _config()), today=TODAY)
    messages = " ".join(p.message for p in problems)
    assert "kein Kanal ist online" in messages and "„status_stand“ fehlt" in messages


def test_report_shows_the_citys_own_count_as_denominator(tmp_path):
    config = _config(vergleich_stadt={"digital": 292, "amt24": 134, "formular": 105, "andere": 53,
                                      "quelle": {"titel": "Antwort vom 20.05.2025", "stand": "2025-05-20"}})
    config["frische"] = {"pruefen_nach_tagen": 36500}
    ds = load_valid(_data(tmp_path, FIXTURE_SERVICES, config))
    rep = b.compute(ds, today=TODAY)
    rows = {r[0]: r for r in b.comparison_rows(rep)}
    assert rows["Zusammen"][1:] == ["292", b.fmt_int(rep.digital), b.fmt_pct(rep.digital, 292)]
    assert rows["Amt24"][1] == "134"
    html = bericht_page.render(SiteContext(ds), rep)
    # headline figures come before the channel charts, the long lists are collapsed
    assert html.index('id="ueberblick"') < html.index('id="kanaele"') < html.index('id="prioritaeten"')
    assert html.count('<details class="lotse-aufklappen">') == 2
    assert "Die Stadt selbst zählt 292 digital beantragbare Leistungen" in html
