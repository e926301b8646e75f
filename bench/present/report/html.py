"""report.html: one self-contained page (inline CSS, plots as base64 data URIs, no script)."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from bench.present.colours import palette
from bench.present.format import percent
from bench.present.report.build import (
    LEFT_COLUMNS,
    OVERVIEW_TITLE,
    PLOT_TITLES,
    READING_GUIDE_MD,
    SCALING_PLOT_TITLES,
    Report,
    ScalingSection,
    Table,
    anchor,
)
from bench.present.report.time_section import TIME_TITLE

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 color:#1b1f24;margin:0 auto;max-width:1360px;padding:0 24px 48px}
h1{font-size:24px;margin:24px 0 8px}h2{font-size:19px;margin:32px 0 6px;
 border-bottom:1px solid #d0d7de;padding-bottom:4px}
.spec{color:#57606a;margin:0 0 8px}.prov{border-collapse:collapse;margin:8px 0}
.prov th{text-align:left;padding:2px 14px 2px 0;vertical-align:top;white-space:nowrap}
.prov td{padding:2px 0}.note{background:#fff8c5;border:1px solid #d4a72c;
 border-radius:6px;padding:6px 10px;margin:8px 0}
.wrap{overflow-x:auto}
table.data{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
table.data th,table.data td{border:1px solid #d0d7de;padding:3px 7px;vertical-align:top}
table.data td.runs{white-space:nowrap}
table.data th{background:#f6f8fa;white-space:nowrap}
table.data td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
table.data td.notes{min-width:180px;max-width:380px;font-size:12px}
table.data tr.bad td{background:#fff1f0}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
.plots{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}
figure{margin:0}figure.wide{flex-basis:100%}figcaption{font-size:12px;color:#57606a}
img{max-width:100%;height:auto;border:1px solid #eaeef2}
nav{columns:3;font-size:13px;margin:8px 0}nav a{color:#0969da;text-decoration:none}
.guide{color:#57606a;font-size:13px;margin-top:32px}
"""


#: plots shown across the page's width
WIDE_PLOTS = {"curves", "shared_curves"}


def _swatch(colour: str) -> str:
    return f'<span class="swatch" style="background:{colour}"></span>'


def _html_table(table: Table, colours: dict[str, str] | None = None) -> str:
    """A table; backend names (cells of the backend column, or column headers) get their
    plot colour as a swatch, and rows not all ok (`table.ok`) are tinted."""
    colours = colours or {}
    columns = table.columns
    head = "".join(f"<th>{_swatch(colours[c]) if c in colours else ''}{html.escape(str(c))}</th>"
                   for c in columns)
    body = []
    for i, values in enumerate(table.rows):
        cells = []
        for column, value in zip(columns, values):
            text = html.escape(str(value))
            if column == "backend" and value in colours:
                text = _swatch(colours[value]) + text
            css = column if column in ("notes", "runs") else \
                "" if column in LEFT_COLUMNS else "num"
            cells.append(f'<td class="{css}">{text}</td>' if css else f"<td>{text}</td>")
        row_class = ' class="bad"' if table.ok is not None and not table.ok[i] else ""
        body.append(f"<tr{row_class}>{''.join(cells)}</tr>")
    return (f'<div class="wrap"><table class="data"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _figure(path: Path, caption: str, wide: bool = False) -> str:
    caption = html.escape(caption)
    css = ' class="wide"' if wide else ""
    return (f'<figure{css}><img src="{_data_uri(path)}" alt="{caption}">'
            f"<figcaption>{caption}</figcaption></figure>")


def _guide(text: str) -> str:
    return f'<p class="guide">{html.escape(text.replace("*", "").replace("`", ""))}</p>'


def _scaling_html(section: ScalingSection, colours: dict[str, str]) -> list[str]:
    parts = ['<h2 id="scaling-study">Scaling study</h2>',
             f'<p class="spec">{html.escape(section.intro)}</p>']
    for axis in section.axes:
        parts += [f"<h3>{html.escape(axis.title)}</h3>",
                  f"<p><b>Fastest:</b> {html.escape(axis.fastest)}</p>",
                  _html_table(axis.table, colours)]
        if axis.plots:
            figures = [_figure(path, f"{axis.title}: {SCALING_PLOT_TITLES[kind]}",
                               wide=kind == "time") for kind, path in axis.plots.items()]
            parts.append(f'<div class="plots">{"".join(figures)}</div>')
    return [*parts, _guide(section.guide)]


def render_html(report: Report) -> str:
    colours = palette(report.backends)
    title = report.title
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
             f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>", '<table class="prov">']
    for label, text in [*report.provenance, ("Report written",
                                             f"{report.written_at} by nnbench report")]:
        parts.append(f"<tr><th>{html.escape(label)}</th><td>{html.escape(text)}</td></tr>")
    parts.append("</table>")
    parts += [f'<div class="note">{html.escape(w)}</div>' for w in report.warnings]
    parts.append("<nav>" + "".join(
        f'<div><a href="#{anchor(g.task, g.recipe)}">{html.escape(g.task)} / '
        f"{html.escape(g.recipe)}</a></div>" for g in report.groups) + "</nav>")
    if report.scaling is not None:
        parts += _scaling_html(report.scaling, colours)
    if report.overview is not None:
        parts += [f"<h2>{html.escape(report.overview_title)}</h2>",
                  f'<p class="spec">{html.escape(report.overview_text)}</p>',
                  _html_table(report.overview, colours)]
        if report.overview_plot is not None:
            parts.append(f'<div class="plots"><figure class="wide"><img src="'
                         f'{_data_uri(report.overview_plot)}" alt="{OVERVIEW_TITLE}">'
                         f"<figcaption>{OVERVIEW_TITLE}</figcaption></figure></div>")
    parts += ["<h2>Test accuracy (mean ± 95% CI over seeds)</h2>",
              _html_table(report.accuracy, colours),
              f"<h2>{html.escape(report.epoch_time_title)}</h2>",
              _html_table(report.epoch_time, colours)]
    if report.time_table is not None:
        parts += [f"<h2>{TIME_TITLE}</h2>", _guide(report.time_text),
                  _html_table(report.time_table, colours)]
    embedded: dict[Path, str] = {}  # a figure already shown: the anchor of its section
    for group in report.groups:
        parts.append(f'<h2 id="{anchor(group.task, group.recipe)}">'
                     f"{html.escape(group.task)} / {html.escape(group.recipe)}</h2>")
        facts = [group.spec] if group.spec else []
        if group.target is not None:
            facts.append(f"target accuracy {percent(group.target)}")
        if facts:
            parts.append(f'<p class="spec">{html.escape("; ".join(facts))}</p>')
        parts.append(_html_table(group.table, colours))
        if group.plot_note:
            parts.append(f'<p class="spec">{html.escape(group.plot_note)}</p>')
        figures = []
        for kind, path in group.plots.items():
            if path in embedded:  # a shared figure: shown once, linked from the others
                parts.append(f'<p class="spec"><a href="#{embedded[path]}">'
                             f"{html.escape(PLOT_TITLES[kind])}</a></p>")
                continue
            embedded[path] = anchor(group.task, group.recipe)
            figures.append(_figure(path, f"{group.task} / {group.recipe}: {PLOT_TITLES[kind]}",
                                   wide=kind in WIDE_PLOTS))
        if figures:
            parts.append(f'<div class="plots">{"".join(figures)}</div>')
    parts.append(_guide(READING_GUIDE_MD))
    parts.append("</body></html>")
    return "\n".join(parts)
