"""Linear classifiers written from scratch in NumPy, as scikit-learn estimators.

``LinearClassifier`` (and its presets ``LinearSVM`` and ``SoftmaxClassifier``)
minimises a multiclass loss (:mod:`.losses`) plus a penalty
(:mod:`.penalties`) with the optimizer of your choice (:mod:`.optimizers`)
and a learning-rate schedule (:mod:`.schedules`).  The solvers live in
:mod:`.minibatch`, :mod:`.full_batch` and :mod:`.exact`, each described by a
record of :mod:`.solvers`; ``check_solver`` says which optimizer trains given
settings, ``solver_for`` gives an estimator's solver record (what it can
do).  ``check_gradient`` compares an analytic gradient with central
differences.
"""

from . import losses, optimizers, penalties, schedules
from .gradient_check import check_gradient
from .linear import DivergenceError, LinearClassifier, LinearSVM, SoftmaxClassifier
from .solvers import check_solver, solver_for

__all__ = ["LinearClassifier", "LinearSVM", "SoftmaxClassifier", "DivergenceError",
           "check_gradient", "check_solver", "solver_for", "losses", "optimizers", "penalties",
           "schedules"]
