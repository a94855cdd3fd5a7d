# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The squared-hinge SVM objective in kernel coefficients: primal value,
duality gap and the exact line search shared by the batched solvers.

``LinearSVC(loss='squared_hinge', penalty='l2', fit_intercept=True,
intercept_scaling=1, class_weight=...)`` minimises, over the augmented
weights ``w~ = [w, b]`` of augmented samples ``x~ = [x, 1]`` (the bias is
regularised, as liblinear does)::

    P(w~) = 1/2 |w~|^2 + sum_i C_i max(0, 1 - y_i w~.x~_i)^2

with ``C_i = C * class_weight[y_i]``. With ``w~ = X~^T beta`` (the
minimiser lies in the span of the samples) only the Gram matrix
``G~ = X~ X~^T`` is needed. Every function here takes columns of rows
(``(..., n, P)``: one problem per column, rows outside a problem with
label and cost 0) and reduces over the rows (dim -2).
"""
from dataclasses import dataclass
from typing import Callable, List, Sequence, Tuple

import torch
from torch import Tensor


@dataclass
class BatchedSVMResult:
    """Solutions of ``P`` problems over the ``n`` rows of a Gram matrix
    (with leading batch dimensions where the solver took a batch of Gram
    matrices).

    Attributes:
        coef (Tensor): ``(..., n, P)`` kernel coefficients ``beta``
            (``w~ = X~^T beta``; zero outside each problem's rows).
        scores (Tensor): ``(..., n, P)`` decision values ``w~.x~`` of every
            row of the Gram matrix (held-out rows included).
        objective (Tensor): ``(..., P)`` primal objective.
        gap (Tensor): ``(..., P)`` relative duality gap at the end.
        iterations (Tensor): ``(..., P)`` Newton iterations.
        converged (Tensor): ``(..., P)`` True where ``gap <= tol``.
        cg_iterations (int): Conjugate-gradient steps, summed over
            problems (0 for the direct solver).
    """
    coef: Tensor
    scores: Tensor
    objective: Tensor
    gap: Tensor
    iterations: Tensor
    converged: Tensor
    cg_iterations: int


class NewtonRecord:
    """Objective, duality gap, Newton iterations and convergence of ``num``
    problems solved together, and which of them are still live.

    Args:
        num (int): Number of problems.
        like (Tensor): A tensor of the computation's dtype and device.
        tol (float): Relative duality gap at which a problem stops.
        max_iter (int): Newton iterations per problem.
    """

    def __init__(self, num: int, like: Tensor, tol: float,
                 max_iter: int) -> None:
        self.objective = like.new_zeros(num)
        self.gap = torch.full_like(self.objective, float('inf'))
        self.iterations = torch.zeros(num, dtype=torch.long)
        self.converged = torch.zeros(num, dtype=torch.bool)
        self.live = torch.arange(num)
        self.tol, self.max_iter = tol, max_iter

    def next_iteration(self, objective: Tensor, gap: Tensor) -> bool:
        """Record the live problems' objective and gap, retire those within
        ``tol``, and count one more iteration for the others.

        Returns:
            bool: Whether a problem is left that may iterate again.
        """
        live = self.live
        self.objective[live], self.gap[live] = objective, gap
        done = (gap <= self.tol).cpu()
        self.converged[live[done]] = True
        self.live = live[~done]
        limit = self.iterations[self.live] >= self.max_iter
        if self.live.numel() == 0 or bool(limit.all()):
            return False
        self.iterations[self.live] += 1
        return True

    def result(self,
               coef: Tensor,
               scores: Tensor,
               cg_iterations: int = 0) -> BatchedSVMResult:
        """The solution with this record (reshaped as ``coef``'s leading
        dimensions and columns where it is batched)."""
        shape = coef.shape[:-2] + coef.shape[-1:]
        return BatchedSVMResult(coef, scores, self.objective.reshape(shape),
                                self.gap.reshape(shape),
                                self.iterations.reshape(shape),
                                self.converged.reshape(shape), cg_iterations)


def cost_path(solve: Callable[..., BatchedSVMResult], gram: Tensor,
              labels: Tensor, weights: Tensor, costs: Sequence[float],
              **kwargs) -> List[BatchedSVMResult]:
    """``solve(gram, labels, cost * weights, init=...)`` at each cost, each
    started from the solution at the previous one (costs in ascending
    order converge fastest).

    Returns:
        list[BatchedSVMResult]: One result per cost, in ``costs`` order.
    """
    results: List[BatchedSVMResult] = []
    init = None
    for cost in costs:
        res = solve(gram, labels, cost * weights, init=init, **kwargs)
        results.append(res)
        init = res.coef
    return results


def check_problems(gram: Tensor, labels: Tensor,
                   costs: Tensor) -> Tuple[Tensor, Tensor]:
    """Costs zeroed outside each problem, and ``1 / (2 C_i)`` (the dual
    regulariser; 0 outside), after checking the Gram matrix is finite and
    every training row has a positive cost.

    Raises:
        ValueError: Non-finite Gram entries, or a row with a label and a
            non-positive cost.
    """
    if not bool(torch.isfinite(gram).all()):
        raise ValueError('The Gram matrix of the SVM features has NaN or '
                         'infinite entries; check the extracted features.')
    costs = torch.where(labels != 0, costs, 0.)
    if bool(((labels != 0) & (costs <= 0)).any()):
        raise ValueError('Costs must be positive on every training row.')
    inv_two_c = torch.where(costs > 0, 0.5 / costs.clamp_min(1e-300), 0.)
    return costs, inv_two_c


def margin_slack(scores: Tensor, labels: Tensor, costs: Tensor) -> Tensor:
    """``max(0, 1 - y_i s_i)`` on each problem's rows (0 elsewhere)."""
    return (1 - labels * scores).clamp_min(0) * (costs > 0)


def dual_point(scores: Tensor, labels: Tensor, costs: Tensor) -> Tensor:
    """The signed dual variables ``y_i a_i`` the primal point implies,
    ``a_i = 2 C_i max(0, 1 - y_i s_i)``; ``G~`` times it is what
    :func:`objectives` needs."""
    return labels * 2 * costs * margin_slack(scores, labels, costs)


def objectives(coef: Tensor, scores: Tensor, gram_signed: Tensor,
               labels: Tensor, costs: Tensor) -> Tuple[Tensor, Tensor]:
    """Primal objective and relative duality gap ``(P - D) / |P|`` of each
    column.

    Args:
        coef (Tensor): ``(..., n, P)`` coefficients ``beta``.
        scores (Tensor): ``G~ beta``.
        gram_signed (Tensor): ``G~`` times :func:`dual_point`.
        labels (Tensor): +1/-1 on each problem's rows, 0 elsewhere.
        costs (Tensor): ``C_i`` (0 outside each problem).

    Returns:
        tuple: ``(..., P)`` primal values and relative gaps (>= 0).
    """
    slack = margin_slack(scores, labels, costs)
    primal = 0.5 * (coef * scores).sum(-2) + (costs * slack**2).sum(-2)
    alpha = 2 * costs * slack
    signed = labels * alpha
    quad = (signed * gram_signed).sum(-2)
    reg = torch.where(costs > 0, alpha**2 / (4 * costs.clamp_min(1e-300)), 0.)
    dual = alpha.sum(-2) - 0.5 * quad - reg.sum(-2)
    scale = primal.abs().clamp_min(torch.finfo(primal.dtype).tiny)
    return primal, ((primal - dual) / scale).clamp_min(0)


def exact_line_search(coef: Tensor, scores: Tensor, step: Tensor,
                      step_scores: Tensor, labels: Tensor,
                      costs: Tensor) -> Tensor:
    """Minimiser ``t >= 0`` of the primal along ``coef + t * step``, per
    column of ``(n, P)`` tensors.

    The derivative ``P'(t) = a0 + a1 t - 2 sum_i C_i e_i (m_i - t e_i)_+``
    is continuous, piecewise linear and non-decreasing; its breakpoints
    are sorted and the root found in closed form (per column).

    Returns:
        Tensor: ``(P,)`` step lengths (0 where the step cannot descend).
    """
    margin = 1 - labels * scores  # m_i
    slope = labels * step_scores  # e_i
    a0 = (step * scores).sum(0)
    a1 = (step * step_scores).sum(0)  # |step in w-space|^2
    inside = costs > 0
    active = inside & ((margin > 0) | ((margin == 0) & (slope < 0)))
    two_c = 2 * costs
    d_intercept = two_c * slope * margin
    d_slope = two_c * slope * slope
    start_a = a0 - (d_intercept * active).sum(0)
    start_b = a1 + (d_slope * active).sum(0)
    leaves = inside & (margin > 0) & (slope > 0)
    enters = inside & (margin < 0) & (slope < 0)
    event = leaves | enters
    sign = leaves.to(scores.dtype) - enters.to(scores.dtype)
    where = torch.where(event, margin / torch.where(event, slope, 1.),
                        torch.full_like(margin, float('inf')))
    where, order = torch.sort(where, dim=0)
    delta_a = torch.gather(sign * d_intercept, 0, order)
    delta_b = torch.gather(-sign * d_slope, 0, order)
    seg_a = torch.cat([start_a[None], start_a + delta_a.cumsum(0)])
    seg_b = torch.cat([start_b[None], start_b + delta_b.cumsum(0)])
    lower = torch.cat([torch.zeros_like(where[:1]), where])
    upper = torch.cat([where, torch.full_like(where[:1], float('inf'))])
    finite_upper = torch.where(torch.isinf(upper), 0., upper)
    at_upper = seg_a + seg_b * finite_upper
    reaches = torch.where(torch.isinf(upper), seg_b > 0, at_upper >= 0)
    seg = reaches.to(torch.int8).argmax(0, keepdim=True)
    a = seg_a.gather(0, seg)[0]
    b = seg_b.gather(0, seg)[0]
    root = torch.where(b > 0, -a / torch.where(b > 0, b, 1.), 0.)
    root = torch.maximum(root, lower.gather(0, seg)[0])
    root = torch.minimum(root, upper.gather(0, seg)[0])
    # no progress possible (zero step): stay
    return torch.where(a1 > 0, root, torch.zeros_like(root))
