"""Loop-by-loop reference implementations, the test oracle for the vectorized code."""

import math

from classifiers import check_solver


def hinge_naive(S, y, margin=1.0):
    losses = []
    for i, row in enumerate(S):
        losses.append(sum(max(0.0, s - row[y[i]] + margin)
                          for j, s in enumerate(row) if j != y[i]))
    return losses


def squared_hinge_naive(S, y, margin=1.0):
    losses = []
    for i, row in enumerate(S):
        losses.append(sum(max(0.0, s - row[y[i]] + margin) ** 2
                          for j, s in enumerate(row) if j != y[i]))
    return losses


def ovr_hinge_naive(S, y, margin=1.0, power=1):
    """A binary hinge per class: target +1 for the true class, -1 for the others."""
    losses = []
    for i, row in enumerate(S):
        losses.append(sum(max(0.0, margin - (1 if j == y[i] else -1) * s) ** power
                          for j, s in enumerate(row)))
    return losses


def ovr_squared_hinge_naive(S, y, margin=1.0):
    return ovr_hinge_naive(S, y, margin, power=2)


def softmax_naive(S, y, margin=None):
    losses = []
    for i, row in enumerate(S):
        top = max(row)
        log_norm = top + math.log(sum(math.exp(s - top) for s in row))
        losses.append(log_norm - row[y[i]])
    return losses


NAIVE = {"hinge": hinge_naive, "squared_hinge": squared_hinge_naive,
         "ovr_hinge": ovr_hinge_naive, "ovr_squared_hinge": ovr_squared_hinge_naive,
         "softmax": softmax_naive}


def solver_of(clf):
    """The optimizer object that trains ``clf``'s settings (the public check_solver)."""
    return check_solver(clf.optimizer, loss=clf.loss, penalty=clf.penalty, alpha=clf.alpha,
                        early_stopping=clf.early_stopping)
