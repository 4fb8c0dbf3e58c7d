"""The report of ``python pipeline.py``: plots and the files of ``--out``.

Plots use matplotlib's object API (``matplotlib.figure.Figure``), so no global
backend is selected and nothing opens a window.  :func:`write_report` writes
``report.md``, ``results.json``, the PNG files (the confusion matrix and the
gallery of misclassified test images among them) and ``model.skops``, the
best model (:func:`save_best_model`), into a folder that the command line
then renames into place (:mod:`._pipeline.staging`).
"""

import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import confusion_matrix
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

from classifiers import DivergenceError
from classifiers.optimizers import OPTIMIZERS
from classifiers.solvers import solver_for, solver_of
from features import BagOfVisualWords

from .data import subsample, subsample_indices
from .extractors import hog_preset
from .model import Model
from .presets import build_classifier, make_pipeline, search_classifier
from .spec import parts_of
from .tables import grid_notes, render


def printable(name):
    """A file or folder name fit for text: undecodable bytes shown as ``\\xNN``.

    Names read from a file system that are not valid UTF-8 reach Python with
    "surrogate escapes", which no UTF-8 file, terminal or font can encode.
    """
    name = str(name)
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _figure(width, height):
    from matplotlib.figure import Figure
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _show(ax, image, title=None):
    """An image in an axes without ticks; 2-D images in gray."""
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None, interpolation="nearest")
    if title is not None:
        ax.set_title(title, fontsize="small")
    ax.axis("off")


def plot_alpha_curves(rows, path):
    """Cross-validation accuracy against alpha, a line per feature set and loss: the
    grid's points filled, those the search added beyond it hollow, the best one
    starred (its label says when it is still at an edge)."""
    fig = _figure(6.5, 4)
    ax = fig.add_subplot()
    for row in rows:
        edge = f" (best at the {row['at_edge']} edge)" if row["at_edge"] else ""
        line, = ax.plot(row["alphas"], row["cv_scores"], marker="o",
                        label=f"{row['features']} / {row['loss']}{edge}")
        added = [(a, s) for a, s in zip(row["alphas"], row["cv_scores"])
                 if a in row["extended"]]
        if added:
            ax.plot(*zip(*added), linestyle="none", marker="o", markersize=8,
                    markerfacecolor="white", color=line.get_color())
        ax.plot(row["best_alpha"], row["cv_score"], linestyle="none", marker="*",
                markersize=12, color=line.get_color())
    ax.set(xscale="log", xlabel="alpha (L2 strength)", ylabel="cross-validation accuracy",
           title="Grid search over alpha")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    fig.savefig(path)


def optimizer_study(F, y, *, loss="softmax", alpha=1e-3, epochs=10, random_state=0):
    """Training loss per epoch of every minibatch optimizer on the same features.

    Parameters
    ----------
    F : ndarray of shape (n, d)
        Standardized features.
    y : ndarray of shape (n,)
    loss : str, default='softmax'
    alpha : float, default=1e-3
    epochs : int, default=10
    random_state : int, default=0

    Returns
    -------
    curves : dict of str -> list of float
        ``loss_curve_`` of each optimizer of :data:`classifiers.optimizers.OPTIMIZERS`
        except the full-batch ones, lbfgs and exact (whose iterations are not
        epochs), with its defaults; None for one that diverged.
    """
    curves = {}
    for name in OPTIMIZERS:
        if solver_of(name).full_batch:
            continue
        clf = build_classifier(loss, dict(optimizer=name, alpha=alpha, max_iter=epochs, tol=None,
                                     random_state=random_state))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                clf.fit(F, y)
            except DivergenceError:
                # e.g. a best alpha of 300: alpha * rate >= 1 for the default
                # rate of plain SGD; the study records it and goes on
                curves[name] = None
                continue
        curves[name] = [float(v) for v in clf.loss_curve_]
    return curves


def plot_optimizer_curves(curves, title, path):
    """The training loss curves of :func:`optimizer_study`."""
    fig = _figure(6.5, 4)
    ax = fig.add_subplot()
    for name, curve in curves.items():
        if curve is None:               # diverged: named in the caption instead
            continue
        ax.plot(np.arange(1, len(curve) + 1), curve, label=name,
                linestyle="--" if name == "random_search" else "-")
    ax.set(xlabel="epoch", ylabel="training objective", yscale="log", title=title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", ncol=2)
    fig.savefig(path)


def plot_confusion(matrix, class_names, title, path):
    """A confusion matrix with counts in the cells (rows: true, columns: predicted)."""
    k = len(class_names)
    fig = _figure(1.6 + 0.55 * k, 1.2 + 0.5 * k)
    ax = fig.add_subplot()
    image = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(k), class_names, rotation=45, ha="right")
    ax.set_yticks(range(k), class_names)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    threshold = matrix.max() / 2
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize="x-small",
                    color="white" if matrix[i, j] > threshold else "black")
    fig.colorbar(image, ax=ax, shrink=0.8)
    fig.savefig(path)


def plot_hog_pictures(images, labels, path):
    """Sample images beside the picture of their HOG cells."""
    from features import hog_image

    hog_settings = hog_preset().get_params()
    pictures = hog_image(images, orientations=hog_settings["orientations"],
                         pixels_per_cell=hog_settings["pixels_per_cell"],
                         transform_sqrt=hog_settings["transform_sqrt"])
    n = len(images)
    fig = _figure(1.6 * n, 3.4)
    for i in range(n):
        _show(fig.add_subplot(2, n, i + 1), images[i], labels[i])
        _show(fig.add_subplot(2, n, n + i + 1), pictures[i])
    fig.savefig(path)


def weight_images(coef, scale, image_shape):
    """A raw-pixel classifier's weights as images, one per class, uint8.

    The classifier sees standardized pixels, so its weight on pixel ``j`` in
    the original units is ``coef[:, j] / scale[j]``; each class's template is
    stretched to 0..255 (the course's "templates").

    Returns
    -------
    images : ndarray of shape (n_classes, *image_shape), dtype uint8
    """
    W = np.asarray(coef, dtype=np.float64) / np.asarray(scale, dtype=np.float64)
    lo = W.min(axis=1, keepdims=True)
    span = np.maximum(W.max(axis=1, keepdims=True) - lo, 1e-12)
    return np.round(255 * (W - lo) / span).astype(np.uint8).reshape(len(W), *image_shape)


def class_templates(classifier, scale, image_shape, class_names):
    """The templates of a fitted raw-pixel classifier and the name of each.

    A class folder with no image has no row in ``coef_``, and a binary
    classifier keeps one row, for its second class (the first class's
    template is its negative), so the rows are named through ``classes_``.

    Parameters
    ----------
    classifier : fitted linear classifier
        ``coef_`` of shape (n_rows, n_pixels) and ``classes_``, indices into
        ``class_names``.
    scale : ndarray of shape (n_pixels,)
    image_shape : tuple
    class_names : sequence of str

    Returns
    -------
    templates : ndarray of shape (n_classes_seen, *image_shape), dtype uint8
    names : list of str
    """
    coef = np.asarray(classifier.coef_)
    classes = [int(k) for k in classifier.classes_]
    if len(coef) == 1 and len(classes) == 2:
        coef = np.concatenate([-coef, coef])
    return weight_images(coef, scale, image_shape), [class_names[k] for k in classes]


def plot_templates(templates, class_names, path):
    """The class templates of :func:`weight_images` side by side."""
    n = len(templates)
    fig = _figure(1.4 * n, 1.8)
    for i in range(n):
        _show(fig.add_subplot(1, n, i + 1), templates[i], class_names[i])
    fig.savefig(path)


def plot_dictionary(tile, path):
    """The bag-of-words dictionary, as a tile image of de-whitened patches."""
    fig = _figure(7, 7 * tile.shape[0] / tile.shape[1] + 0.4)
    _show(fig.add_subplot(), tile, "k-means dictionary (de-whitened patches)")
    fig.savefig(path)


def class_metrics(matrix, class_names):
    """Precision, recall and F1 of each class, from a confusion matrix.

    Precision is the share of the images predicted as a class that are of
    it (a column of the matrix), recall the share of a class's images
    predicted as it (a row); F1 their harmonic mean.  A ratio of 0 / 0 (no
    image predicted as a class, or none of it) counts as 0, as
    scikit-learn's ``zero_division=0``.

    Parameters
    ----------
    matrix : ndarray of shape (n_classes, n_classes)
        Counts, rows true classes, columns predicted ones.
    class_names : sequence of str

    Returns
    -------
    rows : list of dict
        ``class``, ``precision``, ``recall``, ``f1``, ``support`` (test
        images of the class) per class, in the order of ``class_names``.
    """
    matrix = np.asarray(matrix, dtype=np.int64)
    hits = np.diag(matrix).astype(np.float64)
    support, predicted = matrix.sum(axis=1), matrix.sum(axis=0)
    precision = np.divide(hits, predicted, out=np.zeros_like(hits), where=predicted > 0)
    recall = np.divide(hits, support, out=np.zeros_like(hits), where=support > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(hits), where=both > 0)
    return [{"class": name, "precision": float(p), "recall": float(r), "f1": float(f),
             "support": int(n)}
            for name, p, r, f, n in zip(class_names, precision, recall, f1, support)]


def class_metrics_lines(metrics):
    """The markdown table of :func:`class_metrics`, with the mean over the classes
    that have test images (the macro average)."""
    lines = ["| class | precision | recall | F1 | test images |", "|---|---:|---:|---:|---:|"]
    for row in metrics:
        lines.append(f"| {row['class']} | {row['precision']:.3f} | {row['recall']:.3f} | "
                     f"{row['f1']:.3f} | {row['support']} |")
    present = [row for row in metrics if row["support"] > 0]
    means = {key: np.mean([row[key] for row in present]) for key in ("precision", "recall", "f1")}
    lines.append(f"| *macro average* | {means['precision']:.3f} | {means['recall']:.3f} | "
                 f"{means['f1']:.3f} | {sum(row['support'] for row in present)} |")
    return lines


#: Misclassified test images the gallery shows at most.
GALLERY_SIZE = 24


def misclassified(y_true, y_pred, n=GALLERY_SIZE, seed=0):
    """Sorted indices of at most ``n`` misclassified images, drawn at random (seeded)
    when there are more, so that the gallery is not the first classes' alone."""
    wrong = np.flatnonzero(np.asarray(y_true) != np.asarray(y_pred))
    if len(wrong) > n:
        wrong = np.sort(np.random.default_rng(seed).choice(wrong, n, replace=False))
    return wrong


def plot_misclassified(images, true_names, predicted_names, title, path, columns=6):
    """A gallery of images, each titled with its true and its predicted class."""
    n = len(images)
    rows = -(-n // columns)
    width = min(n, columns)
    # at least 4 inches wide, so that the title fits above one or two images
    fig = _figure(max(1.5 * width + 0.2, 4.0), 1.75 * rows + 0.4)
    fig.suptitle(title, fontsize="medium")
    for i in range(n):
        ax = fig.add_subplot(rows, width, i + 1)
        _show(ax, images[i])
        ax.set_title(f"true: {true_names[i]}\npred: {predicted_names[i]}", fontsize="x-small",
                     color="firebrick")
    fig.savefig(path)


def save_best_model(folder, best, estimator, data, settings):
    """Write the best pipeline to ``folder/model.skops`` (:class:`~._pipeline.model.Model`),
    with its classes, image shape, settings and scores; returns the file name."""
    info = {"features": best["features"], "loss": best["loss"],
            "alpha": best["refit_alpha"], "cv_score": best["cv_score"],
            "test_accuracy": best["test_accuracy"], "n_train": int(len(data["y_train"])),
            "settings": {k: v for k, v in settings.items() if k != "compare_seconds"}}
    Model(estimator, class_names=list(data["class_names"]),
          image_shape=data["X_train"].shape[1:], info=info).save(Path(folder) / MODEL_FILE)
    return MODEL_FILE


#: The file of the best model in the report folder.
MODEL_FILE = "model.skops"


def _fitted_bovw(estimator):
    return next((extractor for _, extractor in parts_of(estimator.named_steps["features"])
                 if isinstance(extractor, BagOfVisualWords)), None)


def best_model_lines(best, metrics, model_file, gallery):
    """The report's sections on the best model: its per-class scores and its file."""
    lines = [f"## Per-class precision, recall and F1 of the best model ({best['features']} / "
             f"{best['loss']})", "", *class_metrics_lines(metrics), "",
             "Rows follow the true classes of the confusion matrix below"
             + (", and the [gallery](gallery.png) shows misclassified test images." if gallery
                else "; every test image was classified correctly (no gallery)."), "",
             "## The best model", "",
             f"`{model_file}` holds the best pipeline ({best['features']} / {best['loss']}, "
             f"alpha {best['refit_alpha']:g}) with its classes, image size, settings and "
             "library versions; classify new images with it:", "",
             f"    python pipeline.py predict {model_file} IMAGES... --out predictions.csv", "",
             f"or from Python: `pipeline.load_model('{model_file}').predict(images)`.", ""]
    return lines


def search_tol_notes(estimators):
    """A note per loss whose grid search fitted to a looser ``tol`` than its refit
    (:func:`~._pipeline.presets.search_classifier`), so the report says so."""
    notes = {}
    for (_, loss), model in estimators.items():
        classifier = model.named_steps["classifier"]
        searched = search_classifier(classifier).tol
        # Only a tol left None is loosened, so the refit trains to the solver's default.
        if searched != classifier.tol and loss not in notes:
            solver = solver_for(classifier)
            notes[loss] = (
                f"The grid search's {loss} fits stopped once "
                f"{solver.stops_at.format(tol=searched)}, the solver's search tolerance: "
                "the alphas rank alike, in a fraction of the time; the refit trained to "
                f"tol={solver.default_tol:g}.")
    return list(notes.values())


def write_report(folder, rows, estimators, data, settings, *, verbose=False):
    """Write ``report.md``, ``results.json``, the PNG plots and ``model.skops`` into ``folder``.

    The best model is the row of the highest test accuracy (ties: the
    highest cross-validation score); the confusion matrix, the per-class
    precision, recall and F1, the gallery of misclassified test images and
    the saved model are all of it.

    Parameters
    ----------
    folder : path
        An existing, empty folder.
    rows, estimators
        What :func:`compare` returned (``return_estimators=True``).
    data : dict
        ``X_train, y_train, X_test, y_test, class_names``, and optionally
        ``features``: the third result of :func:`._pipeline.compare.run`
        (every image's features per feature set), so that no image is
        transformed again.
    settings : dict
        The run's settings, written into both files.
    verbose : bool, default=False
        Progress bar over the plots.
    """
    folder = Path(folder)
    X_train, y_train = data["X_train"], data["y_train"]
    X_test, y_test = data["X_test"], data["y_test"]
    names = [printable(name) for name in data["class_names"]]
    settings = {k: printable(v) if isinstance(v, str) else v for k, v in settings.items()}
    seed = settings.get("seed", 0)
    bar = tqdm(total=8, disable=not verbose, desc="report", leave=False, file=sys.stderr)
    plots = {}

    plot_alpha_curves(rows, folder / "alpha_curve.png")
    plots["alpha_curve.png"] = "Cross-validation accuracy against alpha (the grid search)."
    bar.update()

    best = max(rows, key=lambda r: (r["test_accuracy"], r["cv_score"]))
    model = estimators[best["features"], best["loss"]]
    # Every image's features as the comparison computed them, when given:
    # the report transforms no image again.
    computed = data.get("features", {}).get(best["features"])
    tail = Pipeline(model.steps[1:])
    predicted = (tail.predict(computed[1]) if computed is not None
                 else model.predict(X_test))
    matrix = confusion_matrix(y_test, predicted, labels=np.arange(len(names)))
    plot_confusion(matrix, names, f"{best['features']} / {best['loss']}: test accuracy "
                   f"{best['test_accuracy']:.3f}", folder / "confusion.png")
    plots["confusion.png"] = (f"Confusion matrix of the best model ({best['features']} / "
                              f"{best['loss']}) on the test images.")
    metrics = class_metrics(matrix, names)
    wrong = misclassified(y_test, predicted, seed=seed)
    if len(wrong):
        plot_misclassified(X_test[wrong], [names[k] for k in y_test[wrong]],
                           [names[k] for k in predicted[wrong]],
                           f"{len(wrong)} of the {int(np.sum(y_test != predicted))} "
                           "misclassified test images", folder / "gallery.png")
        plots["gallery.png"] = ("Misclassified test images of the best model, with their "
                                "true and predicted classes.")
    bar.update()

    bar.set_description("report: optimizer study")
    study = subsample_indices(y_train, 5000, seed)
    y_study = y_train[study]
    F = (computed[0][study] if computed is not None
         else model.named_steps["features"].transform(X_train[study]))
    F = StandardScaler().fit_transform(F)
    curves = optimizer_study(F, y_study, loss=best["loss"], alpha=best["best_alpha"],
                             random_state=seed)
    trained = [name for name, curve in curves.items() if curve is not None]
    plot_optimizer_curves(curves, f"{len(trained)} optimizers on {best['features']} features, "
                          f"{best['loss']}, {len(y_study)} images", folder / "optimizers.png")
    diverged = [name for name, curve in curves.items() if curve is None]
    plots["optimizers.png"] = (
        "Training objective per epoch of every optimizer (defaults) on the same features."
        + (f" Diverged at alpha {best['best_alpha']:g} with their default rate, not drawn: "
           f"{', '.join(diverged)}." if diverged else ""))
    bar.update()

    samples = [int(np.flatnonzero(y_test == k)[0]) for k in range(len(names))
               if np.any(y_test == k)][:6]
    notes = []
    if min(X_test.shape[1:3]) >= max(hog_preset().pixels_per_cell):
        plot_hog_pictures(X_test[samples], [names[y_test[i]] for i in samples],
                          folder / "hog.png")
        plots["hog.png"] = "Sample test images and their HOG cells."
    else:                   # not one HOG cell fits: nothing to draw
        notes.append(f"No HOG pictures: images of {X_test.shape[2]}x{X_test.shape[1]} pixels "
                     f"are smaller than a HOG cell of {hog_preset().pixels_per_cell} pixels.")
    bar.update()

    raw = [r for r in rows if r["features"] == "raw"]
    if raw:
        raw_model = estimators["raw", max(raw, key=lambda r: r["test_accuracy"])["loss"]]
    else:
        bar.set_description("report: raw-pixel templates")
        raw_model = make_pipeline("raw", "softmax", alpha=1e-3, random_state=seed)
        raw_model.fit(*subsample(X_train, y_train, 5000, seed))
    templates, template_names = class_templates(raw_model.named_steps["classifier"],
                                                raw_model.named_steps["scale"].scale_,
                                                X_train.shape[1:], names)
    plot_templates(templates, template_names, folder / "templates.png")
    plots["templates.png"] = "Raw-pixel weights of each class shown as images (templates)."
    bar.update()

    bovw = next((b for b in (_fitted_bovw(m) for m in estimators.values()) if b is not None),
                None)
    if bovw is not None:
        plot_dictionary(bovw.dictionary_image(), folder / "dictionary.png")
        plots["dictionary.png"] = "The bag-of-words dictionary (k-means words)."
        if settings.get("dictionary", "once") == "once":
            notes.append(
                "The bag-of-words dictionary was learned once, by k-means on patches of all "
                "the training images, and shared by the cross-validation splits: k-means "
                "uses no labels, so no label leaks into a split's validation score (Coates "
                "et al. do the same). `--dictionary per-split` learns one per split.")
        else:
            notes.append("The bag-of-words dictionary was learned anew on each "
                         "cross-validation split's training images (`--dictionary "
                         "per-split`), and on all of them for the refit.")
    notes += search_tol_notes(estimators)
    bar.update()
    bar.set_description("report: the best model")
    model_file = save_best_model(folder, best, model, data, settings)
    bar.update()
    bar.close()

    results = {"settings": settings, "rows": rows,
               "best": {"features": best["features"], "loss": best["loss"]},
               "class_names": list(names), "confusion_matrix": matrix.tolist(),
               "per_class": metrics, "model": model_file,
               "optimizer_curves": curves, "plots": sorted(plots)}
    with open(folder / "results.json", "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
    lines = ["# Classification report", "",
             f"Data: {settings['dataset']}, {len(y_train)} training and {len(y_test)} test "
             f"images of shape {tuple(X_train.shape[1:])}, {len(names)} classes.", "",
             "Settings: " + ", ".join(f"`{k}={v}`" for k, v in settings.items()), "",
             "## Comparison", "", render(rows, "markdown"), ""]
    lines += [f"- {line}" for line in grid_notes(rows)] + ([""] if grid_notes(rows) else [])
    lines += [
             f"Best on the test images: **{best['features']} / {best['loss']}**, accuracy "
             f"{best['test_accuracy']:.4f}, refit on all the training images at alpha "
             f"{best['refit_alpha']:g}: the best alpha searched, {best['best_alpha']:g}, "
             "times the images of a split's training part over all the training images "
             "(the same C = 1 / (alpha n)).", ""]
    lines += best_model_lines(best, metrics, model_file, "gallery.png" in plots)
    for note in notes:
        lines += [note, ""]
    for name, caption in plots.items():
        lines += [f"## {caption}", "", f"![{caption}]({name})", ""]
    (folder / "report.md").write_text("\n".join(lines), encoding="utf-8")
    return results
