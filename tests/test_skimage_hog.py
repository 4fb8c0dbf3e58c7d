"""scikit-image's own tests of ``skimage.feature.hog``, run against ``features.hog``.

The tests are scikit-image's (BSD-3-Clause, (c) the scikit-image team), file
``tests/skimage/feature/test_hog.py`` of its release v0.26.0 (older releases
installed it as ``skimage/feature/tests/test_hog.py``).  This project does not
ship a copy: the file is looked for in the installed scikit-image, then at
the path in the environment variable ``SKIMAGE_TEST_HOG``; without it these
tests are skipped (the behaviours they cover are pinned independently in
test_features.py).  The module is loaded with its ``feature`` name swapped
for :class:`SkimageAPI`, which calls ``features.hog`` / ``features.hog_image``
image by image, so every ``feature.hog(...)`` of those tests runs our code.

Its reference arrays (``data/astronaut_GRAY_hog_*.npy``, scikit-image's
output, downloaded by its ``fetch``) are used when scikit-image's ``fetch``
finds them, and otherwise recomputed with the installed
``skimage.feature.hog`` on the same image.

Departures named in README.md (Features): none of these tests needs one.
"""

import importlib.util
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import skimage
from skimage import color, data
from skimage.feature import hog as skimage_hog

import features


def _find_tests():
    installed = Path(skimage.__file__).parent / "feature" / "tests" / "test_hog.py"
    given = os.environ.get("SKIMAGE_TEST_HOG")
    for path in (installed, Path(given) if given else None):
        if path is not None and path.is_file():
            return path
    return None


def hog(image, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(3, 3),
        block_norm="L2-Hys", visualize=False, transform_sqrt=False, feature_vector=True,
        *, channel_axis=None):
    """``skimage.feature.hog``'s signature over ``features.hog`` (one image)."""
    image = np.asarray(image)
    if channel_axis is not None:
        image = np.moveaxis(image, channel_axis, -1)
    # skimage computes float32 input in float32 and everything else in
    # float64; ours takes the type as a setting
    dtype = np.float32 if image.dtype in (np.float16, np.float32) else np.float64
    settings = dict(orientations=orientations, pixels_per_cell=pixels_per_cell)
    out = features.hog(image[None], cells_per_block=cells_per_block, block_norm=block_norm,
                       transform_sqrt=transform_sqrt, dtype=dtype, **settings)[0]
    if not feature_vector:
        out = out.reshape(features.hog_output_shape(
            image.shape[:2], orientations, pixels_per_cell, cells_per_block, block_norm))
    if visualize:
        return out, features.hog_image(image[None], transform_sqrt=transform_sqrt,
                                       **settings)[0]
    return out


def fetch(name):
    """scikit-image's reference output, downloaded if at hand, else recomputed."""
    try:
        from skimage._shared.testing import fetch as skimage_fetch
        return skimage_fetch(name)
    except Exception:        # offline: no download, no cached copy
        pass
    block_norm = name.rsplit("_hog_", 1)[1].removesuffix(".npy")
    image = color.rgb2gray(data.astronaut())
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"reference-{os.getpid()}-{block_norm}.npy"
    np.save(path, skimage_hog(image, orientations=9, pixels_per_cell=(8, 8),
                              cells_per_block=(3, 3), block_norm=block_norm))
    return str(path)


SkimageAPI = SimpleNamespace(hog=hog)

_PATH = _find_tests()
if _PATH is None:
    pytest.skip("scikit-image's test_hog.py is not installed; set SKIMAGE_TEST_HOG to its "
                "path (tests/skimage/feature/test_hog.py of scikit-image v0.26.0) to run it "
                "against features.hog", allow_module_level=True)
_spec = importlib.util.spec_from_file_location("skimage_test_hog", _PATH)
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
_module.feature = SkimageAPI          # every feature.hog(...) in the tests is ours
_module.fetch = fetch
for _name in dir(_module):
    if _name.startswith("test_"):
        globals()[_name] = getattr(_module, _name)
