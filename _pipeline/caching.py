"""Feature caching: :class:`FeatureCache` (one folder's layout and key rule),
:class:`CachedFeatures` and the checks of a cache folder."""

import contextlib
import errno
import functools
import hashlib
import json
import os
import tempfile
import uuid
import warnings
from pathlib import Path

import joblib
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted, check_memory

from features import learns_from_data
from features.atomic import owner_tag, remove_orphans, replacing

from .versions import PROJECT, versions

#: The distributions whose code decides what a cache entry holds: this project
#: and the libraries whose output it stores.  An entry written under other
#: versions of any of them is computed again (:func:`versions_id`).
CACHE_DISTRIBUTIONS = (PROJECT, "numpy", "scikit-learn", "scikit-image", "Pillow")


@functools.lru_cache(maxsize=None)
def _installed_versions():
    return tuple(versions(*CACHE_DISTRIBUTIONS).items())


def cache_versions():
    """The versions a cache entry is written under: name -> version of each of
    :data:`CACHE_DISTRIBUTIONS` (read once per process)."""
    return dict(_installed_versions())


def versions_id(location):
    """A short name for :func:`cache_versions`, part of every cache entry's key.

    The versions it stands for are recorded once in
    ``<location>/versions/<id>.json``, so that a later run under other
    versions can say which changed (:func:`stale_reason`).
    """
    versions = cache_versions()
    ident = hashlib.blake2b(json.dumps(versions, sort_keys=True).encode(),
                            digest_size=8).hexdigest()
    record = Path(location) / "versions" / f"{ident}.json"
    if not record.is_file():
        # Only a later warning's wording needs the record: a cache that cannot
        # take it (read-only, shared) is still read.
        with contextlib.suppress(OSError):
            record.parent.mkdir(parents=True, exist_ok=True)
            with replacing(record) as partial:
                Path(partial).write_text(json.dumps(versions, sort_keys=True))
    return ident


def stale_reason(location, ident):
    """Which versions differ between the entry written under ``ident`` and this run,
    as ``'numpy 1.26.4 (now 2.1.3)'``, or ``'other versions'`` if unrecorded."""
    try:
        old = json.loads((Path(location) / "versions" / f"{ident}.json").read_text())
    except (OSError, ValueError):
        return "other versions of this project or of " + ", ".join(CACHE_DISTRIBUTIONS[1:])
    now = cache_versions()
    changed = [f"{name} {old.get(name, 'unknown')} (now {version})"
               for name, version in now.items() if old.get(name) != version]
    return ", ".join(changed) or "other versions"


def warn_stale(what, location, ident, redo="computing it again"):
    """The one warning of an entry written under other versions, recomputed."""
    warnings.warn(f"{what} was written under {stale_reason(location, ident)}; {redo}.",
                  RuntimeWarning, stacklevel=3)


def versioned_entry(folder, key, suffix, location):
    """The file or folder of cache entry ``key`` under the running versions, and the
    ids of the versions of the same entry written under others.

    The entry is ``<folder>/<key>-<versions id><suffix>``: a run under other
    versions looks for another name, so it never reads an entry it did not
    write, and the siblings name what it replaces.

    Returns
    -------
    path : Path
    stale : list of (Path, str)
        The same entry of other versions, with their :func:`versions_id`.
    """
    folder = Path(folder)
    path = folder / f"{key}-{versions_id(location)}{suffix}"
    stale = []
    for other in sorted(folder.glob(f"{key}-*{suffix}")):
        ident = other.name[len(key) + 1:len(other.name) - len(suffix)]
        if other != path and ident.isalnum():
            stale.append((other, ident))
    return path, stale


def versioned_call(memory, function, *args, what):
    """``function(*args, versions=...)`` through ``memory``, keyed also by the running
    versions (:func:`cache_versions`); an entry of other versions is computed again,
    with one warning naming ``what`` and the versions that changed.

    ``function`` takes a ``versions`` argument only to make them part of the key.
    """
    cached = memory.cache(function)
    if memory.location is None:
        return cached(*args, versions=None)
    ident = versions_id(memory.location)
    if not cached.check_call_in_cache(*args, versions=ident):
        for record in sorted((Path(memory.location) / "versions").glob("*.json")):
            if record.stem != ident and cached.check_call_in_cache(*args, versions=record.stem):
                warn_stale(what, memory.location, record.stem, "computing it again")
                break
    return cached(*args, versions=ident)


def memory_of(memory):
    """``check_memory`` that also takes a ``pathlib.Path``."""
    return check_memory(os.fspath(memory) if isinstance(memory, os.PathLike) else memory)


def check_memory_folder(memory):
    """A cache folder that exists or can be made, and can be written: ValueError otherwise.

    joblib would only find out at the first ``fit``, with a bare ``OSError``.
    Nothing is created (``joblib.Memory`` makes its folder when constructed).
    """
    if not isinstance(memory, (str, os.PathLike)):
        memory_of(memory)               # a joblib.Memory, or an error
        return
    folder = Path(memory)
    if not str(memory).strip():
        raise ValueError("memory must name a folder for the feature cache, got an empty "
                         "string.")
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"memory={os.fspath(memory)!r} is a file; give a folder for the "
                         "feature cache (it is created if missing).")
    # A missing folder is made by the run that fills it, not here: a check that
    # fails later (another setting, the data) must leave nothing behind.  So the
    # nearest existing ancestor is what must take a new entry.
    existing = folder.absolute()
    while not existing.exists():
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, f"{existing} is a file")
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        raise ValueError(f"memory={os.fspath(memory)!r} cannot be used as the feature cache "
                         f"({error.strerror or error}); give a folder you can write "
                         "to.") from None


def scratch_cache():
    """A temporary folder for the features of a run given no cache folder.

    A ``tempfile.TemporaryDirectory`` named ``pipeline-cache-<host>-<pid>-...``:
    it holds every feature of the run, and a killed run (SIGKILL, the OOM
    killer) cannot remove it, so the next run on this host removes those
    whose process is gone.
    """
    remove_orphans(tempfile.gettempdir(), "pipeline-cache-")
    return tempfile.TemporaryDirectory(prefix=f"pipeline-cache-{owner_tag()}")


def _fit_transform(transformer, X, y, versions=None):
    Xt = transformer.fit_transform(X, y)
    return transformer, Xt


def _transform(transformer, X, versions=None):
    return transformer.transform(X)


def image_keys(X):
    """One 16-byte key per image: a hash of its pixels, dtype and shape.

    Equal images get equal keys, whichever array or row they come from.
    """
    X = np.ascontiguousarray(X)
    header = hashlib.blake2b(f"{X.dtype.str}{X.shape[1:]}".encode(), digest_size=16)
    keys = []
    for row in X.reshape(len(X), -1):
        key = header.copy()
        key.update(row.view(np.uint8))
        keys.append(key.digest())
    return keys


class ImageFeatureStore:
    """The features of every image a stateless transformer has seen, on disk, keyed by image.

    A folder of parts, each two ``.npy`` files: the features of some images
    and their :func:`image_keys`.  A part is written features first, keys
    last, each atomically: a part without its keys file is unfinished (or
    being written by another worker) and is ignored, so several processes
    can share one store.  :meth:`features` computes only the images no part
    holds yet.

    Parameters
    ----------
    folder : path
        Created if missing; one folder per transformer (its settings and
        fitted image shape).
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def _index(self):
        """key -> (part file, row) of every finished part that can be read."""
        where = {}
        for keys_file in sorted(self.folder.glob("part-*.keys.npy")):
            path = self.folder / (keys_file.name[:-len(".keys.npy")] + ".npy")
            keys = self._keys_of(keys_file, path)
            for row, key in enumerate(map(bytes, () if keys is None else keys)):
                where.setdefault(key, (path, row))
        return where

    @staticmethod
    def _keys_of(keys_file, path):
        """The keys of a finished part; None, with a warning, when the part is damaged
        (truncated, emptied, replaced, a file gone): it is removed, and its images
        are computed again, as compare does with a damaged feature file."""
        try:
            keys = np.load(keys_file)
            features = np.load(path, mmap_mode="r")
            if (keys.dtype == np.uint8 and keys.ndim == 2 and keys.shape[1] == 16
                    and features.ndim >= 1 and features.shape[0] == len(keys)):
                return keys
            problem = (f"holds features of shape {features.shape} for keys of shape "
                       f"{keys.shape}")
        except (ValueError, OSError, EOFError) as error:
            problem = f"cannot be read ({error})"
        warnings.warn(f"The cached features part {path} {problem}; removing it and computing "
                      "its images' features again.", RuntimeWarning, stacklevel=4)
        for file in (keys_file, path):
            with contextlib.suppress(OSError):
                file.unlink()
        return None

    def features(self, transform, X):
        """``transform(X)``, computing only the images that no part holds yet.

        Parameters
        ----------
        transform : callable
            The fitted transformer's ``transform``: images -> features, one
            row per image, each row depending on its image only.
        X : array-like of images

        Returns
        -------
        features : ndarray of shape (n, n_features_out)
        """
        try:
            images = np.asarray(X)
        except ValueError:
            images = None
        if images is None or images.dtype == object or images.ndim < 2 or not len(images):
            return transform(X)         # not images: the transformer says what is wrong
        keys = image_keys(images)
        where = self._index()
        todo, seen = [], set()
        for i, key in enumerate(keys):    # each new image once, also if X repeats it
            if key not in where and key not in seen:
                seen.add(key)
                todo.append(i)
        if todo:
            path = self._write_part(np.asarray(transform(images[todo])),
                                    [keys[i] for i in todo])
            where.update({keys[i]: (path, row) for row, i in enumerate(todo)})
        groups = {}
        for i, key in enumerate(keys):
            path, row = where[key]
            targets, rows = groups.setdefault(path, ([], []))
            targets.append(i)
            rows.append(row)
        out = None
        for path, (targets, rows) in groups.items():
            block = np.load(path, mmap_mode="r")[rows]
            if out is None:
                out = np.empty((len(keys),) + block.shape[1:], dtype=block.dtype)
            out[targets] = block
        return out

    def _write_part(self, features, keys):
        """Write one part (features first, keys last, each atomically); its features file."""
        name = f"part-{uuid.uuid4().hex}"
        for suffix, array in ((".npy", features),
                              (".keys.npy", np.frombuffer(b"".join(keys), np.uint8)
                               .reshape(len(keys), 16))):
            with replacing(self.folder / f"{name}{suffix}") as partial, open(partial, "wb") as f:
                np.save(f, array)
        return self.folder / f"{name}.npy"


class FeatureCache:
    """The feature cache of one folder: its layout and its one key rule.

    Every entry is keyed by what it depends on, hashed with ``joblib.hash``:
    the extractor (every setting of ``get_params``, and what a fitted one
    learned) and the images' content, and by the versions of the code that
    computed it (:func:`versions_id`), so that no entry is handed to another
    setting, other images or other versions.  Under ``location``:

    * ``features/<key>-<versions>.npy``: every image's features of a fitted
      extractor, keyed by the extractor and the images (:meth:`features_file`,
      compare's feature files);
    * ``image_features/<key>-<versions>/``: the per-image store of a
      transformer that learns nothing, keyed by the transformer, its rows by
      :func:`image_keys` (:meth:`image_store`, :class:`CachedFeatures`);
    * ``joblib/``: calls cached by ``joblib.Memory``, keyed by their arguments
      and the versions (:meth:`call`: fitted extractors, a learning
      transformer's features);
    * ``versions/<versions>.json``: what each versions id stands for, so that
      an entry recomputed under other versions is said once, with what changed.

    Parameters
    ----------
    memory : str, path, joblib.Memory or None
        The folder; None caches nothing (:attr:`location` is None).
    """

    def __init__(self, memory):
        self.memory = memory_of(memory)

    @property
    def location(self):
        """The cache folder, or None."""
        return self.memory.location

    @staticmethod
    def key(*what):
        """The key of an entry that depends on ``what``: ``joblib.hash`` of it."""
        return joblib.hash(what[0] if len(what) == 1 else what)

    def _entry(self, kind, key, suffix, what, redo):
        """The entry ``key`` of ``kind`` under the running versions, and the same entry of
        other versions; when only those exist, one warning that it is computed again."""
        path, stale = versioned_entry(Path(self.location) / kind, key, suffix, self.location)
        if stale and not path.exists():
            # The old entry is left as it is: another process of the old
            # versions may still be reading or adding to it.
            warn_stale(f"{what} {os.fspath(stale[0][0])}", self.location, stale[0][1], redo)
        return path, stale

    def features_file(self, extractor, X):
        """The ``.npy`` file of every image's features of the fitted ``extractor`` on ``X``,
        and the same file of other versions (to remove once it is replaced)."""
        (Path(self.location) / "features").mkdir(parents=True, exist_ok=True)
        return self._entry("features", self.key(extractor, X), ".npy", "The cached features",
                           "computing them again")

    def image_store(self, transformer):
        """The per-image store of a fitted ``transformer`` that learns nothing."""
        folder, _ = self._entry("image_features", self.key(transformer), "",
                                "The feature cache", "computing every image's features again")
        return ImageFeatureStore(folder)

    def call(self, function, *args, what):
        """``function(*args)`` through the cache (:func:`versioned_call`)."""
        return versioned_call(self.memory, function, *args, what=what)


class CachedFeatures(TransformerMixin, BaseEstimator):
    """A feature transformer whose outputs are cached on disk.

    ``Pipeline(memory=...)`` caches only ``fit_transform`` on the training
    part; a grid search also transforms each validation part once per
    candidate.  This wrapper caches both.  When the transformer learns
    nothing from the images (:func:`features.learns_from_data` is False:
    raw pixels, HOG, colour histograms and their unions), the cache is kept
    per image (:class:`ImageFeatureStore`): every image is transformed once,
    whichever splits, candidates, losses or refits see it.  Otherwise (the
    bag of words) the cache is keyed by the transformer's settings and the
    whole input, so each cross-validation split is computed once, whatever
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

    def _store(self):
        """The per-image store of a transformer that learns nothing, or None."""
        cache = FeatureCache(self.memory)
        if cache.location is None or learns_from_data(self.transformer_):
            return None
        return cache.image_store(self.transformer_)

    def fit_transform(self, X, y=None):
        """Fit the transformer and return the features of ``X``, cached.

        Returns
        -------
        features : ndarray of shape (n, n_features_out)
        """
        self._validate_params()
        if learns_from_data(self.transformer):
            self.transformer_, Xt = FeatureCache(self.memory).call(
                _fit_transform, clone(self.transformer), X, y,
                what=f"The cached fit of {type(self.transformer).__name__}")
        else:
            # Fitting learns the image shape only: cheap, and not worth a cache entry.
            self.transformer_ = clone(self.transformer).fit(X, y)
            store = self._store()
            Xt = (self.transformer_.transform(X) if store is None
                  else store.features(self.transformer_.transform, X))
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
        store = self._store()
        if store is not None:
            return store.features(self.transformer_.transform, X)
        return FeatureCache(self.memory).call(
            _transform, self.transformer_, X,
            what=f"The cached features of {type(self.transformer_).__name__}")

    def get_feature_names_out(self, input_features=None):
        """The fitted transformer's feature names."""
        check_is_fitted(self, "transformer_")
        return self.transformer_.get_feature_names_out(input_features)
