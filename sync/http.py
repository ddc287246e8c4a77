"""The one HTTP session every source uses.

Retries only what is worth retrying (connection errors, read timeouts, 429 and
5xx) with exponential backoff and honouring ``Retry-After``; everything else
fails at once. Every failure becomes a :class:`~sync.SyncError` with a German
sentence that says what happened and that nothing was changed.
"""

from __future__ import annotations

import os

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from lotse import __version__

from . import SyncError

DEFAULT_TIMEOUT = 30.0  # seconds per request (connect and each read)
DEFAULT_RETRIES = 3
# Backoff 1 s, 2 s, 4 s: long enough to ride out a restarting server, short
# enough that a real outage fails the nightly run within a minute.
BACKOFF_FACTOR = 1.0
RETRY_STATUS = (429, 500, 502, 503, 504)
MAX_BODY = 64 << 20  # bytes per response; a page of 500 records is well under 1 MiB


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
    return f"Lotse/{__version__} (Verwaltungsleistungsverzeichnis; python-requests/{requests.__version__})"


def make_session(retries: int = DEFAULT_RETRIES, backoff: float = BACKOFF_FACTOR) -> requests.Session:
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=RETRY_STATUS,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        # Hand back the last response instead of raising, so the caller can name the status.
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = user_agent()
    return session


def get(session: requests.Session, url: str, params: dict | None, timeout: float, what: str) -> tuple[requests.Response, bytes]:
    """GET ``url``; return a 200 response and its whole body, or raise :class:`SyncError`.

    ``what`` names the source in messages ("Das OZG-Dashboard").
    """
    try:
        response = session.get(url, params=params, timeout=timeout, stream=True)
        shown = response.url
        if response.status_code != 200:
            response.close()
            raise SyncError(
                f"{what} antwortet mit HTTP {response.status_code} ({response.reason or 'ohne Begründung'}) auf {shown}. "
                "Vermutlich eine Störung oder eine geänderte Schnittstelle; bitte später erneut versuchen."
            )
        # Read here, so that a broken transfer is reported as one, and with a limit,
        # so that a runaway response cannot fill the memory of the nightly job.
        body = bytearray()
        for chunk in response.iter_content(chunk_size=1 << 16):
            body += chunk
            if len(body) > MAX_BODY:
                response.close()
                raise SyncError(f"Die Antwort von {shown} ist größer als {MAX_BODY // (1 << 20)} MiB; das ist keine Seite der erwarteten Daten.")
        return response, bytes(body)
    except requests.exceptions.Timeout:
        raise SyncError(_timeout_message(what, url, timeout)) from None
    except requests.exceptions.RetryError as exc:
        raise SyncError(f"{what} antwortet auch nach {session.get_adapter(url).max_retries.total} Wiederholungen nur mit Fehlern ({url}): {_reason(exc)}.") from None
    except requests.exceptions.ChunkedEncodingError:
        raise SyncError(f"Die Antwort ist mitten in der Übertragung abgebrochen ({url}); die Daten sind unvollständig.") from None
    except requests.exceptions.ConnectionError as exc:
        reason = _reason(exc)
        if reason == "Zeitüberschreitung":  # read timeouts surface here once the retries are used up
            raise SyncError(_timeout_message(what, url, timeout)) from None
        raise SyncError(f"{what} ist nicht erreichbar ({url}): {reason}.") from None
    except requests.exceptions.RequestException as exc:
        raise SyncError(f"Abruf von {url} fehlgeschlagen: {_reason(exc)}.") from None


def _timeout_message(what: str, url: str, timeout: float) -> str:
    return (
        f"Zeitüberschreitung: {what} hat nicht innerhalb von {timeout:g} s geantwortet ({url}). "
        "Später erneut versuchen oder --timeout erhöhen."
    )


def _reason(exc: Exception) -> str:
    """The innermost cause, without urllib3's object reprs."""
    inner = exc
    while True:
        nxt = getattr(inner, "reason", None) or inner.__cause__ or inner.__context__
        if nxt is None or nxt is inner or not isinstance(nxt, BaseException):
            break
        inner = nxt
    text = str(inner)
    if "Connection refused" in text:
        return "Verbindung abgelehnt"
    if "Name or service not known" in text or "Temporary failure in name resolution" in text or "getaddrinfo" in text:
        return "Rechnername nicht auflösbar"
    if "timed out" in text.lower():
        return "Zeitüberschreitung"
    return text
