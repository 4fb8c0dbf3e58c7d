"""The main job's internals; :mod:`pipeline` is their public front.

* :mod:`.presets`: feature and loss names, :func:`make_pipeline`.
* :mod:`.caching`: :class:`CachedFeatures` and cache folders.
* :mod:`.checks`: every check of a comparison, in two steps (settings, data).
* :mod:`.compare`: the grid search per feature set and loss, and the refit.
* :mod:`.tables`: the rows' columns and their one renderer.
* :mod:`.data`: loading, subsets and splits for the command line.
* :mod:`.report`: the plots and files of ``--out``.
* :mod:`.cli`: the command line.

Imports point one way: :mod:`pipeline` -> here -> :mod:`features` and
:mod:`classifiers`; nothing here imports :mod:`pipeline`.
"""
