"""The page /digitalisierung/ ("Digitalisierung in Zahlen") and its CSV download.

Site provider (see :mod:`lotse.site.providers`): renders the
:class:`~lotse.bericht.Bericht` that ``lotse bericht`` prints, so page, CSV and
CLI show the same numbers. The page works without JavaScript: every table is a
plain table, every chart an SVG with a text alternative and the data table next
to it. ``bericht-tabelle.js`` only adds sorting and filtering to the big table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from .. import bericht as b
from .charts import Balken, Segment, hbar, stacked
from ..site.context import GeneratedFile, SiteContext
from ..site.text import date, esc

URL = "digitalisierung/"
TITLE = "Digitalisierung in Zahlen"
CSV_NAME = "digitalisierung.csv"
JS_NAME = "bericht-tabelle.js"
CSS_NAME = "bericht.css"
ASSETS = Path(__file__).resolve().parent / "assets"

STATUS_MARK = {b.MET: "✓", b.NOT_MET: "✗", b.UNKNOWN: "?"}
STATUS_CLASS = {b.MET: "ja", b.NOT_MET: "nein", b.UNKNOWN: "offen"}


def files(ctx: SiteContext) -> Iterable[GeneratedFile]:
    rep = b.compute(ctx.dataset)
    yield GeneratedFile.page(
        URL, TITLE, render(ctx, rep),
        description=f"Wie digital sind die Leistungen der Stadt {rep.stadt}? Kanäle, Digitalisierungsgrad, Fallzahlen, Fahrplan und Prioritäten, berechnet aus den Daten von Lotse.",
        # The wide table needs the room; the page brings its own contents list.
        hide=["toc"],  # not "navigation": that sidebar is the phone menu (see lotse.css)
    )
    yield GeneratedFile(URL + CSV_NAME, content=b.to_csv(rep).encode("utf-8"))
    yield GeneratedFile(URL + JS_NAME, content=(ASSETS / JS_NAME).read_bytes())
    yield GeneratedFile(URL + CSS_NAME, content=(ASSETS / CSS_NAME).read_bytes())


# --------------------------------------------------------------------------- HTML pieces


def _table(headers: list[str], rows: list[list[str]], numeric: str = "") -> str:
    """A plain table; cells are already HTML. ``numeric`` marks right-aligned columns with "r"."""
    numeric = numeric or "l" * len(headers)
    number_class = ' class="lotse-zahl"'
    out = ["<table>"]
    out.append("<thead><tr>" + "".join(
        f'<th scope="col"{number_class if a == "r" else ""}>{h}</th>' for h, a in zip(headers, numeric)
    ) + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        cells = []
        for i, (cell, a) in enumerate(zip(row, numeric)):
            tag = "th" if i == 0 else "td"
            scope = ' scope="row"' if i == 0 else ""
            klass = number_class if a == "r" else ""
            cells.append(f"<{tag}{scope}{klass}>{cell}</{tag}>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _figure(svg: str, table: str) -> str:
    return f'<div class="lotse-grafik">\n<figure>{svg}</figure>\n{table}\n</div>'


def _esc_cells(rows: list[list[str]]) -> list[list[str]]:
    return [[esc(c) for c in row] for row in rows]


def _missing(text: str) -> str:
    return f'<span class="lotse-fehlt">{esc(text)}</span>' if text == b.MISSING else esc(text)


def render(ctx: SiteContext, rep: b.Bericht) -> str:
    to = ctx.linker(URL)
    # Own h1: the nav entry is the short "Digitalisierung", the page's title the long one.
    parts: list[str] = [f'<link rel="stylesheet" href="{esc(to(URL + CSS_NAME))}">', f"<h1>{esc(TITLE)}</h1>"]
    stand = date(rep.stand) if rep.stand else b.MISSING
    parts.append(
        f"<p>Die Stadtratsanfrage „Ist-Zustand der Verwaltungsdigitalisierung“ (Mai 2025) bat um eine Tabelle aller "
        f"kommunalen Verwaltungsleistungen: Verfügbarkeit, Fallzahlen, Mindestbearbeitungszeit, Bearbeitungsstau, "
        f"Durchlauf und Planung. Diese Seite berechnet sie aus den Daten von Lotse (Stand {esc(stand)}). "
        f"Dieselben Zahlen gibt <code>lotse bericht</code> aus.</p>"
    )
    parts.append('<nav class="lotse-inhalt" aria-label="Inhalt dieser Seite"><ul>'
                 + "".join(f'<li><a href="#{key}">{esc(label)}</a></li>' for key, label in b.SECTIONS) + "</ul></nav>")
    # Headline figures and charts first; who is counted, then the long lists, collapsed.
    parts += _headline(ctx, rep)
    parts += _channels(rep)
    parts += _levels(rep)
    parts += _shares(ctx, rep)
    parts += _roadmap(ctx, rep)
    parts += _coverage(rep)
    parts += _checks(ctx, rep)
    parts += _collapsed(_priorities(ctx, rep), "Reihenfolge aller analogen Leistungen zeigen")
    parts += _collapsed(_overview(ctx, rep), "Tabelle je Leistung zeigen")
    parts += _sources(rep)
    parts.append(f'<script src="{esc(to(URL + JS_NAME))}"></script>')
    return "\n".join(parts) + "\n"


def _headline(ctx: SiteContext, rep: b.Bericht) -> list[str]:
    to = ctx.linker(URL)
    out = [_h2("ueberblick"),
           f'<div class="lotse-kennzahlen">{_table(b.HEADLINE_HEADERS, _esc_cells(b.headline_rows(rep)), "lr")}</div>']
    if rep.vergleich:
        v = rep.vergleich
        bars = [Balken(k.label if k.key == "amt24" else {"formular": "Formular (Website)", "andere": "EfA / andere Portale"}.get(k.key, k.label),
                       (k.hauptkanal / v[k.key]) if v.get(k.key) else 0,
                       f"{b.fmt_int(k.hauptkanal)} von {b.fmt_int(v.get(k.key))}")
                for k in rep.kanaele]
        bars.append(Balken("Zusammen", rep.digital / v["digital"] if v["digital"] else 0, f"{b.fmt_int(rep.digital)} von {b.fmt_int(v['digital'])}"))
        svg = hbar("lotse-vergleich", "In Lotse erfasst, gemessen an der Zählung der Stadt", bars, maximum=1)
        out.append(f"<p><strong>{esc(b.comparison_sentence(rep))}</strong></p>")
        out.append(_figure(svg, _table(b.COMPARISON_HEADERS, _esc_cells(b.comparison_rows(rep)), "lrrr")))
    out.append(f'<div class="admonition note"><p class="admonition-title">Welche Leistungen welche Zahl zählt</p>'
               f"<p>{esc(b.counting_sentence(rep))}</p><p>{esc(b.scope_sentence(rep))}</p>")
    if rep.ausserhalb:
        links = "; ".join(f'<a href="{esc(to(ctx.url("amt", amt_id)))}">{esc(name)}</a> ({esc(b.fmt_int(n))})'
                          for amt_id, name, n in rep.ausserhalb_je_stelle)
        out.append(f"<p>{esc(b.excluded_sentence(rep))}{links}.</p>")
    out.append(f"<p>{esc(b.coverage_sentence(rep))}</p></div>")
    out.append(f'<p><a href="{esc(to(URL + CSV_NAME))}" download>Tabelle je Leistung als CSV herunterladen</a> '
               f"(Semikolon-getrennt, UTF-8, Dezimalkomma; leere Zelle = keine Angabe).</p>")
    return out


def _checks(ctx: SiteContext, rep: b.Bericht) -> list[str]:
    out = [_h2("pruefen")]
    if not rep.pruefen:
        return out + [f"<p>{esc(b.NOTHING_TO_CHECK)}</p>"]
    folder = {"Leistung": "leistung", "Lebenslage": "lebenslage", "Stelle": "amt"}
    to = ctx.linker(URL)
    rows = []
    for v, row in zip(rep.pruefen, b.check_rows(rep)):
        cells = _esc_cells([row])[0]
        cells[0] = f'<a href="{esc(to(ctx.url(folder[v.kind], v.record_id)))}">{cells[0]}</a>'
        rows.append(cells)
    return out + [f'<div class="lotse-breit">{_table(b.CHECK_HEADERS, rows, "lllrl")}</div>']


def _collapsed(section: list[str], summary: str) -> list[str]:
    """The heading stays visible (and in the contents list); the long body opens on demand."""
    return [section[0], f'<details class="lotse-aufklappen"><summary>{esc(summary)}</summary>', *section[1:], "</details>"]


def _h2(key: str) -> str:
    """Section heading and, where there is one, the note that explains the section."""
    note = f"\n<p>{esc(b.NOTES[key])}</p>" if key in b.NOTES else ""
    return f'<h2 id="{key}">{esc(b.HEADING[key])}</h2>{note}'


def _coverage(rep: b.Bericht) -> list[str]:
    return [
        _h2("datenlage"),
        _table(b.COVERAGE_HEADERS, _esc_cells(b.coverage_rows(rep)), "lrrr"),
    ]


def _channels(rep: b.Bericht) -> list[str]:
    short = {"formular": "Formular (Website)", "andere": "EfA / andere Portale"}
    bars = [Balken(short.get(k.key, k.label), k.hauptkanal, b.fmt_int(k.hauptkanal)) for k in rep.kanaele]
    bars.append(Balken("Nur analog", rep.nur_analog, b.fmt_int(rep.nur_analog)))
    svg = hbar("lotse-kanaele", "Leistungen nach Hauptkanal", bars)
    return [
        _h2("kanaele"),
        _figure(svg, _table(b.CHANNEL_HEADERS, _esc_cells(b.channel_rows(rep)), "lrr")),
        f"<p>{esc(b.analog_sentence(rep))}</p>",
    ]


def _levels(rep: b.Bericht) -> list[str]:
    bars = [Balken(b.LEVEL_LABELS[lvl], n, f"{b.fmt_int(n)} ({b.fmt_pct(n, rep.gesamt)})") for lvl, n in rep.stufen.items()]
    svg = hbar("lotse-stufen", "Leistungen nach Digitalisierungsgrad", bars)
    return [
        _h2("digitalisierungsgrad"),
        _figure(svg, _table(b.LEVEL_HEADERS, _esc_cells(b.level_rows(rep)), "lrr")),
    ]


def _share_block(uid: str, title: str, heading: str, shares: list[b.Anteil], link) -> str:
    bars = [Balken(a.label, a.digital / a.gesamt if a.gesamt else 0, f"{b.fmt_int(a.digital)} von {b.fmt_int(a.gesamt)} ({a.prozent})") for a in shares]
    svg = hbar(uid, title, bars, maximum=1)
    rows = [[f'<a href="{esc(link(a.key))}">{esc(a.label)}</a>', esc(b.fmt_int(a.digital)), esc(b.fmt_int(a.gesamt)), esc(a.prozent)] for a in shares]
    return _figure(svg, _table([heading] + b.SHARE_HEADERS, rows, "lrrr"))


def _shares(ctx: SiteContext, rep: b.Bericht) -> list[str]:
    to = ctx.linker(URL)
    out = [_h2("lebenslagen")]
    if rep.je_lebenslage:
        out.append(_share_block("lotse-lebenslagen", "Anteil digital je Lebenslage", "Lebenslage", rep.je_lebenslage,
                                lambda key: to(ctx.url("lebenslage", key))))
    else:
        out.append(f"<p>{esc(b.NO_LEBENSLAGE)}</p>")
    out.append(_h2("stellen"))
    out.append(_share_block("lotse-stellen", "Anteil digital je zuständiger Stelle", "Zuständige Stelle", rep.je_amt,
                            lambda key: to(ctx.url("amt", key))))
    return out


ROADMAP_SEGMENTS = [
    Segment("ja", "Ende-zu-Ende", "#2f5b8a"),
    Segment("nein", "nicht Ende-zu-Ende", "url(#{uid}-hatch)"),
    Segment("offen", "keine Angabe", "url(#{uid}-dots)"),
]


def _roadmap(ctx: SiteContext, rep: b.Bericht) -> list[str]:
    to = ctx.linker(URL)
    out = [_h2("fahrplan")]
    if not rep.fahrplan:
        out.append(f"<p>{esc(b.NO_PLAN)}</p>")
    else:
        rows = [(j.jahr, {"ja": j.ende_zu_ende, "nein": j.nicht_ende_zu_ende, "offen": j.ohne_angabe},
                 f"{b.fmt_int(len(j.zeilen))} ({b.fmt_int(j.ende_zu_ende)} / {b.fmt_int(j.nicht_ende_zu_ende)} / {b.fmt_int(j.ohne_angabe)})")
                for j in rep.fahrplan]
        svg = stacked("lotse-fahrplan", "Geplante Digitalisierungen je Jahr (Ende-zu-Ende / nicht / keine Angabe)", rows, ROADMAP_SEGMENTS)
        out.append(_figure(svg, _table(b.ROADMAP_HEADERS, _esc_cells(b.roadmap_rows(rep)), "lrrrr")))
        detail = []
        for j in rep.fahrplan:
            for r in j.zeilen:
                cells = [_missing(c) for c in b.roadmap_detail(r)]
                cells[1] = f'<a href="{esc(to(ctx.url("leistung", r.id)))}">{esc(r.name)}</a>'
                detail.append(cells)
        out.append(_table(b.ROADMAP_DETAIL_HEADERS, detail))
    out.append(f"<p>{esc(b.unplanned_sentence(rep))}</p>")
    return out


def _priorities(ctx: SiteContext, rep: b.Bericht) -> list[str]:
    to = ctx.linker(URL)
    out = [
        _h2("prioritaeten"),
        "<dl class=\"lotse-kriterien\">" + "".join(f"<dt>{esc(c.label)}</dt><dd>{esc(c.rule)}</dd>" for c in b.CRITERIA) + "</dl>",
    ]
    if not rep.prioritaet:
        out.append(f"<p>{esc(b.NO_ANALOG)}</p>")
        return out
    out.append(f"<p>{esc(b.priority_sentence(rep))}</p>")
    rows = []
    for p in rep.prioritaet:
        cells = [_missing(c) for c in b.priority_row(p)]
        cells[1] = f'<a href="{esc(to(ctx.url("leistung", p.zeile.id)))}">{esc(p.zeile.name)}</a>'
        for i, m in enumerate(p.bewertungen, start=3):
            # The mark repeats the status for the eye; the word carries it for print and screen readers.
            cells[i] = (f'<span class="lotse-kriterium lotse-kriterium--{STATUS_CLASS[m.status]}">'
                        f'<span aria-hidden="true">{STATUS_MARK[m.status]}</span> {esc(m.status)}</span>: {esc(m.grund)}')
        rows.append(cells)
    out.append(f'<div class="lotse-breit">{_table(b.PRIORITY_HEADERS, rows, "lrr" + "l" * (len(b.CRITERIA) + 1))}</div>')
    return out


def _overview(ctx: SiteContext, rep: b.Bericht) -> list[str]:
    to = ctx.linker(URL)
    number_class = ' class="lotse-zahl"'
    head = "".join(
        f'<th scope="col" data-spalte="{esc(c.key)}" data-art="{esc(c.kind)}"'
        f'{number_class if c.kind in ("int", "decimal") else ""}>{esc(c.header)}</th>'
        for c in b.COLUMNS
    )
    body = []
    for r in rep.zeilen:
        cells = []
        for c in b.COLUMNS:
            value = c.value(r)
            text = c.display(r)
            klass = ["lotse-zahl"] if c.kind in ("int", "decimal") else []
            attrs = ""
            if value is None:
                klass.append("lotse-fehlt")  # the script sorts these last
            elif c.kind in b.NUMERIC_KINDS:
                # Text cells sort by their text; figures by the number behind "1.083,5" or "3 Wochen".
                attrs = f' data-sort="{esc(b.sort_value(c, r))}"'
            if klass:
                attrs += f' class="{" ".join(klass)}"'
            inner = esc(text)
            if c.key == "name":
                inner = f'<a href="{esc(to(ctx.url("leistung", r.id)))}">{inner}</a>'
                cells.append(f'<th scope="row"{attrs}>{inner}</th>')
                continue
            cells.append(f"<td{attrs}>{inner}</td>")
        body.append(f'<tr data-verfuegbarkeit="{esc(r.verfuegbarkeit)}">' + "".join(cells) + "</tr>")
    return [
        _h2("tabelle"),
        f'<p>Dieselbe Tabelle als <a href="{esc(to(URL + CSV_NAME))}" download>CSV-Datei</a>.</p>',
        f'<div class="lotse-breit"><table id="lotse-bericht-tabelle">'
        f"<caption>Digitalisierung je Leistung ({esc(b.count(rep.gesamt, 'Leistung', 'Leistungen'))})</caption>"
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody></table></div>",
    ]


def _sources(rep: b.Bericht) -> list[str]:
    out = [_h2("quellen"), "<ul>"]
    out += [f"<li>{esc(s)}</li>" for s in rep.quellen]
    out.append("</ul>")
    out += [f"<p>{esc(line)}</p>" for line in b.source_lines(rep)]
    return out
