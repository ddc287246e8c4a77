"""Small SVG charts, drawn at build time.

No script, no web font, no third-party library: the page must work offline, in
print and with a screen reader. Every chart therefore

* is an ``<svg role="img">`` labelled by its own ``<title>`` and ``<desc>``
  (the desc spells out every value, so the chart is complete as text);
* writes each value as text beside its bar, so nothing depends on colour;
* distinguishes segments of a stacked bar by fill pattern as well as shade and
  names them in a legend, so a black-and-white print stays readable.

Output is deterministic: coordinates are rounded to one decimal place.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH = 720
LABEL_WIDTH = 280
VALUE_WIDTH = 190
ROW = 26
BAR = 16
TOP = 8
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="14"'
INK = "#1f2933"
BAR_FILL = "#2f5b8a"


@dataclass(frozen=True)
class Balken:
    """One bar: a label, its value (the bar's length) and the text written beside it."""

    label: str
    wert: float
    text: str


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    fill: str  # a colour or "url(#pattern)"


def _n(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _clip(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _open(uid: str, title: str, desc: str, height: float) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lotse-chart" role="img" viewBox="0 0 {WIDTH} {_n(height)}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-labelledby="{uid}-title {uid}-desc" {FONT}>',
        f'<title id="{uid}-title">{escape(title)}</title>',
        f'<desc id="{uid}-desc">{escape(desc)}</desc>',
        # Own background: dark ink stays readable in the site's dark colour scheme.
        f'<rect width="{WIDTH}" height="{_n(height)}" fill="#ffffff"/>',
    ]


def _label(y: float, text: str) -> str:
    # The full label is in the desc and in the table beside the chart; long ones are clipped here.
    return f'<text x="{_n(LABEL_WIDTH - 8)}" y="{_n(y + BAR / 2 + 4)}" text-anchor="end" fill="{INK}">{escape(_clip(text))}</text>'


def hbar(uid: str, title: str, bars: list[Balken], maximum: float | None = None) -> str:
    """Horizontal bar chart, one bar per row, value written beside each bar."""
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = max([b.wert for b in bars] + [maximum or 0]) or 1
    height = TOP * 2 + ROW * max(len(bars), 1)
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars) or "keine Werte"
    out = _open(uid, title, desc, height)
    out.append(f'<line x1="{LABEL_WIDTH}" y1="{TOP - 2}" x2="{LABEL_WIDTH}" y2="{_n(height - TOP + 2)}" stroke="{INK}" stroke-width="1"/>')
    for i, b in enumerate(bars):
        y = TOP + i * ROW + (ROW - BAR) / 2
        length = span * b.wert / top
        out.append(_label(y, b.label))
        if length > 0:
            out.append(f'<rect x="{LABEL_WIDTH}" y="{_n(y)}" width="{_n(length)}" height="{BAR}" fill="{BAR_FILL}"/>')
        out.append(f'<text x="{_n(LABEL_WIDTH + length + 6)}" y="{_n(y + BAR / 2 + 4)}" fill="{INK}">{escape(b.text)}</text>')
    out.append("</svg>")
    return "\n".join(out)


PATTERNS = (
    '<pattern id="{uid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
    '<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#2f5b8a" stroke-width="3"/></pattern>'
    '<pattern id="{uid}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
    '<rect width="5" height="5" fill="#ffffff"/><circle cx="2.5" cy="2.5" r="1" fill="#1f2933"/></pattern>'
)


def stacked(uid: str, title: str, rows: list[tuple[str, dict[str, int], str]], segments: list[Segment]) -> str:
    """Horizontal stacked bars; ``rows`` = (label, counts per segment key, text beside the bar).

    Segment fills may use the patterns ``url(#{uid}-hatch)`` and ``url(#{uid}-dots)``.
    """
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = max([sum(c.values()) for _l, c, _t in rows] + [1])
    legend_h = ROW
    height = TOP * 2 + legend_h + ROW * max(len(rows), 1)
    desc = "; ".join(f"{label}: {text}" for label, _c, text in rows) or "keine Werte"
    out = _open(uid, title, desc, height)
    out.append("<defs>" + PATTERNS.format(uid=uid) + "</defs>")
    x = LABEL_WIDTH
    for seg in segments:
        fill = seg.fill.format(uid=uid)
        out.append(f'<rect x="{_n(x)}" y="{TOP}" width="14" height="14" fill="{fill}" stroke="{INK}" stroke-width="1"/>')
        out.append(f'<text x="{_n(x + 20)}" y="{TOP + 12}" fill="{INK}">{escape(seg.label)}</text>')
        x += 30 + 8 * len(seg.label)
    base = TOP + legend_h
    out.append(f'<line x1="{LABEL_WIDTH}" y1="{base - 2}" x2="{LABEL_WIDTH}" y2="{_n(height - TOP + 2)}" stroke="{INK}" stroke-width="1"/>')
    for i, (label, counts, text) in enumerate(rows):
        y = base + i * ROW + (ROW - BAR) / 2
        out.append(_label(y, label))
        x = float(LABEL_WIDTH)
        for seg in segments:
            n = counts.get(seg.key, 0)
            if n <= 0:
                continue
            w = span * n / top
            out.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{BAR}" fill="{seg.fill.format(uid=uid)}" stroke="{INK}" stroke-width="1"/>')
            x += w
        out.append(f'<text x="{_n(x + 6)}" y="{_n(y + BAR / 2 + 4)}" fill="{INK}">{escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out)
