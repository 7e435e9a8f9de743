"""Small SVG charts drawn on the server for the leadership dashboard: no JavaScript, no CDN, readable in print
(dark strokes, every value also written as text). Each function returns safe markup."""
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import mark_safe

INK, TARGET, GRID, BAR_A, BAR_B = "#1f4e8c", "#b3261e", "#d5dbe3", "#1f4e8c", "#8aa9d6"


def f1(number: float) -> str:
    return f"{number:.1f}"


def _pct(value) -> str:
    return "—" if value is None else f"{Decimal(value) * 100:.1f}%"


def trend_chart(points: list[tuple[int, Decimal | None, str]], *, target: Decimal | None = None,
                percent: bool = True, unit: str = "", width: int = 300, height: int = 120, title: str = "") -> str:
    """A line over the months: points are (month, value or None, link). A dashed line marks the target."""
    left, right, top, bottom = 34, 8, 10, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, v, _ in points if v is not None]
    top_value = max([*values, target or 0, Decimal("0.0001") if percent else Decimal(1)])
    if percent:
        top_value = min(Decimal(1), max(top_value * Decimal("1.15"), Decimal("0.05")))
    else:
        top_value = top_value * Decimal("1.15")

    def x(month: int) -> float:
        return left + (month - 1) * plot_w / 11

    def y(value) -> float:
        return top + plot_h - float(Decimal(value) / top_value) * plot_h if top_value else top + plot_h

    label = _pct if percent else (lambda v: "—" if v is None else f"{v.normalize():f}{unit}")
    parts = [format_html('<svg class="chart" viewBox="0 0 {} {}" width="{}" height="{}" role="img" '
                         'aria-label="{}" xmlns="http://www.w3.org/2000/svg">', width, height, width, height, title)]
    parts.append(format_html('<title>{}</title>', title))
    for fraction in (0, 0.5, 1):
        gy = top + plot_h - fraction * plot_h
        parts.append(format_html('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="0.6"/>',
                                 left, f1(gy), width - right, f1(gy), GRID))
        parts.append(format_html('<text x="{}" y="{}" font-size="8" text-anchor="end" fill="#444">{}</text>',
                                 left - 3, f1(gy + 3), label(top_value * Decimal(str(fraction)))))
    for month in (1, 3, 6, 9, 12):
        parts.append(format_html('<text x="{}" y="{}" font-size="8" text-anchor="middle" fill="#444">{}月</text>',
                                 f1(x(month)), height - 8, month))
    if target is not None and (not percent or target <= top_value):
        ty = y(target)
        parts.append(format_html('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1" '
                                 'stroke-dasharray="4 3"/>', left, f1(ty), width - right, f1(ty), TARGET))
        parts.append(format_html('<text x="{}" y="{}" font-size="8" text-anchor="end" fill="{}">目标 {}</text>',
                                 width - right, f1(ty - 3), TARGET, label(target)))
    line = " ".join(f"{x(m):.1f},{y(v):.1f}" for m, v, _ in points if v is not None)
    if line:
        parts.append(format_html('<polyline points="{}" fill="none" stroke="{}" stroke-width="1.8"/>', line, INK))
    for month, value, link in points:
        if value is None:
            continue
        dot = format_html('<circle cx="{}" cy="{}" r="2.6" fill="{}"><title>{}月：{}</title></circle>',
                          f1(x(month)), f1(y(value)), INK, month, label(value))
        parts.append(format_html('<a href="{}">{}</a>', link, dot) if link else dot)
    last = [(m, v) for m, v, _ in points if v is not None]
    if last:
        m, v = last[-1]
        anchor = "end" if m > 9 else "middle"
        parts.append(format_html('<text x="{}" y="{}" font-size="9" font-weight="bold" text-anchor="{}" '
                                 'fill="{}">{}</text>', f1(x(m)), f1(y(v) - 5), anchor, INK, label(v)))
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def class_bars(rows: list[dict], *, width: int = 520, title: str = "") -> str:
    """Two bars per class: its share of the population and of the checks drawn. rows: class, label, population
    share, drawn share, population count, drawn count, links."""
    left, bar_h, gap = 62, 11, 10
    height = 18 + len(rows) * (2 * bar_h + gap)
    plot_w = width - left - 120
    parts = [format_html('<svg class="chart" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}" '
                         'xmlns="http://www.w3.org/2000/svg"><title>{}</title>', width, height, width, height, title,
                         title)]
    parts.append(format_html(
        '<rect x="{}" y="2" width="10" height="8" fill="{}"/><text x="{}" y="10" font-size="9">存续主体</text>'
        '<rect x="{}" y="2" width="10" height="8" fill="{}"/><text x="{}" y="10" font-size="9">年度抽中检查</text>',
        left, BAR_A, left + 14, left + 80, BAR_B, left + 94))
    y = 16
    for row in rows:
        parts.append(format_html('<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>', left - 6,
                                 y + bar_h + 3, row["label"]))
        for share, count, link, color in ((row["population_share"], row["population"], row["population_url"], BAR_A),
                                          (row["drawn_share"], row["drawn"], row["drawn_url"], BAR_B)):
            w = float(share or 0) * plot_w
            bar = format_html('<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#333" '
                              'stroke-width="0.4"/><text x="{}" y="{}" font-size="9">{}（{} 户）</text>',
                              left, y, f1(max(w, 0.5)), bar_h, color, f1(left + w + 4), y + bar_h - 2, _pct(share),
                              f"{count:,}")
            parts.append(format_html('<a href="{}">{}</a>', link, bar) if link else bar)
            y += bar_h
        y += gap
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))
