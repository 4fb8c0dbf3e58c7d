"""scikit-learn's estimator checks each image transformer is expected to fail, and why.

HOG, ColorHistogram, RawPixels and BagOfVisualWords take batches of images, which
the checks do not make: these dicts are their ``expected_failed_checks`` in
``parametrize_with_checks`` (test_features.py, test_bovw.py).
"""

TABULAR = ("feeds 2-D tabular data of arbitrary width and values; images need "
           "(n, H, W[, C]) or image_shape (same property tested on images in "
           "test_transformer_contract_on_images)")
TABULAR_CHECKS = [
    "check_fit_score_takes_y", "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters", "check_estimators_fit_returns_self",
    "check_readonly_memmap_input", "check_n_features_in_after_fitting",
    "check_estimators_dtypes", "check_dtype_object", "check_pipeline_consistency",
    "check_estimators_pickle", "check_f_contiguous_array_estimator",
    "check_transformer_data_not_an_array", "check_transformer_general",
    "check_methods_sample_order_invariance", "check_methods_subset_invariance",
    "check_dict_unchanged", "check_fit_idempotent", "check_fit_check_is_fitted",
    "check_n_features_in", "check_fit2d_predict1d",
]
#: BagOfVisualWords fails these on tabular data too (the other three pass them).
BOVW_TABULAR_CHECKS = [
    "check_set_output_transform", "check_positive_only_tag_during_fit",
    "check_global_output_transform_pandas", "check_global_set_output_transform_polars",
    "check_set_output_transform_pandas", "check_set_output_transform_polars",
    "check_transformer_preserve_dtypes",
]
IMAGE_SHAPES = {
    "check_estimators_empty_data_messages": "expects the tabular '0 feature(s)' message for "
                                            "shape (n, 0); an image has no such shape",
    "check_fit2d_1sample": "expects a tabular n_samples=1 error; one image is a valid batch",
    "check_fit2d_1feature": "expects a tabular n_features=1 error; a 1-pixel-wide array is "
                            "not an image batch without image_shape",
}
#: HOG, ColorHistogram and RawPixels.
EXPECTED_FAILURES = {
    **{name: TABULAR for name in TABULAR_CHECKS}, **IMAGE_SHAPES,
    "check_estimators_nan_inf": "its NaN part passes, then it fits finite 2-D tabular data "
                                "(NaN / inf errors: test_bad_images_get_clear_errors)",
}
#: ColorHistogram refuses negative values (its tag says so) before the shape.
NEGATIVE = {"check_positive_only_tag_during_fit": "accepts negative values (positive_only "
                                                  "is False) but not 2-D tabular data; "
                                                  + TABULAR}
BOVW_EXPECTED_FAILURES = {
    **{name: TABULAR for name in TABULAR_CHECKS + BOVW_TABULAR_CHECKS}, **IMAGE_SHAPES,
    "check_estimators_nan_inf": "its NaN part passes, then it fits finite 2-D tabular data "
                                "(NaN / inf errors: test_bad_images_and_not_fitted)",
}
