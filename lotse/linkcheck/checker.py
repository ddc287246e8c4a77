"""The HTTP core of the link check: a list of URLs in, one :class:`Outcome` per URL out.

It knows nothing about data/, history or reports, and it accepts http and https
alike: the data only allows https, but the core is scheme-agnostic so that the
fault-injection tests and the benchmark can talk to plain HTTP servers on
127.0.0.1 (the CLI test covers TLS with a real local TLS server).

Politeness and robustness, in the order a request meets them:

* a per-host gate (by host name, since that is the machine we must not
  overload): at most ``per_host`` requests in flight and at least ``spacing``
  seconds between two request starts; a 429/503 with ``Retry-After`` pauses the
  whole host, not just the one URL;
* a global limit of ``concurrency`` requests in flight, taken only after the
  host gate so that URLs waiting for a busy host never block other hosts;
* HEAD first; a GET only when HEAD fails (servers that refuse HEAD, or answer
  HEAD differently from GET). Bodies are never read: a GET response is closed
  right after the status line and headers, so a huge or endless body costs at
  most a socket buffer;
* redirects are followed by hand (``allow_redirects=False``) to see every hop:
  loops and overlong chains are failures, a permanent first hop (301/308) makes
  the URL a ``redirect`` with the address the editor should write instead;
* retries with exponential backoff only for failures that may go away by
  themselves (timeouts, dropped connections, 5xx, 408, 429);
* no request to an internal address: every host is resolved through
  :class:`GuardedResolver`, which refuses loopback, private, link-local,
  multicast and reserved addresses (so ``localhost``, ``0x7f000001`` or a name
  that resolves to 10.0.0.1 are refused after DNS, and the connection goes only
  to the addresses that were checked); IP literals are checked before the
  request; both on every redirect hop. A pull request must not be able to make
  the runner fetch ``169.254.169.254`` or an admin page on its own loopback.
  Tests that need loopback servers name the hosts they may reach, as written in
  the URL: ``Settings(internal_hosts=frozenset({"127.0.0.1"}))`` (CLI: the hidden
  ``--interne-adressen-erlauben HOST``), which no workflow passes; a redirect from
  there to ``localhost`` is still refused.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver
from yarl import URL

from .. import __version__

# Honest: says what it is and why it calls, never pretends to be a browser.
USER_AGENT = f"Lotse-Linkpruefung/{__version__} (automatische Linkpruefung eines Verwaltungsverzeichnisses; aiohttp)"

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
PERMANENT_REDIRECTS = {301, 308}
# Failures worth another try in a few seconds: overload and hiccups.
RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}
# HEAD said "I don't do HEAD" for the whole server: go straight to GET there.
HEAD_REFUSED = {405, 501}


@dataclass(frozen=True)
class Settings:
    """How hard and how patiently to check. Defaults are for the nightly run."""

    concurrency: int = 64  # requests in flight over all hosts
    per_host: int = 4  # requests in flight on one host
    spacing: float = 0.1  # seconds between request starts on one host (<= 10/s, like LinkChecker)
    timeout: float = 20.0  # seconds for one request, connect to headers
    retries: int = 2  # extra attempts for transient failures
    backoff: float = 1.0  # first wait before a retry; doubles each time
    max_retry_after: float = 60.0  # cap for a server's Retry-After
    max_redirects: int = 10
    user_agent: str = USER_AGENT
    # Hosts (as written in URLs) exempt from the internal-address guard: only tests
    # with loopback servers; never in a workflow.
    internal_hosts: frozenset = frozenset()

    def as_dict(self) -> dict:
        return {
            "concurrency": self.concurrency,
            "per_host": self.per_host,
            "spacing": self.spacing,
            "timeout": self.timeout,
            "retries": self.retries,
            "backoff": self.backoff,
            "max_retry_after": self.max_retry_after,
            "max_redirects": self.max_redirects,
            "user_agent": self.user_agent,
            "internal_hosts": sorted(self.internal_hosts),
        }


@dataclass
class Outcome:
    """What one run found for one URL, before history and suppress list are applied.

    ``result`` is ``ok``, ``redirect`` (first hop moved permanently) or ``fail``.
    ``code`` names the failure for machines (``http-404``, ``dns``, ``refused``,
    ``tls``, ``loop``, ``too-many-redirects``, ``timeout``, ``reset``, ...);
    ``retryable`` says whether it was a failure that retries were meant for.
    """

    url: str
    result: str
    http_status: int | None = None
    final_url: str | None = None
    moved_to: str | None = None
    code: str | None = None
    detail: str | None = None
    retryable: bool = False
    attempts: int = 0
    retry_after: float | None = field(default=None, repr=False)
    hops: list[tuple[str, int]] = field(default_factory=list)  # (method url, status) per request of the last attempt


class InternalAddress(Exception):
    """A host that is, or resolves to, an address the link check must not call."""

    def __init__(self, host: str, address: str):
        super().__init__(f"{host} → {address}" if host != address else address)
        self.host = host
        self.address = address


def internal(address: str) -> bool:
    """True for every address that is not plainly public: loopback, private, link-local
    (cloud metadata at 169.254.169.254), shared, multicast, reserved, unspecified."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True  # not an address at all: refuse rather than guess
    if isinstance(ip, ipaddress.IPv6Address) and (ip.ipv4_mapped or ip.sixtofour):
        ip = ip.ipv4_mapped or ip.sixtofour
    return (not ip.is_global or ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
            or ip.is_reserved or ip.is_unspecified)


class GuardedResolver(AbstractResolver):
    """aiohttp resolver that drops internal addresses; no address left means :class:`InternalAddress`.

    The connector connects only to what the resolver returns, so a name cannot pass
    the check with one answer and connect with another (DNS rebinding).
    """

    def __init__(self, exempt: frozenset = frozenset(), inner: AbstractResolver | None = None):
        self._inner = inner or DefaultResolver()  # what aiohttp would use without us
        self._exempt = exempt

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET):
        infos = await self._inner.resolve(host, port, family)
        if host in self._exempt:
            return infos
        public = [info for info in infos if not internal(info["host"])]
        if not public and infos:
            raise InternalAddress(host, infos[0]["host"])
        return public

    async def close(self) -> None:
        await self._inner.close()


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


@dataclass
class _Hop:
    status: int
    location: str | None
    retry_after: float | None


class _HostGate:
    """Per-host limit and spacing; also remembers a host-wide pause after Retry-After."""

    def __init__(self, limit: int, spacing: float):
        self._sem = asyncio.Semaphore(limit)
        self._spacing = spacing
        self._next_start = 0.0
        self.paused_until = 0.0

    async def __aenter__(self):
        await self._sem.acquire()
        loop = asyncio.get_running_loop()
        now = loop.time()
        # Reserve the start slot before sleeping (no await in between), so
        # concurrent waiters get distinct, evenly spaced slots.
        start = max(now, self._next_start, self.paused_until)
        self._next_start = start + self._spacing
        if start > now:
            try:
                await asyncio.sleep(start - now)
            except BaseException:
                self._sem.release()
                raise
        return self

    async def __aexit__(self, *exc):
        self._sem.release()

    def pause(self, seconds: float) -> None:
        until = asyncio.get_running_loop().time() + seconds
        self.paused_until = max(self.paused_until, until)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number or an HTTP date; None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


class Checker:
    """Checks URLs inside one aiohttp session. Use :func:`check_urls` unless already in a loop."""

    def __init__(self, settings: Settings, session: aiohttp.ClientSession):
        self.s = settings
        self.session = session
        self._gates: dict[str, _HostGate] = {}
        self._global = asyncio.Semaphore(settings.concurrency)
        self._get_only: set[str] = set()
        self._timeout = aiohttp.ClientTimeout(total=settings.timeout)

    def _gate(self, url: URL) -> _HostGate:
        host = (url.host or "").lower()
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = _HostGate(self.s.per_host, self.s.spacing)
        return gate

    async def _request(self, method: str, url: URL, hops: list) -> _Hop:
        if (url.host or "") not in self.s.internal_hosts:
            # IP literals never reach the resolver; names are checked there (after DNS).
            address = _literal(url.host or "")
            if address is not None and internal(address):
                raise InternalAddress(url.host or "", address)
        gate = self._gate(url)
        async with gate, self._global:
            async with self.session.request(
                method, url, allow_redirects=False, timeout=self._timeout,
                headers={"User-Agent": self.s.user_agent, "Accept": "*/*"},
            ) as resp:
                status = resp.status
                location = resp.headers.get("Location")
                retry_after = parse_retry_after(resp.headers.get("Retry-After")) if status in (429, 503) else None
                if method == "GET":
                    # Drop the connection instead of draining the body: we only want the status.
                    resp.close()
        hops.append((f"{method} {url}", status))
        if retry_after is not None:
            gate.pause(min(retry_after, self.s.max_retry_after))
        return _Hop(status, location, retry_after)

    async def _hop(self, url: URL, hops: list) -> _Hop:
        host = (url.host or "").lower()
        if host not in self._get_only:
            hop = await self._request("HEAD", url, hops)
            if hop.status in HEAD_REFUSED:
                self._get_only.add(host)
            # Overload answers are retried later, not second-guessed with a GET now.
            if hop.status < 400 or hop.status in (429, 503):
                return hop
        return await self._request("GET", url, hops)

    async def _follow(self, url: str) -> Outcome:
        """One attempt: request and follow redirects until a final answer."""
        hops: list = []
        try:
            current = URL(url)
        except (ValueError, TypeError) as exc:
            return Outcome(url, "fail", code="invalid-url", detail=str(exc), final_url=url)
        seen = {str(current)}
        moved_to: str | None = None
        still_permanent = True  # only a chain that starts with permanent hops means "update the link"
        try:
            for _ in range(self.s.max_redirects + 1):
                hop = await self._hop(current, hops)
                if hop.status in REDIRECT_STATUSES and hop.location:
                    try:
                        nxt = current.join(URL(hop.location))
                    except (ValueError, TypeError):
                        return Outcome(url, "fail", hop.status, str(current), code="bad-redirect", detail=hop.location, hops=hops)
                    if nxt.scheme not in ("http", "https") or not nxt.host:
                        return Outcome(url, "fail", hop.status, str(nxt), code="bad-redirect", detail=hop.location, hops=hops)
                    if still_permanent and hop.status in PERMANENT_REDIRECTS:
                        moved_to = str(nxt)
                    else:
                        still_permanent = False
                    if str(nxt) in seen:
                        return Outcome(url, "fail", hop.status, str(nxt), code="loop", hops=hops)
                    seen.add(str(nxt))
                    current = nxt
                    continue
                return self._final(url, hop, str(current), moved_to, hops)
            return Outcome(url, "fail", None, str(current), code="too-many-redirects", detail=str(self.s.max_redirects), hops=hops)
        except Exception as exc:  # every failure becomes an outcome; one bad URL never stops the run
            code, retryable, detail = classify_exception(exc)
            if code == "internal":
                # Name the host, never the whole internal URL (it may carry a token from a redirect).
                return Outcome(url, "fail", None, f"{current.scheme}://{current.host}/", code=code, detail=detail, hops=hops)
            return Outcome(url, "fail", None, str(current), code=code, detail=detail, retryable=retryable, hops=hops)

    @staticmethod
    def _final(url: str, hop: _Hop, final_url: str, moved_to: str | None, hops: list) -> Outcome:
        status = hop.status
        if status < 400:
            result = "redirect" if moved_to else "ok"
            return Outcome(url, result, status, final_url, moved_to=moved_to, hops=hops)
        retryable = status in RETRY_STATUSES or status >= 500
        return Outcome(url, "fail", status, final_url, moved_to=moved_to, code=f"http-{status}", retryable=retryable, retry_after=hop.retry_after, hops=hops)

    def _wait_before_retry(self, attempt: int, outcome: Outcome) -> float:
        if outcome.retry_after is not None:
            return min(outcome.retry_after, self.s.max_retry_after)
        return min(self.s.backoff * (2 ** (attempt - 1)), self.s.max_retry_after)

    async def check(self, url: str) -> Outcome:
        attempt = 0
        while True:
            attempt += 1
            outcome = await self._follow(url)
            outcome.attempts = attempt
            if outcome.result != "fail" or not outcome.retryable or attempt > self.s.retries:
                return outcome
            await asyncio.sleep(self._wait_before_retry(attempt, outcome))


def classify_exception(exc: BaseException) -> tuple[str, bool, str]:
    """(code, retryable, detail) for a request that raised instead of answering."""
    detail = str(exc) or type(exc).__name__
    inner = getattr(exc, "os_error", None) or exc.__cause__
    if isinstance(exc, InternalAddress) or isinstance(inner, InternalAddress):
        return "internal", False, str(exc if isinstance(exc, InternalAddress) else inner)
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return "timeout", True, detail
    if isinstance(exc, (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError, ssl.SSLError)):
        return "tls", False, detail
    if isinstance(exc, aiohttp.ClientConnectorError):
        os_error = getattr(exc, "os_error", None)
        if isinstance(exc, getattr(aiohttp, "ClientConnectorDNSError", ())) or isinstance(os_error, socket.gaierror):
            return "dns", False, detail
        if isinstance(os_error, ConnectionRefusedError):
            return "refused", False, detail
        if isinstance(os_error, ssl.SSLError):
            return "tls", False, detail
        return "connect", True, detail
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError, aiohttp.ClientPayloadError, ConnectionError)):
        return "reset", True, detail
    if isinstance(exc, aiohttp.InvalidURL):
        return "invalid-url", False, detail
    if isinstance(exc, aiohttp.ClientResponseError):
        # Malformed answers (bad status line, oversized headers): the server is there but broken.
        return "bad-response", True, detail
    return "error", True, f"{type(exc).__name__}: {detail}"


def ssl_context() -> ssl.SSLContext:
    """The system's trust store; honours SSL_CERT_FILE (how a test or a proxy adds its CA)."""
    return ssl.create_default_context()


async def check_urls_async(
    urls: Iterable[str], settings: Settings, on_result: Callable[[Outcome], None] | None = None
) -> dict[str, Outcome]:
    unique = list(dict.fromkeys(urls))
    connector = aiohttp.TCPConnector(
        limit=settings.concurrency, limit_per_host=settings.per_host, ttl_dns_cache=300, ssl=ssl_context(),
        resolver=GuardedResolver(frozenset(settings.internal_hosts)),
    )
    # trust_env=False: no HTTP(S)_PROXY and, above all, no ~/.netrc credentials sent to the sites we check.
    async with aiohttp.ClientSession(connector=connector, trust_env=False, auto_decompress=False) as session:
        checker = Checker(settings, session)

        async def one(url: str) -> Outcome:
            outcome = await checker.check(url)
            if on_result is not None:
                on_result(outcome)
            return outcome

        results = await asyncio.gather(*(one(u) for u in unique))
    return {o.url: o for o in results}


def check_urls(
    urls: Iterable[str], settings: Settings | None = None, on_result: Callable[[Outcome], None] | None = None
) -> dict[str, Outcome]:
    """Check every URL once; returns ``{url: Outcome}``. Blocks until all are done."""
    return asyncio.run(check_urls_async(urls, settings or Settings(), on_result))
