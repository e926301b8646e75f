"""report.md: the run's tables and plot links in Markdown, short enough for a PR comment."""

from __future__ import annotations

from typing import Any

import pandas as pd

from bench.present.report.build import (
    LEFT_COLUMNS,
    MD_NOTE_CHARS,
    PLOT_TITLES,
    PLOTS_DIR,
    READING_GUIDE_MD,
    Report,
    percent,
)


def _md_cell(value: Any, limit: int | None = None) -> str:
    text = " ".join(str(value).split())
    if limit and len(text) > limit:
        text = text[:limit - 1] + "…"
    return text.replace("\\", "\\\\").replace("|", "\\|") or " "


def frame_to_markdown(frame: pd.DataFrame, note_limit: int | None = MD_NOTE_CHARS) -> str:
    columns = list(frame.columns)
    lines = ["| " + " | ".join(_md_cell(c) for c in columns) + " |",
             "| " + " | ".join("---" if c in LEFT_COLUMNS else "---:" for c in columns) + " |"]
    for values in frame.itertuples(index=False):
        lines.append("| " + " | ".join(
            _md_cell(v, note_limit if c == "notes" else None)
            for c, v in zip(columns, values)) + " |")
    return "\n".join(lines)


def render_markdown(report: Report) -> str:
    run = report.run
    out = [f"# nnbench report — {run.path.name}", ""]
    out += [f"- **{label}**: {_md_cell(text)}" for label, text in report.provenance]
    out += [f"- **Report written**: {report.written_at} by `nnbench report`", ""]
    for warning in report.warnings:
        out += [f"> **Note:** {_md_cell(warning)}", ""]
    out += ["## Test accuracy (mean ± 95% CI over seeds)", "", frame_to_markdown(report.accuracy),
            "", f"## {report.epoch_time_title}", "",
            frame_to_markdown(report.epoch_time), ""]
    for group in report.groups:
        out += [f"## {group.task} / {group.recipe}", ""]
        facts = [group.spec] if group.spec else []
        if group.target is not None:
            facts.append(f"target accuracy {percent(group.target)}")
        if facts:
            out += [_md_cell("; ".join(facts)), ""]
        out += [frame_to_markdown(group.table), ""]
        if group.plots:
            links = [f"[{PLOT_TITLES[k]}]({PLOTS_DIR}/{p.name})" for k, p in group.plots.items()]
            out += ["Plots: " + " · ".join(links), ""]
    out += ["---", "", READING_GUIDE_MD, ""]
    return "\n".join(out)
