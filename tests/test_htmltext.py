"""lotse.htmltext: the one HTML -> Markdown path for external sources."""
import pytest

from lotse.htmltext import html_to_markdown, safe_link


@pytest.mark.parametrize("url, relative, ok", [
    ("https://www.gesetze-im-internet.de/bmg/__17.html", False, True),
    ("http://example.org/", False, True),
    ("mailto:buergerservice@example.org", False, True),
    ("javascript:alert(1)", False, False),
    ("JaVaScRiPt:alert(1)", True, False),
    ("data:text/html,<b>x</b>", True, False),
    ("ftp://example.org/x", False, False),
    ("//evil.example/x", True, False),
    ("../resolveuid/0123456789abcdef0123456789abcdef", False, False),
    ("../resolveuid/0123456789abcdef0123456789abcdef", True, True),
    ("", True, False),
])
def test_safe_link(url, relative, ok):
    assert safe_link(url, relative) is ok


def test_lists_emphasis_and_links_survive():
    md = html_to_markdown('<p>Bitte <strong>persönlich</strong> vorsprechen.</p>'
                          '<ul><li>Ausweis</li><li>Meldebescheinigung</li></ul>'
                          '<p><a href="https://www.gesetze-im-internet.de/bmg/">BMG</a></p>')
    assert md == ("Bitte **persönlich** vorsprechen.\n\n- Ausweis\n- Meldebescheinigung\n\n"
                  "[BMG](https://www.gesetze-im-internet.de/bmg/)")


def test_hostile_html_is_reduced_to_text():
    md = html_to_markdown('<p onclick="x()">Text<script>alert(1)</script><style>p{}</style>'
                          '<iframe src="https://evil.example/"></iframe>'
                          '<a href="javascript:alert(1)">Klick</a></p>')
    assert md == "TextKlick"
    assert "alert" not in md and "evil" not in md


def test_relative_links_and_images_only_on_request():
    html = '<p><a href="../resolveuid/abc">Seite</a><img src="../resolveuid/def" alt="Plan"></p>'
    assert html_to_markdown(html) == "Seite"
    assert html_to_markdown(html, allow_relative=True, images=True) == "[Seite](../resolveuid/abc)![Plan](../resolveuid/def)"


@pytest.mark.parametrize("html", ["", "   ", "<p> </p>", "<script>x</script>", None])
def test_empty_input_gives_empty_text(html):
    assert html_to_markdown(html) == ""


def test_markdown_syntax_in_text_is_escaped():
    assert html_to_markdown("<p>3 * 4 und _x_</p>") == "3 \\* 4 und \\_x\\_"
