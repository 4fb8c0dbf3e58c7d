"""Numerical gradient checking: numerical gradients to debug, analytic to train."""

import numpy as np


def check_gradient(f, x, h=1e-5):
    """Compare an analytic gradient with central differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> (value, grad)`` with ``value`` a scalar and ``grad`` an array
        shaped like ``x`` (the analytic gradient under test).
    x : ndarray
        Point at which to check; it is not modified.  Use float64: in float32
        the differences are dominated by rounding.
    h : float, default=1e-5
        Step of the central difference ``(f(x + h) - f(x - h)) / (2 h)``,
        whose truncation error is O(h^2).

    Returns
    -------
    max_rel_error : float
        ``max_k |a_k - n_k| / max(|a_k| + |n_k|, floor)`` with ``a`` analytic,
        ``n`` numerical and ``floor = 1e-3 * max_k(|a_k| + |n_k|)``.  The floor
        exists because a central difference carries a rounding noise of about
        ``eps * |f| / h`` (1e-11 here): on a coordinate a thousand times smaller
        than the largest one, the noise, not the gradient, would set the
        quotient.  Below 1e-6 in float64 means the gradient is right; near a
        kink of a hinge or of ``|w|`` expect larger.

    Examples
    --------
    >>> import numpy as np
    >>> from classifiers import check_gradient
    >>> err = check_gradient(lambda x: (float(np.sum(x ** 2)), 2 * x), np.arange(3.0))
    >>> err < 1e-8
    True
    """
    x = np.array(x, dtype=float)
    _, analytic = f(x.copy())
    analytic = np.asarray(analytic, dtype=float)
    if analytic.shape != x.shape:
        raise ValueError(
            f"f returned a gradient of shape {analytic.shape}, expected the "
            f"shape of x, {x.shape}.")
    numeric = np.empty_like(x)
    flat = x.reshape(-1)
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + h
        f_plus = f(x.copy())[0]
        flat[k] = old - h
        f_minus = f(x.copy())[0]
        flat[k] = old
        numeric.reshape(-1)[k] = (f_plus - f_minus) / (2 * h)
    size = np.abs(analytic) + np.abs(numeric)
    denom = np.maximum(size, max(1e-3 * size.max(), 1e-300))
    return float(np.max(np.abs(analytic - numeric) / denom))
