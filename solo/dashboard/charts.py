"""The dashboard's charts, drawn on the server as SVG: no script, and readable without sight."""

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from .figures import money, monthly_history, recent_issues, signups_per_day


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str
    values: list


def bar_chart(
    title, labels, series, *, fmt=str, label_every=1, fit_labels=False, width=640, height=180
):
    """An accessible SVG bar chart (grouped bars) plus a visually hidden table of its data.

    With `fit_labels`, every bar group is labelled, each label cut to the group's width (the full
    text stays in the bar's tooltip and the table): for names, where dates can skip some.

    Colours come from CSS classes (admin-dashboard.css) using the admin's own colour variables,
    so the chart follows the light and dark themes; no script, no inline style (strict CSP).
    """
    left, bottom, top = 48, 22, 8
    plot_w, plot_h = width - left - 4, height - bottom - top
    peak = max([v for s in series for v in s.values] + [0])
    scale = plot_h / peak if peak else 0
    group_w = plot_w / max(len(labels), 1)
    bar_w = min(group_w * 0.8 / len(series), 40)  # a lone issue is not a wall of colour
    pad = (group_w - bar_w * len(series)) / 2
    bars = []
    for i, label in enumerate(labels):
        for j, s in enumerate(series):
            value = s.values[i]
            h = value * scale
            bars.append(
                (
                    s.css_class,
                    f"{left + i * group_w + pad + j * bar_w:.2f}",
                    f"{top + plot_h - h:.2f}",
                    f"{bar_w:.2f}",
                    f"{h:.2f}",
                    value,
                    f"{label} — {s.name}: {fmt(value)}",
                )
            )
    last = len(labels) - 1
    fit = max(int(group_w / 6), 2)  # characters of 10 px text that fit under one group
    ticks = [
        # The last label ends at the right edge instead of running off it.
        (
            f"{left + i * group_w + group_w / 2:.2f}" if i < last or fit_labels else f"{width - 2}",
            f"{height - 6}",
            "end" if i == last and last and not fit_labels else "middle",
            Truncator(label).chars(fit) if fit_labels else label,
        )
        for i, label in enumerate(labels)
        if i % label_every == 0 or i == last
    ]
    total = ", ".join(f"{s.name}: {fmt(s.values[-1])}" for s in series) if labels else ""
    desc = _("%(first)s to %(last)s; latest %(latest)s; highest %(peak)s.") % {
        "first": labels[0] if labels else "",
        "last": labels[-1] if labels else "",
        "latest": total,
        "peak": fmt(peak),
    }
    svg = format_html(
        '<svg class="dash-svg" viewBox="0 0 {w} {h}" role="img" aria-label="{title}">'
        "<title>{title}</title><desc>{desc}</desc>"
        '<text class="dash-axis" x="{tx}" y="{ty}" text-anchor="end">{peak}</text>'
        '<text class="dash-axis" x="{tx}" y="{by}" text-anchor="end">0</text>'
        '<line class="dash-baseline" x1="{left}" x2="{w}" y1="{base}" y2="{base}"></line>'
        "{bars}{ticks}</svg>",
        w=width,
        h=height,
        title=title,
        desc=desc,
        tx=left - 4,
        ty=top + 10,
        by=top + plot_h,
        left=left,
        base=top + plot_h,
        peak=fmt(peak),
        bars=format_html_join(
            "",
            '<rect class="dash-bar {}" x="{}" y="{}" width="{}" height="{}" data-value="{}">'
            "<title>{}</title></rect>",
            bars,
        ),
        ticks=format_html_join(
            "", '<text class="dash-axis" x="{}" y="{}" text-anchor="{}">{}</text>', ticks
        ),
    )
    legend = (
        format_html_join(
            "",
            '<li><span class="dash-swatch {}"></span>{}</li>',
            ((s.css_class, s.name) for s in series),
        )
        if len(series) > 1
        else ""
    )
    table = format_html(
        # A table sizes itself to its content: the wrapper is what hides it (1 px, clipped).
        '<div class="visually-hidden dash-data"><table><caption>{}</caption><thead><tr>'
        '<th scope="col">{}</th>{}</tr></thead><tbody>{}</tbody></table></div>',
        title,
        _("Period"),
        format_html_join("", '<th scope="col">{}</th>', ((s.name,) for s in series)),
        format_html_join(
            "",
            '<tr><th scope="row">{}</th>{}</tr>',
            (
                (
                    label,
                    format_html_join("", "<td>{}</td>", ((fmt(s.values[i]),) for s in series)),
                )
                for i, label in enumerate(labels)
            ),
        ),
    )
    return format_html(
        '<figure class="dash-chart"><figcaption>{}</figcaption>{}{}{}</figure>',
        title,
        svg,
        format_html('<ul class="dash-legend">{}</ul>', legend) if legend else "",
        table,
    )


def charts(now=None, paid_readers: int = 0, currency: str = "", mrr: float = 0.0) -> dict:
    """The four charts; this month's points are the current figures shown beside them."""
    signups = signups_per_day(now)
    history = monthly_history(now, currency)
    history["paid_readers"][-1] = paid_readers
    history["mrr"][-1] = round(mrr)
    issues = recent_issues()
    return {
        "signups": bar_chart(
            _("New subscribers per day, last 90 days"),
            signups["labels"],
            [Series(_("New subscribers"), "dash-bar--main", signups["values"])],
            label_every=15,
        ),
        "paid": bar_chart(
            _("Paid readers per month, last 12 months"),
            history["labels"],
            [Series(_("Paid readers"), "dash-bar--main", history["paid_readers"])],
            label_every=2,
        ),
        "mrr": bar_chart(
            _("MRR per month (%(currency)s), last 12 months") % {"currency": currency or "—"},
            history["labels"],
            [Series(_("MRR"), "dash-bar--money", history["mrr"])],
            fmt=money,
            label_every=2,
        ),
        "issues": bar_chart(
            _("Deliveries of the last 10 issues"),
            [row["subject"] for row in issues],
            [
                Series(_("Sent"), "dash-bar--main", [row["sent"] for row in issues]),
                Series(_("Failed"), "dash-bar--failed", [row["failed"] for row in issues]),
            ],
            fit_labels=True,
        ),
    }


def traffic_chart(figures: dict):
    """Views and visitors per day over the dashboard's period (solo/dashboard/traffic.py)."""
    days = figures["days"]
    return bar_chart(
        _("Views and visitors per day, last %(days)s days") % {"days": days},
        figures["labels"],
        [
            Series(_("Views"), "dash-bar--main", figures["views"]),
            Series(_("Visitors"), "dash-bar--money", figures["visitors"]),
        ],
        label_every=max(days // 6, 1),
    )


def note_views_chart(stats: dict):
    """One note's views per day since it was published (at most its first year)."""
    return bar_chart(
        _("Views per day since %(day)s") % {"day": stats["labels"][0] if stats["labels"] else ""},
        stats["labels"],
        [Series(_("Views"), "dash-bar--main", stats["views"])],
        label_every=max(len(stats["labels"]) // 6, 1),
    )
