"""The dual of the multiclass SVM: a certificate of how far a model is from the optimum.

The primal objective of :class:`~classifiers.LinearSVM` with the L2 penalty
(GUIDE s.1), with ``v_i = w_i / sum_k w_k`` the normalised sample weights and
``m_ij = margin + s_ij - s_iy`` (``y`` short for ``y_i``), is

    J(W, b) = sum_i v_i sum_{j != y} ell(m_ij) + alpha / 2 ||W||^2,

with ``ell(z) = max(0, z)`` (hinge) or ``max(0, z)^2`` (squared hinge).  Each
term is a maximum over lines, ``max(0, z) = max_{0 <= a <= 1} a z`` and
``max(0, z)^2 = max_{a >= 0} (a z - a^2 / 4)``.  Writing the scores'
coefficients of sample ``i`` as ``g_i = sum_j a_ij (e_j - e_y)`` (the
gradient of its loss in its scores), the objective is the maximum over the
dual variables ``A = (a_ij)`` of

    sum_i v_i sum_j phi(a_ij) + <G(A), W> + c(A) . b + alpha / 2 ||W||^2,

    G(A) = sum_i v_i g_i x_i^T,   c(A) = sum_i v_i g_i,

with ``phi(a) = margin a`` (hinge) or ``margin a - a^2 / 4``.  Minimizing
over ``W`` (at ``W = -G / alpha``) and over the unpenalized ``b`` (finite only
when ``c(A) = 0``, one equation per class) gives the dual function

    D(A) = sum_i v_i sum_j phi(a_ij) - ||G(A)||^2 / (2 alpha),    c(A) = 0,

and weak duality: ``D(A) <= J* <= J(W, b)`` for every feasible ``A``.  So
``J(W, b) - D(A)`` is an upper bound on ``J(W, b) - J*``, a certificate that
needs no knowledge of ``J*``.  At the optimum the derivative of the loss is a
dual solution and the bound is 0 (the problem is a convex QP).

:func:`duality_gap` builds ``A`` from the derivative of the loss at the current
point, as a solver has it from its last gradient: the smoothed hinge's
``clip(m / mu, 0, 1)`` (:func:`classifiers.losses.smoothed_hinge`) or the
squared hinge's ``2 max(0, m)``.  Two cheap repairs make it feasible and
good: :func:`balance` moves a little dual mass between classes so that
``c(A) = 0`` holds exactly (at an iterate it is off by the gradient in ``b``),
and the best multiple ``t A`` is taken (``D(t A)`` is a concave parabola in
``t``), which matters far from the optimum.

References
----------
.. [1] J. Weston and C. Watkins, "Support vector machines for multi-class
   pattern recognition", ESANN 1999.
.. [2] S. Boyd and L. Vandenberghe, "Convex Optimization", 2004, s.5.2 (weak
   duality) and s.5.5 (optimality conditions).
.. [3] S. Shalev-Shwartz and T. Zhang, "Stochastic dual coordinate ascent
   methods for regularized loss minimization", JMLR 14, 2013 (the duality gap
   as a stopping certificate).
"""

from typing import NamedTuple

import numpy as np


class Certificate(NamedTuple):
    """An upper bound on ``J(W, b) - J*``.

    Attributes
    ----------
    gap : float
        ``J - dual`` (inf when no feasible dual point could be built).
    primal : float
        ``J(W, b)``.
    dual : float
        ``D(A)`` of the repaired dual point, a lower bound on ``J*``.
    """

    gap: float
    primal: float
    dual: float


def residual(A, y, v):
    """``c(A) = sum_i v_i g_i``: what the intercept's optimality condition misses.

    Parameters
    ----------
    A : ndarray of shape (n_samples, n_classes)
        Dual variables, 0 in the column of each sample's class.
    y : ndarray of shape (n_samples,)
        Class indices.
    v : ndarray of shape (n_samples,)
        Normalised sample weights.

    Returns
    -------
    c : ndarray of shape (n_classes,), float64
        Mass flowing into each class minus the mass flowing out; sums to 0.
    """
    v = np.asarray(v, dtype=np.float64)
    inflow = v @ A
    outflow = np.bincount(y, weights=v * A.sum(axis=1), minlength=A.shape[1])
    return inflow - outflow


def class_members(y, v, n_classes):
    """The indices of the samples of each class that have a positive weight.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Class indices.
    v : ndarray of shape (n_samples,)
    n_classes : int

    Returns
    -------
    members : list of ndarray of int, one per class
    """
    rows = np.flatnonzero(v > 0)
    order = rows[np.argsort(y[rows], kind="stable")]
    bounds = np.searchsorted(y[order], np.arange(1, n_classes))
    return np.split(order, bounds)


def balance(A, y, v, *, upper, members=None):
    """Change a few dual variables so that ``c(A) = 0`` exactly.

    Mass ``t`` moves from a class ``l`` with ``c_l > 0`` to a class ``k``
    with ``c_k < 0`` by raising ``a_ik`` of samples of class ``l`` (up to
    ``upper``) or lowering ``a_il`` of samples of class ``k`` (down to 0),
    taking the samples with the most room first, so that near the optimum,
    where ``c`` is about the gradient in ``b``, only a handful of rows change.

    Parameters
    ----------
    A : ndarray of shape (n_samples, n_classes), float64
        Modified in place.
    y, v : ndarray of shape (n_samples,)
    upper : float
        The box of the dual variables: 1 for the hinge, inf for the squared hinge.
    members : list of ndarray, optional
        :func:`class_members` (computed here when not given).

    Returns
    -------
    rows : ndarray of int or None
        The rows changed; None when some class pair has no room left (the
        certificate is then unavailable at this point).
    """
    n_classes = A.shape[1]
    c = residual(A, y, v)
    tiny = 1e-13 * max(1.0, float(np.abs(v @ A).max()))
    if members is None:
        members = class_members(y, v, n_classes)
    changed = []
    for _ in range(n_classes * n_classes):
        source, sink = int(np.argmax(c)), int(np.argmin(c))
        need = min(c[source], -c[sink])
        if need <= tiny:
            break
        moved = 0.0
        # raise a_i,sink for samples of the source class; lower a_i,source for
        # samples of the sink class: both move mass from source to sink
        for rows, column, sign in ((members[source], sink, 1.0),
                                   (members[sink], source, -1.0)):
            if moved >= need or rows.size == 0:
                continue
            room = v[rows] * ((upper - A[rows, column]) if sign > 0 else A[rows, column])
            order = np.argsort(-room, kind="stable")
            room = room[order]
            if np.isinf(room[0]):          # unbounded (squared hinge): one sample
                take = np.array([need - moved])
            else:
                cumulative = np.cumsum(room)
                last = int(np.searchsorted(cumulative, need - moved))
                take = room[:last + 1].copy()
                if last < len(room):
                    take[-1] -= cumulative[min(last, len(room) - 1)] - (need - moved)
                take = take[take > 0]
            picked = rows[order[:len(take)]]
            # clipped to the box, which rounding could otherwise leave by an ulp
            A[picked, column] = np.clip(A[picked, column] + sign * take / v[picked], 0, upper)
            moved += float(take.sum())
            changed.append(picked)
        if moved <= 0:
            return None
        c[source] -= moved
        c[sink] += moved
    return np.unique(np.concatenate(changed)) if changed else np.empty(0, dtype=int)


def duality_gap(primal, A, G, X, y, v, *, squared, margin, alpha, fit_intercept,
                members=None):
    """Certificate of ``J(W, b) - J*`` from the dual point ``A`` of the current model.

    Parameters
    ----------
    primal : float
        ``J(W, b)``, the true (unsmoothed) objective at the model.
    A : ndarray of shape (n_samples, n_classes)
        The loss's derivative at the model, 0 in each sample's class column
        (not modified).
    G : ndarray of shape (n_classes, n_features)
        ``G(A)`` as the solver computed it: the data part of the gradient in
        ``W`` (float32 data give a float32 ``G``, accurate to about 1e-6
        relative, which bounds how small a gap can be certified).
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    v : ndarray of shape (n_samples,)
        Normalised sample weights (summing to 1), float64.
    squared : bool
        The squared hinge, else the hinge.
    margin, alpha : float
        ``alpha > 0``: without a penalty the dual is not defined.
    fit_intercept : bool
        Whether ``c(A) = 0`` must hold.
    members : list of ndarray, optional
        :func:`class_members`, which a solver computes once.

    Returns
    -------
    certificate : Certificate
    point : DualPoint or None
        The repaired (feasible) dual point before scaling, None when none
        could be built.
    """
    A = A.astype(np.float64)
    G = G.astype(np.float64)
    upper = np.inf if squared else 1.0
    if not squared:
        np.clip(A, 0, 1, out=A)            # the box, should rounding have left it
    if fit_intercept:
        before = A.copy()
        rows = balance(A, y, v, upper=upper, members=members)
        if rows is None:
            return Certificate(np.inf, primal, -np.inf), None
        if rows.size:
            if rows.size > X.shape[0] // 16:
                rows = slice(None)    # far from the optimum: one pass beats a gather
            delta = A[rows] - before[rows]
            delta[np.arange(delta.shape[0]), y[rows]] = -delta.sum(axis=1)
            change = (v[rows, None] * delta).T.astype(X.dtype) @ X[rows]
            G = G + change.astype(np.float64)
    dual = dual_value(A, G, v, squared=squared, margin=margin, alpha=alpha)
    if not np.isfinite(dual):
        return Certificate(np.inf, primal, -np.inf), None
    # a negative gap is rounding: the bound certifies J - J* <= 0 to it
    return Certificate(max(primal - dual, 0.0), primal, dual), DualPoint(A, G)


class DualPoint(NamedTuple):
    """A feasible dual point ``A`` and its ``G(A)`` (float64)."""

    A: np.ndarray
    G: np.ndarray


def dual_value(A, G, v, *, squared, margin, alpha):
    """``max_t D(t A)`` over the multiples of a feasible ``A`` that stay feasible.

    ``D(t A) = t linear - t^2 quadratic`` is a concave parabola in ``t``;
    for the hinge ``t`` may not push any ``a_ij`` past 1.
    """
    linear = margin * float(v @ A.sum(axis=1))
    quadratic = float(np.vdot(G, G)) / (2 * alpha)
    if squared:
        quadratic += float(v @ np.einsum("ij,ij->i", A, A)) / 4
    top = float(A.max(initial=0.0))
    t_max = np.inf if squared or top == 0 else 1 / top
    t = min(t_max, linear / (2 * quadratic)) if quadratic > 0 else min(t_max, 1.0)
    return t * linear - t * t * quadratic
