"""Charts drawn on the server as inline SVG: no script, no CDN, sharp and readable when printed.

Series are told apart by colour and by dash pattern and marker, so that they stay distinct in black and white.
"""
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLOURS = ["#1d4f91", "#b42318", "#1a7f37", "#9a6700", "#6b3fa0", "#0e7490", "#5f6b7a", "#c2410c"]
DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 4", "12 3 3 3"]


def _num(value) -> float | None:
    return None if value is None else float(Decimal(str(value)))


def line_chart(x_labels: list[str], series: list[tuple[str, list]], *, y_min: float = 0, y_max: float = 100,
               width: int = 720, height: int = 260, title: str = "") -> SafeString:
    """Lines over periods; a missing value breaks the line. The legend sits under the chart."""
    left, right, top, bottom = 44, 36, 16, 34  # room for the first and last period labels
    plot_w, plot_h = width - left - right, height - top - bottom
    legend_rows = (len(series) + 2) // 3
    total_h = height + legend_rows * 20 + 6
    step = plot_w / max(1, len(x_labels) - 1)

    def x(i):
        return left + (i * step if len(x_labels) > 1 else plot_w / 2)

    def y(v):
        return top + plot_h - (v - y_min) / (y_max - y_min or 1) * plot_h

    parts = [f'<svg class="chart" viewBox="0 0 {width} {total_h}" width="100%" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" font-size="11">']
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for tick in range(5):
        v = y_min + (y_max - y_min) * tick / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#d8dee6"/>'
                     f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#5f6b7a">{v:g}</text>')
    for i, label in enumerate(x_labels):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 12}" text-anchor="middle" fill="#5f6b7a">'
                     f"{escape(label)}</text>")
    for n, (name, values) in enumerate(series):
        colour, dash = COLOURS[n % len(COLOURS)], DASHES[n % len(DASHES)]
        run = []
        segments = []
        for i, value in enumerate(values):
            v = _num(value)
            if v is None:
                if run:
                    segments.append(run)
                run = []
            else:
                run.append((x(i), y(v)))
        if run:
            segments.append(run)
        for seg in segments:
            points = " ".join(f"{px:.1f},{py:.1f}" for px, py in seg)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2" '
                         f'stroke-dasharray="{dash}"/>')
            for px, py in seg:
                parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
        lx, ly = left + (n % 3) * (plot_w / 3), height + 4 + (n // 3) * 20
        parts.append(f'<line x1="{lx:.1f}" x2="{lx + 26:.1f}" y1="{ly + 6}" y2="{ly + 6}" stroke="{colour}" '
                     f'stroke-width="2" stroke-dasharray="{dash}"/>'
                     f'<text x="{lx + 32:.1f}" y="{ly + 10}" fill="#1f2933">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def bar_chart(items: list[tuple[str, object]], *, max_value: float = 100, width: int = 720,
              title: str = "") -> SafeString:
    """Horizontal bars, one per item, with the value written at the end of the bar."""
    label_w, row_h, right = 170, 22, 56
    height = row_h * len(items) + 8
    plot_w = width - label_w - right
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" font-size="11">']
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for i, (label, value) in enumerate(items):
        top = 4 + i * row_h
        v = _num(value)
        parts.append(f'<text x="{label_w - 6}" y="{top + 14}" text-anchor="end" fill="#1f2933">'
                     f'{escape(label[:14])}</text>')
        if v is None:
            parts.append(f'<text x="{label_w + 4}" y="{top + 14}" fill="#5f6b7a">无法计算</text>')
            continue
        w = max(0.0, min(1.0, v / max_value)) * plot_w
        parts.append(f'<rect x="{label_w}" y="{top + 3}" width="{w:.1f}" height="{row_h - 8}" fill="#1d4f91" '
                     f'stroke="#153a6b"/><text x="{label_w + w + 4:.1f}" y="{top + 14}" fill="#1f2933">{v:.2f}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
