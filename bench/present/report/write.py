"""Writing a run directory's report files: summary.csv, plots/, report.md and report.html.

Each file is written to a temporary name and renamed into place, so a reader never sees half a
report; plots of an earlier report that this one does not redraw are removed. The caller holds
the directory's writer lock (`RunDir.lock`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bench.present.report.build import Report, build_report
from bench.present.report.html import render_html
from bench.present.report.markdown import render_markdown
from bench.present.report.overview import OVERVIEW_PNG
from bench.results.rundir import Contents, RunDir
from bench.results.summary import GroupSummary
from bench.results.summary_csv import summary_csv


@dataclass(frozen=True)
class ReportFiles:
    summary: Path
    markdown: Path
    html: Path
    plots: Path


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="")
        os.replace(tmp, path)
    except OSError as exc:  # name the file the user knows, not its temporary twin
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
    finally:
        tmp.unlink(missing_ok=True)


def write_summary(rundir: RunDir, summaries: list[GroupSummary]) -> None:
    _write_text(rundir.summary_file, summary_csv(summaries))


def write_report(rundir: RunDir, contents: Contents | None = None) -> tuple[Report, ReportFiles]:
    """(Re)write summary.csv, plots/, report.md and report.html of `rundir`."""
    contents = contents or rundir.read()
    plots_dir = rundir.plots_dir
    old = ({*plots_dir.glob("*__*__*.png"), *plots_dir.glob(OVERVIEW_PNG),
            *plots_dir.glob("scale-*.png")} if plots_dir.is_dir() else set())
    try:
        report = build_report(contents, plots_dir)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), exc.filename or f"{plots_dir}/") \
            from None
    finally:  # a plot interrupted half-written
        for tmp in plots_dir.glob("*.tmp") if plots_dir.is_dir() else ():
            tmp.unlink(missing_ok=True)
    drawn = {p for g in report.groups for p in g.plots.values()} | {report.overview_plot}
    if report.scaling is not None:
        drawn |= {p for axis in report.scaling.axes for p in axis.plots.values()}
    for stale in old - drawn:
        stale.unlink(missing_ok=True)
    write_summary(rundir, report.summaries)
    _write_text(rundir.report_md, render_markdown(report))
    _write_text(rundir.report_html, render_html(report))
    return report, ReportFiles(rundir.summary_file, rundir.report_md, rundir.report_html,
                               plots_dir)
