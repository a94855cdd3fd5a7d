# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Many small squared-hinge SVMs by finite Newton with exact (Cholesky)
Newton points, batched over a stack of Gram matrices.

Meant for problems of up to a few thousand rows (the low-shot protocol:
20 k rows per class and sample), where one Cholesky factor of the free
system ``G~_FF + diag(1 / (2 C_F))`` costs less than the conjugate-gradient
iterations of :mod:`mmselfsup_rot.downstream.batched_svm`. Each Newton
iteration gathers the free systems of all live columns (grouped by size,
padded to the largest of a group with identity rows), factorises them in
batched calls (float32 factors refined against the float64 residual, see
``_solve_spd``), and takes the exact line search of
:func:`~mmselfsup_rot.downstream.squared_hinge.exact_line_search` (Keerthi
and DeCoste, JMLR 2005). A column stops at relative duality gap ``tol``.
"""
from typing import List, Optional, Sequence

import torch
from torch import Tensor

from .squared_hinge import (BatchedSVMResult, NewtonRecord, check_problems,
                            cost_path, dual_point, exact_line_search,
                            objectives)

# bytes of free systems (matrix and factor) factorised in one call
SYSTEM_BYTES = 64 * 2**20
# float64 corrections of the float32 Newton-point solve, and the residual
# (relative to the right-hand side) the last one must start from
REFINE = 2
REFINE_TOL = 1e-2


def _columns(tensor: Tensor) -> Tensor:
    """``(B, m, P)`` -> ``(m, B * P)`` (column ``b * P + p``)."""
    batch, rows, num = tensor.shape
    return tensor.permute(1, 0, 2).reshape(rows, batch * num)


def _stacked(columns: Tensor, batch: int) -> Tensor:
    """The inverse of :func:`_columns`: ``(m, B * P)`` -> ``(B, m, P)``."""
    rows = columns.shape[0]
    return columns.reshape(rows, batch, -1).permute(1, 0, 2).contiguous()


def _newton_points(grams: Tensor, free: Tensor, labels: Tensor,
                   inv_two_c: Tensor, gram_of: Tensor) -> Tensor:
    """``(G~_FF + D_F)^{-1} y_F`` (0 off ``F``) of the given columns.

    Args:
        grams (Tensor): ``(B, m, m)`` Gram matrices.
        free (Tensor): ``(Q, m)`` bool free sets.
        labels, inv_two_c (Tensor): ``(Q, m)`` of the same columns.
        gram_of (Tensor): ``(Q,)`` Gram matrix of each column.

    Returns:
        Tensor: ``(Q, m)`` Newton points.
    """
    rows = free.shape[1]
    out = torch.zeros_like(labels)
    count = free.sum(1)
    # similar sizes side by side: little padding in each batched call
    by_size = torch.argsort(count, descending=True).tolist()
    counts, gram_of = count.tolist(), gram_of.tolist()
    # free rows first, ascending (sorted rows keep the gather local)
    order = torch.argsort((~free).to(torch.int8), dim=1, stable=True)
    itemsize = 2 * grams.element_size()  # system and its factor
    start = 0
    while start < len(by_size) and counts[by_size[start]] > 0:
        size = counts[by_size[start]]
        stop = start + max(1, SYSTEM_BYTES // (itemsize * size * size))
        cols = by_size[start:stop]
        system = grams.new_empty(len(cols), size, size)
        rhs = grams.new_zeros(len(cols), size, 1)
        for j, q in enumerate(cols):
            num = counts[q]
            index = order[q, :num]
            gram = grams[gram_of[q]].reshape(-1)
            system[j, :num, :num] = gram.take(index[:, None] * rows + index)
            diag = system[j].diagonal()
            diag[:num] += inv_two_c[q, index]
            if num < size:  # padding: identity rows, zero right-hand side
                system[j, num:].zero_()
                system[j, :num, num:].zero_()
                diag[num:] = 1
            rhs[j, :num, 0] = labels[q, index]
        solution = _solve_spd(system, rhs)[:, :, 0]
        for j, q in enumerate(cols):
            out[q, order[q, :counts[q]]] = solution[j, :counts[q]]
        start = stop
    return out


def _cholesky(system: Tensor) -> Tensor:
    chol, info = torch.linalg.cholesky_ex(system)
    if bool((info != 0).any()):
        raise RuntimeError('A free system of the direct SVM solver is not '
                           'positive definite (non-finite features?).')
    return chol


def _triangular_solve(chol: Tensor, rhs: Tensor) -> Tensor:
    """``(L L^T)^{-1} rhs`` by two triangular solves (faster than
    ``cholesky_solve`` on CPU)."""
    half = torch.linalg.solve_triangular(chol, rhs, upper=False)
    return torch.linalg.solve_triangular(chol.mT, half, upper=True)


def _solve_spd(system: Tensor, rhs: Tensor) -> Tensor:
    """Solve batched SPD systems ``(Q, f, f) x = (Q, f, 1)``.

    float64 systems are solved by mixed-precision iterative refinement: a
    float32 Cholesky factor (half the operations of the float64 one) and
    ``REFINE`` corrections from the float64 residual. A system whose
    float32 factor fails, or whose residual has not fallen below
    ``REFINE_TOL`` of its right-hand side by the last correction (too
    ill-conditioned for float32), is factorised in float64.
    """
    if system.dtype != torch.float64 or not REFINE:
        return _triangular_solve(_cholesky(system), rhs)
    chol, info = torch.linalg.cholesky_ex(system.float())
    solution = _triangular_solve(chol, rhs.float()).double()
    for _ in range(REFINE):
        resid = rhs - torch.bmm(system, solution)
        solution += _triangular_solve(chol, resid.float()).double()
    ratio = resid.norm(dim=(1, 2)) / rhs.norm(dim=(1, 2)).clamp_min(1e-300)
    bad = ((info != 0) | ~(ratio <= REFINE_TOL)).nonzero().squeeze(1)
    if bad.numel():
        solution[bad] = _triangular_solve(_cholesky(system[bad]), rhs[bad])
    return solution


def solve_direct(grams: Tensor,
                 labels: Tensor,
                 costs: Tensor,
                 tol: float = 1e-6,
                 max_iter: int = 50,
                 init: Optional[Tensor] = None) -> BatchedSVMResult:
    """Solve ``B x P`` squared-hinge SVMs, ``P`` on each of ``B`` Gram
    matrices.

    Args:
        grams (Tensor): ``(B, m, m)`` augmented Gram matrices
            (:func:`~mmselfsup_rot.downstream.batched_svm.augmented_gram`
            of each problem's rows).
        labels (Tensor): ``(B, m, P)``: +1/-1 on each problem's rows, 0 on
            rows outside it.
        costs (Tensor): ``(B, m, P)`` per-sample costs (positive on each
            problem's rows).
        tol (float): Relative duality gap at which a problem stops.
        max_iter (int): Newton iterations per problem.
        init (Tensor, optional): ``(B, m, P)`` starting coefficients.

    Returns:
        BatchedSVMResult: ``(B, m, P)`` coefficients and scores, ``(B, P)``
        records.
    """
    batch, rows, num = labels.shape
    if grams.shape != (batch, rows, rows) or costs.shape != labels.shape:
        raise ValueError(f'Gram matrices {tuple(grams.shape)}, labels '
                         f'{tuple(labels.shape)} and costs '
                         f'{tuple(costs.shape)} do not match.')
    labels = labels.to(grams)
    costs, inv_two_c = check_problems(grams, labels, costs.to(grams))
    coef = (
        torch.zeros_like(labels) if init is None else init.to(grams) *
        (costs > 0))
    scores = torch.bmm(grams, coef)
    record = NewtonRecord(batch * num, grams, tol, max_iter)
    gram_of = torch.arange(batch, device=grams.device).repeat_interleave(num)
    y, c, d = _columns(labels), _columns(costs), _columns(inv_two_c)
    for _ in range(max_iter + 1):
        signed = torch.bmm(grams, dual_point(scores, labels, costs))
        obj, rel = objectives(coef, scores, signed, labels, costs)
        live = record.live
        if not record.next_iteration(
                obj.reshape(-1)[live],
                rel.reshape(-1)[live]):
            break
        beta, s = _columns(coef), _columns(scores)
        cols = record.live.to(grams.device)
        free = ((c[:, cols] > 0) & (y[:, cols] * s[:, cols] < 1)).T
        target = torch.zeros_like(beta)
        target[:, cols] = _newton_points(grams, free, y[:, cols].T,
                                         d[:, cols].T, gram_of[cols]).T
        target_scores = _columns(torch.bmm(grams, _stacked(target, batch)))
        step = target[:, cols] - beta[:, cols]
        step_scores = target_scores[:, cols] - s[:, cols]
        t = exact_line_search(beta[:, cols], s[:, cols], step, step_scores,
                              y[:, cols], c[:, cols])
        beta[:, cols] += t * step
        s[:, cols] += t * step_scores
        coef, scores = _stacked(beta, batch), _stacked(s, batch)
    return record.result(coef, scores)


def solve_direct_cost_path(grams: Tensor, labels: Tensor, weights: Tensor,
                           costs: Sequence[float],
                           **kwargs) -> List[BatchedSVMResult]:
    """:func:`solve_direct` at each cost, each started from the solution
    at the previous one.

    Args:
        grams (Tensor): ``(B, m, m)`` augmented Gram matrices.
        labels (Tensor): ``(B, m, P)`` +1/-1/0 labels.
        weights (Tensor): ``(B, m, P)`` class weights of the rows.
        costs (Sequence[float]): The costs ``C`` (ascending is fastest).
        **kwargs: Passed to :func:`solve_direct`.

    Returns:
        list[BatchedSVMResult]: One result per cost, in ``costs`` order.
    """
    return cost_path(solve_direct, grams, labels, weights, costs, **kwargs)
