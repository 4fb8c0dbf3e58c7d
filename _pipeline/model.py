"""A fitted pipeline kept for later use: :class:`Model`, saved and loaded with skops.

A model file is a skops file (``skops.io``, made for scikit-learn models): a
zip of JSON and ``.npy`` arrays that loads without running code from the
file, unlike a pickle.  Loading refuses every type that is neither one of
skops' own trusted types (numpy, scikit-learn) nor one of this project's
classes listed in :data:`TRUSTED_TYPES`, by name: a file that holds another
type was written by another version or altered, and is refused with the
names of those types.  Its top level is a plain dict::

    {"format": "classic-image-pipeline model", "format_version": 1,
     "metadata": {...}, "pipeline": <fitted Pipeline>}

``metadata`` records the class names, the image shape the pipeline expects,
the feature settings, the training settings and scores, and the versions of
this project, Python, numpy, scikit-learn, scikit-image and skops it was
trained with.  A file of another format version or another version of this
project is refused before its objects are built.
"""

import io
import json
import os
import warnings
import zipfile
from pathlib import Path

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from classifiers import LinearClassifier, LinearSVM, SoftmaxClassifier
from classifiers.exact import SVMMemory
from classifiers.full_batch import LBFGSMemory
from classifiers.optimizers import (
                                    OPTIMIZERS,
                                    AccumulatorState,
                                    AdaDeltaState,
                                    MomentsState,
                                    SearchState,
                                    StepState,
                                    VelocityState,
)
from classifiers.preconditioning import SecondMoment
from features import HOG, BagOfVisualWords, ChunkedScaler, ColorHistogram, RawPixels
from features.atomic import replacing

from . import __version__
from .spec import parts_of
from .versions import PROJECT, versions

#: What the ``format`` entry of every model file says.
FORMAT = "classic-image-pipeline model"

#: The layout of the file (its keys and metadata); a file of another one is refused.
FORMAT_VERSION = 1


def _name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


#: This project's types a model file may hold, trusted by name: the feature
#: and classifier estimators, the optimizers, and the state a fitted
#: classifier keeps (its warm-start memory, optimizer state, preconditioner).
#: Everything else the file holds must be one of skops' own trusted types.
#: The names some of them had before a move, in files saved then: the class
#: is still importable by that name (``ChunkedScaler`` from ``features.chunks``).
TRUSTED_TYPES = tuple(sorted({_name(cls) for cls in (
    HOG, ColorHistogram, RawPixels, BagOfVisualWords, ChunkedScaler,
    LinearClassifier, LinearSVM, SoftmaxClassifier, *OPTIMIZERS.values(),
    SVMMemory, LBFGSMemory, SecondMoment, StepState, VelocityState, AccumulatorState,
    AdaDeltaState, MomentsState, SearchState)} | {"features.chunks.ChunkedScaler"}))


class ModelFileError(ValueError):
    """A model file that cannot be loaded: missing, not a model, of another version, or altered."""


def library_versions():
    """The versions a model records: this project, Python and the libraries it relies on."""
    return versions(PROJECT, "python", "numpy", "scikit-learn", "scikit-image", "Pillow",
                    "skops")


def feature_settings(step):
    """The settings of a features step: ``{name: {parameter: value}}``, for every
    extractor (one per member of a union), with values fit for JSON."""
    return {name: {"class": _name(type(extractor)),
                   **{key: _plain(value)
                      for key, value in extractor.get_params(deep=False).items()}}
            for name, extractor in parts_of(step, type(step).__name__)}


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, type):             # such as dtype=np.float32
        return np.dtype(value).name if issubclass(value, np.generic) else _name(value)
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return repr(value)


class Model:
    """A fitted image-classification pipeline with what it needs to be used again.

    Predictions are class names: ``classes_`` holds the name of each class
    the pipeline was trained on, in the order of the columns of
    :meth:`decision_function` and :meth:`predict_proba`.

    Parameters
    ----------
    pipeline : fitted sklearn.pipeline.Pipeline
        Images in, labels out (such as :func:`pipeline.make_pipeline`'s).
    class_names : sequence of str, optional
        The name of each label index, when the pipeline was trained on the
        indices ``0 .. n - 1`` (as the command line trains it).  None: the
        pipeline's own labels are the names.
    image_shape : tuple of int
        ``(height, width)`` or ``(height, width, channels)`` of the images it
        was trained on; :meth:`predict` refuses images of another shape.
    info : dict, optional
        More to record (features, loss, alpha, scores, run settings);
        values fit for JSON.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    metadata : dict
        ``class_names``, ``classes``, ``image_shape``, ``feature_settings``,
        ``versions`` (of the training run) and ``info``.
    """

    def __init__(self, pipeline, *, class_names=None, image_shape, info=None):
        if not isinstance(pipeline, Pipeline):
            raise TypeError(f"pipeline must be a fitted sklearn Pipeline, got "
                            f"{type(pipeline).__name__}.")
        check_is_fitted(pipeline)
        labels = pipeline.classes_
        if class_names is not None:
            class_names = [str(name) for name in class_names]
            if labels.dtype.kind not in "iu" or labels.min() < 0 \
                    or labels.max() >= len(class_names):
                raise ValueError(f"class_names names label indices 0..{len(class_names) - 1}, "
                                 f"but the pipeline's labels are {labels.tolist()[:10]}.")
            classes = [class_names[int(k)] for k in labels]
        else:
            classes = [_plain(k) for k in labels]
        shape = tuple(int(n) for n in image_shape)
        if len(shape) not in (2, 3) or min(shape) < 1:
            raise ValueError(f"image_shape must be (height, width) or (height, width, "
                             f"channels) of positive sizes, got {image_shape!r}.")
        self.pipeline = pipeline
        self.classes_ = np.asarray(classes)
        self.metadata = {
            "class_names": class_names if class_names is not None else classes,
            "classes": classes, "image_shape": list(shape),
            "feature_settings": feature_settings(pipeline.steps[0][1]),
            "versions": library_versions(), "info": dict(info or {})}

    @property
    def image_shape(self):
        """``(height, width[, channels])`` of the images the model takes."""
        return tuple(self.metadata["image_shape"])

    @property
    def is_probabilistic(self):
        """Whether :meth:`predict_proba` is available (a softmax classifier)."""
        return hasattr(self.pipeline, "predict_proba")

    def __repr__(self):
        info = self.metadata["info"]
        what = " / ".join(str(info[k]) for k in ("features", "loss") if k in info)
        return (f"Model({what or type(self.pipeline[-1]).__name__}, "
                f"{len(self.classes_)} classes, images {self.image_shape})")

    def _check(self, X):
        X = np.asarray(X)
        shape = self.image_shape
        if X.ndim != len(shape) + 1 or X.shape[1:] != shape:
            raise ValueError(
                f"This model takes images of shape (n, {', '.join(map(str, shape))}); got an "
                f"array of shape {X.shape}. Resize the images to {shape[1]}x{shape[0]} "
                "pixels (python pipeline.py predict --resize does).")
        return X

    def predict(self, X):
        """The class name of each image.

        Parameters
        ----------
        X : array-like of shape (n, height, width[, channels])
            Images as the model was trained on them (uint8 0..255 or float
            0..1), of :attr:`image_shape`.

        Returns
        -------
        names : ndarray of shape (n,)
        """
        return self.classes_[np.searchsorted(self.pipeline.classes_,
                                             self.pipeline.predict(self._check(X)))]

    def decision_function(self, X):
        """The classifier's scores, shape (n, n_classes), or (n,) for two classes."""
        return self.pipeline.decision_function(self._check(X))

    def predict_proba(self, X):
        """Softmax probabilities, shape (n, n_classes), columns in ``classes_`` order.

        Raises
        ------
        AttributeError
            The classifier is not a softmax one (no probabilities).
        """
        if not self.is_probabilistic:
            raise AttributeError(f"This model's classifier ({type(self.pipeline[-1]).__name__}"
                                 f" with loss {self.pipeline[-1].loss!r}) gives no "
                                 "probabilities; use decision_function, or top_k's scores.")
        return self.pipeline.predict_proba(self._check(X))

    def class_scores(self, X):
        """One score per image and class, shape (n, n_classes): the probabilities of a
        softmax model, otherwise the decision scores (two classes: ``-s`` and ``s``)."""
        if self.is_probabilistic:
            return self.predict_proba(X)
        scores = self.decision_function(X)
        return np.column_stack([-scores, scores]) if scores.ndim == 1 else scores

    def top_k(self, X, k=3):
        """The ``k`` most likely classes of each image, best first, with their scores.

        Parameters
        ----------
        X : array-like of shape (n, height, width[, channels])
        k : int, default=3
            At most the number of classes.

        Returns
        -------
        names : ndarray of shape (n, k)
        scores : ndarray of shape (n, k)
            As :meth:`class_scores`: probabilities for a softmax model.
        """
        n_classes = len(self.classes_)
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) \
                or not 1 <= k <= n_classes:
            raise ValueError(f"k must be an int in 1..{n_classes} (the model's classes), got "
                             f"{k!r}.")
        scores = self.class_scores(X)
        # a stable sort of the negated scores: ties keep the classes' order, as argmax does
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return self.classes_[order], np.take_along_axis(scores, order, axis=1)

    def save(self, path):
        """Write the model to ``path`` (a skops file), atomically.

        Written to a hidden file beside ``path`` and renamed into place, so an
        interrupted save leaves ``path`` as it was.
        """
        import skops.io

        path = Path(path)
        if path.is_dir():
            raise IsADirectoryError(f"{path} is a folder; give a model file name such as "
                                    "model.skops.")
        if not path.parent.is_dir():
            raise FileNotFoundError(f"the folder of {path} does not exist; create it first.")
        content = {"format": FORMAT, "format_version": FORMAT_VERSION,
                   "metadata": self.metadata, "pipeline": self.pipeline}
        # usual_mode: mkstemp's 0600 is not a saved file's mode
        with replacing(path, usual_mode=True) as partial:
            skops.io.dump(content, partial)
        return path


def _recorded(data):
    """The format, format version and project version a model file says it has, read
    from its skops schema without building anything (None where it does not say)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            schema = json.loads(archive.read("schema.json"))
        content = schema["content"]

        def text(node):     # skops keeps a str or int as its JSON text
            if not isinstance(node, dict) or not isinstance(node.get("content"), str):
                return None
            return str(json.loads(node["content"]) if node.get("is_json") else node["content"])

        versions = content["metadata"]["content"]["versions"]["content"]
        return (text(content.get("format")), text(content.get("format_version")),
                text(versions.get("classic-image-pipeline")))
    except (KeyError, TypeError, AttributeError, ValueError, zipfile.BadZipFile):
        return None, None, None


def load_model(path):
    """Load a model written by :meth:`Model.save` (``python pipeline.py`` writes
    ``model.skops`` into its report folder).

    Nothing in the file is run: only skops' trusted types and this project's
    own (:data:`TRUSTED_TYPES`) are built.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    model : Model

    Raises
    ------
    ModelFileError
        (a ``ValueError``) The file is missing, is not a skops model file,
        was written by another version of this project or in another
        format, or holds types that are not trusted (named).

    Warns
    -----
    UserWarning
        When the libraries it was trained with (numpy, scikit-learn,
        scikit-image) have other versions here: predictions may differ.
    """
    import skops.io

    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or path-like (a model file), got "
                        f"{type(path).__name__}.")
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file" if not path.exists()
                             else f"{path} is not a file; give a model file (model.skops).")
    data = path.read_bytes()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ModelFileError(f"{path} is not a skops model file (not a zip archive); model "
                             "files are written by python pipeline.py (model.skops) or "
                             "Model.save.")
    fmt, fmt_version, version = _recorded(data)
    if fmt != FORMAT:
        raise ModelFileError(f"{path} is not a classic-image-pipeline model file (its format "
                             f"is {fmt!r}, expected {FORMAT!r}).")
    if fmt_version != str(FORMAT_VERSION) or version != __version__:
        raise ModelFileError(
            f"{path} was written by classic-image-pipeline {version} (model format "
            f"{fmt_version}); this is {__version__} (format {FORMAT_VERSION}), which loads "
            "only its own models: train it again with this version.")
    try:
        untrusted = skops.io.get_untrusted_types(data=data)
    except Exception as error:      # a damaged schema: skops raises many types
        raise ModelFileError(f"{path} is not a readable skops file ({type(error).__name__}: "
                             f"{error}).") from None
    unknown = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unknown:
        raise ModelFileError(
            f"{path} holds types that a classic-image-pipeline {__version__} model never "
            f"holds, so it was altered or written by other code; refusing to load it: "
            f"{', '.join(unknown)}.")
    try:
        content = skops.io.loads(data, trusted=list(TRUSTED_TYPES))
    except Exception as error:
        raise ModelFileError(f"{path} could not be loaded ({type(error).__name__}: "
                             f"{error}).") from None
    return _model_of(content, path)


def _model_of(content, path):
    """The :class:`Model` of a loaded file's content, checked."""
    pipeline = content.get("pipeline") if isinstance(content, dict) else None
    metadata = content.get("metadata") if isinstance(content, dict) else None
    keys = ("class_names", "classes", "image_shape", "feature_settings", "versions", "info")
    if not isinstance(pipeline, Pipeline) or not isinstance(metadata, dict) \
            or any(key not in metadata for key in keys):
        raise ModelFileError(f"{path} lacks a fitted pipeline or its metadata ({', '.join(keys)})"
                             "; it was altered.")
    model = Model.__new__(Model)
    model.pipeline, model.metadata = pipeline, metadata
    model.classes_ = np.asarray(metadata["classes"])
    if len(model.classes_) != len(getattr(pipeline, "classes_", ())):
        raise ModelFileError(f"{path} names {len(model.classes_)} classes but its pipeline "
                             "has another number; it was altered.")
    here = library_versions()
    differ = [f"{name} {metadata['versions'].get(name)} (here {here[name]})"
              for name in ("numpy", "scikit-learn", "scikit-image")
              if metadata["versions"].get(name) != here[name]]
    if differ:
        warnings.warn(f"{path} was trained with {', '.join(differ)}; its predictions may "
                      "differ slightly here.", UserWarning, stacklevel=3)
    return model
