"""A feature spec such as ``'hog+color'``, parsed once into a :class:`FeatureSpec`.

The spec names extractors of the registry :data:`~._pipeline.extractors.FEATURES`
joined by ``+``; the object knows its names and their settings, builds its
transformer (one extractor, or a ``FeatureUnion`` of them), and runs what the
registry says of each part: the settings checks, the two-image probe and the
cost model.  This is the one module that splits a spec or unpacks a union.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from sklearn.pipeline import FeatureUnion

from _constraints import InvalidParameterError

from .extractors import FEATURES, feature, timed_cost


def written_names(features):
    """The names of a spec as written, stripped but unchecked.

    For the command line, which reads its options before they are checked;
    everything else uses :meth:`FeatureSpec.parse`.
    """
    return [name.strip() for name in str(features).split("+")]


def check_feature_params(feature_params):
    """``feature_params`` as a dict of name -> dict of settings, checked."""
    if feature_params is None:
        return {}
    example = "e.g. {'bovw': {'n_words': 400}}"
    if not isinstance(feature_params, Mapping):
        raise InvalidParameterError(
            f"feature_params must be a dict of feature name -> dict of settings "
            f"({example}), got {feature_params!r}.")
    for name, params in feature_params.items():
        if not isinstance(params, Mapping):
            raise InvalidParameterError(
                f"feature_params[{name!r}] must be a dict of settings ({example}), "
                f"got {params!r}.")
    return {name: dict(params) for name, params in feature_params.items()}


def parts_of(step, name=None):
    """The ``(name, extractor)`` parts of a features step: the members of a
    ``FeatureUnion``, or the step itself under ``name``."""
    if isinstance(step, FeatureUnion):
        return list(step.transformer_list)
    return [(name, step)]


@dataclass(frozen=True, eq=False)
class FeatureSpec:
    """Extractors of :data:`~._pipeline.extractors.FEATURES` and their settings.

    Made by :meth:`parse`; ``str(spec)`` is the canonical spec (``'hog+color'``).

    Parameters
    ----------
    names : tuple of str
        Registered feature names, each once.
    params : dict of str -> dict
        Settings per name overriding the registry's presets.
    """

    names: tuple
    params: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, features, feature_params=None):
        """The spec of ``features``, such as ``'hog+color'``, with ``feature_params``.

        Parameters
        ----------
        features : str
            Names of :data:`~._pipeline.extractors.FEATURES` joined by ``+``.
        feature_params : dict of str -> dict, optional
            Settings per name, e.g. ``{'bovw': {'n_words': 400}}``.

        Returns
        -------
        spec : FeatureSpec

        Raises
        ------
        InvalidParameterError
            (a ValueError and a TypeError) For an unknown or repeated name
            (listing the valid ones), or ``feature_params`` that are not a
            dict of name -> dict or name a feature the spec does not use.

        Examples
        --------
        >>> spec = FeatureSpec.parse("hog + color", {"color": {"bins": 4}})
        >>> str(spec), spec.names, spec.learned
        ('hog+color', ('hog', 'color'), ())
        >>> [(name, type(extractor).__name__) for name, extractor in spec.parts()]
        [('hog', 'HOG'), ('color', 'ColorHistogram')]
        """
        valid = ", ".join(repr(n) for n in FEATURES)
        if not isinstance(features, str):
            raise InvalidParameterError(
                f"features must be a string such as 'hog+color' (names {valid} "
                f"joined by '+'), got {features!r}.")
        names = written_names(features)
        unknown = [n for n in names if n not in FEATURES]
        if unknown:
            raise InvalidParameterError(
                f"Unknown feature name(s) {unknown} in {features!r}; valid names are "
                f"{valid}, joined by '+' for a union (e.g. 'hog+color').")
        if len(set(names)) != len(names):
            raise InvalidParameterError(
                f"features {features!r} names a feature twice.")
        params = check_feature_params(feature_params)
        stray = sorted(set(params) - set(names))
        if stray:
            raise InvalidParameterError(
                f"feature_params names {stray}, which {features!r} does not use.")
        return cls(tuple(names), params)

    def __str__(self):
        return "+".join(self.names)

    @property
    def learned(self):
        """The names whose extractor learns from the images in its ``fit`` (the bag of
        words' dictionary), which a seeded comparison seeds."""
        return tuple(name for name in self.names if feature(name).learned)

    def build(self):
        """The transformer: the one extractor, or a ``FeatureUnion`` named by the names."""
        steps = []
        for name in self.names:
            extractor = feature(name).build()
            extractor.set_params(**self.params.get(name, {}))
            steps.append((name, extractor))
        return steps[0][1] if len(steps) == 1 else FeatureUnion(steps)

    def parts(self):
        """``(name, extractor)`` of each name, built with its settings."""
        return parts_of(self.build(), self.names[0])

    def check(self):
        """Raise on the settings an extractor would refuse at ``fit``."""
        for name, extractor in self.parts():
            check = feature(name).check
            if check is not None:
                check(extractor.get_params(), type(extractor).__name__)

    def probe(self, X, n_fit, shape):
        """Run each extractor's probe on two images of ``X``: bad settings and sizes fail here.

        The bag of words is not fitted (k-means is the long work): its
        ``n_words`` is checked against the patch positions of ``n_fit``
        images (the smallest cross-validation training part).  So a bad
        setting, or images too small for HOG cells or patches, fail before
        any long work.  ``shape`` is the user's ``X``'s, for the messages.
        """
        for name, extractor in self.parts():
            probe = feature(name).probe
            if probe is not None:
                probe(name, extractor, X, n_fit, shape)

    def cost(self, sample, n_images, flop):
        """Seconds to transform ``n_images`` like ``sample``, and the number of features.

        Each part by its cost model (timed on ``sample`` by default); ``flop``
        is this machine's seconds per floating-point operation of a GEMM.
        """
        seconds, width = 0.0, 0
        for name, extractor in self.parts():
            cost = feature(name).cost or timed_cost
            part_seconds, part_width = cost(extractor, sample, n_images, flop)
            seconds += part_seconds
            width += part_width
        return seconds, width
