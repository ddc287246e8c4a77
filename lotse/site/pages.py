"""The directory's own pages: services, Lebenslagen, offices, channels and the A–Z.

Every page is pre-rendered HTML (see :class:`~lotse.site.context.GeneratedFile`):
values from YAML through ``esc``, Markdown fields through ``ctx.markdown``,
links through ``ctx.linker``. Work per page is proportional to what is on
that page; what many pages share (an office's address block, badges) is
rendered once.
"""

from __future__ import annotations

from typing import Iterator

from ..dataset import CHANNEL_TYPES, LEVELS, ONLINE_TYPES, in_operation
from . import text
from .context import (KANAL_EXPLAINED, LEVEL_LABELS, NUTZERKONTO_LABELS, ONLINE_GROUP_LABELS,
                      ONLINE_GROUPS, TRAEGER_LABELS, ZIELGRUPPE_LABELS, GeneratedFile, SiteContext)
from .text import esc

# "navigation" is NOT hidden: on phones the primary sidebar is the menu drawer. On wide
# screens the tabs carry the navigation and lotse.css hides the sidebar instead.
HIDE = ("toc",)
ARROW = ('<svg class="lotse-start__pfeil" aria-hidden="true" focusable="false" width="17" height="19" '
         'viewBox="0 0 33 40"><path fill="currentColor" d="M0 0h13l20 20-20 20H0l20-20z"/></svg>')
KA = '<abbr title="keine Angabe">k.\u00a0A.</abbr>'
KENNZAHL_COLUMNS = (
    ("faelle_analog", "Fälle analog", text.number),
    ("faelle_digital", "Fälle digital", text.number),
    ("mindestbearbeitungszeit_analog", "Mindestbearbeitungszeit analog", text.duration),
    ("mindestbearbeitungszeit_digital", "Mindestbearbeitungszeit digital", text.duration),
    ("rueckstand", "Bearbeitungsstau (offene Fälle)", text.number),
    ("durchlauf_pro_monat", "Durchlauf pro Monat", text.number),
)
STEP_KIND = {
    "pflicht": ("und", "Alle diese Leistungen gehören zu diesem Schritt."),
    "eine-von": ("oder", "Eine dieser Leistungen genügt."),
    "optional": ("und", "Dieser Schritt ist optional: nur bei Bedarf."),
}
CHANNEL_STATUS = {"pilot": "als Pilot erprobt", "geplant": "geplant"}
REVIEW_URL = "mitmachen/pruefen/"  # editors' list of unreviewed records from the state directory
# Trust levels of an online service's login as words; codes the source uses are shown as they are.
TRUST_LEVELS = {"niedrig": "niedrig", "basisregistrierung": "Basisregistrierung", "substantiell": "substantiell", "hoch": "hoch"}
BUENDEL_STATUS = {"geplant": "geplant", "pilot": "im Pilotbetrieb", "produktiv": "in Betrieb", "eingestellt": "eingestellt"}


def files(ctx: SiteContext) -> Iterator[GeneratedFile]:
    pages = _Pages(ctx)
    yield pages.az()
    for sid, service in ctx.services_sorted:
        yield pages.service(sid, service)
    yield pages.lebenslagen_index()
    for ll_id in sorted(ctx.dataset.lebenslagen):
        yield pages.lebenslage(ll_id, ctx.dataset.lebenslagen[ll_id].data)
    yield pages.aemter_index()
    for amt_id in sorted(ctx.dataset.aemter):
        yield pages.amt(amt_id, ctx.dataset.aemter[amt_id].data)
    yield pages.kanaele_index()
    for typ in CHANNEL_TYPES:
        yield pages.kanal(typ)
    yield pages.pruefen()


# --------------------------------------------------------------------------- shared blocks
# Used by the generated pages and by the start page's macros (macros/main.py).


def breadcrumb(to, trail: list[tuple[str, str | None]]) -> str:
    """``[("Start", ""), ("Leistungen A–Z", "leistungen/"), (name, None)]`` as a breadcrumb nav."""
    items = []
    for label, url in trail:
        if url is None:
            items.append(f'<li aria-current="page">{esc(label)}</li>')
        else:
            items.append(f'<li><a href="{to(url)}">{esc(label)}</a></li>')
    return f'<nav class="lotse-pfad" aria-label="Sie sind hier"><ol>{"".join(items)}</ol></nav>'


def search_form(ctx: SiteContext, from_url: str, field_id: str = "lotse-suchfeld-start", big: bool = True) -> str:
    """The GET search form (works without JavaScript; the search page reads ?q=)."""
    cls = "lotse-suche lotse-suche--gross" if big else "lotse-suche"
    return (f'<form class="{cls}" role="search" action="{ctx.href(from_url, ctx.url("suche"))}" method="get">'
            f'<label for="{field_id}">Was möchten Sie erledigen?</label>'
            f'<div class="lotse-suche__zeile"><input type="search" name="q" id="{field_id}" '
            f'autocomplete="off" placeholder="z. B. Wohnsitz anmelden, Perso, Kita">'
            f'<button type="submit">Suchen</button></div></form>')


def lebenslagen_tiles(ctx: SiteContext, from_url: str) -> str:
    to = ctx.linker(from_url)
    tiles = []
    for ll_id in sorted(ctx.dataset.lebenslagen, key=lambda i: text.sort_key(ctx.dataset.lebenslagen[i].data["titel"])):
        data = ctx.dataset.lebenslagen[ll_id].data
        count = len({sid for s in data.get("schritte", []) for sid in s.get("leistungen", [])})
        tiles.append(f'<li class="lotse-kachel"><a href="{to(ctx.url("lebenslage", ll_id))}">'
                     f'<span class="lotse-kachel__titel">{esc(data["titel"])}</span></a>'
                     f'<p>{esc(data["kurzbeschreibung"])}</p>'
                     f'<p class="lotse-kachel__zahl">{count} {"Leistung" if count == 1 else "Leistungen"}</p></li>')
    if not tiles:
        return '<p>Noch keine Lebenslagen erfasst.</p>'
    return f'<ul class="lotse-kacheln">{"".join(tiles)}</ul>'


def featured_services(ctx: SiteContext, from_url: str) -> str:
    to = ctx.linker(from_url)
    items = []
    for sid in ctx.config.get("hervorgehoben") or []:
        if sid not in ctx.dataset.leistungen:
            continue
        service = ctx.service(sid)
        items.append(f'<li class="lotse-kachel lotse-kachel--online"><a href="{to(ctx.url("leistung", sid))}">'
                     f'<span class="lotse-kachel__titel">{esc(service["name"])}</span></a>'
                     f'<p>{esc(service["kurzbeschreibung"])}</p><p>{ctx.badges(service)}</p></li>')
    if not items:
        return (f'<p>Alle Online-Leistungen stehen im <a href="{to(ctx.url("kanaele"))}">Überblick der Antragswege</a> '
                f'und in der <a href="{to(ctx.url("leistungen"))}">Liste von A bis Z</a>.</p>')
    return f'<ul class="lotse-kacheln">{"".join(items)}</ul>'


def channel_figures(ctx: SiteContext, from_url: str) -> str:
    """How many services are available on which channel: the council answer's split plus analog."""
    to = ctx.linker(from_url)
    counts = ctx.channel_counts
    rows = []
    for group in ONLINE_GROUPS:
        if group == "andere":
            label = (f'Andere: <a href="{to(ctx.url("kanal", "efa"))}">EfA-Onlinedienste</a> und '
                     f'<a href="{to(ctx.url("kanal", "portal"))}">Fachportale</a>')
        else:
            label = f'<a href="{to(ctx.url("kanal", group))}">{esc(ctx.label(ONLINE_GROUP_LABELS[group]))}</a>'
        rows.append(f'<tr><th scope="row">{label}</th><td>{text.number(counts["split"][group])}</td></tr>')
    return (
        '<table class="lotse-zahlen"><caption>Leistungen nach Antragsweg</caption>'
        '<thead><tr><th scope="col">Weg</th><th scope="col">Leistungen</th></tr></thead><tbody>'
        + "".join(rows)
        + f'<tr class="lotse-zahlen__summe"><th scope="row">Online beantragbar zusammen</th><td>{text.number(counts["online"])}</td></tr>'
        f'<tr><th scope="row">Nur analog (vor Ort, Post, PDF per E-Mail)</th><td>{text.number(counts["analog"])}</td></tr>'
        f'<tr class="lotse-zahlen__summe"><th scope="row">Alle Leistungen</th><td>{text.number(counts["total"])}</td></tr>'
        '</tbody></table>'
        '<p class="lotse-klein">Jede Leistung zählt einmal, nach ihrem ersten Online-Kanal, wie in der Antwort '
        'der Stadt auf die Ratsanfrage vom 20.05.2025. Ein PDF per E-Mail zählt nicht als digital. '
        f'Gezählt werden alle {text.number(counts["total"])} Leistungen dieses Verzeichnisses, auch die von Stellen '
        f'außerhalb der Stadtverwaltung.{_city_count(ctx, to)}</p>'
    )


def _city_count(ctx: SiteContext, to) -> str:
    """The city's own count as the same denominator the report uses (data/lotse.yml, vergleich_stadt)."""
    v = ctx.dataset.settings.get("vergleich_stadt")
    if not v:
        return ""
    return (f' Die Stadt selbst zählt {text.number(v["digital"])} digital beantragbare Leistungen; wie viele davon '
            f'hier erfasst sind, zeigt <a href="{to("digitalisierung/")}">Digitalisierung in Zahlen</a>.')


def stand_quelle(record: dict, dated: bool = False) -> str:
    """Date and sources of a record; ``dated`` adds each source's own date (office pages)."""
    sources = []
    for q in record.get("quelle") or []:
        title = esc(q.get("titel"))
        when = f' <span class="lotse-klein">(Stand: {esc(text.date(q["stand"]))})</span>' if dated and q.get("stand") else ""
        sources.append(f'<li><a href="{esc(q["url"])}">{title}</a>{when}</li>' if q.get("url") else f"<li>{title}{when}</li>")
    return (f'<footer class="lotse-stand"><p><strong>Stand:</strong> {esc(text.date(record.get("stand")))}</p>'
            f'<p><strong>{"Quelle" if len(sources) == 1 else "Quellen"}:</strong></p><ul>{"".join(sources)}</ul></footer>')


# schema.org day names for OpeningHoursSpecification, keyed like the schema's weekday codes.
SCHEMA_DAYS = {"mo": "Monday", "di": "Tuesday", "mi": "Wednesday", "do": "Thursday", "fr": "Friday",
               "sa": "Saturday", "so": "Sunday"}

# --------------------------------------------------------------------------- pages


class _Pages:
    def __init__(self, ctx: SiteContext):
        self.ctx = ctx
        self.ds = ctx.dataset
        self._office_blocks: dict[str, str] = {}
        self._children: dict[str, list[str]] = {}
        for amt_id, doc in self.ds.aemter.items():
            parent = doc.data.get("uebergeordnet")
            if parent:
                self._children.setdefault(parent, []).append(amt_id)

    # -- helpers -------------------------------------------------------------

    def _amt_name(self, amt_id: str | None) -> str:
        amt = self.ctx.amt(amt_id) if amt_id else None
        return amt["name"] if amt else (amt_id or "")

    def _extern_note(self, amt_id: str | None) -> str:
        """Marks a provider that is not part of the city administration."""
        amt = self.ctx.amt(amt_id) if amt_id else None
        if not amt or amt.get("traeger") == "stadt":
            return ""
        traeger = TRAEGER_LABELS.get(amt.get("traeger"), "")
        return (f'<span class="lotse-extern">Nicht die Stadt: {esc(amt["name"])}'
                f'{f" ({esc(traeger)})" if traeger else ""}</span>')

    def _service_item(self, to, sid: str, extra: str = "") -> str:
        service = self.ctx.service(sid)
        return (f'<a href="{to(self.ctx.url("leistung", sid))}">{esc(service["name"])}</a> '
                f'{self.ctx.badges(service)}{extra}')

    def _service_list(self, to, sids, with_level: bool = False) -> str:
        if not sids:
            return "<p>Keine.</p>"
        items = []
        for sid in sids:
            level = self.ctx.service(sid).get("digitalisierung")
            extra = (" " + self.ctx.level_badge(level)) if with_level and level else ""
            items.append(f"<li>{self._service_item(to, sid, extra)}</li>")
        return f'<ul class="lotse-liste">{"".join(items)}</ul>'

    def _sorted_ids(self, sids) -> list[str]:
        return sorted(sids, key=lambda s: (text.sort_key(self.ctx.service(s)["name"]), s))

    @staticmethod
    def _hours_rows(oz: dict) -> str:
        rows = []
        for zeit in oz.get("zeiten") or []:
            rows.append(f'<tr><th scope="row">{esc(text.weekdays(zeit["tage"]))}</th>'
                        f'<td>{esc(zeit["von"])}–{esc(zeit["bis"])}\u00a0Uhr</td></tr>')
        return "".join(rows)

    def _hours(self, oz: dict | None, full: bool) -> str:
        if not oz:
            return ""
        parts = []
        rows = self._hours_rows(oz)
        if rows:
            parts.append(f'<table class="lotse-zeiten"><caption class="lotse-sr">Öffnungszeiten</caption><tbody>{rows}</tbody></table>')
        if oz.get("termin"):
            parts.append("<p><strong>Termin nötig.</strong></p>")
        if oz.get("hinweis"):
            parts.append(f"<p>{esc(oz['hinweis'])}</p>")
        facts = []
        if oz.get("stunden_pro_woche") is not None:
            facts.append(("Geöffnet pro Woche", f"{text.number(oz['stunden_pro_woche'])} Stunden"))
        if oz.get("tage_pro_woche") is not None:
            facts.append(("Geöffnete Tage", f"{oz['tage_pro_woche']} pro Woche"))
        if oz.get("lange_tage") is not None:
            facts.append(("Lange Tage (bis mindestens 18 Uhr)", f"{oz['lange_tage']} pro Woche"))
        if oz.get("spaetestens"):
            facts.append(("Spätestens geöffnet bis", f"{oz['spaetestens']} Uhr"))
        if facts and (full or not rows):
            parts.append('<dl class="lotse-fakten">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts) + "</dl>")
        if full and oz.get("quelle"):
            parts.append(f'<p class="lotse-klein">Quelle der Öffnungszeiten: {esc(oz["quelle"])}</p>')
        return "".join(parts)

    @staticmethod
    def _address(amt: dict) -> str:
        adr = amt.get("adresse")
        if not adr:
            return ""
        return (f'<p class="lotse-adresse">{esc(adr["strasse"])}<br>'
                f'{esc(adr["plz"])} {esc(adr["ort"])}</p>')

    @staticmethod
    def _contact(amt: dict) -> str:
        k = amt.get("kontakt") or {}
        out = []
        if k.get("telefon"):
            tel = "".join(ch for ch in k["telefon"] if ch.isdigit() or ch == "+")
            out.append(f'<li>Telefon: <a href="tel:{esc(tel)}">{esc(k["telefon"])}</a></li>')
        if k.get("email"):
            out.append(f'<li>E-Mail: <a href="mailto:{esc(k["email"])}">{esc(k["email"])}</a></li>')
        if amt.get("website"):
            out.append(f'<li>Website: <a href="{esc(amt["website"])}">{esc(amt["website"])}</a></li>')
        return f'<ul class="lotse-kontakt">{"".join(out)}</ul>' if out else ""

    def _office_block(self, amt_id: str) -> str:
        """Where and when to go, as shown on service pages (all at the same depth).

        Address, contact, opening hours, the booking button when the office has a
        ``termin_url``, and a visible note when the assignment is editorial. The
        hours' source (often a council paper) stays in the "Für Fachleute" part."""
        if amt_id not in self._office_blocks:
            amt = self.ctx.amt(amt_id)
            if not amt:
                self._office_blocks[amt_id] = ""
            else:
                to = self.ctx.linker("leistungen/x/")
                parts = [f'<div class="lotse-ort"><p class="lotse-ort__name"><a href="{to(self.ctx.url("amt", amt_id))}">{esc(amt["name"])}</a>'
                         f'{" " + self._extern_note(amt_id) if amt.get("traeger") != "stadt" else ""}</p>']
                if amt.get("zuordnung_redaktionell"):
                    parts.append('<p class="lotse-warnung" role="note">Keine Quelle nennt diese Stelle ausdrücklich als zuständig; '
                                 'die Redaktion hat sie zugeordnet. Bitte fragen Sie dort vorher nach.</p>')
                where = self._address(amt) + self._contact(amt) + self._hours(amt.get("oeffnungszeiten"), full=False)
                parts.append(where or "<p>Adresse, Kontakt und Öffnungszeiten sind noch nicht hinterlegt.</p>")
                if amt.get("termin_url"):
                    parts.append(f'<p><a class="lotse-knopf" href="{esc(amt["termin_url"])}">Termin online buchen</a></p>')
                if amt.get("stand"):
                    parts.append(f'<p class="lotse-klein lotse-herkunft">Angaben zur Stelle: Stand {esc(text.date(amt["stand"]))}</p>')
                parts.append("</div>")
                self._office_blocks[amt_id] = "".join(parts)
        return self._office_blocks[amt_id]

    # -- service -------------------------------------------------------------

    def _needs(self, kanal: dict) -> list[str]:
        needs = []
        if kanal.get("eid"):
            needs.append("Online-Ausweis (eID-Funktion des Personalausweises) mit PIN")
        for konto in kanal.get("nutzerkonto") or []:
            needs.append("Nutzerkonto: " + self.ctx.label(NUTZERKONTO_LABELS.get(konto, konto)))
        return needs

    def _start_button(self, service: dict, kanal: dict) -> str:
        """A start button only for a real start address; otherwise where to find the application."""
        ctx = self.ctx
        typ = kanal["typ"]
        url = kanal.get("url")
        parts = ['<div class="lotse-start-box">']
        if url:
            parts.append(f'<a class="lotse-start" href="{esc(url)}" role="button" draggable="false">{esc(kanal["bezeichnung"])} {ARROW}</a>')
        else:
            parts.append(f'<p class="lotse-start-fehlt"><strong>{esc(kanal["bezeichnung"])}</strong>: '
                         'Die Adresse des Online-Antrags ist nicht hinterlegt.')
            if typ == "amt24" and ctx.portal_url("amt24_leistung", service.get("amt24_id")):
                parts.append(f' Die <a href="{esc(ctx.portal_url("amt24_leistung", service["amt24_id"]))}">Leistungsbeschreibung bei '
                             f'{esc(ctx.portal_name)}</a> führt zum Antrag.')
            elif typ == "amt24" and ctx.config.get("portale", {}).get("amt24"):
                parts.append(f' Bitte bei <a href="{esc(ctx.config["portale"]["amt24"])}">{esc(ctx.portal_name)}</a> '
                             f'nach „{esc(service["name"])}“ suchen.')
            elif typ == "formular" and ctx.config.get("website"):
                parts.append(f' Bitte auf der <a href="{esc(ctx.config["website"])}">Website der Stadt</a> nach '
                             f'„{esc(service["name"])}“ suchen.')
            else:
                parts.append(' Bitte bei der <a href="#zustaendig">zuständigen Stelle</a> nachfragen.')
            parts.append("</p>")
        parts.append(f'<p class="lotse-start-box__kanal">{ctx.badge(typ)}</p>')
        needs = self._needs(kanal)
        if needs:
            parts.append('<p class="lotse-start-box__braucht">Das brauchen Sie:</p><ul>'
                         + "".join(f"<li>{esc(n)}</li>" for n in needs) + "</ul>")
        if kanal.get("epayment"):
            parts.append("<p>Gebühren können Sie online bezahlen.</p>")
        elif kanal.get("epayment") is False:
            parts.append("<p>Gebühren können nicht online bezahlt werden.</p>")
        if kanal.get("online_status") == "nicht ok":
            parts.append('<p class="lotse-warnung" role="note">Dieser Online-Dienst war bei der letzten Prüfung '
                         '(Dashboard „Digitale Verwaltung“) gestört. Falls er nicht funktioniert, nutzen Sie bitte einen anderen Weg.</p>')
        if kanal.get("hinweis"):
            parts.append(f"<p>{esc(kanal['hinweis'])}</p>")
        parts.append("</div>")
        return "".join(parts)

    def _pvog_start_button(self, dienst: dict) -> str:
        """A start button for an online service the state directory names (its URL is a real start address)."""
        label = dienst.get("titel") or "Online-Antrag starten"
        parts = ['<div class="lotse-start-box">',
                 f'<a class="lotse-start" href="{esc(dienst["url"])}" role="button" draggable="false">{esc(label)} {ARROW}</a>']
        needs = []
        if dienst.get("identifizierung"):
            needs.append("Anmeldung mit: " + ", ".join(dienst["identifizierung"]))
        level = dienst.get("vertrauensniveau")
        if level:
            word = TRUST_LEVELS.get(level.strip().lower())
            needs.append(f"Vertrauensniveau: {word}" if word else f"Vertrauensniveau (Angabe der Quelle): {level}")
        if needs:
            parts.append('<p class="lotse-start-box__braucht">Das brauchen Sie:</p><ul>'
                         + "".join(f"<li>{esc(n)}</li>" for n in needs) + "</ul>")
        parts.append("</div>")
        return "".join(parts)

    def _offline_channel(self, service: dict, kanal: dict) -> str:
        typ = kanal["typ"]
        parts = [f'<div class="lotse-weg"><h3>{esc(kanal["bezeichnung"])}</h3><p>{self.ctx.badge(typ)}</p>']
        if not in_operation(kanal):
            word = CHANNEL_STATUS.get(kanal["status"], kanal["status"])
            when = text.date(kanal.get("status_stand"))
            parts.append(f'<p class="lotse-warnung" role="note">Laut einer Quelle{" vom " + esc(when) if when else ""} {esc(word)}. '
                         'Ob dieser Online-Weg heute funktioniert, ist nicht belegt; bitte einen anderen Weg nutzen oder nachfragen.</p>')
            if kanal.get("url"):
                parts.append(f'<p><a href="{esc(kanal["url"])}">Seite dazu öffnen</a></p>')
        elif typ == "email-pdf":
            parts.append(f"<p>{esc(KANAL_EXPLAINED['email-pdf'])}</p>")
            if kanal.get("url"):
                parts.append(f'<p><a href="{esc(kanal["url"])}">Formular öffnen</a></p>')
        elif kanal.get("url"):
            parts.append(f'<p><a href="{esc(kanal["url"])}">Weitere Informationen</a></p>')
        if kanal.get("hinweis"):
            parts.append(f"<p>{esc(kanal['hinweis'])}</p>")
        if typ in ("vor-ort", "post"):
            amt_id = kanal.get("amt") or service.get("zustaendig")
            if amt_id and self.ctx.amt(amt_id):
                parts.append(f'<p>Wo und wann: <a href="#zustaendig">{esc(self._amt_name(amt_id))}</a> (siehe unten).</p>')
        parts.append("</div>")
        return "".join(parts)

    def _kennzahlen(self, rows: list[dict]) -> str:
        if not rows:
            return ""
        rows = sorted(rows, key=lambda r: r["jahr"], reverse=True)
        columns = [c for c in KENNZAHL_COLUMNS if any(c[0] in r for r in rows)]
        head = "".join(f'<th scope="col">{esc(label)}</th>' for _k, label, _f in columns)
        body = []
        for row in rows:
            cells = "".join(f"<td>{esc(fmt(row[key]))}</td>" if key in row else f"<td>{KA}</td>" for key, _l, fmt in columns)
            body.append(f'<tr><th scope="row">{row["jahr"]}</th>{cells}<td>{esc(row["quelle"])}</td></tr>')
        return ('<h3 id="kennzahlen">Kennzahlen</h3><div class="lotse-tabelle"><table>'
                '<caption>Fallzahlen und Bearbeitung je Jahr. Nur belegte Zahlen; „k.\u00a0A.“ heißt: keine Angabe.</caption>'
                f'<thead><tr><th scope="col">Jahr</th>{head}<th scope="col">Quelle</th></tr></thead>'
                f'<tbody>{"".join(body)}</tbody></table></div>')

    def _jsonld(self, sid: str, service: dict, pvog: dict | None) -> str:
        ctx = self.ctx
        data = {"@context": "https://schema.org", "@type": "GovernmentService", "name": service["name"],
                "description": service["kurzbeschreibung"]}
        if service.get("leika"):
            data["identifier"] = service["leika"]
        if ctx.stadt:
            data["areaServed"] = {"@type": "City", "name": ctx.stadt}
        amt = ctx.amt(service.get("zustaendig")) if service.get("zustaendig") else None
        if amt:
            provider = {"@type": "GovernmentOrganization", "name": amt["name"]}
            if amt.get("adresse"):
                adr = amt["adresse"]
                provider["address"] = {"@type": "PostalAddress", "streetAddress": adr["strasse"], "postalCode": adr["plz"], "addressLocality": adr["ort"]}
            if (amt.get("kontakt") or {}).get("telefon"):
                provider["telephone"] = amt["kontakt"]["telefon"]
            data["provider"] = provider
        channels = []
        urls = set()
        for kanal in service.get("kanaele") or []:
            channel = {"@type": "ServiceChannel", "name": kanal["bezeichnung"]}
            if kanal.get("url"):
                channel["serviceUrl"] = kanal["url"]
                urls.add(kanal["url"])
            place = ctx.amt(kanal.get("amt") or service.get("zustaendig")) if kanal["typ"] in ("vor-ort", "post") else None
            if place and place.get("adresse"):
                adr = place["adresse"]
                channel["serviceLocation"] = {"@type": "Place", "name": place["name"], "address": {
                    "@type": "PostalAddress", "streetAddress": adr["strasse"], "postalCode": adr["plz"], "addressLocality": adr["ort"]}}
            channels.append(channel)
        for dienst in (pvog or {}).get("onlinedienste") or []:
            if dienst["url"] not in urls:
                channels.append({"@type": "ServiceChannel", "name": dienst.get("titel") or service["name"], "serviceUrl": dienst["url"]})
        data["availableChannel"] = channels
        if pvog and pvog.get("synonyme"):
            data["alternateName"] = pvog["synonyme"]
        return f'<script type="application/ld+json">{text.json_for_script(data)}</script>'

    # One section of the citizen's questions: the editor's field wins, then the state's text,
    # else an honest "unknown" with whom to ask. Each says where it comes from and its date.

    def _from_editor(self, service: dict) -> str:
        when = text.date(service.get("stand"))
        who = "Angabe der Redaktion" if service.get("geprueft") is not False else "Übernommen, noch nicht von der Stadt geprüft"
        return f'<p class="lotse-klein lotse-herkunft">{who}{", Stand " + esc(when) if when else ""}</p>'

    @staticmethod
    def _from_pvog(pvog: dict) -> str:
        q = pvog.get("quelle") or {}
        when = text.date(q.get("stand") or pvog.get("stand"))
        return f'<p class="lotse-klein lotse-herkunft">{esc(q.get("titel", ""))}{", Stand " + esc(when) if when else ""}</p>'

    def _unknown(self, what: str, office_known: bool = True) -> str:
        """An honest gap: "<what> ... hier nicht bekannt" and whom to ask (Bürgertelefon from the config)."""
        phone = (self.ctx.config.get("buergertelefon") or "").strip()
        if phone:
            tel = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
            ask = f'Bitte fragen Sie beim Bürgertelefon: <a href="tel:{esc(tel)}">{esc(phone)}</a>.'
        elif office_known:
            ask = 'Bitte fragen Sie bei der <a href="#zustaendig">zuständigen Stelle</a>.'
        elif self.ctx.config.get("website"):
            ask = f'Bitte fragen Sie bei der Stadtverwaltung (<a href="{esc(self.ctx.config["website"])}">Website der Stadt</a>).'
        else:
            ask = "Bitte fragen Sie bei der Stadtverwaltung."
        return f'<p class="lotse-unbekannt" data-lotse-unbekannt>{esc(what)} hier nicht bekannt. {ask}</p>'

    def _module_html(self, module: dict | None) -> str:
        if not module:
            return ""
        parts = [self.ctx.markdown(module["text"])] if module.get("text") else []
        links = module.get("links") or []
        if links:
            parts.append("<ul>" + "".join(f'<li><a href="{esc(link["url"])}">{esc(link.get("titel") or link["url"])}</a></li>'
                                          for link in links) + "</ul>")
        return "".join(parts)

    def _section(self, anchor: str, heading: str, unknown: str, editor_html: str, service: dict,
                 pvog: dict | None, *modules: str) -> str:
        out = [f'<section class="lotse-abschnitt" aria-labelledby="{anchor}"><h2 id="{anchor}">{esc(heading)}</h2>']
        if editor_html:
            out.append(editor_html)
        else:
            body = "".join(self._module_html(((pvog or {}).get("module") or {}).get(m)) for m in modules)
            if body:
                out.append(body + self._from_pvog(pvog))
            else:
                out.append(self._unknown(unknown, bool(service.get("zustaendig")) or bool(((pvog or {}).get("module") or {}).get("zustaendige_stelle"))))
        out.append("</section>")
        return "".join(out)

    def _fees(self, service: dict) -> str:
        if "gebuehren" not in service:
            return ""
        rows = []
        unsourced = False
        for g in service["gebuehren"]:
            amount = text.euro(g["betrag"]) if "betrag" in g else ""
            note = f' <span class="lotse-klein">({esc(g["hinweis"])})</span>' if g.get("hinweis") else ""
            q = g.get("quelle")
            if q:
                title = f'<a href="{esc(q["url"])}">{esc(q["titel"])}</a>' if q.get("url") else esc(q["titel"])
                source = f'<br><span class="lotse-klein lotse-herkunft">Quelle: {title}{", Stand " + esc(text.date(q["stand"])) if q.get("stand") else ""}</span>'
            else:
                source = ""
                unsourced = True
            rows.append(f'<tr><th scope="row">{esc(g["bezeichnung"])}</th><td>{esc(amount) or KA}{note}{source}</td></tr>')
        if not rows:
            return "<p>Keine Angaben.</p>" + self._from_editor(service)
        return (f'<table class="lotse-gebuehren"><tbody>{"".join(rows)}</tbody></table>'
                + (self._from_editor(service) if unsourced else ""))

    def _fachleute(self, sid: str, service: dict, pvog: dict | None) -> str:
        """Keys, ids, figures and every source: collapsed at the end, out of the citizen's way."""
        ctx = self.ctx
        facts = []
        if service.get("leika"):
            facts.append(("LeiKa-Schlüssel", esc(service["leika"])))
        if service.get("ozg"):
            ozg = service["ozg"]
            facts.append(("OZG-Leistung", esc(f'{ozg.get("name", "")} (ID {ozg["id"]})'.strip())))
        if service.get("amt24_id"):
            facts.append((f"{ctx.portal_name}-Kennung", esc(service["amt24_id"])))
        if pvog:
            facts.append(("Leistungsverzeichnis", esc(f'ID {pvog["id_lb"]}, Stand {text.date(pvog["stand"])}')))
        if service.get("herkunft"):
            facts.append(("Herkunft des Eintrags", esc(service["herkunft"])))
        out = ['<details class="lotse-fachleute" id="fachleute"><summary>Für Fachleute: Kennungen, Kennzahlen und Quellen</summary>']
        if facts:
            out.append('<dl class="lotse-fakten">' + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>")
        out.append(self._kennzahlen(service.get("kennzahlen") or []))
        plan = service.get("planung") or {}
        if plan.get("quelle"):
            out.append(f'<p>Quelle der Planung: {esc(plan["quelle"])}</p>')
        places = [service.get("zustaendig")] + [k.get("amt") for k in service.get("kanaele") or []]
        for amt_id in dict.fromkeys(a for a in places if a):
            oz = (ctx.amt(amt_id) or {}).get("oeffnungszeiten") or {}
            if oz.get("quelle"):
                out.append(f'<p>Quelle der Öffnungszeiten ({esc(self._amt_name(amt_id))}): {esc(oz["quelle"])}</p>')
        sources = []
        for q in service.get("quelle") or []:
            title = f'<a href="{esc(q["url"])}">{esc(q["titel"])}</a>' if q.get("url") else esc(q["titel"])
            sources.append(f"<li>{title}{', Stand ' + esc(text.date(q['stand'])) if q.get('stand') else ''}</li>")
        if pvog:
            q = pvog.get("quelle") or {}
            sources.append(f'<li>{esc(q.get("titel", ""))} (Portalverbund Online-Gateway, PVOG), {esc(pvog["id_lb"])}, Stand {esc(text.date(pvog["stand"]))}</li>')
        out.append(f'<p><strong>{"Quelle" if len(sources) == 1 else "Quellen"} des Eintrags:</strong></p><ul>{"".join(sources)}</ul>')
        out.append("</details>")
        return "".join(out)

    def service(self, sid: str, service: dict) -> GeneratedFile:
        ctx = self.ctx
        url = ctx.url("leistung", sid)
        to = ctx.linker(url)
        md = ctx.markdown
        pvog = ctx.dataset.pvog_of(sid)
        modules = (pvog or {}).get("module") or {}
        out = [breadcrumb(to, [("Start", ""), ("Leistungen A–Z", ctx.url("leistungen")), (service["name"], None)]),
               f'<h1>{esc(service["name"])}</h1>',
               f'<p class="lotse-lead">{esc(service["kurzbeschreibung"])}</p>']
        merkmale = [ctx.level_badge(service["digitalisierung"])] if service.get("digitalisierung") else []
        if service.get("zielgruppe"):
            merkmale.append(f'<span>Für: {esc(", ".join(ZIELGRUPPE_LABELS.get(z, z) for z in service["zielgruppe"]))}</span>')
        if merkmale:
            out.append(f'<p class="lotse-merkmale">{" ".join(merkmale)}</p>')
        if service.get("geprueft") is False:
            out.append('<p class="lotse-warnung lotse-ungeprueft" role="note"><strong>Noch nicht von der Stadt geprüft.</strong> '
                       'Dieser Eintrag wurde aus dem Leistungsverzeichnis des Landes übernommen; zuständige Stelle und Wege '
                       'hat die Stadt noch nicht bestätigt.</p>')

        # 1. Start online
        kanaele = service.get("kanaele") or []
        # A channel its source calls a pilot or planned is no way to apply today: no start
        # button, shown with the source's date among the other ways.
        online = [k for k in kanaele if k["typ"] in ONLINE_TYPES and in_operation(k)]
        offline = [k for k in kanaele if k["typ"] not in ONLINE_TYPES or not in_operation(k)]
        editor_urls = {k.get("url") for k in online if k.get("url")}
        extra = [d for d in (pvog or {}).get("onlinedienste") or [] if d["url"] not in editor_urls]
        if online or extra:
            out.append('<section class="lotse-online" aria-labelledby="online"><h2 id="online">Online erledigen</h2>')
            out.extend(self._start_button(service, k) for k in online)
            if online:
                out.append(self._from_editor(service))
            if extra:
                out.extend(self._pvog_start_button(d) for d in extra)
                out.append(self._from_pvog(pvog))
            out.append("</section>")
        if offline:
            title = "Andere Wege" if (online or extra) else "So beantragen Sie die Leistung"
            out.append(f'<section aria-labelledby="wege"><h2 id="wege">{title}</h2>')
            out.extend(self._offline_channel(service, k) for k in offline)
            out.append("</section>")
        elif not (online or extra):
            out.append('<section aria-labelledby="wege"><h2 id="wege">So beantragen Sie die Leistung</h2>'
                       + self._unknown("Die Wege zum Antrag sind", bool(service.get("zustaendig"))) + "</section>")

        # What it is about: the editor's description, else the state's.
        if service.get("beschreibung"):
            out.append(f'<h2 id="beschreibung">Worum es geht</h2>{md(service["beschreibung"])}{self._from_editor(service)}')
        elif modules.get("beschreibung") or modules.get("kurzinfo"):
            body = self._module_html(modules.get("beschreibung") or modules.get("kurzinfo"))
            out.append(f'<h2 id="beschreibung">Worum es geht</h2>{body}{self._from_pvog(pvog)}')

        # 2.–7. The citizen's questions, in this order.
        out.append(self._section("voraussetzungen", "Voraussetzungen", "Die Voraussetzungen sind", "", service, pvog, "voraussetzungen"))
        unterlagen = ""
        if service.get("unterlagen"):
            unterlagen = ("<ul>" + "".join(f"<li>{esc(u)}</li>" for u in service["unterlagen"]) + "</ul>" + self._from_editor(service))
        out.append(self._section("unterlagen", "Unterlagen", "Die nötigen Unterlagen sind", unterlagen, service, pvog, "unterlagen", "formulare"))
        out.append(self._section("kosten", "Kosten", "Die Kosten (Gebühren) sind", self._fees(service), service, pvog, "kosten"))
        dauer = f"<p>{esc(service['bearbeitungsdauer'])}</p>{self._from_editor(service)}" if service.get("bearbeitungsdauer") else ""
        out.append(self._section("bearbeitungsdauer", "Bearbeitungsdauer", "Die Bearbeitungsdauer ist", dauer, service, pvog, "bearbeitungsdauer"))
        frist = f"<p>{esc(service['frist'])}</p>{self._from_editor(service)}" if service.get("frist") else ""
        out.append(self._section("fristen", "Fristen", "Fristen sind", frist, service, pvog, "fristen"))
        out.append(self._section("ablauf", "Ablauf", "Der Ablauf ist", "", service, pvog, "verfahrensablauf"))

        # 8. Where and when.
        out.append('<section class="lotse-abschnitt" aria-labelledby="zustaendig"><h2 id="zustaendig">Zuständige Stelle: wo und wann</h2>')
        places = [service.get("zustaendig")] + [k.get("amt") for k in offline if k["typ"] in ("vor-ort", "post")]
        blocks = [self._office_block(a) for a in dict.fromkeys(p for p in places if p and ctx.amt(p))]
        state_text = "".join(self._module_html(modules.get(m)) for m in ("zustaendige_stelle", "ansprechpunkt"))
        if blocks:
            out.extend(blocks)
        if state_text and (not blocks or service.get("geprueft") is False):
            out.append(state_text + self._from_pvog(pvog))
        if not blocks and not state_text:
            out.append(self._unknown("Die zuständige Stelle und ihre Öffnungszeiten sind", office_known=False))
        out.append("</section>")
        if service.get("hinweise"):
            out.append(f'<h2 id="hinweise">Hinweise</h2>{md(service["hinweise"])}')

        # 9. Legal bases (the editor's list wins) and legal remedy.
        rechts = ""
        if service.get("rechtsgrundlage"):
            items = [f'<li><a href="{esc(r["url"])}">{esc(r["titel"])}</a></li>' if r.get("url") else f'<li>{esc(r["titel"])}</li>'
                     for r in service["rechtsgrundlage"]]
            rechts = f'<ul>{"".join(items)}</ul>{self._from_editor(service)}'
        out.append(self._section("rechtsgrundlagen", "Rechtsgrundlagen", "Die Rechtsgrundlagen sind", rechts, service, pvog, "rechtsgrundlagen"))
        if modules.get("rechtsbehelf"):
            out.append(f'<h3 id="rechtsbehelf">Wenn Sie nicht einverstanden sind</h3>{self._module_html(modules["rechtsbehelf"])}{self._from_pvog(pvog)}')

        plan = service.get("planung")
        if plan:
            bits = [f"Geplant: online bis {esc(text.date(plan['digital_bis']))}"]
            if plan.get("kanal"):
                bits.append(f"über {ctx.badge(plan['kanal'])}")
            line = " ".join(bits) + "."
            if "ende_zu_ende" in plan:
                line += " Ende-zu-Ende digital: " + ("ja." if plan["ende_zu_ende"] else "nein.")
            out.append(f'<h2 id="planung">Digitalisierung geplant</h2><p>{line}</p>')
            if plan.get("hinweis"):
                out.append(f"<p>{esc(plan['hinweis'])}</p>")
        lebenslagen = ctx.dataset.lebenslagen_of(sid)
        if lebenslagen:
            items = "".join(f'<li><a href="{to(ctx.url("lebenslage", ll))}">{esc(ctx.dataset.lebenslagen[ll].data["titel"])}</a></li>'
                            for ll in lebenslagen)
            out.append(f'<h2 id="lebenslagen">Gehört zu diesen Lebenslagen</h2><ul>{items}</ul>')
        links = []
        amt24 = ctx.portal_url("amt24_leistung", service.get("amt24_id"))
        if amt24:
            links.append(f'<li><a href="{esc(amt24)}">Diese Leistung bei {esc(ctx.portal_name)}</a></li>')
        bund = ctx.portal_url("bundesportal", service.get("leika"))
        if bund:
            links.append(f'<li><a href="{esc(bund)}">Diese Leistung im Bundesportal</a></li>')
        for link in (modules.get("weitere_informationen") or {}).get("links") or []:
            links.append(f'<li><a href="{esc(link["url"])}">{esc(link.get("titel") or link["url"])}</a></li>')
        if links:
            out.append(f'<h2 id="weitere">Weitere Informationen</h2><ul>{"".join(links)}</ul>')
        checked = "Noch nicht von der Stadt geprüft; übernommen am" if service.get("geprueft") is False else "Zuletzt von der Redaktion geprüft:"
        out.append(f'<p class="lotse-stand">{checked} {esc(text.date(service.get("stand")))}</p>')
        out.append(self._fachleute(sid, service, pvog))
        out.append(self._jsonld(sid, service, pvog))
        return GeneratedFile.page(url, service["name"], "".join(out), description=service["kurzbeschreibung"], hide=list(HIDE))

    # -- A–Z ---------------------------------------------------------------------

    def az(self) -> GeneratedFile:
        ctx = self.ctx
        url = ctx.url("leistungen")
        to = ctx.linker(url)
        groups: dict[str, list[str]] = {}
        offices: set[str] = set()
        for sid, service in ctx.services_sorted:
            types = ctx.dataset.channel_types(service)
            if service.get("zustaendig"):
                offices.add(service["zustaendig"])
            groups.setdefault(text.initial(service["name"]), []).append(
                f'<li data-kanal="{esc(" ".join(types))}" data-stufe="{esc(service.get("digitalisierung", ""))}" '
                f'data-amt="{esc(service.get("zustaendig", ""))}" data-ziel="{esc(" ".join(service.get("zielgruppe") or []))}">'
                f'<a href="{to(ctx.url("leistung", sid))}">{esc(service["name"])}</a> {ctx.badges(service)}'
                + (' <span class="lotse-klein">(noch nicht von der Stadt geprüft)</span>' if service.get("geprueft") is False else "")
                + "</li>")
        letters = sorted(groups, key=lambda l: (l == "#", l))
        total = len(ctx.services_sorted)
        jump = "".join(f'<li><a href="#buchstabe-{"0" if l == "#" else l.lower()}">{esc(l)}</a></li>' for l in letters)
        sections = "".join(
            f'<section class="lotse-az__gruppe" id="buchstabe-{"0" if l == "#" else l.lower()}" data-lotse-gruppe>'
            f'<h2>{esc(l)}</h2><ul class="lotse-liste">{"".join(groups[l])}</ul></section>'
            for l in letters)

        def options(pairs):
            return "".join(f'<option value="{esc(v)}">{esc(label)}</option>' for v, label in pairs)

        kanal_opts = [("", "Alle Wege"), ("online", "Alle Online-Wege")] + [(t, ctx.kanal_title(t)) for t in CHANNEL_TYPES]
        stufe_opts = [("", "Alle")] + [(lv, LEVEL_LABELS[lv]) for lv in LEVELS]
        amt_opts = [("", "Alle Stellen")] + sorted(((a, self._amt_name(a)) for a in offices), key=lambda p: text.sort_key(p[1]))
        ziel_opts = [("", "Alle")] + list(ZIELGRUPPE_LABELS.items())
        html = (
            breadcrumb(to, [("Start", ""), ("Leistungen A–Z", None)])
            + '<h1>Leistungen von A bis Z</h1>'
            f'<p class="lotse-lead">{text.number(total)} Leistungen{" der Stadt " + esc(ctx.stadt) if ctx.stadt else ""}, '
            f'davon {text.number(ctx.channel_counts["online"])} online beantragbar.</p>'
            '<form class="lotse-filter" data-lotse-filter hidden><fieldset><legend>Liste filtern</legend>'
            f'<div class="lotse-filter__feld"><label for="filter-kanal">Antragsweg</label><select id="filter-kanal" name="kanal">{options(kanal_opts)}</select></div>'
            f'<div class="lotse-filter__feld"><label for="filter-stufe">Digitalisierung</label><select id="filter-stufe" name="stufe">{options(stufe_opts)}</select></div>'
            f'<div class="lotse-filter__feld"><label for="filter-amt">Zuständige Stelle</label><select id="filter-amt" name="amt">{options(amt_opts)}</select></div>'
            f'<div class="lotse-filter__feld"><label for="filter-ziel">Zielgruppe</label><select id="filter-ziel" name="ziel">{options(ziel_opts)}</select></div>'
            '<button type="reset" class="lotse-knopf">Filter zurücksetzen</button></fieldset>'
            f'<p class="lotse-filter__status" role="status" aria-live="polite" data-lotse-status data-gesamt="{total}"></p></form>'
            '<p class="lotse-ohne-js">Leistungen nach Antragsweg: '
            + ", ".join(f'<a href="{to(ctx.url("kanal", t))}">{esc(ctx.kanal_label(t))}</a>' for t in CHANNEL_TYPES)
            + f'. Nach Stelle: <a href="{to(ctx.url("aemter"))}">alle Ämter und Stellen</a>.</p>'
            f'<nav class="lotse-buchstaben" aria-label="Buchstaben"><ul>{jump}</ul></nav>'
            f'<div class="lotse-az" data-lotse-liste>{sections}</div>'
            '<p class="lotse-leer-hinweis" data-lotse-leer hidden>Keine Leistung passt zu diesen Filtern.</p>'
        )
        return GeneratedFile.page(url, "Leistungen A–Z", html, description=f"Alle {total} Leistungen von A bis Z.", hide=list(HIDE))

    # -- Lebenslagen -----------------------------------------------------------

    def lebenslagen_index(self) -> GeneratedFile:
        ctx = self.ctx
        url = ctx.url("lebenslagen")
        to = ctx.linker(url)
        html = (breadcrumb(to, [("Start", ""), ("Lebenslagen", None)]) + "<h1>Lebenslagen</h1>"
                '<p class="lotse-lead">Was in einer Lebenslage zu erledigen ist, Schritt für Schritt.</p>'
                + lebenslagen_tiles(ctx, url))
        return GeneratedFile.page(url, "Lebenslagen", html, hide=list(HIDE))

    def lebenslage(self, ll_id: str, data: dict) -> GeneratedFile:
        ctx = self.ctx
        url = ctx.url("lebenslage", ll_id)
        to = ctx.linker(url)
        out = [breadcrumb(to, [("Start", ""), ("Lebenslagen", ctx.url("lebenslagen")), (data["titel"], None)]),
               f'<h1>{esc(data["titel"])}</h1><p class="lotse-lead">{esc(data["kurzbeschreibung"])}</p>']
        if data.get("beschreibung"):
            out.append(ctx.markdown(data["beschreibung"]))
        b = data.get("buendel")
        if b:
            out.append('<aside class="lotse-buendel" aria-labelledby="buendel">'
                       f'<h2 id="buendel">Alles auf einem Weg: {esc(b["bezeichnung"])}</h2>')
            status = []
            if b.get("typ"):
                status.append(ctx.badge(b["typ"]))
            if b.get("status"):
                when = b.get("seit_text") or text.date(b.get("seit"))
                status.append(esc(BUENDEL_STATUS.get(b["status"], b["status"]) + (f" seit {when}" if when else "")))
            if status:
                out.append(f'<p>{" ".join(status)}</p>')
            out.append("<p>Für diese Lebenslage gibt es einen gemeinsamen Antragsweg: Sie reichen die Leistungen der "
                       "Schritte unten gebündelt ein, die zuständigen Stellen bearbeiten sie danach im Hintergrund.</p>")
            out.append(ctx.markdown(b["beschreibung"]))
            if b.get("abgabeorte"):
                out.append("<p><strong>Abgabe:</strong></p><ul>" + "".join(f"<li>{esc(o)}</li>" for o in b["abgabeorte"]) + "</ul>")
            if b.get("naechster_schritt"):
                out.append(f'<p><strong>Als Nächstes geplant:</strong> {esc(b["naechster_schritt"])}</p>')
            out.append("</aside>")
        out.append('<h2 id="schritte">Schritt für Schritt</h2><ol class="lotse-schritte">')
        for number, schritt in enumerate(data["schritte"], start=1):
            art = schritt.get("art", "pflicht")
            word, explain = STEP_KIND.get(art, STEP_KIND["pflicht"])
            optional = ' <span class="lotse-optional">optional</span>' if art == "optional" else ""
            out.append(f'<li class="lotse-schritt lotse-schritt--{esc(art)}"><h3 class="lotse-schritt__titel">'
                       f'<span class="lotse-schritt__nr">Schritt {number}<span class="lotse-sr">:</span></span> {esc(schritt["titel"])}{optional}</h3>')
            sids = schritt["leistungen"]
            if len(sids) > 1 or art == "optional":
                out.append(f'<p class="lotse-klein">{explain}</p>')
            if schritt.get("hinweis"):
                out.append(f"<p>{esc(schritt['hinweis'])}</p>")
            items = []
            for i, sid in enumerate(sids):
                service = ctx.service(sid)
                join = f'<span class="lotse-verbinder">{word}</span> ' if i else ""
                extern = self._extern_note(service.get("zustaendig"))
                items.append(f'<li>{join}{self._service_item(to, sid)}{" " + extern if extern else ""}</li>')
            out.append(f'<ul class="lotse-schritt__leistungen">{"".join(items)}</ul></li>')
        out.append("</ol>")
        out.append(stand_quelle(data))
        return GeneratedFile.page(url, data["titel"], "".join(out), description=data["kurzbeschreibung"], hide=list(HIDE))

    # -- offices -----------------------------------------------------------------

    def aemter_index(self) -> GeneratedFile:
        ctx = self.ctx
        url = ctx.url("aemter")
        to = ctx.linker(url)
        by_traeger: dict[str, list[str]] = {}
        for amt_id, doc in self.ds.aemter.items():
            by_traeger.setdefault(doc.data["traeger"], []).append(amt_id)
        parts = [breadcrumb(to, [("Start", ""), ("Ämter und Stellen", None)]), "<h1>Ämter und Stellen</h1>",
                 '<p class="lotse-lead">Wer welche Leistung erbringt, mit Adresse und Öffnungszeiten.</p>']
        for traeger in ("stadt", "land", "bund", "sonstige"):
            ids = by_traeger.get(traeger)
            if not ids:
                continue
            heading = f"Stadt {ctx.stadt}".strip() if traeger == "stadt" else {"land": "Stellen des Landes", "bund": "Stellen des Bundes", "sonstige": "Andere Stellen (nicht die Stadt)"}[traeger]
            items = []
            for amt_id in sorted(ids, key=lambda a: text.sort_key(self._amt_name(a))):
                count = len(self.ds.services_of(amt_id))
                items.append(f'<li><a href="{to(ctx.url("amt", amt_id))}">{esc(self._amt_name(amt_id))}</a> '
                             f'<span class="lotse-klein">({count} {"Leistung" if count == 1 else "Leistungen"})</span></li>')
            parts.append(f'<h2>{esc(heading)}</h2><ul class="lotse-liste">{"".join(items)}</ul>')
        return GeneratedFile.page(url, "Ämter und Stellen", "".join(parts), hide=list(HIDE))

    def amt(self, amt_id: str, amt: dict) -> GeneratedFile:
        ctx = self.ctx
        url = ctx.url("amt", amt_id)
        to = ctx.linker(url)
        out = [breadcrumb(to, [("Start", ""), ("Ämter und Stellen", ctx.url("aemter")), (amt["name"], None)]),
               f'<h1>{esc(amt["name"])}</h1>']
        if amt.get("traeger") != "stadt":
            out.append(f'<p class="lotse-hinweis-extern">Diese Stelle gehört nicht zur Stadtverwaltung '
                       f'(Träger: {esc(TRAEGER_LABELS.get(amt.get("traeger"), amt.get("traeger")))}).</p>')
        parent = amt.get("uebergeordnet")
        if parent:
            out.append(f'<p>Gehört zu: <a href="{to(ctx.url("amt", parent))}">{esc(self._amt_name(parent))}</a></p>')
        if amt.get("zuordnung_redaktionell"):
            out.append('<p class="lotse-hinweis-redaktion" data-lotse-redaktionell>Welche Leistungen diese Stelle erbringt, '
                       'hat die Redaktion zugeordnet: Die ausgewerteten Quellen nennen die Stelle dafür nicht ausdrücklich. '
                       f'Im Zweifel fragen Sie bitte nach{self._ask_whom()}.</p>')
        if amt.get("termin_url"):
            out.append(f'<p><a class="lotse-knopf lotse-knopf--termin" href="{esc(amt["termin_url"])}">Termin online buchen</a></p>')
        if amt.get("beschreibung"):
            out.append(ctx.markdown(amt["beschreibung"]))
        # Unknown stays visible: a citizen must learn that the address or the hours are not
        # known here and whom to ask, rather than find an empty page.
        ask = f" Bitte fragen Sie{self._ask_whom()}." if self._ask_whom() else ""
        contact = self._address(amt) + self._contact(amt)
        if not amt.get("adresse"):
            contact = f'<p data-lotse-unbekannt="adresse">Die Besucheranschrift ist hier nicht bekannt.{ask}</p>' + contact
        out.append(f'<h2 id="kontakt">Adresse und Kontakt</h2>{contact}')
        oz = amt.get("oeffnungszeiten")
        hours = self._hours(oz, full=True)
        if not (oz or {}).get("zeiten"):
            hours = f'<p data-lotse-unbekannt="zeiten">Öffnungszeiten je Wochentag sind hier nicht bekannt.{ask}</p>' + hours
        out.append(f'<h2 id="oeffnungszeiten">Öffnungszeiten</h2>{hours}')
        children = self._children.get(amt_id)
        if children:
            items = "".join(f'<li><a href="{to(ctx.url("amt", c))}">{esc(self._amt_name(c))}</a></li>'
                            for c in sorted(children, key=lambda c: text.sort_key(self._amt_name(c))))
            out.append(f'<h2 id="stellen">Dazu gehören</h2><ul>{items}</ul>')
        all_ids = self.ds.services_of(amt_id)
        responsible = self._sorted_ids([s for s in all_ids if ctx.service(s).get("zustaendig") == amt_id])
        counters = self._sorted_ids([s for s in all_ids if ctx.service(s).get("zustaendig") != amt_id])
        out.append(f'<h2 id="leistungen">Leistungen ({len(responsible)})</h2>')
        out.append(self._service_list(to, responsible, with_level=True))
        if counters:
            out.append(f'<h2 id="vor-ort">Hier beantragen, zuständig ist eine andere Stelle ({len(counters)})</h2>')
            out.append(self._service_list(to, counters))
        out.append(stand_quelle(amt, dated=True))
        out.append(self._office_jsonld(amt))
        return GeneratedFile.page(url, amt["name"], "".join(out), hide=list(HIDE))

    # -- review ------------------------------------------------------------------

    def pruefen(self) -> GeneratedFile:
        """One page for editors: every record `lotse sync pvog --neue` created that nobody has reviewed."""
        ctx = self.ctx
        url = REVIEW_URL
        to = ctx.linker(url)
        rows = []
        for sid, service in ctx.services_sorted:
            if service.get("geprueft") is not False:
                continue
            pvog = ctx.dataset.pvog_of(sid) or {}
            missing = [f for f in ("zustaendig", "kanaele", "zielgruppe", "digitalisierung") if not service.get(f)]
            rows.append(f'<tr><th scope="row"><a href="{to(ctx.url("leistung", sid))}">{esc(service["name"])}</a></th>'
                        f'<td><code>data/services/{esc(sid)}.yml</code></td><td>{esc(service.get("leika", "–"))}</td>'
                        f'<td>{esc(pvog.get("id_lb", "–"))}</td><td>{esc(text.date(pvog.get("stand")))}</td>'
                        f'<td>{esc(", ".join(missing) or "–")}</td></tr>')
        intro = ('<p class="lotse-lead">Einträge, die der Abgleich mit dem Leistungsverzeichnis des Landes '
                 '(<code>lotse sync pvog --neue</code>) angelegt hat und die noch niemand in der Stadt geprüft hat.</p>'
                 '<p>Ihre Seiten sagen deutlich „Noch nicht von der Stadt geprüft“, und sie zählen in keiner Zahl der Stadt mit. '
                 'Zum Prüfen: Texte auf der Seite lesen, in der Datei die fehlenden Felder ergänzen (zuständige Stelle, Wege, '
                 'Zielgruppe, Digitalisierungsgrad), dann <code>geprueft: true</code> setzen oder die Zeile löschen, und '
                 '<code>lotse validate</code> ausführen. Gehört die Leistung nicht ins Verzeichnis, die Datei in '
                 '<code>data/services/</code> und die gleichnamige in <code>data/pvog/</code> löschen.</p>')
        if rows:
            table = ('<div class="lotse-tabelle"><table><caption>Noch nicht geprüft: ' + text.number(len(rows)) + '</caption>'
                     '<thead><tr><th scope="col">Leistung</th><th scope="col">Datei</th><th scope="col">LeiKa-Schlüssel</th>'
                     '<th scope="col">ID im Leistungsverzeichnis</th><th scope="col">Stand der Quelle</th><th scope="col">Fehlt noch</th></tr></thead>'
                     f'<tbody>{"".join(rows)}</tbody></table></div>')
        else:
            table = "<p>Derzeit ist nichts zu prüfen.</p>"
        html = (breadcrumb(to, [("Start", ""), ("Zu prüfen", None)]) + "<h1>Zu prüfen: Einträge aus dem Leistungsverzeichnis</h1>"
                + intro + table)
        return GeneratedFile.page(url, "Zu prüfen", html, description="Einträge aus dem Leistungsverzeichnis, die die Stadt noch prüfen muss.", hide=list(HIDE))

    def _ask_whom(self) -> str:
        """' beim Bürgertelefon: <a href="tel:…">…</a>' from the city config, or ''."""
        phone = self.ds.settings.get("buergertelefon")
        if not phone:
            return ""
        tel = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
        return f' beim Bürgertelefon: <a href="tel:{esc(tel)}">{esc(phone)}</a>'

    def _office_jsonld(self, amt: dict) -> str:
        """schema.org GovernmentOffice; opening hours only as the data states them per weekday."""
        data: dict = {"@context": "https://schema.org", "@type": "GovernmentOffice", "name": amt["name"]}
        adr = amt.get("adresse")
        if adr:
            data["address"] = {"@type": "PostalAddress", "streetAddress": adr["strasse"],
                               "postalCode": adr["plz"], "addressLocality": adr["ort"]}
        kontakt = amt.get("kontakt") or {}
        if kontakt.get("telefon"):
            data["telephone"] = kontakt["telefon"]
        if kontakt.get("email"):
            data["email"] = kontakt["email"]
        if amt.get("website"):
            data["url"] = amt["website"]
        specs = [{"@type": "OpeningHoursSpecification",
                  "dayOfWeek": [f"https://schema.org/{SCHEMA_DAYS[d]}" for d in zeit["tage"]],
                  "opens": zeit["von"], "closes": zeit["bis"]}
                 for zeit in (amt.get("oeffnungszeiten") or {}).get("zeiten") or []]
        if specs:
            data["openingHoursSpecification"] = specs
        if amt.get("termin_url"):
            data["potentialAction"] = {"@type": "ReserveAction", "target": amt["termin_url"]}
        return f'<script type="application/ld+json">{text.json_for_script(data)}</script>'


    # -- channels ----------------------------------------------------------------

    def kanaele_index(self) -> GeneratedFile:
        ctx = self.ctx
        url = ctx.url("kanaele")
        to = ctx.linker(url)
        counts = ctx.channel_counts["per_type"]
        rows = "".join(
            f'<tr><th scope="row"><a href="{to(ctx.url("kanal", t))}">{esc(ctx.kanal_title(t))}</a></th>'
            f'<td>{"online" if t in ONLINE_TYPES else "nicht online"}</td><td>{text.number(counts.get(t, 0))}</td></tr>'
            for t in CHANNEL_TYPES)
        html = (breadcrumb(to, [("Start", ""), ("Kanäle", None)]) + "<h1>Kanäle: Wege zum Antrag</h1>"
                '<p class="lotse-lead">Auf welchen Wegen sich Leistungen beantragen lassen.</p>'
                + channel_figures(ctx, url)
                + '<h2>Alle Wege</h2><p class="lotse-klein">Viele Leistungen haben mehrere Wege; hier zählt jede Leistung bei jedem ihrer Wege.</p>'
                '<table class="lotse-zahlen"><thead><tr><th scope="col">Weg</th><th scope="col">Art</th><th scope="col">Leistungen</th></tr></thead>'
                f'<tbody>{rows}</tbody></table>')
        return GeneratedFile.page(url, "Kanäle", html, hide=list(HIDE))

    def kanal(self, typ: str) -> GeneratedFile:
        ctx = self.ctx
        url = ctx.url("kanal", typ)
        to = ctx.linker(url)
        sids = [sid for sid, service in ctx.services_sorted if typ in ctx.dataset.channel_types(service)]
        title = ctx.kanal_title(typ)
        html = (breadcrumb(to, [("Start", ""), ("Kanäle", ctx.url("kanaele")), (title, None)])
                + f"<h1>{esc(title)}</h1><p class=\"lotse-lead\">{esc(ctx.label(KANAL_EXPLAINED[typ]))}</p>"
                f"<p>{text.number(len(sids))} {'Leistung' if len(sids) == 1 else 'Leistungen'} auf diesem Weg.</p>"
                + (self._service_list(to, sids, with_level=True) if sids else "<p>Derzeit keine Leistungen.</p>"))
        return GeneratedFile.page(url, title, html, hide=list(HIDE))
