"""Linear classifiers trained from scratch: ``LinearClassifier`` and its presets."""

from functools import partialmethod

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import compute_class_weight
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from _constraints import Flag, Integer, Real

from .convergence import DivergenceError
from .losses import LOSSES, log_softmax
from .objective import Problem
from .optimizers import OPTIMIZERS, Optimizer
from .schedules import SCHEDULES, Schedule, checked_rate
from .solvers import no_partial_fit, resolve, solver_of

__all__ = ["LinearClassifier", "LinearSVM", "SoftmaxClassifier", "DivergenceError"]


def _has_partial_fit(estimator):
    if estimator.optimizer != "auto" and solver_of(estimator.optimizer).partial_fit is None:
        raise AttributeError(no_partial_fit(estimator.optimizer))
    return True


def _has_softmax_loss(estimator):
    return estimator.loss == "softmax"


class LinearClassifier(ClassifierMixin, BaseEstimator):
    """Multiclass linear classifier trained by minibatch gradient methods or L-BFGS.

    Minimises ``sum_i w_i L_i / sum_i w_i + alpha * R(W)`` over the weights
    ``W`` of shape ``(n_classes, n_features)`` and the intercept ``b``, with
    scores ``S = X @ W.T + b``, a multiclass loss ``L`` and a penalty ``R``
    that never touches ``b``.  Everything is NumPy: one batch is one GEMM
    forward and one backward, in the dtype of ``X`` (float32 stays float32).

    Parameters
    ----------
    loss : {'hinge', 'squared_hinge', 'ovr_hinge', 'ovr_squared_hinge', 'softmax'}, \
default='hinge'
        'hinge' is the Weston-Watkins multiclass SVM loss
        ``sum_{j != y} max(0, s_j - s_y + margin)``, 'squared_hinge' squares
        each term; 'ovr_hinge' and 'ovr_squared_hinge' are one-vs-rest, a
        binary SVM per class, ``sum_k max(0, margin - t_k s_k)`` (squared)
        with ``t_k`` +1 for the true class and -1 for the others (scikit-learn's
        ``LinearSVC``; the squared one is Coates et al.'s L2-SVM); 'softmax'
        is the cross-entropy with natural logarithm.
    margin : float > 0, default=1.0
        The hinge margin (the course's delta).  Unused by 'softmax'.
    penalty : {'l2', 'l1', 'elasticnet'} or None, default='l2'
        ``l2``: ``0.5 * ||W||^2``; ``l1``: ``||W||_1``; ``elasticnet``:
        ``l1_ratio * ||W||_1 + (1 - l1_ratio) * 0.5 * ||W||^2`` (the
        conventions of scikit-learn's ``SGDClassifier``).
    alpha : float >= 0, default=0.1
        Regularization strength.  The course's ``reg * sum(W ** 2)`` is
        ``alpha = 2 * reg`` with ``penalty='l2'``.  The default suits
        standardized features trained to the optimum (README, "Defaults that
        need no tuning"); :class:`SoftmaxClassifier` keeps 1e-4.
    l1_ratio : float in [0, 1], default=0.15
        Mix of the elastic net; unused otherwise.
    optimizer : str or Optimizer, default='auto'
        'auto': 'exact' for the Weston-Watkins hinge losses with the 'l2' penalty
        (``alpha > 0``, no early stopping), 'momentum' otherwise (softmax, the
        one-vs-rest losses, l1 and elastic-net penalties, early stopping, and
        every ``partial_fit``).
        'exact': the SVM to a certified optimum, the duality gap of
        :mod:`classifiers.duality` at most ``tol`` times the objective (the
        hinge smoothed with continuation and minimized by preconditioned
        L-BFGS, :mod:`classifiers.exact`; hinge losses, 'l2' penalty only).
        The minibatch rules 'sgd', 'momentum' (Polyak, ``mu=0.9``),
        'nesterov', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'nadam',
        'random_search'; or 'lbfgs', full-batch limited-memory BFGS that
        minimizes the objective to ``tol`` (smooth losses 'softmax' and
        'squared_hinge' or 'ovr_squared_hinge' with the 'l2' penalty or none).  The full-batch
        solvers ('exact', 'lbfgs') have no ``partial_fit`` and no
        ``early_stopping``, and do not use ``learning_rate``, its schedule,
        ``batch_size`` or ``shuffle``.  Or an object from
        :mod:`classifiers.optimizers` such as ``Adam(beta1=0.8)``,
        ``LBFGS(m=20)`` or ``Exact(rank=0)`` to set its constants.  The
        object is never modified.
    learning_rate : float > 0 or None, default=None
        Base step size.  None: for 'sgd' a step scaled to the data,
        ``SGD_STEP / mean_i ||x_i||^2`` (with ``SGD_STEP`` 30 for 'softmax',
        3 for the hinge losses, and ``||x||^2`` counting 1 for the
        intercept), for 'momentum' and 'nesterov' that times ``1 - mu``; the
        adaptive rules take their own (0.1 adagrad, 0.001 rmsprop / adam /
        nadam, 1.0 adadelta).  Ignored by random search and lbfgs.
    learning_rate_schedule : str, Schedule or callable, default='step'
        'step' (halve the rate at each quarter of ``max_iter``:
        every 5 epochs of 20; see :class:`~classifiers.schedules.StepDecay`
        for other settings); 'constant'; 'invscaling' (``lr / t ** 0.5``);
        'adaptive' (divide by 5 each time ``n_iter_no_change`` epochs fail to
        improve by ``tol``); or a callable ``t -> rate`` of the 1-based
        update count, which replaces ``learning_rate``.
    batch_size : int >= 1 or None, default=256
        Samples per update: 1 is pure SGD, None is full-batch gradient
        descent.  A batch larger than the data is the whole data.
    max_iter : int >= 1 or None, default=None
        Maximum number of epochs (passes over the data) of ``fit``, or of
        iterations for lbfgs and exact.  None: 20 epochs, or on small data as
        many as make 2,000 updates (e.g. 334 epochs of 6 batches); 100
        iterations for lbfgs, 1000 for exact.
    tol : float >= 0 or None, default=None
        Minibatch rules: training stops (or, with 'adaptive', the rate drops)
        when the epoch loss has not fallen by ``tol`` below its best for
        ``n_iter_no_change`` consecutive epochs (with early stopping: when
        the validation accuracy has not risen by ``tol``); None runs the
        whole ``max_iter`` budget (early stopping and 'adaptive' then count
        any lack of improvement).  lbfgs: stop once the gradient's largest
        absolute entry is at most ``tol`` (scikit-learn's criterion); None
        is 1e-4.  exact: stop once the certified duality gap is at most
        ``tol`` times the objective; None is 1e-2 (the objective within 1% of
        the optimum, certified; the iterate is usually far closer).
    n_iter_no_change : int >= 1, default=5
    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` of the training data,
        stop on its accuracy, and keep the weights of the best epoch.
    validation_fraction : float in (0, 1), default=0.1
    shuffle : bool, default=True
        Draw the minibatches in a new random order every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds shuffling, the validation split, random search, and the
        preconditioner of 'lbfgs' and 'exact' (its sample of rows and its
        random projection): as in scikit-learn, only an int makes two fits
        of the same data equal; with None, full-batch fits agree to their
        ``tol``, not bit for bit.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution (the optimizer state starts
        afresh, except lbfgs's and exact's curvature pairs, corrected for a
        change of ``alpha``, and exact's smoothing).  ``partial_fit`` always
        continues, optimizer state included.
    fit_intercept : bool, default=True
    class_weight : dict, 'balanced' or None, default=None
        Multiplies the sample weights of each class.
    verbose : int, default=0
        If > 0, print the loss, learning rate and time of every epoch (lbfgs:
        the loss and gradient norm of every iteration; exact: the loss, the
        certified duality gap and the smoothing).

    Attributes
    ----------
    coef_ : ndarray of shape (n_classes, n_features) or (1, n_features)
        Weights; one row for binary problems, as in scikit-learn, holding the
        difference of the two class rows (positive favours ``classes_[1]``).
        With a one-vs-rest loss the two rows solve mirrored problems
        (``w0 = -w1``), so that row is twice ``LinearSVC``'s.
    intercept_ : ndarray of shape (n_classes,) or (1,)
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` had string column names.
    n_iter_ : int
        Epochs run by the last ``fit`` (cumulated over ``partial_fit`` calls),
        or iterations of lbfgs.
    t_ : int
        Parameter updates made so far (lbfgs: its iterations).
    loss_curve_ : list of float
        Objective per epoch: the weighted mean over the epoch's batches of
        each batch's objective, as seen when the batch was used.  lbfgs: the
        full objective after each iteration.
    validation_scores_ : list of float or None
        Validation accuracy per epoch with ``early_stopping``, else None.
    best_loss_ : float
        Smallest value of ``loss_curve_`` (lbfgs with no iteration: the
        objective at the start).
    dual_gap_ : float or None
        With optimizer 'exact': an upper bound on ``J(W, b) - J*``, the
        distance of the fitted objective from the optimum (the duality gap of
        :func:`classifiers.duality.duality_gap`); None for the other solvers.

    See Also
    --------
    LinearSVM : the same estimator for the hinge losses.
    SoftmaxClassifier : the same estimator with the softmax loss.
    sklearn.linear_model.SGDClassifier : one-vs-rest, sample-by-sample SGD.

    Notes
    -----
    The hinge losses train to a certified optimum by default ('auto' is
    'exact'), so that ``alpha``, not a budget of epochs, decides the model.
    Certifying a small relative gap gets slow at small ``alpha`` on small,
    nearly separable data, where the objective is tiny: expect a
    ``ConvergenceWarning`` there, and raise ``alpha``, ``tol`` or
    ``max_iter``.  The minibatch defaults are momentum with a data-scaled
    rate halved at each quarter of a 20-epoch budget; README.md says how
    they and the exact solver were chosen, with the measurements.

    The objective divides by the sum of the sample weights, so integer weights
    are the same as repeated samples and zero weights the same as dropped
    ones.  A binary problem is trained with two class rows (the multiclass
    loss with two classes) and exposed as their difference.

    References
    ----------
    .. [1] CS231n, "Linear classification" and "Optimization" notes.
    .. [2] J. Weston and C. Watkins, "Support vector machines for multi-class
       pattern recognition", 1999.
    .. [3] L. Bottou, "Stochastic gradient descent tricks", 2012.
    .. [4] J. Nocedal and S. J. Wright, "Numerical Optimization", 2006 (L-BFGS).
    .. [5] Y. Nesterov, "Smooth minimization of non-smooth functions", 2005
       (the smoothed hinge of optimizer='exact').

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from classifiers import LinearClassifier
    >>> from sklearn.model_selection import train_test_split
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     *load_digits(return_X_y=True), random_state=0)
    >>> clf = make_pipeline(StandardScaler(), LinearClassifier(max_iter=50, random_state=0))
    >>> clf.fit(X_train, y_train).score(X_test, y_test) > 0.9
    True
    """

    _parameter_constraints = {
        "loss": [StrOptions(set(LOSSES))],
        "margin": [Real(0, None, closed="neither")],
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "alpha": [Real(0, None, closed="left")],
        "l1_ratio": [Real(0, 1)],
        "optimizer": [StrOptions(set(OPTIMIZERS) | {"auto"}), Optimizer],
        "learning_rate": [Real(0, None, closed="neither"), None],
        "learning_rate_schedule": [StrOptions(set(SCHEDULES)), Schedule, callable],
        "batch_size": [Integer(1), None],
        "max_iter": [Integer(1), None],
        "tol": [Real(0), None],
        "n_iter_no_change": [Integer(1)],
        "early_stopping": [Flag()],
        "validation_fraction": [Real(0, 1, closed="neither")],
        "shuffle": [Flag()],
        "random_state": ["random_state"],
        "warm_start": [Flag()],
        "fit_intercept": [Flag()],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "verbose": ["verbose"],
    }

    def __init__(self, loss="hinge", *, margin=1.0, penalty="l2", alpha=0.1,
                 l1_ratio=0.15, optimizer="auto", learning_rate=None,
                 learning_rate_schedule="step", batch_size=256, max_iter=None,
                 tol=None, n_iter_no_change=5, early_stopping=False,
                 validation_fraction=0.1, shuffle=True, random_state=None,
                 warm_start=False, fit_intercept=True, class_weight=None, verbose=0):
        self.loss = loss
        self.margin = margin
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.shuffle = shuffle
        self.random_state = random_state
        self.warm_start = warm_start
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, coef_init=None, intercept_init=None):
        """Fit the weights: ``max_iter`` epochs (or iterations of lbfgs) at most.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.
        coef_init : array-like of shape (n_classes, n_features), default=None
            Weights to start from instead of zeros (or of the previous
            solution with ``warm_start``), as ``SGDClassifier.fit`` takes them:
            e.g. the ``coef_`` of a fit on a similar problem.  Shape
            ``(1, n_features)`` for two classes, as ``coef_`` is; its scores
            are split evenly between the two classes.  The full-batch
            solvers ('exact', 'lbfgs') reach the same optimum from any start
            (to their tolerance), usually sooner from a near one; the
            stochastic optimizers run their budget of epochs from it, so a
            start far from the optimum gives a poorer model.
        intercept_init : array-like of shape (n_classes,), default=None
            Intercepts to start from (``(1,)`` for two classes); only with
            ``coef_init``.

        Returns
        -------
        self : LinearClassifier
        """
        return self._fit(X, y, sample_weight, partial=False, coef_init=coef_init,
                         intercept_init=intercept_init)

    @available_if(_has_partial_fit)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Run one epoch over ``(X, y)``, continuing from the current state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            All the labels that will ever be seen; required on the first call,
            optional (and checked) afterwards.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : LinearClassifier
        """
        return self._fit(X, y, sample_weight, partial=True, classes=classes)

    def _fit(self, X, y, sample_weight, *, partial, classes=None, coef_init=None,
             intercept_init=None):
        """``fit`` and ``partial_fit``: check, start, run the solver, store.

        The solver of :func:`classifiers.solvers.resolve` runs its ``fit``,
        or for ``partial`` its ``partial_fit`` (one epoch continuing from the
        current weights and state).
        """
        solver, optimizer = self._solver(partial)
        first_call = not (partial and hasattr(self, "classes_"))
        if partial and first_call and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: the list "
                "of every label the model will see, e.g. classes=np.unique(y_all).")
        if partial and self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' needs the whole training set, which "
                "partial_fit never sees; pass a dict, e.g. from "
                "sklearn.utils.compute_class_weight('balanced', classes=..., y=y_all).")
        X, y_idx, sw, classes = self._validate_training_data(X, y, sample_weight, classes,
                                                             partial)
        if partial:
            P = self._initial_params(X, classes, warm=False) if first_call else self._P
        elif coef_init is None and intercept_init is None:
            P = self._initial_params(X, classes, warm=self.warm_start)
        else:
            P = self._given_params(coef_init, intercept_init, X, classes)
            if solver.full_batch:
                P = self._better_than_zeros(P, X, y_idx, sw)
        # a warm start, or partial_fit, continues from the state the last fit left
        previous = self._previous_state(optimizer) if partial or self.warm_start else None
        run = solver.partial_fit if partial else solver.fit
        solution = run(self, P, X, y_idx, sw, optimizer, previous)
        self._store(solution, classes, optimizer)
        if partial:
            self._l1_state = solution.l1_state
        return self

    def _solver(self, partial=False):
        """The :class:`~classifiers.solvers.Solver` and optimizer of these settings."""
        solver, optimizer = resolve(self.optimizer, loss=self.loss, penalty=self.penalty,
                                    alpha=self.alpha, early_stopping=self.early_stopping,
                                    partial=partial)
        schedule = self.learning_rate_schedule
        if solver.full_batch and callable(schedule) and not isinstance(schedule, Schedule):
            # The full-batch solvers never call a user's t -> rate, so a broken
            # one would go unseen: try it once.  The stochastic ones check every
            # rate it returns, and see the update counts 1, 2, ... unprobed.
            checked_rate(schedule(1), 1)
        return solver, optimizer

    def _problem(self):
        return Problem.of(self)

    # --------------------------------------------------------- validation
    def _validate_training_data(self, X, y, sample_weight, classes, partial):
        """Check X, y and the weights once; return class indices and weights."""
        first_call = not (partial and hasattr(self, "classes_"))
        X, y = validate_data(self, X, y, reset=first_call, dtype=[np.float64, np.float32],
                             order="C")
        check_classification_targets(y)
        if partial:
            if first_call:
                classes = np.unique(np.asarray(classes))
            else:
                if classes is not None and not np.array_equal(
                        np.unique(np.asarray(classes)), self.classes_):
                    raise ValueError(
                        f"classes={np.unique(classes).tolist()} differs from the classes "
                        f"{self.classes_.tolist()} declared at the first call to partial_fit.")
                classes = self.classes_
            unseen = np.setdiff1d(y, classes)
            if unseen.size:
                raise ValueError(
                    f"y contains the labels {unseen.tolist()}, which are not among the "
                    f"classes {classes.tolist()} declared at the first call to partial_fit.")
        else:
            classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes, but the "
                f"data contains only one class: {classes.tolist()[0]!r}.")
        y_idx = np.searchsorted(classes, y)

        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if isinstance(self.class_weight, dict):
            for label, weight in self.class_weight.items():
                if not Real(0).is_satisfied_by(weight):
                    raise ValueError(
                        f"class_weight gives class {label!r} the weight {weight!r}; class "
                        "weights must be finite numbers >= 0.")
            unknown = [label for label in self.class_weight if label not in set(classes.tolist())]
            if unknown:
                raise ValueError(
                    f"class_weight names the classes {unknown}, which are not in y "
                    f"(its classes are {classes.tolist()}).")
        if self.class_weight is not None:
            sw = sw * compute_class_weight(self.class_weight, classes=classes, y=y)[y_idx]
        if not sw.sum() > 0:
            raise ValueError("The sample weights (times class weights) sum to zero; "
                             "at least one sample needs a positive weight.")
        # Only ratios of weights matter (the objective divides by their sum):
        # scaling the largest to 1, in float64, keeps float32 sums from
        # overflowing (200 weights of 1e37) or underflowing.
        sw = (sw / sw.max()).astype(X.dtype)
        return X, y_idx, sw, classes

    # ------------------------------------------------------------ training
    def _initial_params(self, X, classes, warm):
        n_cols = X.shape[1] + self.fit_intercept
        if warm and hasattr(self, "_P"):
            if self._P.shape[0] != classes.size:
                raise ValueError(
                    f"warm start needs the same {self._P.shape[0]} classes as before, got "
                    f"{classes.size}; set warm_start=False to start afresh.")
            if self._P.shape[1] != n_cols:
                raise ValueError(
                    f"warm start needs the same features and fit_intercept as the "
                    f"previous fit ({self._P.shape[1]} columns of weights, now {n_cols}); "
                    "set warm_start=False to start afresh.")
            return self._P.astype(X.dtype, copy=True)
        # Zeros are a fine start for a convex objective and make fits independent
        # of the data's size, so a weighted and a repeated sample agree exactly.
        return np.zeros((classes.size, n_cols), dtype=X.dtype)

    def _given_params(self, coef_init, intercept_init, X, classes):
        """The parameter matrix of ``coef_init`` and ``intercept_init``, checked."""
        if coef_init is None:
            raise ValueError("intercept_init needs coef_init as well (the weights to start "
                             "from); pass both, or neither to start from zeros.")
        if intercept_init is not None and not self.fit_intercept:
            raise ValueError("intercept_init was given but fit_intercept=False: there is no "
                             "intercept to start from.")
        rows = 1 if classes.size == 2 else classes.size
        coef = self._init_array("coef_init", coef_init, (rows, X.shape[1]), X.dtype,
                                classes.size)
        W = np.zeros((classes.size, X.shape[1] + self.fit_intercept), dtype=X.dtype)
        W[:, :X.shape[1]] = np.vstack([-coef / 2, coef / 2]) if classes.size == 2 else coef
        if intercept_init is not None:
            b = self._init_array("intercept_init", intercept_init, (rows,), X.dtype,
                                 classes.size)
            W[:, -1] = np.concatenate([-b / 2, b / 2]) if classes.size == 2 else b
        return W

    @staticmethod
    def _init_array(name, value, shape, dtype, n_classes):
        value = np.asarray(value)
        if value.dtype.kind not in "iuf":
            raise ValueError(f"{name} must hold numbers, got an array of dtype {value.dtype}.")
        if value.shape != shape:
            which = "coef_" if name == "coef_init" else "intercept_"
            raise ValueError(
                f"{name} must have shape {shape} for {n_classes} classes and these features "
                f"(as {which} has), got {value.shape}.")
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{name} must be finite, got NaN or infinity.")
        return value.astype(dtype)

    def _better_than_zeros(self, P, X, y, sw):
        """``P``, or zeros when the objective there is higher (or overflows).

        A full-batch solver reaches the same optimum from any start; a start
        worse than zero weights (``coef_init`` of a much larger scale, say)
        only costs iterations, and one so large that the objective overflows
        in the dtype of ``X`` would leave the solver no step to take.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            given = self._objective(P, X, y, sw)[0]
            zero = self._objective(np.zeros_like(P), X, y, sw)[0]
        return P if np.isfinite(given) and given <= zero else np.zeros_like(P)

    def _objective(self, P, X, y, sw):
        """The objective of these settings (for tests and benchmarks)."""
        return self._problem().objective(P, X, y, sw)

    def _previous_state(self, optimizer):
        """The state the last fit left for ``optimizer``, or None if another made it."""
        if getattr(self, "_optimizer", None) != optimizer:
            return None
        return self._opt_state

    def _store(self, solution, classes, optimizer):
        """Set the fitted attributes from a solver's :class:`~classifiers.objective.Solution`."""
        P = self._P = solution.P
        self._optimizer = optimizer
        self._opt_state = solution.opt_state
        self.classes_ = classes
        self.n_iter_ = solution.n_iter
        self.t_ = solution.t
        self.loss_curve_ = solution.loss_curve
        self.validation_scores_ = solution.validation_scores
        self.best_loss_ = solution.best_loss
        self.dual_gap_ = solution.dual_gap
        W, b = (P[:, :-1], P[:, -1]) if self.fit_intercept else (P, np.zeros(len(P), P.dtype))
        if classes.size == 2:
            self.coef_ = (W[1] - W[0])[None, :]
            self.intercept_ = np.array([b[1] - b[0]])
        else:
            self.coef_ = np.ascontiguousarray(W)
            self.intercept_ = b.copy()

    # ----------------------------------------------------------- predict
    def decision_function(self, X):
        """Class scores ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes), or (n_samples,) for
            binary problems (positive favours ``classes_[1]``).
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        S = X @ self.coef_.T + self.intercept_
        return S.ravel() if S.shape[1] == 1 else S

    def predict(self, X):
        """Class labels of the highest score.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        S = self.decision_function(X)
        return self.classes_[(S > 0).astype(int) if S.ndim == 1 else S.argmax(axis=1)]

    @available_if(_has_softmax_loss)
    def predict_log_proba(self, X):
        """Log of the softmax probabilities (only with ``loss='softmax'``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        S = self.decision_function(X)
        if S.ndim == 1:
            S = np.column_stack([np.zeros_like(S), S])
        return log_softmax(S)

    @available_if(_has_softmax_loss)
    def predict_proba(self, X):
        """Softmax probabilities (only with ``loss='softmax'``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        return np.exp(self.predict_log_proba(X))


class LinearSVM(LinearClassifier):
    """Multiclass linear SVM: :class:`LinearClassifier` with a hinge loss.

    Takes every parameter of :class:`LinearClassifier`; ``loss`` may be
    'hinge' (Weston-Watkins, default), 'squared_hinge', or one-vs-rest
    'ovr_hinge' and 'ovr_squared_hinge'.  By default (``optimizer='auto'``,
    ``penalty='l2'``) the Weston-Watkins losses train to a certified optimum
    and report the certificate as ``dual_gap_``; 'ovr_squared_hinge' trains
    to its optimum with ``optimizer='lbfgs'``.  It has no
    ``predict_proba``: hinge scores are not probabilities.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from classifiers import LinearSVM
    >>> from sklearn.model_selection import train_test_split
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     *load_digits(return_X_y=True), random_state=0)
    >>> svm = make_pipeline(StandardScaler(), LinearSVM(alpha=1e-3, max_iter=50, random_state=0))
    >>> svm.fit(X_train, y_train).score(X_test, y_test) > 0.9
    True
    """

    _parameter_constraints = {
        **LinearClassifier._parameter_constraints,
        "loss": [StrOptions(set(LOSSES) - {"softmax"})],
    }


class SoftmaxClassifier(LinearClassifier):
    """Multinomial logistic regression: :class:`LinearClassifier` with the softmax loss.

    Takes every parameter of :class:`LinearClassifier`, with ``loss`` fixed to
    'softmax' and ``alpha=1e-4`` by default; it has ``predict_proba`` and
    ``predict_log_proba``.  ``optimizer='auto'`` trains it with momentum;
    'lbfgs' minimizes it to ``tol``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from classifiers import SoftmaxClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), SoftmaxClassifier(max_iter=20, tol=None))
    >>> clf.fit(X, y).predict_proba(X[:2]).shape
    (2, 10)
    """

    _parameter_constraints = {
        **LinearClassifier._parameter_constraints,
        "loss": [StrOptions({"softmax"})],
    }

    # The same signature with only the default of ``loss`` changed; sklearn reads
    # parameters from the signature, which partialmethod rewrites accordingly.
    __init__ = partialmethod(LinearClassifier.__init__, loss="softmax", alpha=1e-4)
