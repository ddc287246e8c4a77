"""The pages German law asks of a public body's website, from ``rechtliches`` in data/lotse.yml.

Impressum (§ 5 DDG, § 18 Abs. 2 MStV), Datenschutzerklärung (Art. 13 DSGVO),
Erklärung zur Barrierefreiheit (BfWebG/BITV 2.0) and the explanations in
Leichte Sprache and Deutsche Gebärdensprache (BITV 2.0 § 4). The texts are the
city's: every fact comes from the configuration; a value that is still null is
shown as "wird von der Stadt ergänzt", visibly, instead of being guessed. The
footer of every page links here (overrides/partials/footer.html).

What the page says about the software itself (no cookies, nothing loaded from
other servers, the search runs in the browser) is true by construction and
checked by tests/test_privacy.py; it is the same on every city's site.
"""

from __future__ import annotations

from typing import Iterator

from .context import GeneratedFile, SiteContext
from .pages import HIDE, breadcrumb
from .text import date, esc

MISSING = "wird von der Stadt ergänzt"
# Page address -> footer label; overrides/partials/footer.html links the same addresses.
PAGES = {
    "impressum/": "Impressum",
    "datenschutz/": "Datenschutzerklärung",
    "barrierefreiheit/": "Erklärung zur Barrierefreiheit",
    "leichte-sprache/": "Leichte Sprache",
    "gebaerdensprache/": "Gebärdensprache",
}
VEREINBARKEIT = {
    "vollstaendig": "Diese Website ist mit den Anforderungen der BITV 2.0 vollständig vereinbar.",
    "teilweise": "Diese Website ist mit den Anforderungen der BITV 2.0 teilweise vereinbar. Die Ausnahmen stehen unten.",
    "nicht": "Diese Website ist mit den Anforderungen der BITV 2.0 nicht vereinbar. Die Gründe stehen unten.",
}


def missing() -> str:
    return f'<span class="lotse-ergaenzen">{MISSING}</span>'


def value(text: str | None) -> str:
    """A configured value, line breaks kept, or the visible gap."""
    if not text:
        return missing()
    return "<br>".join(esc(line) for line in str(text).splitlines())


def email(address: str | None) -> str:
    return f'<a href="mailto:{esc(address)}">{esc(address)}</a>' if address else missing()


def files(ctx: SiteContext) -> Iterator[GeneratedFile]:
    config = ctx.config.get("rechtliches") or {}
    pages = _Pages(ctx, config)
    for url, title in PAGES.items():
        builder = getattr(pages, url.rstrip("/").replace("-", "_"))
        yield GeneratedFile.page(url, title, pages.frame(url, title, builder(url)),
                                 description=f"{title} – Verwaltungsleistungen {ctx.stadt}", hide=list(HIDE))


class _Pages:
    def __init__(self, ctx: SiteContext, config: dict):
        self.ctx = ctx
        self.config = config
        self.anbieter = config.get("anbieter") or {}

    def frame(self, url: str, title: str, body: str) -> str:
        to = self.ctx.linker(url)
        sources = self.config.get("quelle") or []
        quellen = ""
        if sources:
            items = "".join(
                f'<li><a href="{esc(q["url"])}">{esc(q["titel"])}</a></li>' if q.get("url") else f'<li>{esc(q["titel"])}</li>'
                for q in sources)
            quellen = f'<h2>Quellen dieser Angaben</h2><ul>{items}</ul>'
        return (breadcrumb(to, [("Start", ""), (title, None)]) + f'<h1>{esc(title)}</h1>' + body + quellen
                + f'<footer class="lotse-stand"><p><strong>Stand:</strong> {esc(date(self.ctx.config.get("stand")))}</p></footer>')

    def _provider(self) -> str:
        a = self.anbieter
        return (f'<dl class="lotse-angaben"><dt>Name</dt><dd>{value(a.get("name"))}</dd>'
                f'<dt>Anschrift</dt><dd>{value(a.get("anschrift"))}</dd>'
                f'<dt>Vertreten durch</dt><dd>{value(a.get("vertreten_durch"))}</dd>'
                f'<dt>E-Mail</dt><dd>{email(a.get("email"))}</dd>'
                f'<dt>Telefon</dt><dd>{value(a.get("telefon"))}</dd></dl>')

    def impressum(self, url: str) -> str:
        return ('<h2>Anbieter</h2><p>Angaben nach § 5 Digitale-Dienste-Gesetz (DDG).</p>' + self._provider()
                + '<h2>Verantwortlich für den Inhalt</h2><p>Nach § 18 Abs. 2 Medienstaatsvertrag (MStV):</p>'
                + f'<p>{value(self.config.get("redaktion"))}</p>'
                + '<h2>Inhalte anderer Websites</h2><p>Links zu Portalen und Formularen führen auf Websites anderer '
                  'Anbieter; für deren Inhalte sind diese verantwortlich.</p>')

    def datenschutz(self, url: str) -> str:
        d = self.config.get("datenschutz") or {}
        to = self.ctx.linker(url)
        protokolle = self.ctx.markdown(d.get("protokolle")) if d.get("protokolle") else f'<p>{missing()}</p>'
        return (
            '<h2>Verantwortlich</h2><p>Verantwortlich im Sinne der Datenschutz-Grundverordnung (DSGVO) ist:</p>'
            + self._provider()
            + f'<h2>Datenschutzbeauftragte</h2><p>{value(d.get("datenschutzbeauftragter"))}</p>'
            + '<h2>Was diese Website verarbeitet</h2>'
              '<p>Diese Website setzt keine Cookies, lädt nichts von anderen Servern (keine Schriften, Skripte, '
              'Bilder oder Zählpixel) und führt keine Statistik über Besuche. Die Suche läuft in Ihrem Browser; '
              'der Suchbegriff steht aber in der Adresse der Ergebnisseite (suche/?q=…) und kommt so wie jede '
              'abgerufene Adresse beim Server an.</p>'
              '<p>Wie jeder Webserver verarbeitet aber auch der Server dieser Website bei jedem Abruf Daten, die Ihr '
              'Browser mitschickt, damit er die Seite ausliefern kann: Ihre IP-Adresse, Datum und Uhrzeit, die '
              'abgerufene Adresse und meist die Kennung Ihres Browsers. Was davon in Protokollen gespeichert wird, '
              'wozu, auf welcher Rechtsgrundlage und wie lange:</p>'
            + protokolle
            + f'<h2>Empfänger</h2><p>Betrieb des Servers: {value(d.get("hosting"))}</p>'
            + '<h2>Ihre Rechte</h2><p>Sie haben das Recht auf Auskunft (Art. 15 DSGVO), Berichtigung (Art. 16), '
              'Löschung (Art. 17), Einschränkung der Verarbeitung (Art. 18) und Widerspruch (Art. 21). '
              'Wenden Sie sich dazu an die Verantwortliche oben.</p>'
            + f'<h2>Beschwerde bei der Aufsichtsbehörde</h2><p>Sie können sich bei der Aufsichtsbehörde beschweren: '
              f'{value(d.get("aufsichtsbehoerde"))}</p>'
            + f'<p>Wenn Sie einem Link zu einem Portal folgen, etwa zu einem Online-Antrag, verlassen Sie diese Website; '
              f'dort gilt die Datenschutzerklärung des Portals. Mehr zu dieser Website: '
              f'<a href="{to("ueber/")}">Über dieses Verzeichnis</a>.</p>')

    def barrierefreiheit(self, url: str) -> str:
        b = self.config.get("barrierefreiheit") or {}
        to = self.ctx.linker(url)
        status = VEREINBARKEIT.get(b.get("vereinbarkeit")) if b.get("vereinbarkeit") else None
        maengel = b.get("maengel")
        if maengel is None:
            gaps = f'<p>{missing()}</p>'
        elif not maengel:
            gaps = '<p>Es sind keine nicht barrierefreien Inhalte bekannt.</p>'
        else:
            gaps = '<ul>' + "".join(f'<li>{esc(m)}</li>' for m in maengel) + '</ul>'
        return (
            f'<p>Die Stadt {esc(self.ctx.stadt)} ist bemüht, diese Website barrierefrei zugänglich zu machen. '
            'Rechtsgrundlage sind das Barrierefreie-Websites-Gesetz (BfWebG) des Freistaates Sachsen und die '
            'Barrierefreie-Websites-Verordnung (BfWebVO), die auf die Barrierefreie-Informationstechnik-Verordnung '
            '(BITV 2.0) und die Norm EN 301 549 (WCAG 2.1, Stufe AA) verweisen.</p>'
            f'<h2>Stand der Vereinbarkeit</h2><p>{esc(status) if status else missing()}</p>'
            + f'<h2>Nicht barrierefreie Inhalte</h2>{gaps}'
            + f'<h2>Erstellung dieser Erklärung</h2><p>Diese Erklärung wurde erstellt am '
              f'{esc(date(b["erstellt_am"])) if b.get("erstellt_am") else missing()}.</p>'
            + f'<h2>Barrieren melden: Kontakt</h2><p>Wenn Ihnen Barrieren auffallen oder Sie Inhalte in einer anderen '
              f'Form brauchen, schreiben Sie uns: {value(b.get("kontakt"))}</p>'
            + f'<h2>Durchsetzungsverfahren</h2><p>Wenn wir nicht oder nicht zufriedenstellend antworten, können Sie sich '
              f'an die Durchsetzungsstelle wenden: {value(b.get("durchsetzungsstelle"))}</p>'
            + f'<p>Weitere Angebote: <a href="{to("leichte-sprache/")}">Leichte Sprache</a> und '
              f'<a href="{to("gebaerdensprache/")}">Gebärdensprache</a>.</p>')

    def leichte_sprache(self, url: str) -> str:
        text = self.config.get("leichte_sprache")
        # The editor's "# Titel" becomes h3 (ctx.markdown), so an h2 comes first: no level skipped.
        body = self.ctx.markdown(text) if text else f'<p>Der Text in Leichter Sprache {missing()}.</p>'
        return f'<h2>Diese Website in Leichter Sprache</h2>{body}'

    def gebaerdensprache(self, url: str) -> str:
        video = self.config.get("gebaerdensprache")
        if video:
            # A link, not an embedded player: the site loads nothing from other servers.
            body = (f'<p>Ein Video in Deutscher Gebärdensprache (DGS) erklärt, was auf dieser Website steht und '
                    f'wie man sich zurechtfindet: <a href="{esc(video)}">Video in Gebärdensprache ansehen</a>.</p>')
        else:
            body = f'<p>Das Video in Deutscher Gebärdensprache (DGS) {missing()}.</p>'
        return body
