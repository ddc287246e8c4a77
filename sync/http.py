"""Bounded HTTP for every sync source: one run may cost only so much time and memory.

A source talks to the network only through a :class:`Fetcher`; every fetcher of
one run shares one :class:`Budget`::

    budget = Budget(zeitlimit=600)                       # the whole run
    fetcher = Fetcher("Das PVOG", budget, timeout=30, retries=3)
    response = fetcher.get(url, {"page": 0})             # -> Response(url, status, headers, body)
    budget.count_page(rows=len(rows_of_that_page))       # raises past the page/row caps

Both objects are thread-safe: a source may call ``fetcher.get`` from several
threads at once (the PVOG source uses up to four); the budget's counters are
guarded by a lock and each request uses its own connection.

What is bounded, and why (a hostile or broken server must not be able to keep the
nightly job busy, fill its memory or end it in a traceback):

* ``timeout`` bounds each WHOLE response — connecting, waiting for the headers and
  reading the body — not just each socket read: a watchdog shuts the socket when
  the time is up, so a server dripping one byte per second is cut off.
* ``Budget.zeitlimit`` (``--zeitlimit``) bounds the whole run: no request starts
  and no retry waits beyond it, and a running response is cut off at it.
* ``Retry-After`` is obeyed up to ``max_retry_after`` seconds; a server asking for
  longer gets a German error at once instead of an idle job.
* Bodies are streamed into memory with a cap per response (``max_response_bytes``,
  also checked against ``Content-Length`` before reading) and a cap over the run
  (``Budget.max_total_bytes``); pages and rows are capped by :meth:`Budget.count_page`.
* Retries (connection faults, timeouts, broken transfers, 429, 5xx) back off
  exponentially, all within the run's deadline; everything else fails at once.

Every failure is a :class:`~sync.SyncError` with a German sentence; the sync has
not written anything at that point (sources fetch everything before planning).
Redirects are followed (at most :data:`MAX_REDIRECTS`), only to http(s). Content
is requested uncompressed (``Accept-Encoding: identity``) so that the byte caps
count what ends up in memory. Environment proxies are not used.
"""

from __future__ import annotations

import email.utils
import http.client
import os
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin, urlsplit

from lotse import __version__

from . import SyncError

DEFAULT_TIMEOUT = 30.0  # seconds per whole response
DEFAULT_RETRIES = 3
# The nightly job has 20 minutes (timeout-minutes in sync.yml) for installing,
# fetching and opening the pull request; a fetch that needs more than 10 is broken.
DEFAULT_ZEITLIMIT = 600.0
# Backoff 1 s, 2 s, 4 s: long enough to ride out a restarting server, short
# enough that a real outage fails the nightly run within a minute.
BACKOFF_FACTOR = 1.0
RETRY_STATUS = (429, 500, 502, 503, 504)
MAX_RETRY_AFTER = 120.0  # seconds; a server asking for longer is down for tonight
# A page of 500 records is well under 1 MiB; a city's whole export a few MiB.
MAX_RESPONSE_BYTES = 16 << 20
MAX_TOTAL_BYTES = 256 << 20
MAX_PAGES = 1_000
# Germany has about 11,000 municipalities' worth of services in the catalogue;
# a single region listing more than this is not a real export.
MAX_ROWS = 200_000
MAX_REDIRECTS = 5
CHUNK = 1 << 16


def user_agent() -> str:
    """``Lotse/<version> (+<where the code lives>)``, so operators can reach us.

    ``LOTSE_REPO_URL`` wins; in GitHub Actions the repository URL is known from
    the runner's environment; otherwise we say what we are without a link.
    """
    contact = os.environ.get("LOTSE_REPO_URL", "").strip()
    if not contact and os.environ.get("GITHUB_REPOSITORY"):
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        contact = f"{server}/{os.environ['GITHUB_REPOSITORY']}"
    if contact:
        return f"Lotse/{__version__} (+{contact})"
    return f"Lotse/{__version__} (Verwaltungsleistungsverzeichnis)"


class Budget:
    """Deadline and caps for one whole sync run, shared by all its requests and threads."""

    def __init__(
        self,
        zeitlimit: float = DEFAULT_ZEITLIMIT,
        *,
        max_total_bytes: int = MAX_TOTAL_BYTES,
        max_pages: int = MAX_PAGES,
        max_rows: int = MAX_ROWS,
    ):
        self.zeitlimit = zeitlimit
        self.deadline = time.monotonic() + zeitlimit
        self.max_total_bytes = max_total_bytes
        self.max_pages = max_pages
        self.max_rows = max_rows
        self.bytes = 0
        self.pages = 0
        self.rows = 0
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def expired_message(self) -> str:
        return (
            f"Zeitlimit überschritten: der Abruf dauerte länger als {self.zeitlimit:g} s (--zeitlimit). "
            "Die Quelle ist zu langsam oder liefert zu viel; später erneut versuchen oder --zeitlimit erhöhen."
        )

    def check(self) -> None:
        """Raise :class:`SyncError` if the run's time is up."""
        if self.remaining() <= 0:
            raise SyncError(self.expired_message())

    def add_bytes(self, count: int, url: str) -> None:
        with self._lock:
            self.bytes += count
            if self.bytes > self.max_total_bytes:
                raise SyncError(
                    f"Die Quelle hat in diesem Lauf mehr als {_size(self.max_total_bytes)} geliefert (zuletzt {url}); "
                    "das ist kein plausibler Datenbestand. Abbruch."
                )

    def count_page(self, rows: int, what: str = "Die Quelle") -> None:
        """Count one page with ``rows`` rows; raise past :attr:`max_pages` or :attr:`max_rows`."""
        with self._lock:
            self.pages += 1
            self.rows += rows
            if self.pages > self.max_pages:
                raise SyncError(f"{what} liefert mehr als {self.max_pages} Seiten; das ist unplausibel (endlose Seitenfolge?). Abbruch.")
            if self.rows > self.max_rows:
                raise SyncError(f"{what} liefert mehr als {self.max_rows} Einträge; das ist kein plausibler Datenbestand. Abbruch.")


@dataclass
class Response:
    url: str  # after redirects
    status: int
    reason: str
    headers: http.client.HTTPMessage  # case-insensitive .get()
    body: bytes


class _Retry(Exception):
    """A fault worth another attempt; ``message`` is the German text if none is left."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class Fetcher:
    """GET with retries, all within the bounds of a :class:`Budget`; see the module docstring."""

    def __init__(
        self,
        what: str,
        budget: Budget,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        backoff: float = BACKOFF_FACTOR,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        max_retry_after: float = MAX_RETRY_AFTER,
        headers: dict | None = None,
    ):
        self.what = what  # the source as a sentence subject: "Das OZG-Dashboard"
        self.budget = budget
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_response_bytes = max_response_bytes
        self.max_retry_after = max_retry_after
        self.headers = {"User-Agent": user_agent(), "Accept-Encoding": "identity", **(headers or {})}
        self._tls = ssl.create_default_context()

    def get(self, url: str, params: dict | None = None) -> Response:
        """The 200 response for ``url`` (with ``params`` as query), or :class:`SyncError`."""
        if params:
            url = f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(params)}"
        attempt = 0
        while True:
            self.budget.check()
            try:
                response = self._follow(url)
                if response.status in RETRY_STATUS:
                    raise _Retry(self._status_message(response), _retry_after(response.headers.get("Retry-After")))
            except _Retry as fault:
                if attempt >= self.retries:
                    if self.retries:
                        raise SyncError(f"{self.what} antwortet auch nach {self.retries} Wiederholungen nur mit Fehlern: {fault.message}") from None
                    raise SyncError(fault.message) from None
                wait = self.backoff * (2 ** attempt)
                if fault.retry_after is not None:
                    if fault.retry_after > self.max_retry_after:
                        raise SyncError(
                            f"{fault.message} Der Server bittet, {fault.retry_after:g} s zu warten (Retry-After); "
                            f"länger als {self.max_retry_after:g} s wartet der Abgleich nicht. Später erneut versuchen."
                        ) from None
                    wait = max(wait, fault.retry_after)
                if wait >= self.budget.remaining():
                    raise SyncError(f"{fault.message} Für eine Wiederholung reicht das Zeitlimit nicht mehr. {self.budget.expired_message()}") from None
                time.sleep(wait)
                attempt += 1
                continue
            if response.status != 200:
                raise SyncError(self._status_message(response))
            return response

    def _status_message(self, response: Response) -> str:
        return (
            f"{self.what} antwortet mit HTTP {response.status} ({response.reason or 'ohne Begründung'}) auf {response.url}. "
            "Vermutlich eine Störung oder eine geänderte Schnittstelle; bitte später erneut versuchen."
        )

    def _follow(self, url: str) -> Response:
        for _ in range(MAX_REDIRECTS + 1):
            response = self._once(url)
            location = response.headers.get("Location")
            if response.status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location.strip())
                continue
            return response
        raise SyncError(f"{self.what} leitet mehr als {MAX_REDIRECTS}-mal weiter ({url}); Abbruch.")

    def _once(self, url: str) -> Response:
        """One request, bounded as a whole by ``timeout`` and the run's deadline."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SyncError(f"„{url[:200]}“ ist keine http(s)-Adresse; {self.what} kann so nicht abgerufen werden.")
        remaining = self.budget.remaining()
        by_run = remaining < self.timeout  # which limit cuts this response off
        limit = max(0.001, min(self.timeout, remaining))
        try:
            port = parts.port
        except ValueError:
            raise SyncError(f"„{url[:200]}“ hat keinen gültigen Port.") from None
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(parts.hostname, port, timeout=limit, context=self._tls)
        else:
            conn = http.client.HTTPConnection(parts.hostname, port, timeout=limit)
        fired = threading.Event()

        def cut_off():
            fired.set()
            sock = conn.sock
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked recv at once; close() alone may not
                except OSError:
                    pass

        watchdog = threading.Timer(limit, cut_off)
        watchdog.daemon = True
        watchdog.start()
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

        def timed_out() -> _Retry | SyncError:
            if by_run:
                return SyncError(self.budget.expired_message())
            return _Retry(
                f"Zeitüberschreitung: {self.what} hat nicht innerhalb von {self.timeout:g} s geantwortet ({url}); "
                "die ganze Antwort muss in dieser Zeit ankommen. Später erneut versuchen oder --timeout erhöhen."
            )

        try:
            conn.request("GET", path, headers=self.headers)
            raw = conn.getresponse()
            response = Response(url, raw.status, raw.reason, raw.headers, b"")
            if raw.status != 200:
                return response  # the status says it all; the body is not read
            announced = raw.headers.get("Content-Length", "")
            if announced.strip().isdigit() and len(announced.strip()) < 20 and int(announced) > self.max_response_bytes:
                raise SyncError(self._too_big(url))
            body = bytearray()
            while True:
                chunk = raw.read1(CHUNK)
                if not chunk:
                    break
                body += chunk
                self.budget.add_bytes(len(chunk), url)
                if len(body) > self.max_response_bytes:
                    raise SyncError(self._too_big(url))
                if fired.is_set():
                    raise timed_out()
            if fired.is_set():
                raise timed_out()
            if raw.length:  # read1 ends quietly when the connection closes before Content-Length is reached
                raise http.client.IncompleteRead(bytes(body), raw.length)
            response.body = bytes(body)
            return response
        except (SyncError, _Retry):
            raise
        except http.client.IncompleteRead:
            if fired.is_set():
                raise timed_out() from None
            raise _Retry(f"Die Antwort ist mitten in der Übertragung abgebrochen ({url}); die Daten sind unvollständig.") from None
        except (TimeoutError, socket.timeout):
            raise timed_out() from None
        except ssl.SSLError as exc:
            if fired.is_set():
                raise timed_out() from None
            raise SyncError(f"{self.what}: die verschlüsselte Verbindung zu {parts.hostname} ist fehlgeschlagen ({exc.reason or exc}).") from None
        except socket.gaierror:
            raise _Retry(f"{self.what} ist nicht erreichbar ({url}): Rechnername nicht auflösbar.") from None
        except ConnectionRefusedError:
            raise _Retry(f"{self.what} ist nicht erreichbar ({url}): Verbindung abgelehnt.") from None
        except (http.client.HTTPException, OSError) as exc:
            if fired.is_set():
                raise timed_out() from None
            if isinstance(exc, (http.client.RemoteDisconnected, ConnectionError)):
                raise _Retry(f"{self.what} hat die Verbindung ohne vollständige Antwort beendet ({url}).") from None
            if isinstance(exc, http.client.HTTPException):
                raise SyncError(f"{self.what} liefert keine gültige HTTP-Antwort ({url}): {type(exc).__name__}.") from None
            raise _Retry(f"{self.what} ist nicht erreichbar ({url}): {exc.strerror or exc}.") from None
        finally:
            watchdog.cancel()
            conn.close()

    def _too_big(self, url: str) -> str:
        return f"Die Antwort von {url} ist größer als {_size(self.max_response_bytes)}; das ist keine Seite der erwarteten Daten."


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value) if len(value) < 12 else float("inf")
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    try:
        return max(0.0, when.timestamp() - time.time())
    except (OverflowError, OSError, ValueError):
        return None


def _size(count: int) -> str:
    return f"{count / (1 << 20):g} MiB" if count >= 1 << 20 else f"{count} Bytes"
