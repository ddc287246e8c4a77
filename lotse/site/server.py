"""How the built site is served: security headers, caching and redirects, and ``lotse nginx``.

One policy, two outputs: the nginx ``server {}`` block printed by ``lotse nginx``
and the ``_headers`` file ``lotse build`` writes for static hosts
(:mod:`lotse.site.publish`). Both send on every response:

* ``Content-Security-Policy`` with nothing but the site's own origin: no
  ``unsafe-inline``, no ``unsafe-eval``. The pages carry no inline script or
  style (Material's inline head scripts are files: overrides/partials/javascripts/);
  ``<script type="application/ld+json">`` and Material's ``__config`` are data,
  which CSP does not block. ``img-src data:`` is for the icons Material's
  stylesheet embeds as data: URLs (not a request to anyone).
* HSTS, ``nosniff``, ``Referrer-Policy: no-referrer`` (portals the citizen
  follows a link to learn nothing about what was read here),
  ``Permissions-Policy`` switching off what a directory never needs,
  ``Cross-Origin-Opener-Policy`` and ``frame-ancestors 'none'`` (with
  ``X-Frame-Options`` for old browsers).

Redirects come from ``_redirects`` in the built site (one rule a line:
``/alt /neu 301``, written by the Plone import); ``lotse nginx`` turns each into
an exact-match ``location`` answering with the rule's status.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

import click

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "media-src 'self'",
    "object-src 'none'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
PERMISSIONS = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
    "microphone", "midi", "payment", "usb"))
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=300, must-revalidate"  # HTML and everything without a hash in its name
# Content-hashed names: ours (lotse/site/publish.py, 10 hex digits) and Material's (8, ".min").
HASHED_LOCATION = r"\.[0-9a-f]{8,10}(\.min)?\.(css|js|json)$"
REDIRECT_STATUSES = {301, 302, 307, 308}


def security_headers() -> list[tuple[str, str]]:
    return [
        ("Content-Security-Policy", CSP),
        ("Strict-Transport-Security", "max-age=31536000"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Permissions-Policy", PERMISSIONS),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
    ]


# --------------------------------------------------------------------------- redirects


class RedirectError(ValueError):
    """A line of ``_redirects`` cannot be used (German message with file and line)."""


@dataclass(frozen=True)
class Redirect:
    source: str  # decoded path, as nginx compares it ($uri)
    target: str  # percent-encoded, safe to print into the config
    status: int
    line: int


_TARGET_SAFE = "/:?=&#%~+,;@!*'()[]"


def read_redirects(path: Path) -> list[Redirect]:
    """Parse ``_redirects``: ``/alt /neu [301]`` per line; ``#`` starts a comment."""
    if not path.is_file():
        return []
    rules: dict[str, Redirect] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) not in (2, 3):
            raise RedirectError(f"{path}:{number}: Eine Weiterleitung braucht „/alte-adresse /neue-adresse 301“, gefunden: {raw.strip()!r}.")
        status = 301
        if len(parts) == 3:
            if not parts[2].isdigit() or int(parts[2]) not in REDIRECT_STATUSES:
                raise RedirectError(f"{path}:{number}: Statuscode „{parts[2]}“ ist keine Weiterleitung; erlaubt sind 301, 302, 307, 308.")
            status = int(parts[2])
        source = unquote(parts[0])
        if not source.startswith("/") or any(c in source for c in '\x00\r\n'):
            raise RedirectError(f"{path}:{number}: Die alte Adresse „{parts[0]}“ muss mit / beginnen.")
        if not (parts[1].startswith("/") or parts[1].startswith("https://")):
            raise RedirectError(f"{path}:{number}: Das Ziel „{parts[1]}“ muss mit / oder https:// beginnen.")
        if source in rules:
            raise RedirectError(f"{path}:{number}: Die alte Adresse „{parts[0]}“ steht schon in Zeile {rules[source].line}.")
        target = quote(unquote(parts[1]), safe=_TARGET_SAFE)
        rules[source] = Redirect(source, target, status, number)
    # "/alt/" also answers "/alt" and the other way round, unless a rule of its own says otherwise.
    for rule in list(rules.values()):
        if rule.source == "/":
            continue
        twin = rule.source[:-1] if rule.source.endswith("/") else rule.source + "/"
        rules.setdefault(twin, Redirect(twin, rule.target, rule.status, rule.line))
    return [rules[k] for k in sorted(rules)]


def _nginx_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --------------------------------------------------------------------------- nginx


def nginx_server_block(site_dir: Path, listen: str = "80", server_name: str = "_") -> str:
    """The ``server {}`` block for the built site in ``site_dir`` (goes into an ``http {}`` context)."""
    site_dir = Path(site_dir).resolve()
    headers = [f"        add_header {name} {_nginx_string(value)} always;" for name, value in security_headers()]

    def block(cache: str, *extra: str) -> list[str]:
        return [*extra, *headers, f'        add_header Cache-Control "{cache}" always;']

    redirects = read_redirects(site_dir / "_redirects")
    out = [
        "# Written by `lotse nginx` for the site built by `lotse build` (lotse/site/server.py).",
        "# Put it into the http {} context next to `include mime.types;`; TLS belongs in front of it",
        "# (HSTS is only honoured over https).",
        "server {",
        f"    listen {listen};",
        f"    server_name {server_name};",
        f"    root {_nginx_string(str(site_dir))};",
        "    index index.html;",
        "    charset utf-8;",
        "    charset_types text/css application/javascript text/javascript application/json text/csv image/svg+xml text/xml;",
        "    server_tokens off;",
        "    # Relative Location headers: right behind a proxy and on any port.",
        "    absolute_redirect off;",
        "    # .gz files written by lotse build (deterministic, maximum compression).",
        "    gzip_static on;",
        "    gzip_vary on;",
        "    # The German 404 page (its links start at the site root, so it works at any depth).",
        "    error_page 404 /404.html;",
        "",
        "    location / {",
        *block(REVALIDATE),
        "        try_files $uri $uri/ =404;",
        "    }",
        "",
        "    # Content-hashed file names: a changed file gets a new name, so browsers may keep them.",
        f"    location ~ {_nginx_string(HASHED_LOCATION)} {{",
        *block(IMMUTABLE),
        "        try_files $uri =404;",
        "    }",
        "",
        "    location = /404.html {",
        *block("no-cache"),
        "    }",
        "",
        "    # Files the build writes for other hosts; nothing for visitors.",
        "    location ~ ^/_(headers|redirects)$ {",
        "        return 404;",
        "    }",
    ]
    if redirects:
        out += ["", f"    # Redirects from _redirects ({len(redirects)} addresses, trailing-slash twins included)."]
        for rule in redirects:
            out += [f"    location = {_nginx_string(rule.source)} {{",
                    *[h.replace("        ", "        ", 1) for h in headers],
                    f"        return {rule.status} {rule.target};",
                    "    }"]
    out.append("}")
    return "\n".join(out) + "\n"


@click.command()
@click.option("--site-dir", type=click.Path(path_type=Path), default=Path("site"), show_default=True,
              help="Die gebaute Website (lotse build).")
@click.option("--listen", default="80", show_default=True, help="Adresse und Port für nginx' listen, z. B. 127.0.0.1:8080.")
@click.option("--server-name", default="_", show_default=True, help="Servername, z. B. verwaltung.example.org.")
def nginx(site_dir: Path, listen: str, server_name: str):
    """Gibt den nginx-Block server { … } für die gebaute Website aus.

    Beispiel: ``lotse nginx --site-dir site --listen 127.0.0.1:8080 > lotse.conf``,
    dann in nginx' http { … } einbinden (neben ``include mime.types;``). Enthält
    Sicherheits-Header, Caching, gzip_static, die deutsche 404-Seite und die
    Weiterleitungen aus site/_redirects.
    """
    if not (site_dir / "index.html").is_file():
        raise click.ClickException(f"In {site_dir} liegt keine gebaute Website (index.html fehlt). Erst „lotse build --site-dir {site_dir}“ ausführen.")
    if not re.fullmatch(r"[\w.:\[\]*-]+", listen):
        raise click.ClickException(f"--listen „{listen}“ ist keine Adresse für nginx, z. B. 80 oder 127.0.0.1:8080.")
    if not re.fullmatch(r"[\w.*~-]+", server_name):
        raise click.ClickException(f"--server-name „{server_name}“ ist kein Servername, z. B. verwaltung.example.org.")
    try:
        text = nginx_server_block(site_dir, listen, server_name)
    except RedirectError as exc:
        raise click.ClickException(str(exc)) from None
    sys.stdout.write(text)
