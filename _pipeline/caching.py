"""Feature caching: :class:`CachedFeatures` and the checks of a cache folder."""

import os
import tempfile
from pathlib import Path

from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted, check_memory


def memory_of(memory):
    """``check_memory`` that also takes a ``pathlib.Path``."""
    return check_memory(os.fspath(memory) if isinstance(memory, os.PathLike) else memory)


def check_memory_folder(memory):
    """A cache folder that exists or can be made, and can be written: ValueError otherwise.

    joblib would only find out at the first ``fit``, with a bare ``OSError``.
    """
    if not isinstance(memory, (str, os.PathLike)):
        return memory_of(memory)
    folder = Path(memory)
    if not str(memory).strip():
        raise ValueError("memory must name a folder for the feature cache, got an empty "
                         "string.")
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"memory={os.fspath(memory)!r} is a file; give a folder for the "
                         "feature cache (it is created if missing).")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise ValueError(f"memory={os.fspath(memory)!r} cannot be used as the feature cache "
                         f"({error.strerror or error}); give a folder you can write "
                         "to.") from None
    return memory_of(memory)


def _fit_transform(transformer, X, y):
    Xt = transformer.fit_transform(X, y)
    return transformer, Xt


def _transform(transformer, X):
    return transformer.transform(X)


class CachedFeatures(TransformerMixin, BaseEstimator):
    """A feature transformer whose outputs are cached on disk, keyed by input.

    ``Pipeline(memory=...)`` caches only ``fit_transform`` on the training
    part; a grid search also transforms each validation part once per
    candidate.  This wrapper caches both, keyed by the transformer's
    parameters (or fitted state) and the input array, so that a search over
    the classifier's ``alpha`` computes each split's features once, whatever
    the number of candidates and losses.

    Parameters
    ----------
    transformer : estimator
        The feature extractor (cloned before fitting).
    memory : str, path or joblib.Memory, default=None
        The cache; None disables it.

    Attributes
    ----------
    transformer_ : estimator
        The fitted clone.
    n_features_in_ : int
    """

    _parameter_constraints = {
        "transformer": [HasMethods(["fit", "transform"])],
        "memory": [None, str, os.PathLike, HasMethods(["cache"])],
    }

    def __init__(self, transformer, memory=None):
        self.transformer = transformer
        self.memory = memory

    def fit(self, X, y=None):
        """Fit the transformer (through the cache).

        Returns
        -------
        self
        """
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X, y=None):
        """Fit the transformer and return the features of ``X``, cached.

        Returns
        -------
        features : ndarray of shape (n, n_features_out)
        """
        self._validate_params()
        cached = memory_of(self.memory).cache(_fit_transform)
        self.transformer_, Xt = cached(clone(self.transformer), X, y)
        if hasattr(self.transformer_, "n_features_in_"):
            self.n_features_in_ = self.transformer_.n_features_in_
        return Xt

    def transform(self, X):
        """Features of ``X`` from the fitted transformer, cached.

        Returns
        -------
        features : ndarray of shape (n, n_features_out)
        """
        check_is_fitted(self, "transformer_")
        return memory_of(self.memory).cache(_transform)(self.transformer_, X)

    def get_feature_names_out(self, input_features=None):
        """The fitted transformer's feature names."""
        check_is_fitted(self, "transformer_")
        return self.transformer_.get_feature_names_out(input_features)
