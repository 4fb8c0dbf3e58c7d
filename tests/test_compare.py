"""The grid search of :func:`pipeline.compare`: a grid that grows past an edge until it
finds its peak, and a default grid that scales with the number of training images."""

import dataclasses
import json
import warnings

import numpy as np
import pytest
from _helpers import shapes_and_colours
from sklearn.datasets import load_digits

import pipeline
from _pipeline import compare as compare_module
from _pipeline.presets import DEFAULT_ALPHAS, REFERENCE_IMAGES, default_alphas
from _pipeline.tables import grid_notes, render


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X.reshape(-1, 8, 8) * 15).astype(np.uint8), y


def _fake_scores(peak):
    """A stand-in for one split's ``_fold_scores`` whose accuracy peaks at ``peak``
    (a tent in log10 alpha), recording every call: what the search logic sees."""
    calls = []

    def fold_scores(head, tail, X, y, train, test, alphas, start=None):
        calls.append({"alphas": list(alphas), "start": start, "split": len(calls)})
        scores = [1.0 - abs(np.log10(a) - np.log10(peak)) / 10 for a in alphas]
        # each alpha's "solution" names the split's test rows and the alpha, so a
        # test can tell which one an extension started from
        solutions = [(np.full((3, 2), a), np.array([test[0], a, 0.0])) for a in alphas]
        return scores, solutions
    return fold_scores, calls


def _search(monkeypatch, peak, grid, extend, n_splits=3):
    fold_scores, calls = _fake_scores(peak)
    monkeypatch.setattr(compare_module, "_fold_scores", fold_scores)
    y = np.arange(30) % 3
    splits = [(np.setdiff1d(np.arange(30), part), part)
              for part in np.array_split(np.arange(30), n_splits)]
    return compare_module.search(None, None, None, y, grid, splits, extend=extend), calls


def test_the_grid_grows_down_a_decade_at_a_time_until_the_score_turns_down(monkeypatch):
    found, calls = _search(monkeypatch, peak=1e-4, grid=[1e-2, 1e-1, 1.0], extend=5)
    # 1e-3 (better), 1e-4 (the peak), 1e-5 (worse: stop)
    assert found.extended == [1e-5, 1e-4, 1e-3]
    assert found.alphas == [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    assert found.alphas[found.best] == 1e-4 and found.at_edge is None
    assert found.means == pytest.approx([0.9, 1.0, 0.9, 0.8, 0.7, 0.6])
    assert len(calls) == 3 + 3 * 3              # the grid per split, then one alpha per split


def test_the_grid_grows_up_and_follows_a_plateau_up_but_not_down(monkeypatch):
    found, _ = _search(monkeypatch, peak=10.0, grid=[1e-2, 1e-1], extend=3)
    assert found.extended == [1.0, 10.0, 100.0]
    assert found.alphas[found.best] == 10.0 and found.at_edge is None
    # A plateau: of equal scores the largest alpha wins (the strongest
    # regularization, met first along the warm path), so the search follows a
    # plateau up to its limit and says the best is still at that edge ...
    fold_scores, _ = _fake_scores(1.0)

    def flat(*args, **kwargs):
        return [1.0] * len(args[6]), fold_scores(*args, **kwargs)[1]
    monkeypatch.setattr(compare_module, "_fold_scores", flat)
    splits = [(np.arange(10, 30), np.arange(10))]
    found = compare_module.search(None, None, None, np.arange(30) % 3, [1.0, 2.0], splits,
                                  extend=2)
    assert found.extended == [20.0, 200.0] and found.alphas[found.best] == 200.0
    assert found.at_edge == "high"
    # ... but does not go down one (no better score lies there, and weak alphas
    # are the slowest fits)
    def falling(*args, **kwargs):
        return [1.0 if a < 2 else 0.5 for a in args[6]], fold_scores(*args, **kwargs)[1]
    monkeypatch.setattr(compare_module, "_fold_scores", falling)
    found = compare_module.search(None, None, None, np.arange(30) % 3, [0.1, 1.0, 2.0],
                                  splits, extend=2)
    assert found.extended == [] and found.alphas[found.best] == 1.0 and found.at_edge is None


def test_the_search_stops_at_its_limit_and_says_which_edge(monkeypatch):
    found, calls = _search(monkeypatch, peak=1e6, grid=[1e-2, 1e-1, 1.0], extend=2)
    assert found.extended == [10.0, 100.0] and found.at_edge == "high"
    assert found.alphas[found.best] == 100.0
    found, _ = _search(monkeypatch, peak=1e6, grid=[1e-2, 1e-1, 1.0], extend=0)
    assert found.extended == [] and found.at_edge == "high"
    # a grid of one alpha is a choice, not a search
    found, _ = _search(monkeypatch, peak=1e6, grid=[1.0], extend=3)
    assert found.extended == [] and found.at_edge is None


def test_each_split_continues_its_warm_path_from_its_own_solution_at_the_edge(monkeypatch):
    found, calls = _search(monkeypatch, peak=1e-3, grid=[1e-1, 1.0, 10.0], extend=3)
    assert found.extended == [1e-4, 1e-3, 1e-2]
    first, extensions = calls[:3], calls[3:]
    assert all(call["start"] is None for call in first)
    starts_at = {1e-2: 1e-1, 1e-3: 1e-2, 1e-4: 1e-3}  # each new alpha starts from the edge
    for call in extensions:
        (alpha,) = call["alphas"]
        coef, intercept = call["start"]
        assert np.all(coef == starts_at[alpha]) and intercept[1] == starts_at[alpha]
    # and from its own split's solution (the solutions carry the split's first test row)
    tests_seen = {call["split"] % 3: call["start"][1][0] for call in extensions}
    assert sorted(tests_seen.values()) == [0, 10, 20]


def test_the_refit_starts_from_the_mean_of_the_splits_solutions_at_the_best_alpha(monkeypatch):
    found, _ = _search(monkeypatch, peak=1.0, grid=[1e-1, 1.0, 10.0], extend=0)
    assert found.alphas[found.best] == 1.0
    # the fake solutions at alpha 1 are coef 1 and intercept [first test row, 1, 0]
    # on splits whose first test rows are 0, 10 and 20
    np.testing.assert_array_equal(found.start["coef_init"], np.full((3, 2), 1.0))
    np.testing.assert_array_equal(found.start["intercept_init"], [10.0, 1.0, 0.0])


@pytest.mark.parametrize("loss", ["hinge", "softmax"])
def test_a_split_s_warm_path_starts_from_the_given_solution_then_from_each_last_one(
        monkeypatch, loss):
    # What each fit of one split's path starts from: ``start`` (a neighbouring
    # alpha's solution) for the strongest alpha, then the solution just found.
    # The full-batch solvers reach the same optimum from any start, so the
    # scores alone cannot tell a path started from the wrong point.
    from _pipeline.presets import scaled_classifier
    from classifiers.linear import LinearClassifier

    fits = []
    original = LinearClassifier._fit

    def spy(self, X, y, sample_weight, *, coef_init=None, **kwargs):
        warm = coef_init is None and self.warm_start and hasattr(self, "coef_")
        begin = coef_init if coef_init is not None else (self.coef_.copy() if warm else None)
        result = original(self, X, y, sample_weight, coef_init=coef_init, **kwargs)
        fits.append({"alpha": self.alpha, "begin": begin, "end": self.coef_.copy()})
        return result

    monkeypatch.setattr(LinearClassifier, "_fit", spy)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 5))
    y = np.arange(60) % 3
    X[np.arange(60), y] += 2.0
    train, test = np.arange(40), np.arange(40, 60)
    start = (rng.standard_normal((3, 5)), rng.standard_normal(3))
    tail = scaled_classifier(loss, tol=1e-4)
    compare_module._fold_scores(None, tail, X, y, train, test, [1e-2, 1.0, 1e-1], start)
    assert [fit["alpha"] for fit in fits] == [1.0, 1e-1, 1e-2]
    np.testing.assert_array_equal(fits[0]["begin"], start[0])
    for before, fit in zip(fits, fits[1:]):
        np.testing.assert_array_equal(fit["begin"], before["end"])


@pytest.mark.parametrize("loss, solver, classifier_params, search, refit", [
    # tol None: the solver's search_tol, then its default
    ("hinge", "exact", {}, 0.1, None),
    ("softmax", "lbfgs", {}, 1e-3, None),
    ("ovr_squared_hinge", "lbfgs", {}, 1e-3, None),
    # a tol the user set holds for both
    ("hinge", "exact", {"tol": 1e-3}, 1e-3, 1e-3),
    ("softmax", "lbfgs", {"tol": 1e-5}, 1e-5, 1e-5),
])
def test_the_search_fits_to_the_solver_s_search_tol_and_the_refit_to_its_tol(
        monkeypatch, digits, loss, solver, classifier_params, search, refit):
    from classifiers.solvers import SOLVERS

    tols = []
    fit = SOLVERS[solver].fit

    def spy(estimator, *args, **kwargs):
        tols.append(estimator.tol)
        return fit(estimator, *args, **kwargs)

    monkeypatch.setitem(SOLVERS, solver, dataclasses.replace(SOLVERS[solver], fit=spy))
    images, y = digits
    row = pipeline.compare(images[:300], y[:300], features=["raw"], losses=[loss],
                           alphas=[1e-1, 1.0], extend=0, cv=2, test_size=0.3,
                           classifier_params=classifier_params)[0]
    # 2 splits x 2 alphas, then the refit
    assert tols == [search] * 4 + [refit]
    assert row["test_accuracy"] > 0.8


def test_the_one_vs_rest_squared_hinge_is_compared_through_lbfgs(monkeypatch, digits):
    # Coates et al.'s L2-SVM: the exact solver does not know its dual, so the
    # comparison trains it as it does softmax, with L-BFGS to its optimum.
    from classifiers import full_batch
    from classifiers.solvers import SOLVERS

    seen = []

    def spy(estimator, *args, **kwargs):
        seen.append((estimator.loss, estimator.max_iter))
        return full_batch.fit(estimator, *args, **kwargs)

    monkeypatch.setitem(SOLVERS, "lbfgs", dataclasses.replace(SOLVERS["lbfgs"], fit=spy))
    images, y = digits
    row = pipeline.compare(images[:300], y[:300], features=["raw"],
                           losses=["ovr_squared_hinge"], alphas=[1e-2, 1e-1], extend=0, cv=2,
                           test_size=0.3)[0]
    assert seen == [("ovr_squared_hinge", 300)] * 5            # 2 splits x 2 alphas, refit
    assert row["loss"] == "ovr_squared_hinge" and row["test_accuracy"] > 0.85


def test_the_refit_keeps_the_c_of_the_best_alpha(digits):
    # 3 folds of 300 training images train on 200 each: the refit on all 300
    # at C = 1 / (alpha n) needs two thirds of the alpha the search picked
    images, y = digits
    rows, estimators = pipeline.compare(images[:400], y[:400], features=["raw"],
                                        losses=["hinge"], alphas=[1e-1, 1.0], extend=0,
                                        cv=3, test_size=100, return_estimators=True)
    row = rows[0]
    assert row["refit_alpha"] == pytest.approx(row["best_alpha"] * 2 / 3, rel=1e-5)
    assert estimators["raw", "hinge"].named_steps["classifier"].alpha == row["refit_alpha"]
    table = render(rows)
    assert "refit alpha" in table.splitlines()[0] and f"{row['refit_alpha']:g}" in table
    assert compare_module.refit_alpha(0.3, [(range(7), range(7, 9))] * 2, 9) == \
        pytest.approx(0.3 * 7 / 9, rel=1e-5)


def test_an_extended_search_scores_as_a_search_over_the_whole_grid(digits):
    # The warm path continued past the edge reaches the optima a search over
    # the extended grid reaches from scratch: the same scores, the same pick.
    images, y = digits
    kwargs = dict(features=["raw"], losses=["softmax"], cv=2, random_state=0,
                  classifier_params={"tol": 1e-5, "max_iter": 500})
    grown = pipeline.compare(images, y, alphas=[1.0, 10.0], extend=3, **kwargs)[0]
    assert grown["extended"] and min(grown["extended"]) < 1.0 and grown["at_edge"] is None
    whole = pipeline.compare(images, y, alphas=grown["alphas"], extend=0, **kwargs)[0]
    assert whole["alphas"] == grown["alphas"]
    np.testing.assert_allclose(grown["cv_scores"], whole["cv_scores"], atol=2e-3)
    assert grown["best_alpha"] == whole["best_alpha"]
    assert grown["grid"] == [1.0, 10.0] and whole["extended"] == []


def test_a_row_still_at_an_edge_warns_and_the_tables_mark_it(digits):
    images, y = digits
    with pytest.warns(UserWarning, match=r"raw / softmax: the best alpha 10 is still at the "
                                         r"low edge .*extend=0"):
        rows = pipeline.compare(images, y, features=["raw"], losses=["softmax"],
                                alphas=[10.0, 100.0], extend=0, cv=2)
    assert rows[0]["at_edge"] == "low" and rows[0]["best_alpha"] == 10.0
    assert "10 (low edge!)" in render(rows) and "10 (low edge!)" in render(rows, "markdown")
    assert any(line.startswith("warning: raw / softmax") for line in grid_notes(rows))


def test_the_default_grid_scales_with_the_training_images(digits):
    assert default_alphas(REFERENCE_IMAGES) == list(DEFAULT_ALPHAS)
    assert default_alphas(40_000) == [1e-2, 1e-1, 1.0, 10.0]
    assert default_alphas(400) == [1.0, 10.0, 100.0, 1000.0]
    assert default_alphas(50_000 * 0.8 * 2 / 3) == default_alphas(40_000)
    images, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        row = pipeline.compare(images[:400], y[:400], features=["raw"], losses=["softmax"],
                               cv=2, test_size=0.1, extend=0)[0]
    assert row["grid"] == default_alphas(360)


def test_the_command_line_reports_the_grid_and_its_extensions(tmp_path, capsys):
    rng = np.random.default_rng(0)
    from PIL import Image
    data = tmp_path / "data"
    for k, name in enumerate(["dark", "light"]):
        (data / name).mkdir(parents=True)
        for i in range(12):
            pixels = rng.integers(0, 100, (8, 8, 3)) + 120 * k
            Image.fromarray(pixels.astype(np.uint8)).save(data / name / f"{i}.png")
    def run(out, *options):
        code = pipeline.main(["--dataset", str(data), "--features", "raw", "--loss", "softmax",
                              "--cv", "2", "--out", str(out), "--quiet", *options])
        assert code == 0
        printed = capsys.readouterr()
        return (json.loads((out / "results.json").read_text()), (out / "report.md").read_text(),
                printed)

    # 1000 is too strong for 24 images (cv 0.75), 100 and 10 are not (1.0): the
    # grid grows down a decade, meets a plateau, and keeps the stronger alpha
    results, report, printed = run(tmp_path / "one", "--alphas", "100", "1000")
    row = results["rows"][0]
    assert row["grid"] == [100.0, 1000.0] and row["extended"] == [10.0]
    assert row["best_alpha"] == 100.0 and row["at_edge"] is None
    assert results["settings"]["alphas"] == [100.0, 1000.0]
    assert results["settings"]["extend"] == 3
    assert "the search added 10." in printed.out and "warning" not in printed.err
    assert "grid 100..1000, +10" in report
    # not extended: the best at the low edge, said in the terminal and the report
    results, report, printed = run(tmp_path / "two", "--alphas", "100", "1000",
                                   "--extend", "0")
    row = results["rows"][0]
    assert row["extended"] == [] and row["at_edge"] == "low" and row["best_alpha"] == 100.0
    assert "warning: raw / softmax: the best alpha 100 is still at the low edge" in printed.err
    assert "warning: raw / softmax" in report and "100 (low edge!)" in report


# Issue 16, case 8: a generator of splits serves every feature set and loss
def test_compare_materializes_a_generator_of_splits():
    X, y = shapes_and_colours(n_per_class=12, size=16)
    rows_ = np.arange(len(y))
    splits = ((np.flatnonzero(rows_ % 3 != k), np.flatnonzero(rows_ % 3 == k))
              for k in range(3))
    rows = pipeline.compare(X, y, features=["raw", "hog"], losses=["hinge", "softmax"],
                            alphas=[1e-1], cv=splits, test=(X[::4], y[::4]),
                            classifier_params={"max_iter": 30})
    assert len(rows) == 4 and all(len(r["cv_scores"]) == 1 for r in rows)
    with pytest.raises(ValueError, match="cv must be a number of folds"):
        pipeline.compare(X, y, cv=2.5)
