"""Build and compare image-classification pipelines; ``python pipeline.py`` runs the comparison.

The public front of the main job; its internals live in the package
``_pipeline`` (presets, caching, checks, the comparison, data, report and
command line), which imports the libraries :mod:`features` and
:mod:`classifiers` and is imported by nothing but this module.

* :func:`make_pipeline` builds ``features -> StandardScaler -> classifier``
  from short names (``'raw'``, ``'hog'``, ``'color'``, ``'bovw'``, ...: the
  registry :data:`FEATURES`; unions such as ``'hog+color'``) and a loss
  name (:data:`LOSSES`), every loss trained to its optimum.
* :func:`compare` grid-searches the regularization strength of each feature
  set and loss with every cross-validation split's features computed once
  (:class:`CachedFeatures`), refits the best, and scores it on test data.
* :func:`load_dataset` reads CIFAR-10 or an image folder for the command line.
* :func:`main` is the command line (``python pipeline.py --help``): the
  comparison on CIFAR-10 or your images, and a report with plots and the
  best model (``model.skops``); ``python pipeline.py predict MODEL PATH...``
  classifies image files with a saved model into a CSV file.
* :func:`load_model` loads a saved model (skops, only trusted types built):
  a :class:`Model`, whose ``predict`` takes images and returns class names.

Examples
--------
>>> import pipeline
>>> pipe = pipeline.make_pipeline("hog+color", loss="softmax", alpha=1e-3)
>>> [name for name, _ in pipe.steps]
['features', 'scale', 'classifier']
"""

import sys

from _pipeline import __version__
from _pipeline.caching import CachedFeatures
from _pipeline.cli import main
from _pipeline.compare import compare
from _pipeline.data import load_dataset
from _pipeline.model import Model, ModelFileError, load_model
from _pipeline.presets import (
    DEFAULT_ALPHAS,
    FEATURES,
    LOSSES,
    default_alphas,
    feature_step,
    make_pipeline,
)

__all__ = ["make_pipeline", "compare", "CachedFeatures", "load_dataset", "main",
           "feature_step", "FEATURES", "LOSSES", "DEFAULT_ALPHAS", "default_alphas",
           "load_model", "Model", "ModelFileError", "__version__"]


if __name__ == "__main__":
    # The command line through the importable modules, so that pickled
    # estimators (joblib workers, the cache) refer to importable classes.
    sys.exit(main())
