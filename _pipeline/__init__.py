"""The main job's internals; :mod:`pipeline` is their public front.

* :mod:`.extractors`: ``FEATURES``, the registry of feature names and what is known
  of each extractor (preset, checks, probe, cost model).
* :mod:`.spec`: :class:`~.spec.FeatureSpec`, a spec such as ``'hog+color'`` parsed once.
* :mod:`.presets`: loss names, :func:`make_pipeline`.
* :mod:`.caching`: :class:`~.caching.FeatureCache` (a cache folder's layout and key rule),
  :class:`CachedFeatures` and the checks of cache folders.
* :mod:`.checks`: every check of a comparison, in two steps (settings, data).
* :mod:`.compare`: the grid search per feature set and loss, and the refit.
* :mod:`.tables`: the rows' columns and their one renderer.
* :mod:`.data`: loading, subsets and splits for the command line.
* :mod:`.report`: the plots and files of ``--out``.
* :mod:`.model`: :class:`~.model.Model`, a fitted pipeline saved and loaded with skops.
* :mod:`.predict`: ``python pipeline.py predict``, a model's predictions on image files.
* :mod:`.cli`: the command line's :func:`~.cli.main`, with :mod:`.options` (the parser
  and the options' checks), :mod:`.staging` (the report's hidden folder beside
  ``--out``, published whole) and :mod:`.signals` (SIGTERM as an exception).

Imports point one way: :mod:`pipeline` -> here -> :mod:`features` and
:mod:`classifiers`; nothing here imports :mod:`pipeline`.
"""

#: This project's version (pyproject.toml's), recorded in every model file.
__version__ = "0.1.0"
