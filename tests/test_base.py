"""base.py: every image transformer checks its settings, chunking and dtype first, by name."""

import re

import numpy as np
import pytest
from _helpers import COLOR, ESTIMATORS, PixelsMustNotBeRead
from sklearn.utils._param_validation import InvalidParameterError

from features import HOG, ColorHistogram, RawPixels, color_histogram, hog


# ------------------------------------------------------------ chunk_size, n_jobs (issue 7, row 2)
@pytest.mark.parametrize("chunk_size", [-1, 0, 2.5, True, "8", None, np.float64(4)])
@pytest.mark.parametrize("function", [hog, color_histogram])
def test_chunk_size_must_be_a_positive_int(function, chunk_size):
    # -1 returned the uninitialised np.empty output; 0 a bare "range() arg 3"
    with pytest.raises(ValueError, match=r"'chunk_size' parameter of \w+ must be"):
        function(COLOR, chunk_size=chunk_size)


@pytest.mark.parametrize("n_jobs", [0, 1.5, True, "2", [2]])
@pytest.mark.parametrize("function", [hog, color_histogram])
def test_n_jobs_must_be_a_nonzero_int(function, n_jobs):
    with pytest.raises(ValueError, match=r"'n_jobs' parameter of \w+ must be"):
        function(COLOR, n_jobs=n_jobs)


@pytest.mark.parametrize("Estimator", [HOG, ColorHistogram])
def test_estimators_refuse_bad_chunking_at_fit(Estimator):
    with pytest.raises(InvalidParameterError, match=f"'chunk_size' parameter of "
                                                    f"{Estimator.__name__}.*Got -1"):
        Estimator(chunk_size=-1).fit(COLOR)
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter"):
        Estimator(n_jobs=0).fit(COLOR)


# ------------------------------------------------------------------ dtype (issue 7, row 6)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("dtype", [np.float16, np.int32, np.uint8, "int64", np.complex64,
                                   None, "float16", object, 32])
def test_only_float32_and_float64_are_accepted(Estimator, dtype):
    # float16 gave 100% NaN HOG; int32 all-zero histograms
    with pytest.raises(InvalidParameterError,
                       match=rf"'dtype' parameter of {Estimator.__name__} must be np.float32 "
                             r"or np.float64"):
        Estimator(dtype=dtype).fit(COLOR)


@pytest.mark.parametrize("function", [hog, color_histogram])
def test_functions_refuse_other_dtypes(function):
    with pytest.raises(InvalidParameterError, match=r"'dtype' parameter of \w+ must be"):
        function(COLOR, dtype=np.float16)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("dtype,expected", [(np.float64, np.float64), ("float32", np.float32),
                                            (np.dtype("float64"), np.float64),
                                            (float, np.float64)])
def test_float_dtypes_in_any_spelling(Estimator, dtype, expected):
    assert Estimator(dtype=dtype).fit_transform(COLOR).dtype == expected


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_parameter_has_a_constraint(Estimator):
    assert set(Estimator._parameter_constraints) == set(Estimator().get_params())


@pytest.mark.parametrize("make", [
    lambda images: hog(images, chunk_size=0),
    lambda images: color_histogram(images, dtype=np.int32),
    lambda images: HOG(orientations=0).fit(images),
    lambda images: ColorHistogram(grid=(1, 1, 1)).fit(images),
    lambda images: RawPixels(dtype=np.float16).fit(images),
])
def test_settings_are_checked_before_any_pixel_is_read(make):
    with pytest.raises(InvalidParameterError):
        make(PixelsMustNotBeRead())


@pytest.mark.parametrize("Estimator,bad,message", [
    (HOG, {"chunk_size": -1}, "'chunk_size' parameter of HOG"),
    (HOG, {"pixels_per_cell": (64, 64)}, "too small for pixels_per_cell=(64, 64)"),
    (ColorHistogram, {"dtype": np.int32}, "'dtype' parameter of ColorHistogram"),
    (ColorHistogram, {"grid": (40, 1)}, "grid=(40, 1) has more cells than"),
    (RawPixels, {"dtype": np.float16}, "'dtype' parameter of RawPixels"),
])
def test_settings_changed_after_fit_are_checked_by_transform(Estimator, bad, message):
    # transform reads the settings, so a set_params after fit must not slip through
    est = Estimator().fit(COLOR).set_params(**bad)
    with pytest.raises(ValueError, match=re.escape(message)):
        est.transform(COLOR)
