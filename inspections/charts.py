"""Small SVG charts drawn on the server for the leadership dashboard: no JavaScript, no CDN, readable in print
(dark strokes, every value also written as text). Each function returns safe markup; numbers are formatted here,
every text and link is escaped."""
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

INK, TARGET, GRID, BAR_A, BAR_B = "#1f4e8c", "#b3261e", "#d5dbe3", "#1f4e8c", "#8aa9d6"


def _pct(value) -> str:
    return "—" if value is None else f"{Decimal(value) * 100:.1f}%"


def _open(width: int, height: int, title: str) -> str:
    t = escape(title)
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
            f'aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>')


def _link(url: str, inner: str) -> str:
    return f'<a href="{escape(url)}">{inner}</a>' if url else inner


def _nice(value: Decimal, *, whole: bool) -> Decimal:
    """A round top for a count axis, so that its half is round too (whole numbers: at least 2)."""
    if whole:
        value = max(value, Decimal(2))
    elif value <= 0:
        return Decimal(1)
    power = Decimal(10) ** (len(str(int(value))) - 1) if value >= 1 else Decimal("0.1")
    for step in (1, 2, 4, 6, 8, 10):
        top = step * power
        if top >= value and (not whole or top >= 2):
            return top
    return 10 * power


def trend_chart(points: list[tuple[int, Decimal | None, str]], *, target: Decimal | None = None,
                percent: bool = True, unit: str = "", width: int = 300, height: int = 120, title: str = "") -> str:
    """A line over the months: points are (month, value or None, link). A dashed line marks the target."""
    left, right, top, bottom = 34, 8, 10, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, v, _ in points if v is not None]
    top_value = max([*values, target or 0, Decimal("0.0001") if percent else Decimal(1)])
    top_value = min(Decimal(1), max(top_value * Decimal("1.15"), Decimal("0.05"))) if percent \
        else _nice(top_value * Decimal("1.1"), whole=all(Decimal(v) == int(v) for v in values))
    scale = float(top_value) or 1.0

    def x(month: int) -> float:
        return left + (month - 1) * plot_w / 11

    def y(value) -> float:
        return top + plot_h - float(value) / scale * plot_h

    def label(value, with_unit: bool = True) -> str:
        if percent:
            return _pct(value)
        return "—" if value is None else escape(f"{Decimal(value).normalize():f}{unit if with_unit else ''}")

    parts = [_open(width, height, title)]
    for fraction in (0, 0.5, 1):
        gy = top + plot_h - fraction * plot_h
        parts.append(f'<line x1="{left}" y1="{gy:.1f}" x2="{width - right}" y2="{gy:.1f}" stroke="{GRID}" '
                     f'stroke-width="0.6"/><text x="{left - 3}" y="{gy + 3:.1f}" font-size="8" text-anchor="end" '
                     f'fill="#444">{label(top_value * Decimal(str(fraction)), with_unit=percent)}</text>')
    for month in (1, 3, 6, 9, 12):
        parts.append(f'<text x="{x(month):.1f}" y="{height - 8}" font-size="8" text-anchor="middle" '
                     f'fill="#444">{month}月</text>')
    if target is not None and (not percent or target <= top_value):
        ty = y(target)
        parts.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{width - right}" y2="{ty:.1f}" stroke="{TARGET}" '
                     f'stroke-width="1" stroke-dasharray="4 3"/><text x="{width - right}" y="{ty - 3:.1f}" '
                     f'font-size="8" text-anchor="end" fill="{TARGET}">目标 {label(target)}</text>')
    shown = [(m, v, link) for m, v, link in points if v is not None]
    if shown:
        line = " ".join(f"{x(m):.1f},{y(v):.1f}" for m, v, _ in shown)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{INK}" stroke-width="1.8"/>')
    for month, value, link in shown:
        parts.append(_link(link, f'<circle cx="{x(month):.1f}" cy="{y(value):.1f}" r="2.6" fill="{INK}">'
                                 f'<title>{month}月：{label(value)}</title></circle>'))
    if shown:
        m, v, _ = shown[-1]
        parts.append(f'<text x="{x(m):.1f}" y="{y(v) - 5:.1f}" font-size="9" font-weight="bold" '
                     f'text-anchor="{"end" if m > 9 else "middle"}" fill="{INK}">{label(v)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def class_bars(rows: list[dict], *, width: int = 520, title: str = "") -> str:
    """Two bars per class: its share of the population and of the checks drawn. rows: label, population_share,
    drawn_share, population, drawn, population_url, drawn_url."""
    left, bar_h, gap = 62, 11, 10
    height = 18 + len(rows) * (2 * bar_h + gap)
    plot_w = width - left - 120
    parts = [_open(width, height, title),
             f'<rect x="{left}" y="2" width="10" height="8" fill="{BAR_A}"/><text x="{left + 14}" y="10" '
             f'font-size="9">存续主体</text><rect x="{left + 80}" y="2" width="10" height="8" fill="{BAR_B}"/>'
             f'<text x="{left + 94}" y="10" font-size="9">年度抽中检查</text>']
    y = 16
    for row in rows:
        parts.append(f'<text x="{left - 6}" y="{y + bar_h + 3}" font-size="10" text-anchor="end">'
                     f'{escape(row["label"])}</text>')
        for share, count, link, color in ((row["population_share"], row["population"], row["population_url"], BAR_A),
                                          (row["drawn_share"], row["drawn"], row["drawn_url"], BAR_B)):
            w = float(share or 0) * plot_w
            parts.append(_link(link, f'<rect x="{left}" y="{y}" width="{max(w, 0.5):.1f}" height="{bar_h}" '
                                     f'fill="{color}" stroke="#333" stroke-width="0.4"/><text x="{left + w + 4:.1f}" '
                                     f'y="{y + bar_h - 2}" font-size="9">{_pct(share)}（{count:,} 户）</text>'))
            y += bar_h
        y += gap
    parts.append("</svg>")
    return mark_safe("".join(parts))
