"""The feature spec: parsed once into a FeatureSpec that builds, checks, probes and
costs its extractors, all read from the one registry of feature names (issue 25)."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import FeatureUnion
from test_pipeline import shapes_and_colours

import pipeline
from _constraints import InvalidParameterError
from _pipeline import estimate
from _pipeline.checks import check_data, check_settings
from _pipeline.extractors import FEATURES, Feature, feature
from _pipeline.spec import FeatureSpec, parts_of, written_names
from features import HOG, BagOfVisualWords, ColorHistogram, RawPixels

# ------------------------------------------------------------------------ parsing

@pytest.mark.parametrize("features, match", [
    ("", r"Unknown feature name\(s\) \[''\] in ''; valid names are 'raw', 'hog', 'color', "
         r"'hogfine', 'colorgrid', 'bovw', joined by '\+' for a union"),
    ("sift", r"Unknown feature name\(s\) \['sift'\] in 'sift'"),
    ("hog+", r"Unknown feature name\(s\) \[''\] in 'hog\+'"),
    ("+hog", r"Unknown feature name\(s\) \[''\] in '\+hog'"),
    ("hog+sift+lbp", r"Unknown feature name\(s\) \['sift', 'lbp'\]"),
    ("hog+hog", r"features 'hog\+hog' names a feature twice"),
    ("color + hog+color", r"features 'color \+ hog\+color' names a feature twice"),
    (["hog"], r"features must be a string such as 'hog\+color' \(names 'raw', 'hog', "
              r"'color', 'hogfine', 'colorgrid', 'bovw' joined by '\+'\), got \['hog'\]"),
    (None, "features must be a string"),
])
def test_parse_refuses_bad_specs_with_the_valid_names(features, match):
    with pytest.raises(InvalidParameterError, match=match):
        FeatureSpec.parse(features)
    with pytest.raises(ValueError, match=match):        # the public front says the same
        pipeline.feature_step(features)


@pytest.mark.parametrize("feature_params, match", [
    ([("hog", {})], r"feature_params must be a dict of feature name -> dict of settings"),
    ({"hog": 8}, r"feature_params\['hog'\] must be a dict of settings"),
    ({"bovw": {"n_words": 8}}, r"feature_params names \['bovw'\], which 'hog \+ color' "
                               "does not use"),
])
def test_parse_refuses_bad_feature_params(feature_params, match):
    with pytest.raises(InvalidParameterError, match=match):
        FeatureSpec.parse("hog + color", feature_params)


def test_parse_gives_the_canonical_names_and_the_params_of_each():
    spec = FeatureSpec.parse(" hog +color", {"color": {"bins": 4}})
    assert spec.names == ("hog", "color") and str(spec) == "hog+color"
    assert spec.params == {"color": {"bins": 4}}
    assert spec.learned == ()
    assert FeatureSpec.parse("bovw+raw").learned == ("bovw",)
    # what the command line reads before anything is checked
    assert written_names("hog + bovw") == ["hog", "bovw"]
    assert written_names("sift+") == ["sift", ""]


# ------------------------------------------------------------------ build, parts

def test_build_one_extractor_or_a_union_named_by_the_names():
    single = FeatureSpec.parse("hog", {"hog": {"orientations": 6}}).build()
    assert isinstance(single, HOG) and single.orientations == 6
    assert single.get_params() == {**pipeline.feature_step("hog").get_params(),
                                   "orientations": 6}
    union = FeatureSpec.parse("raw+color+bovw", {"bovw": {"n_words": 7}}).build()
    assert isinstance(union, FeatureUnion)
    assert [(name, type(e)) for name, e in union.transformer_list] == [
        ("raw", RawPixels), ("color", ColorHistogram), ("bovw", BagOfVisualWords)]
    assert union.transformer_list[2][1].n_words == 7
    # each part with the registry's preset settings
    assert union.transformer_list[1][1].get_params() == FEATURES["color"][0]().get_params()


def test_the_command_line_s_hog_and_colour_set_is_both_scales_of_each():
    # 324 + 1,764 HOG values (8x8 and 4x4 cells, 2x2 blocks of 9 orientations)
    # and 512 + 4 x 64 colour bins on a 32x32 image
    spec = FeatureSpec.parse("hog+hogfine+color+colorgrid")
    images = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    widths = [extractor.fit(images).transform(images).shape[1] for _, extractor in spec.parts()]
    assert widths == [324, 1764, 512, 256]
    fine, grid = (extractor for name, extractor in spec.parts() if name in ("hogfine",
                                                                          "colorgrid"))
    assert fine.get_params() == {**FEATURES["hog"][0]().get_params(), "pixels_per_cell": (4, 4)}
    assert (grid.bins, grid.grid, grid.power, grid.mode) == (4, (2, 2), 0.5, "joint")
    with pytest.raises(ValueError, match="orientations"):
        FeatureSpec.parse("hogfine", {"hogfine": {"orientations": 0}}).check()
    with pytest.raises(ValueError, match="bins"):
        FeatureSpec.parse("colorgrid", {"colorgrid": {"bins": 0}}).check()


def test_parts_of_a_spec_and_of_a_fitted_step():
    spec = FeatureSpec.parse("hog+color", {"hog": {"orientations": 6}})
    parts = spec.parts()
    assert [name for name, _ in parts] == ["hog", "color"]
    assert parts[0][1].orientations == 6
    assert [(n, type(e)) for n, e in FeatureSpec.parse("raw").parts()] == [("raw", RawPixels)]
    X, y = shapes_and_colours(n_per_class=4)
    fitted = pipeline.make_pipeline("hog+color", max_iter=5).fit(X, y).named_steps["features"]
    assert [name for name, _ in parts_of(fitted)] == ["hog", "color"]
    hog = HOG().fit(X)
    assert parts_of(hog, "HOG") == [("HOG", hog)]


def test_check_and_probe_run_the_registry_s_checks():
    with pytest.raises(ValueError, match="orientations"):
        FeatureSpec.parse("color+hog", {"hog": {"orientations": 0}}).check()
    X = shapes_and_colours(n_per_class=2)[0]
    with pytest.raises(ValueError, match="n_words=50 needs a patch per word"):
        FeatureSpec.parse("bovw", {"bovw": {"n_words": 50, "n_patches": 40}}).probe(
            X, 1, X.shape)
    with pytest.raises(ValueError, match=r"hog: X has shape \(6, 1728\), flattened images"):
        FeatureSpec.parse("hog").probe(X.reshape(len(X), -1), 4, (6, 1728))


def test_a_bare_pair_in_the_registry_has_no_check_probe_or_cost(monkeypatch):
    monkeypatch.setitem(FEATURES, "raw", (RawPixels, "the pixels"))
    record = feature("raw")
    assert record.build is RawPixels and record.description == "the pixels"
    assert (record.check, record.probe, record.cost, record.learned) == (None, None, None,
                                                                         False)
    X = shapes_and_colours(n_per_class=2)[0]
    seconds, width = FeatureSpec.parse("raw").cost(X, 10, 1e-9)   # timed
    assert seconds >= 0 and width == X[0].size


# ---------------------------------------------------- a new extractor, one place

class Edges(TransformerMixin, BaseEstimator):
    """A new extractor: horizontal and vertical differences of the grey image, scaled."""

    def __init__(self, scale=1.0, random_state=None):
        self.scale = scale
        self.random_state = random_state

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        grey = np.asarray(X, dtype=np.float32).mean(axis=-1)
        return self.scale * np.hstack([np.diff(grey, axis=1).reshape(len(X), -1),
                                       np.diff(grey, axis=2).reshape(len(X), -1)])


def test_a_new_extractor_registered_in_one_place_flows_through(monkeypatch):
    seen = {"check": [], "probe": [], "cost": []}

    def check(settings, owner):
        seen["check"].append(owner)
        if settings["scale"] <= 0:
            raise InvalidParameterError(f"{owner}: scale must be positive.")

    def probe(name, extractor, X, n_fit, shape):
        seen["probe"].append((name, n_fit, shape))

    def cost(extractor, sample, n_images, flop):
        seen["cost"].append((extractor.scale, n_images))
        return 2.0 * n_images, 100

    monkeypatch.setitem(FEATURES, "edges", Feature(Edges, "Edges(): grey differences",
                                                   check=check, probe=probe, cost=cost,
                                                   learned=True))
    # build: alone, in a union, in a pipeline
    assert isinstance(pipeline.feature_step("edges"), Edges)
    union = pipeline.feature_step("hog+edges", {"edges": {"scale": 3.0}})
    assert [name for name, _ in union.transformer_list] == ["hog", "edges"]
    assert union.transformer_list[1][1].scale == 3.0
    X, y = shapes_and_colours(n_per_class=12)
    assert pipeline.make_pipeline("edges", max_iter=5).fit(X, y).score(X, y) > 0
    with pytest.raises(ValueError, match=r"valid names are 'raw', 'hog', 'color', 'hogfine', "
                                         "'colorgrid', 'bovw', 'edges'"):
        FeatureSpec.parse("sift")

    # checks: its settings check, its seed (it learns), its probe
    kwargs = dict(cv=3, n_jobs=None, memory=None, classifier_params=None)
    with pytest.raises(ValueError, match="Edges: scale must be positive"):
        check_settings(["edges"], ["hinge"], [1.0], random_state=0,
                       feature_params={"edges": {"scale": -1.0}}, **kwargs)
    settings = check_settings(["hog+edges", "edges"], ["hinge"], [1.0], random_state=0,
                              feature_params={"edges": {"scale": 2.0}}, **kwargs)
    assert settings.params["hog+edges"] == {"edges": {"scale": 2.0, "random_state": 0}}
    assert seen["check"] == ["Edges", "Edges", "Edges"]
    plan = check_data(settings, X, y, test=None, test_size=0.25)
    n_fit = len(plan.y_train) - int(np.ceil(len(plan.y_train) / 3))
    assert seen["probe"] == [("edges", n_fit, X.shape)] * 2

    # estimate: its cost model, beside the HOG's timing
    monkeypatch.setattr(estimate, "_gemm_seconds_per_flop", lambda: 1e-9)
    lines, _ = estimate.describe(plan)
    hog_width = HOG(**pipeline.feature_step("hog").get_params()).fit(X).transform(X).shape[1]
    n_images = len(plan.y_train) + len(plan.y_test)
    assert lines[1].split()[0] == "hog+edges" and f"{hog_width + 100:,} features" in lines[1]
    assert lines[2].split()[0] == "edges" and "100 features" in lines[2]
    assert f"~{2.0 * n_images:,.0f} s" in lines[2]
    assert seen["cost"] == [(2.0, n_images)] * 2
