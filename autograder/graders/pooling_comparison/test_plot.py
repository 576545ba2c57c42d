"""Hidden checks for `plot_comparison` (part: plot).

A Figure cannot cross the process boundary: the probe draws it in the student's
process and returns its axes as plain data (titles, labels, bar groups with their
positions and heights, tick labels, legends). Rows are made up here, for kinds
and heads in an order of their own, so a plot that is not made from its rows fails.
"""
import pytest

from autograder.harness.checks import CheckFailed, expect

from . import _probes

METRICS = {"accuracy": ("accuracy",), "params": ("param",), "shift_sensitivity": ("shift", "sensitiv")}


def make_rows(kinds, heads, salt):
    rows = []
    for i, kind in enumerate(kinds):
        for j, head in enumerate(heads):
            rows.append({"kind": kind, "head": head, "params": 1000 * (i + 2) + 300 * j + salt,
                         "accuracy": 0.5 + 0.07 * i + 0.02 * j + salt / 1000, "seconds": 1.0 + i + j,
                         "shift_sensitivity": 0.05 + 0.04 * i + 0.1 * j + salt / 10000})
    return rows


CASES = [(("max", "avg", "stride_conv"), ("flatten", "gap"), 7),
         (("subsample", "lp"), ("gap",), 3)]


@pytest.fixture(scope="module")
def drawn(student):
    out = []
    for kinds, heads, salt in CASES:
        rows = make_rows(kinds, heads, salt)
        try:
            out.append((kinds, heads, rows, student.probe(_probes.plot, rows, timeout=90)))
        except Exception as exc:  # noqa: BLE001
            out.append((kinds, heads, rows, exc))
    return out


def figures(drawn):
    for kinds, heads, rows, fig in drawn:
        if isinstance(fig, Exception):
            raise fig
        expect(fig["figure"], f"plot_comparison must return a matplotlib Figure, got {fig.get('type')}")
        yield kinds, heads, rows, fig


def axis_for(fig, metric):
    found = [ax for ax in fig["axes"]
             if any(w in (ax["title"] + " " + ax["ylabel"]).lower() for w in METRICS[metric])]
    if len(found) != 1:
        raise CheckFailed(f"plot_comparison: expected one axes whose title or y label names {metric!r} "
                          f"(e.g. {METRICS[metric][0]!r}), found {len(found)}")
    return found[0]


@pytest.mark.needs("test_bars_are_the_rows_values")
def test_returns_figure_with_three_axes(student, drawn):
    """returns a Figure with three axes"""
    for *_, fig in figures(drawn):
        expect(len(fig["axes"]) == 3, f"plot_comparison's figure has {len(fig['axes'])} axes, expected 3")


@pytest.mark.needs("test_bars_are_the_rows_values")
def test_metric_per_axes(student, drawn):
    """one axes each for accuracy, parameters and shift sensitivity, named in its title or y label"""
    for *_, fig in figures(drawn):
        for metric in METRICS:
            axis_for(fig, metric)


@pytest.mark.needs("test_bars_are_the_rows_values")
def test_one_bar_group_per_head(student, drawn):
    """in each axes, one bar series per head, labelled with the head, and a legend naming the heads"""
    for kinds, heads, rows, fig in figures(drawn):
        for metric in METRICS:
            ax = axis_for(fig, metric)
            labels = [g["label"] for g in ax["groups"]]
            expect(sorted(labels) == sorted(heads),
                   f"plot_comparison: the {metric} axes has bar series labelled {labels}, expected one per head")
        legends = [t for ax in fig["axes"] for t in ax["legend"]] + fig["figure_legend"]
        expect(all(h in legends for h in heads), "plot_comparison: no legend names the heads")


def test_bars_are_the_rows_values(student, drawn):
    """each series has one bar per kind, in the rows' order along x, with the row's value as its height"""
    for kinds, heads, rows, fig in figures(drawn):
        for metric in METRICS:
            ax = axis_for(fig, metric)
            for group in ax["groups"]:
                head = group["label"]
                if head not in heads:
                    continue
                bars = sorted(group["bars"])
                want = [next(r[metric] for r in rows if r["kind"] == k and r["head"] == head) for k in kinds]
                expect(len(bars) == len(kinds), f"plot_comparison: the {metric} series for {head!r} has "
                                                f"{len(bars)} bars, expected one per kind")
                ok = all(abs(h - w) <= 1e-6 * max(1.0, abs(w)) for (_, h), w in zip(bars, want))
                expect(ok, f"plot_comparison: the heights of the {metric} bars for {head!r}, left to right, "
                           "are not the rows' values in the order of the kinds")


@pytest.mark.needs("test_bars_are_the_rows_values")
def test_kinds_on_the_x_axis(student, drawn):
    """the x tick labels name the kinds, in the rows' order"""
    for kinds, heads, rows, fig in figures(drawn):
        for metric in METRICS:
            ax = axis_for(fig, metric)
            named = [label for _, label in sorted(ax["ticks"]) if label]
            expect(named == list(kinds), f"plot_comparison: the {metric} axes' x tick labels are {named}")
