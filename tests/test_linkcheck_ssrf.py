"""The link check never calls internal addresses (finding 4 of issue 15).

A pull request controls the data the PR-mode link check fetches, so loopback,
private, link-local, multicast and reserved addresses are refused, after DNS
resolution and on every redirect hop, in both modes. The servers here listen on
127.0.0.1 like the other link-check tests; only where a test must reach them is
that one host allowed by name, exactly as the hidden CLI option does.
"""

from __future__ import annotations

import http.server
import threading

import pytest
import yaml
from click.testing import CliRunner

from conftest import write_yaml
from lotse.cli import main
from lotse.linkcheck.checker import Settings, check_urls, internal
from lotse.linkcheck.report import CERTAIN_CODES, describe


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        self.hits: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_HEAD(self):
                server.hits.append(self.path)
                if self.path.startswith("/weiter"):
                    self.send_response(302)
                    self.send_header("Location", f"http://localhost:{server.server_address[1]}/internal-admin?token=GEHEIM")
                else:
                    self.send_response(200)
                self.end_headers()

            do_GET = do_HEAD

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.server_address[1]}{path}"


@pytest.fixture
def server():
    srv = Server()
    yield srv
    srv.shutdown()
    srv.server_close()


FAST = dict(spacing=0.0, timeout=2.0, retries=0)


def test_internal_addresses_are_refused_without_a_request(server):
    port = server.server_address[1]
    urls = [server.url("/"), server.url("/", "localhost"), f"http://[::1]:{port}/", f"http://0x7f000001:{port}/",
            "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://192.168.1.1/", "http://[::ffff:127.0.0.1]/",
            "http://224.0.0.1/", "http://0.0.0.0/", "http://100.64.0.1/"]
    outcomes = check_urls(urls, Settings(**FAST))
    assert {url: o.code for url, o in outcomes.items()} == {url: "internal" for url in urls}
    assert server.hits == []
    text = describe(outcomes[urls[1]])
    assert text.startswith("nicht geprüft: interne Adresse (localhost → 127.0.0.1)")
    assert "internal" in CERTAIN_CODES  # a pull request with such a link fails at once


def test_a_redirect_to_an_internal_host_is_refused_on_that_hop(server):
    """127.0.0.1 is allowed by name here; the redirect to localhost is still refused, and its token never shown."""
    url = server.url("/weiter")
    outcome = check_urls([url], Settings(internal_hosts=frozenset({"127.0.0.1"}), **FAST))[url]
    assert outcome.code == "internal" and outcome.result == "fail"
    assert server.hits == ["/weiter"]
    assert "GEHEIM" not in repr(outcome.final_url) + describe(outcome)


def test_public_addresses_pass_the_guard():
    for address in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "141.30.1.1"):
        assert not internal(address), address
    for address in ("127.0.0.1", "::1", "10.1.1.1", "172.16.0.1", "169.254.169.254", "fe80::1", "fc00::1", "ff02::1", "240.0.0.1", "::"):
        assert internal(address), address


def test_cli_refuses_internal_addresses(mini_data, tmp_path, monkeypatch, server):
    """Both modes use the same checker; here the nightly CLI with a link to the server's loopback."""
    online = yaml.safe_load((mini_data / "services" / "online-leistung.yml").read_text(encoding="utf-8"))
    online["kanaele"][0]["url"] = f"https://127.0.0.1:{server.server_address[1]}/admin"
    write_yaml(mini_data / "services" / "online-leistung.yml", online)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["linkcheck", "--data", str(mini_data), "--out", str(out), "--history", str(tmp_path / "h.json"),
                                       "--retries", "0", "--spacing", "0", "--timeout", "2", "--format", "github"])
    assert "nicht geprüft: interne Adresse (127.0.0.1)" in (out / "report.md").read_text(encoding="utf-8")
    assert server.hits == []
    assert "Traceback" not in result.output


def test_markdown_links_follow_the_rule_of_url_fields(mini_data):
    from lotse.validator import load

    record = yaml.safe_load((mini_data / "services" / "analoge-leistung.yml").read_text(encoding="utf-8"))
    record["beschreibung"] = ("Siehe [intern](http://127.0.0.1/admin), <http://localhost/x>, [gut](https://stadt.example/a), "
                              "[relativ](../andere/) und [Mail](mailto:a@example.org).\n\n[ref]: https://localhost/x\n")
    write_yaml(mini_data / "services" / "analoge-leistung.yml", record)
    found = [p.message for p in load(mini_data)[1]]
    assert sorted(found) == sorted([
        "„beschreibung“: der Link „http://127.0.0.1/admin“ ist unverschlüsselt. Nur https-Adressen sind erlaubt, wie in den Adressfeldern; bitte „https://“ schreiben.",
        "„beschreibung“: der Link „http://localhost/x“ ist unverschlüsselt. Nur https-Adressen sind erlaubt, wie in den Adressfeldern; bitte „https://“ schreiben.",
        "„beschreibung“: der Link „https://localhost/x“ ist keine vollständige https-Adresse (Beispiel: https://amt24.sachsen.de/).",
    ])


def test_no_workflow_allows_internal_addresses():
    from pathlib import Path

    workflows = sorted((Path(__file__).resolve().parent.parent / ".github" / "workflows").glob("*.yml"))
    assert workflows
    for path in workflows:
        text = path.read_text(encoding="utf-8")
        assert "interne-adressen" not in text and "internal_hosts" not in text, path.name
