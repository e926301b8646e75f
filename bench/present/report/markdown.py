"""report.md: the run's tables and plot links in Markdown, short enough for a PR comment.

Cells are collapsed to one line with `|` and `\\` escaped, so no value breaks a table; names
(tasks, recipes, backends: a suite file may choose them) also have Markdown's inline markup
characters escaped, so they show literally in tables and headings.
"""

from __future__ import annotations

import re
from typing import Any

from bench.present.format import percent
from bench.present.report.build import (
    LEFT_COLUMNS,
    MD_NOTE_CHARS,
    OVERVIEW_TITLE,
    PLOT_TITLES,
    READING_GUIDE_MD,
    SCALING_PLOT_TITLES,
    Report,
    ScalingSection,
    Table,
)
from bench.present.report.time_section import TIME_TITLE
from bench.results.rundir import PLOTS_DIR

#: the columns whose cells are names
NAME_COLUMNS = {"task", "recipe", "backend"}


def md_cell(value: Any, limit: int | None = None) -> str:
    text = " ".join(str(value).split())
    if limit and len(text) > limit:
        text = text[:limit - 1] + "…"
    return text.replace("\\", "\\\\").replace("|", "\\|") or " "


def md_name(name: Any) -> str:
    """A name shown literally: one line, Markdown's inline markup characters escaped."""
    return re.sub(r"([\\`*_\[\]<>#|~!])", r"\\\1", " ".join(str(name).split())) or " "


def table_markdown(table: Table, names: set[str] = frozenset(),
                   note_limit: int | None = MD_NOTE_CHARS) -> str:
    """`table` in Markdown; the cells of the name columns (task, recipe, backend) and the
    column headings in `names` (backends, in the headline tables) shown literally."""
    def cell(column: str, value: Any) -> str:
        if column in NAME_COLUMNS:
            return md_name(value)
        return md_cell(value, note_limit if column == "notes" else None)

    lines = ["| " + " | ".join(md_name(c) if c in names else md_cell(c)
                               for c in table.columns) + " |",
             "| " + " | ".join("---" if c in LEFT_COLUMNS else "---:"
                               for c in table.columns) + " |"]
    for row in table.rows:
        lines.append("| " + " | ".join(cell(c, v) for c, v in zip(table.columns, row)) + " |")
    return "\n".join(lines)


def render_markdown(report: Report) -> str:
    backends = set(report.backends)
    out = [f"# {md_cell(report.title)}", ""]
    out += [f"- **{label}**: {md_cell(text)}" for label, text in report.provenance]
    out += [f"- **Report written**: {report.written_at} by `nnbench report`", ""]
    for warning in report.warnings:
        out += [f"> **Note:** {md_cell(warning)}", ""]
    if report.scaling is not None:
        out += scaling_markdown(report.scaling)
    if report.overview is not None:
        out += [f"## {md_cell(report.overview_title)}", "",
                md_cell(report.overview_text), "", table_markdown(report.overview, backends), ""]
        if report.overview_plot is not None:
            out += [f"Figure: [{OVERVIEW_TITLE}]({PLOTS_DIR}/{report.overview_plot.name})", ""]
    out += ["## Test accuracy (mean ± 95% CI over seeds)", "",
            table_markdown(report.accuracy, backends), "", f"## {report.epoch_time_title}", "",
            table_markdown(report.epoch_time, backends), ""]
    if report.time_table is not None:
        out += [f"## {TIME_TITLE}", "", md_cell(report.time_text), "",
                table_markdown(report.time_table), ""]
    for group in report.groups:
        out += [f"## {md_name(group.task)} / {md_name(group.recipe)}", ""]
        facts = [group.spec] if group.spec else []
        if group.target is not None:
            facts.append(f"target accuracy {percent(group.target)}")
        if facts:
            out += [md_cell("; ".join(facts)), ""]
        out += [table_markdown(group.table), ""]
        if group.plots:
            links = [f"[{PLOT_TITLES[k]}]({PLOTS_DIR}/{p.name})" for k, p in group.plots.items()]
            out += ["Plots: " + " · ".join(links), ""]
        if group.plot_note:
            out += [f"*{md_cell(group.plot_note)}*", ""]
    out += ["---", "", READING_GUIDE_MD, ""]
    return "\n".join(out)


def scaling_markdown(section: ScalingSection) -> list[str]:
    """The scaling study's section: per axis its title, who is fastest where, the table and
    links to its plots."""
    out = ["## Scaling study", "", md_cell(section.intro), ""]
    for axis in section.axes:
        out += [f"### {md_cell(axis.title)}", "", f"**Fastest:** {md_cell(axis.fastest)}", "",
                table_markdown(axis.table), ""]
        if axis.plots:
            links = [f"[{SCALING_PLOT_TITLES[k]}]({PLOTS_DIR}/{p.name})"
                     for k, p in axis.plots.items()]
            out += ["Plots: " + " · ".join(links), ""]
    return [*out, section.guide, ""]
