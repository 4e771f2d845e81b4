"""Charts drawn on the server as inline SVG: no script, no library, nothing fetched.

Each chart is an accessible image (``role="img"`` with a title and a description) and the page
shows the same numbers as a table for screen readers and for people who prefer numbers.
"""

from dataclasses import dataclass

from flask_babel import gettext
from markupsafe import Markup, escape

from .display import show_date, show_day, show_number


@dataclass
class Chart:
    key: str
    title: str
    description: str
    svg: Markup
    rows: list[tuple[str, int]]


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return value


def column_chart(points: list[tuple[str, int]], title: str, description: str) -> Markup:
    """Vertical columns, one per point (days): for a time series."""
    width, height = 480, 230
    left, right, top, bottom = 38, 22, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    maximum = _nice_max(max((v for _, v in points), default=0))
    n = max(len(points), 1)
    slot = plot_w / n
    bar = max(slot * 0.72, 1)
    every = max(1, -(-64 // max(int(slot), 1)))  # axis labels at least 64 units apart
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{{id}}-t {{id}}-d">',
        f'<title id="{{id}}-t">{escape(title)}</title>',
        f'<desc id="{{id}}-d">{escape(description)}</desc>',
    ]
    for i in range(5):
        value = maximum * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" '
                     f'y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 5}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{escape(show_number(int(value)))}</text>')
    for index, (label, value) in enumerate(points):
        x = left + index * slot + (slot - bar) / 2
        h = plot_h * value / maximum if maximum else 0
        y = top + plot_h - h
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                     f'height="{h:.1f}"><title>{escape(label)}: {escape(show_number(value))}'
                     f'</title></rect>')
        if (n - 1 - index) % every == 0:  # the latest day always has its label
            parts.append(f'<text class="axis" x="{x + bar / 2:.1f}" y="{height - bottom + 18}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<line class="baseline" x1="{left}" x2="{width - right}" '
                 f'y1="{top + plot_h}" y2="{top + plot_h}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def bar_chart(points: list[tuple[str, int]], title: str, description: str) -> Markup:
    """Horizontal bars, each under its full label: rankings (provinces, batches) that stay
    readable on a phone."""
    width, row_h = 400, 46
    height = max(row_h * len(points) + 4, 30)
    maximum = max((v for _, v in points), default=0) or 1
    plot_w = width - 60
    parts = [
        f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{{id}}-t {{id}}-d">',
        f'<title id="{{id}}-t">{escape(title)}</title>',
        f'<desc id="{{id}}-d">{escape(description)}</desc>',
    ]
    for index, (label, value) in enumerate(points):
        y = index * row_h
        w = max(plot_w * value / maximum, 2)
        short = label if len(label) <= 56 else label[:55] + "…"
        parts.append(f'<text class="name" x="0" y="{y + 15}">{escape(short)}</text>')
        parts.append(f'<rect class="bar" x="0" y="{y + 21}" width="{w:.1f}" height="16" rx="2">'
                     f'<title>{escape(label)}: {escape(show_number(value))}</title></rect>')
        parts.append(f'<text class="value" x="{w + 6:.1f}" y="{y + 34}">'
                     f'{escape(show_number(value))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def _with_id(svg: Markup, chart_id: str) -> Markup:
    return Markup(str(svg).replace("{id}", escape(chart_id)))  # noqa: S704 - escaped parts


def scan_charts(data: dict, product_names: dict[int, str] | None = None) -> list[Chart]:
    """The three charts of the scan statistics page, from ``resolver.services.scan_stats``:
    ``days`` [{date, scans}], ``provinces`` [{province, scans}], ``top_batches`` [{batch_id,
    gtin, lot, scans}]."""
    names = product_names or {}
    days = data.get("days", [])
    per_day = [(show_date(row["date"]), int(row["scans"])) for row in days]
    axis_days = [(show_day(row["date"]), int(row["scans"])) for row in days]
    per_province = [(row["province"] or gettext("Unknown"), int(row["scans"]))
                    for row in data.get("provinces", [])]
    top = [(f"{names[row['batch_id']]} · {row['lot']}" if row.get("batch_id") in names
            else f"{row['gtin']} · {row['lot']}", int(row["scans"]))
           for row in data.get("top_batches", [])]
    total = sum(count for _, count in per_day)
    return [
        Chart("per-day", gettext("Scans per day"),
              gettext("%(total)s scans in %(days)s days.", total=show_number(total),
                      days=len(per_day)),
              _with_id(column_chart(axis_days, gettext("Scans per day"),
                                    gettext("Number of scans each day.")), "per-day"),
              per_day if total else []),
        Chart("per-province", gettext("Scans per province"),
              gettext("Where the codes were scanned."),
              _with_id(bar_chart(per_province[:12], gettext("Scans per province"),
                                 gettext("Number of scans in each province.")),
                       "per-province"),
              per_province),
        Chart("top-batches", gettext("Most scanned batches"),
              gettext("The batches people scanned most."),
              _with_id(bar_chart(top, gettext("Most scanned batches"),
                                 gettext("Number of scans of each batch.")), "top-batches"),
              top),
    ]
