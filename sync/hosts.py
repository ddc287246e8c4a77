"""The host table (``sync/hosts.yml``): URL host -> channel type and label."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from lotse.dataset import ONLINE_TYPES
from lotse.yamlload import YamlError, load_yaml_file

from . import SyncError

DEFAULT_HOSTS = Path(__file__).with_name("hosts.yml")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


@dataclass(frozen=True)
class Rule:
    typ: str
    bezeichnung: str
    host: str | None  # the table entry that matched; None = the default


@dataclass(frozen=True)
class HostTable:
    default: Rule
    rules: dict  # host -> Rule

    def classify(self, url: str) -> Rule:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        best = None
        for entry, rule in self.rules.items():
            if host == entry or host.endswith("." + entry):
                if best is None or len(entry) > len(best.host):
                    best = rule
        return best or self.default


def load_hosts(path: Path | None = None) -> HostTable:
    """Read and check a host table; German :class:`SyncError` on any problem."""
    path = Path(path) if path else DEFAULT_HOSTS
    try:
        doc = load_yaml_file(path)
    except YamlError as exc:
        raise SyncError(f"Die Host-Tabelle ist nicht lesbar: {exc.problem}") from None
    data = doc.data

    def fail(where, message):
        raise SyncError(f"{path}:{doc.line_of(where)}: {message}")

    def rule(value, where, host):
        if not isinstance(value, dict) or set(value) != {"typ", "bezeichnung"}:
            fail(where, "Jeder Eintrag braucht genau „typ“ und „bezeichnung“.")
        if value["typ"] not in ONLINE_TYPES:
            fail(where + ("typ",), f"„typ“ muss einer der Online-Kanaltypen sein ({', '.join(ONLINE_TYPES)}), nicht „{value['typ']}“.")
        label = value["bezeichnung"]
        if not isinstance(label, str) or not 3 <= len(label) <= 120:
            fail(where + ("bezeichnung",), "„bezeichnung“ muss ein Text mit 3 bis 120 Zeichen sein (so steht er auf der Seite).")
        return Rule(value["typ"], label, host)

    if set(data) - {"standard", "hosts"} or "standard" not in data:
        fail((), "Die Host-Tabelle besteht aus „standard“ (Typ für unbekannte Hosts) und „hosts“.")
    default = rule(data["standard"], ("standard",), None)
    hosts = data.get("hosts") or {}
    if not isinstance(hosts, dict):
        fail(("hosts",), "„hosts“ muss Einträge der Form „host: {typ, bezeichnung}“ enthalten.")
    rules = {}
    for host, value in hosts.items():
        if not _HOST.match(host):
            fail(("hosts", host), f"„{host}“ ist kein Hostname in Kleinbuchstaben (etwa amt24.sachsen.de, ohne https:// und Pfad).")
        rules[host] = rule(value, ("hosts", host), host)
    return HostTable(default, rules)


# Letters from other scripts that look like Latin ones (the common part of Unicode's
# confusables list): enough to see "аmt24.sachsen.de" (Cyrillic а) for what it is.
_CONFUSABLE = str.maketrans({
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x",
    "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ո": "n", "ս": "u",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    "ı": "i", "ɡ": "g", "ℓ": "l", "０": "0", "１": "1", "２": "2", "４": "4",
})


def idn_warning(url: str, known: list[str]) -> str | None:
    """A German warning if ``url``'s host is an internationalised name, naming the portal it imitates.

    Portals' hosts are plain ASCII; a host with other letters (or its ``xn--`` form) in
    an export is at best unusual and at worst a lookalike of a real portal.
    """
    host = (urlsplit(url).hostname or "").rstrip(".")
    try:
        shown = host.encode("ascii").decode("idna") if "xn--" in host else host
    except UnicodeError:
        shown = host
    if shown.isascii():
        return None
    import unicodedata

    skeleton = unicodedata.normalize("NFKC", shown).lower().translate(_CONFUSABLE)
    for portal in known:
        if skeleton == portal or skeleton.endswith("." + portal):
            return f"{url}: der Host „{shown}“ sieht aus wie {portal}, ist aber eine andere Adresse (Zeichen aus anderen Schriften). Nicht übernehmen, bevor das geprüft ist."
    return f"{url}: der Host „{shown}“ enthält Zeichen außerhalb von A–Z; bitte prüfen, ob die Adresse echt ist."
