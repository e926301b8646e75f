"""report.html in a real browser: headless Chromium loads it with no network and the DOM shows
every image decoded and every table present (slow; skipped when Chromium is not installed).

CI needs the Debian package `chromium` (no driver: the check runs as a script in the page and
is read back with `--dump-dom`).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess

import pytest

from bench.present.report.write import write_report
from bench.results.rundir import REPORT_HTML, RunDir
from tests.bench.run_data import real_run, several_backends

pytestmark = pytest.mark.slow

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
# Runs after the load event (all images decoded or failed) and writes its findings into the
# DOM, which --dump-dom then prints.
CHECK = """<script>
window.addEventListener("load", () => {
  const images = [...document.images];
  const result = {
    images: images.length,
    broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
    widths: images.map(i => i.naturalWidth),
    tables: document.querySelectorAll("table.data").length,
    rows: [...document.querySelectorAll("table.data")].map(t => t.tBodies[0].rows.length),
    fetched: performance.getEntriesByType("resource").map(e => e.name),
  };
  const out = document.createElement("pre");
  out.id = "nnbench-check";
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
});
</script>"""


def browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium is not installed (Debian: apt-get install chromium); "
                "the browser check of report.html needs it")


def test_report_html_renders_in_headless_chromium(tmp_path_factory, tmp_path):
    chromium = browser()
    out = several_backends(real_run(tmp_path_factory), tmp_path / "run")
    report, files = write_report(RunDir(out))
    page = tmp_path / "checked.html"
    page.write_text(files.html.read_text().replace("</body>", CHECK + "</body>"))
    result = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=15000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="nnbench-check">(.*?)</pre>', result.stdout, re.S)
    assert found, f"no check result in the DOM (exit {result.returncode}): {result.stderr[-2000:]}"
    check = json.loads(html.unescape(found.group(1)))
    groups = len(report.groups)
    figures = {path for g in report.groups for path in g.plots.values()}  # shared ones once
    assert report.overview is not None and report.overview_plot is not None
    assert check["images"] == len(figures) + 1 and check["broken"] == []
    assert all(width >= 600 for width in check["widths"])
    # the overview, two headline tables, where the time went and one per task x recipe
    assert check["tables"] == 4 + groups
    assert check["rows"][:4] == [len(report.overview.rows), len(report.accuracy.rows),
                                 len(report.epoch_time.rows), len(report.time_table.rows)]
    assert all(n > 0 for n in check["rows"])
    assert check["fetched"] == []  # self-contained: nothing loaded from disk or network
    assert (out / REPORT_HTML).stat().st_size < 2_000_000
