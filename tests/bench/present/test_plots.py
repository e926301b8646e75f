"""The plots: exact colours, coinciding curves drawn and named, exact tick labels, a key that
covers nothing, no near-empty plots. Curves come from a real `nnbench run` (NumPy on xor),
copied under other backend names: the same curves, or scaled apart."""

from __future__ import annotations

import copy
import itertools
import math
from dataclasses import replace

import matplotlib.pyplot as plt
import pytest
from PIL import Image, ImageColor

from bench.execution.records import Record
from bench.present import coincide, colours, plots
from bench.results.summary import summarize_records
from tests.bench.run_data import read_jsonl, real_run

SEVEN = list(colours.KNOWN_COLOURS)


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    return real_run(tmp_path_factory)


def summaries(real, backends, scale=lambda i: 1.0, recipe="modern"):
    """The real run's `recipe` records under each backend name, backend i's losses times
    `scale(i)`."""
    records = []
    for r in read_jsonl(real / "runs.jsonl"):
        if r["recipe"] != recipe:
            continue
        for i, backend in enumerate(backends):
            c = copy.deepcopy(r)
            c.update(backend=backend, run_id=f"{r['task']}/{recipe}/{backend}/{r['seed']}")
            c["history"]["loss"] = [v * scale(i) for v in r["history"]["loss"]]
            records.append(Record.from_dict(c))
    return summarize_records(records)


def drawn(monkeypatch, plot, *args):
    """The figure a plot function draws (its saving replaced by keeping it open)."""
    figures = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: figures.append(fig) or path)
    plot(*args)
    fig = figures[0]
    fig.canvas.draw()
    return fig


# ------------------------------------------------------------------------- colours

def test_the_seven_known_backends_have_fixed_distinct_colours_and_markers():
    rgb = [ImageColor.getrgb(c) for c in colours.KNOWN_COLOURS.values()]
    assert len(SEVEN) == 7 and len(set(colours.KNOWN_MARKERS.values())) == 7
    assert min(math.dist(a, b) for a, b in itertools.combinations(rgb, 2)) > 60
    assert not set(colours.EXTRA_COLOURS) & set(colours.KNOWN_COLOURS.values())
    assert all(colours.backend_colour(n) == colours.KNOWN_COLOURS[n] for n in SEVEN)


@pytest.mark.parametrize("plot", [plots.plot_curves, plots.plot_accuracy_vs_time,
                                  plots.plot_epoch_time])
def test_every_backend_is_drawn_in_its_exact_colour(real, tmp_path, plot):
    path = plot(summaries(real, SEVEN, scale=lambda i: 1.6 ** i), tmp_path / "plot.png")
    with Image.open(path) as image:
        assert image.mode == "RGB"  # full colour: no palette merges two backends' colours
        pixels = {rgb: n for n, rgb in image.getcolors(image.width * image.height)}
    for name, colour in colours.KNOWN_COLOURS.items():
        assert pixels[ImageColor.getrgb(colour)] >= 20, name


# ------------------------------------------------------------------------- coinciding curves

def test_identical_curves_form_one_group_and_the_note_names_them(real):
    s = summaries(real, ["numpy", "torch", "keras-jax"])
    loss = {x.backend: x.loss_curve for x in s}
    accuracy = {x.backend: x.accuracy_curve for x in s}
    groups = coincide.clusters(loss, log=True)
    assert [g.members for g in groups] == [("numpy", "torch", "keras-jax")]
    assert coincide.largest_gap(loss, groups[0], relative=True) == 0
    notes = plots.coincide_notes(loss, groups, accuracy, coincide.clusters(accuracy))
    assert notes == ["numpy = torch = keras-jax: one striped line, the curves coincide (largest "
                     "gap to numpy's mean: loss 0 relative, accuracy 0)"]


def test_float_rounding_apart_still_coincides_and_says_how_close(real):
    s = summaries(real, ["numpy", "sklearn"], scale=lambda i: 1 + 3e-9 * i)
    loss = {x.backend: x.loss_curve for x in s}
    (group,) = coincide.clusters(loss, log=True)
    assert coincide.largest_gap(loss, group, relative=True) == pytest.approx(3e-9)
    assert "loss 3.0e-9 relative" in plots.coincide_notes(loss, [group], {}, [])[0]


def test_curves_that_differ_are_drawn_apart_and_no_note_claims_they_coincide(real):
    s = summaries(real, ["numpy", "torch", "sklearn"], scale=lambda i: (1, 1.5, 1)[i])
    loss = {x.backend: x.loss_curve for x in s}
    groups = coincide.clusters(loss, log=True)
    assert [g.members for g in groups] == [("numpy", "sklearn"), ("torch",)]
    notes = plots.coincide_notes(loss, groups, {}, [])
    assert len(notes) == 1 and notes[0].startswith("loss: numpy = sklearn:")
    shorter = replace(loss["numpy"], x=loss["numpy"].x[:-1])  # a run stopped an epoch early
    assert not coincide.coincide(loss["numpy"], shorter, log=True, span=1.0)


def test_a_striped_line_shows_every_member_in_turn(real, monkeypatch):
    s = summaries(real, ["numpy", "torch", "keras-jax"])
    fig = drawn(monkeypatch, plots.plot_curves, s, None)
    lines = [ln for ln in fig.axes[0].get_lines()]
    assert [ln.get_color() for ln in lines] == [colours.KNOWN_COLOURS[b] for b in
                                                 ("numpy", "torch", "keras-jax")]
    offsets = [ln._unscaled_dash_pattern[0] for ln in lines]  # each starts one dash later
    assert len(set(offsets)) == 3
    plt.close(fig)


# ------------------------------------------------------------------------- ticks

@pytest.mark.parametrize("lowest", [0.0, 0.25, 0.5, 0.8, 0.875, 0.9, 0.95, 0.975, 0.983,
                                    0.999, 1.0, float("nan")])
def test_accuracy_tick_labels_are_exact(lowest):
    ticks, decimals = plots.accuracy_ticks(lowest)
    fig, ax = plt.subplots()
    plots._accuracy_axis(ax, ticks, decimals)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    plt.close(fig)
    assert len(labels) == len(ticks) <= plots.MAX_ACCURACY_TICKS + 1
    for tick, label in zip(ticks, labels):
        assert float(label.rstrip("%").replace("−", "-")) == pytest.approx(tick * 100, abs=1e-9)
    step = round(ticks[1] - ticks[0], 10)
    assert step in plots.ACCURACY_STEPS
    assert all(round(b - a, 10) == step for a, b in zip(ticks, ticks[1:]))
    assert ticks[-1] == 1.0 and (math.isnan(lowest) or ticks[0] < lowest or ticks[0] == 0)


# ------------------------------------------------------------------------- the key

def _boxes(fig):
    renderer = fig.canvas.get_renderer()
    keys = [*(leg.get_window_extent(renderer) for leg in fig.legends),
            *(t.get_window_extent(renderer) for t in fig.texts if t.get_text())]
    return [ax.get_tightbbox(renderer) for ax in fig.axes], keys


@pytest.mark.parametrize("plot", [plots.plot_curves, plots.plot_accuracy_vs_time,
                                  plots.plot_epoch_time])
def test_legend_and_notes_cover_no_data_and_no_label(real, monkeypatch, plot):
    s = summaries(real, SEVEN, scale=lambda i: 1.6 ** i)
    failed = replace(s[0], backend="a-framework-that-failed-with-a-long-name", ok=0,
                     statuses={"failed": 2, "timeout": 1})
    fig = drawn(monkeypatch, plot, [*s, failed], None)
    axes, keys = _boxes(fig)
    assert keys  # the missing backend's note at least
    width, height = fig.bbox.width, fig.bbox.height
    for key in keys:
        assert 0 <= key.x0 and key.x1 <= width and 0 <= key.y0 and key.y1 <= height
        assert not any(key.overlaps(box) for box in axes)
    plt.close(fig)


# ------------------------------------------------------------------------- no near-empty plots

def test_recipes_only_one_backend_ran_ok_share_one_figure(real, tmp_path):
    s = summaries(real, ["numpy"], recipe="perceptron") + summaries(real, ["numpy"])
    unsupported = replace(s[0], backend="torch", ok=0, statuses={"unsupported": 2})
    paths = plots.plot_report([*s, unsupported], tmp_path)
    assert paths == {
        ("xor", "perceptron"): {plots.SHARED: tmp_path / "numpy-only__perceptron__curves.png"},
        ("xor", "modern"): {plots.SHARED: tmp_path / "numpy-only__modern__curves.png"}}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "numpy-only__modern__curves.png", "numpy-only__perceptron__curves.png"]
