"""Limited-memory BFGS with a strong-Wolfe line search, written in NumPy.

:func:`minimize` finds a minimum of a smooth function ``f(x)`` given a callable
that returns the value and the gradient together (one pass over the data for a
linear classifier).  Each iteration

1. turns the gradient into a direction with the two-loop recursion over the
   last ``m`` curvature pairs ``(s, y) = (x' - x, g' - g)`` (Nocedal & Wright,
   algorithm 7.4), starting from the scaled identity ``H0 = (s.y / y.y) I``;
2. picks a step along it that satisfies the strong Wolfe conditions
   ``f(x + a p) <= f(x) + c1 a g.p`` and ``|g(x + a p).p| <= c2 |g.p|``
   (algorithms 3.5 and 3.6, with safeguarded cubic interpolation).

The iterates keep the dtype of ``x0``, so a float32 problem runs its matrix
products in float32; the scalars that decide the line search (values and
directional derivatives) are float64, because in float32 the sufficient
decrease test stalls once relative decreases fall near 1e-7.

References
----------
.. [1] J. Nocedal and S. J. Wright, "Numerical Optimization", 2nd ed.,
   Springer 2006: algorithms 3.5, 3.6 (line search) and 7.4, 7.5 (L-BFGS).
.. [3] W. W. Hager and H. Zhang, "A new conjugate gradient method with
   guaranteed descent and an efficient line search", SIAM J. Optim. 16, 2005.
.. [2] D. C. Liu and J. Nocedal, "On the limited memory BFGS method for large
   scale optimization", Mathematical Programming 45, 1989.
"""

import sys
from collections import deque
from typing import NamedTuple

import numpy as np

# Relative rise of f that the line search puts down to rounding.  Sums over many
# terms (a dataset, a quadratic form) lose far more than one machine epsilon;
# Hager & Zhang (2005) use this value for their approximate Wolfe conditions.
F_NOISE = 1e-6


class LBFGSResult(NamedTuple):
    """What :func:`minimize` found.

    Attributes
    ----------
    x : ndarray
        The best point seen, of the shape and dtype of ``x0``.
    f : float
        ``f(x)``.
    grad : ndarray
        The gradient at ``x``.
    n_iter : int
        Iterations done (accepted steps).
    n_fev : int
        Evaluations of ``fun``, the initial one included.
    status : {'converged', 'max_iter', 'line_search', 'callback'}
        Why it stopped: the gradient's max-norm fell to ``tol``; ``max_iter``
        iterations ran; no step along the direction lowered ``f`` any more
        (usually the arithmetic's precision limit); or ``callback`` returned
        True (a stopping test of the caller's, such as a duality gap).
    pairs : list of (s, y, rho)
        The curvature memory at the end, oldest first, to warm-start a
        related problem (see ``pairs`` of :func:`minimize`).
    """

    x: np.ndarray
    f: float
    grad: np.ndarray
    n_iter: int
    n_fev: int
    status: str
    pairs: list


def _dot(a, b):
    """``a . b`` accumulated in float64, whatever the dtype of the arrays."""
    return float(np.dot(a.ravel().astype(np.float64, copy=False),
                        b.ravel().astype(np.float64, copy=False)))


def two_loop(grad, pairs, precondition=None):
    """The L-BFGS direction ``-H grad`` (Nocedal & Wright, algorithm 7.4).

    Parameters
    ----------
    grad : ndarray
    pairs : sequence of (s, y, rho)
        Curvature pairs, oldest first, with ``rho = 1 / (y . s) > 0``.

    Returns
    -------
    direction : ndarray of the shape and dtype of ``grad``
        Steepest descent ``-grad`` when there are no pairs yet.
    """
    q = grad.copy()
    alphas = []
    for s, y, rho in reversed(pairs):
        a = rho * _dot(s, q)
        q -= q.dtype.type(a) * y
        alphas.append(a)
    if precondition is not None:
        # H0 = gamma M^-1: M approximates the Hessian's shape, gamma its scale
        # along the last step (gamma = s.y / y.M^-1 y).
        q = precondition(q)
        if pairs:
            s, y, _ = pairs[-1]
            q *= q.dtype.type(_dot(s, y) / _dot(y, precondition(y)))
    elif pairs:
        s, y, _ = pairs[-1]
        # H0 = gamma I with gamma = s.y / y.y: the curvature seen along the last
        # step, so that the unit step is usually accepted (N&W eq. 7.20).
        q *= q.dtype.type(_dot(s, y) / _dot(y, y))
    for (s, y, rho), a in zip(pairs, reversed(alphas)):
        b = rho * _dot(y, q)
        q += q.dtype.type(a - b) * s
    return -q


def _cubic_minimizer(a, fa, da, b, fb, db):
    """Minimizer of the cubic through ``(a, fa, da)`` and ``(b, fb, db)``, or None.

    N&W eq. (3.59); None when the cubic has no minimum (negative discriminant)
    or the arithmetic is not finite.
    """
    d1 = da + db - 3 * (fa - fb) / (a - b)
    disc = d1 * d1 - da * db
    if not disc >= 0:
        return None
    d2 = np.copysign(np.sqrt(disc), b - a)
    denom = db - da + 2 * d2
    if denom == 0:
        return None
    x = b - (b - a) * (db + d2 - d1) / denom
    return x if np.isfinite(x) else None


def _interpolate(lo, hi):
    """A trial step strictly inside ``(lo, hi)``: the cubic's minimum, or bisection.

    ``lo`` and ``hi`` are ``(step, value, slope)`` triples.  The cubic's point
    is kept only if it lies in the middle 80% of the interval, so every trial
    shrinks it by at least a tenth.
    """
    x = _cubic_minimizer(*lo, *hi)
    left, right = sorted((lo[0], hi[0]))
    margin = 0.1 * (right - left)
    if x is None or not left + margin <= x <= right - margin:
        x = 0.5 * (left + right)
    return x


def line_search(phi, f0, d0, step, *, c1=1e-4, c2=0.9, max_evals=20, max_step=1e10,
                f_noise=0.0):
    """A step satisfying the strong Wolfe conditions (N&W algorithms 3.5, 3.6).

    Parameters
    ----------
    phi : callable ``a -> (value, slope, payload)``
        ``f(x + a p)``, ``g(x + a p) . p`` and anything to hand back for the
        accepted step (the new point and gradient).
    f0, d0 : float
        ``phi(0)`` and its slope, ``d0 < 0``.
    step : float > 0
        The first trial step.
    c1, c2 : float, 0 < c1 < c2 < 1
        Sufficient decrease and curvature constants.
    max_evals : int
        Evaluations of ``phi`` allowed.
    max_step : float
        Largest step tried while extrapolating.
    f_noise : float >= 0
        How far ``phi`` may rise above ``f0`` by rounding alone.  Within it, a
        step passes the sufficient decrease test when its slope has fallen
        enough instead (Hager & Zhang's approximate Wolfe condition,
        ``phi'(a) <= (2 c1 - 1) phi'(0)``): near a minimum, decreases in ``f``
        drown in rounding long before the gradient does.

    Returns
    -------
    step, value, payload, n_evals, ok
        ``ok`` is False when no step met both conditions within
        ``max_evals``; the step returned is then the lowest one found that
        lowers ``f`` (None when none did).
    """
    def armijo(a, fa, da):
        return (fa <= f0 + c1 * a * d0
                or (fa <= f0 + f_noise and da <= (2 * c1 - 1) * d0))

    best = None                       # the lowest point seen that lowers f
    prev = (0.0, f0, d0)
    n = 0

    def evaluate(a):
        nonlocal best, n
        fa, da, payload = phi(a)
        n += 1
        if not (np.isfinite(fa) and np.isfinite(da)):
            # An overflow counts as "far too long a step": shrink from it.
            fa, da = np.inf, np.inf
        if fa < f0 and (best is None or fa < best[1]):
            best = (a, fa, payload)
        return fa, da, payload

    def zoom(lo, hi):
        # Invariants (N&W 3.6): lo satisfies Armijo and is the lowest such
        # point seen; the interval between lo and hi contains Wolfe steps.
        while n < max_evals:
            if abs(hi[0] - lo[0]) <= 1e-12 * max(1.0, abs(lo[0])):
                break
            a = _interpolate(lo, hi)
            fa, da, payload = evaluate(a)
            if not armijo(a, fa, da) or fa > lo[1] + f_noise:
                hi = (a, fa, da)
                continue
            if abs(da) <= -c2 * d0:
                return a, fa, payload, True
            if da * (hi[0] - lo[0]) >= 0:
                hi = lo
            lo = (a, fa, da)
        return None

    a = step
    while n < max_evals:
        fa, da, payload = evaluate(a)
        if not armijo(a, fa, da) or (n > 1 and fa > prev[1] + f_noise):
            found = zoom(prev, (a, fa, da))
            break
        if abs(da) <= -c2 * d0:
            return a, fa, payload, n, True
        if da >= 0:
            found = zoom((a, fa, da), prev)
            break
        prev = (a, fa, da)
        a = min(2.0 * a, max_step)
    else:
        found = None
    if found is not None:
        a, fa, payload, _ = found
        return a, fa, payload, n, True
    if best is None:
        return None, f0, None, n, False
    return best[0], best[1], best[2], n, False


def minimize(fun, x0, *, m=10, max_iter=100, tol=1e-4, c1=1e-4, c2=0.9, max_ls=20,
             callback=None, pairs=(), precondition=None):
    """Minimize a smooth function by L-BFGS.

    Parameters
    ----------
    fun : callable ``x -> (f, grad)``
        The value (a float) and the gradient (an array like ``x``).
    x0 : ndarray
        Starting point; its dtype is kept throughout.  Not modified.
    m : int, default=10
        Curvature pairs remembered.
    max_iter : int, default=100
        Iterations (accepted steps) at most.
    tol : float, default=1e-4
        Stop once ``max |grad| <= tol``.
    c1, c2 : float, default=1e-4, 0.9
        Strong Wolfe constants (N&W's values for quasi-Newton methods).
    max_ls : int, default=20
        Function evaluations per line search at most.
    callback : callable ``(n_iter, x, f, grad) -> bool or None``, optional
        Called after every iteration; returning True stops the iterations
        (status 'callback').  ``x`` is the very array that was passed to
        ``fun`` when the accepted point was evaluated.
    pairs : sequence of (s, y, rho), optional
        Curvature pairs to start from, oldest first (e.g. the ``pairs`` of a
        previous result, corrected for a change of the problem); pairs with
        ``s . y <= 0`` are dropped.

    Returns
    -------
    LBFGSResult

    Notes
    -----
    A line search that fails (no step meets the Wolfe conditions within
    ``max_ls`` evaluations, or the direction is not one of descent) first
    drops the curvature memory and retries along the preconditioned
    ``-grad``, then along ``-grad`` itself; if that fails too, the search
    stops with status 'line_search' at the best point seen, never at a point
    worse than the last accepted one.  Pairs with
    ``s . y <= eps * y . y`` are skipped so the inverse Hessian stays positive
    definite (N&W s.6.1).
    """
    x = np.array(x0, copy=True)
    dtype = x.dtype

    def evaluate(point):
        value, grad = fun(point)
        return float(value), np.asarray(grad, dtype=dtype)

    f, g = evaluate(x)
    n_fev, n_iter = 1, 0
    eps = float(np.finfo(x.dtype).eps)
    pairs = deque(((s, y, 1.0 / _dot(s, y)) for s, y, _ in pairs
                   if _dot(s, y) > eps * _dot(y, y)), maxlen=min(m, sys.maxsize))

    def converged(grad):
        return float(np.max(np.abs(grad))) <= tol

    while not converged(g):
        if n_iter >= max_iter:
            return LBFGSResult(x, f, g, n_iter, n_fev, "max_iter", list(pairs))
        # the memory, then the preconditioner alone, then plain -grad
        for restart, preconditioned in ((False, True), (True, True), (True, False)):
            if restart and not preconditioned and precondition is None:
                continue                   # the same attempt as the last
            if restart:
                pairs.clear()
            p = two_loop(g, pairs, precondition if preconditioned else None)
            d0 = _dot(g, p)
            if not d0 < 0:                 # not a descent direction: lost curvature
                continue
            # Without curvature information the unit step has no scale; N&W
            # (s.3.5) start steepest descent at a step of length 1 / ||g||
            # (of length 1 along a preconditioned direction).
            step = 1.0 if pairs else min(1.0, 1.0 / np.sqrt(_dot(p, p)))

            def phi(a, p=p):
                xa = x + x.dtype.type(a) * p
                fa, ga = evaluate(xa)
                return float(fa), _dot(ga, p), (xa, ga)

            a, fa, payload, evals, ok = line_search(
                phi, f, d0, step, c1=c1, c2=c2, max_evals=max_ls,
                f_noise=F_NOISE * abs(f))
            n_fev += evals
            if a is not None:
                break
        else:
            return LBFGSResult(x, f, g, n_iter, n_fev, "line_search", list(pairs))

        x_new, g_new = payload
        s, y = x_new - x, g_new - g
        sy = _dot(s, y)
        if sy > eps * _dot(y, y):
            pairs.append((s, y, 1.0 / sy))
        decrease = f - fa
        x, f, g = x_new, fa, g_new
        n_iter += 1
        if callback is not None and callback(n_iter, x, f, g):
            return LBFGSResult(x, f, g, n_iter, n_fev, "callback", list(pairs))
        if not ok and decrease <= 10 * eps * max(1.0, abs(f)):
            # The step lowered f, but by no more than rounding: f is flat to the
            # arithmetic's precision along every direction tried.
            return LBFGSResult(x, f, g, n_iter, n_fev, "line_search", list(pairs))
    return LBFGSResult(x, f, g, n_iter, n_fev, "converged", list(pairs))
