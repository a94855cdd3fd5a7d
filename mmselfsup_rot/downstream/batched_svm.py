# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Many L2-regularised squared-hinge linear SVMs solved at once from one
Gram matrix, with exactly the objective of liblinear's ``LinearSVC`` (see
:mod:`mmselfsup_rot.downstream.squared_hinge`).

One augmented Gram matrix ``G~ = X X^T + 1`` per feature layer serves
every class, cost and cross-validation fold (each problem is a mask of its
rows). Solver: the modified finite Newton method for L2-loss SVMs (Keerthi
and DeCoste, JMLR 2005) in kernel coefficients. With ``F`` the samples
inside the margin, the Newton point solves ``(G~_FF + D_F) beta_F = y_F``
with ``D = diag(1 / (2 C_i))``, followed by an exact line search on the
piecewise-quadratic primal. The systems of all problems are solved
together by preconditioned conjugate gradients whose only large operation
is one ``G~ @ V`` product for all columns; the preconditioner is a
rank-``r`` Nystrom approximation of ``G~`` plus the diagonal of its
remainder, inverted per problem by the Woodbury identity (an ``r x r``
Cholesky factor per problem, updated as the free set changes). CG stops
on the preconditioned residual norm (the error in the system's own norm),
by a factor ``min(FORCING, gap)``. Problems of at most
``DIRECT_MAX_ROWS`` rows go to the exact-Newton solver of
:mod:`mmselfsup_rot.downstream.direct_svm`. Convergence is explicit: a
problem stops when its relative duality gap ``(P - D) / P`` is at most
``tol``; problems that hit ``max_iter`` are reported.
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import torch
from torch import Tensor

from .direct_svm import solve_direct
from .squared_hinge import (BatchedSVMResult, NewtonRecord, check_problems,
                            cost_path, dual_point, exact_line_search,
                            objectives)


@dataclass
class NystromFactor:
    """Rank-``r`` approximation ``U diag(eigvals) U^T <= G~`` and the
    diagonal of the remainder (``>= 0``)."""
    basis: Tensor
    eigvals: Tensor
    residual_diag: Tensor
    _pairs: Optional[Tuple[Tensor, Tensor]] = None

    def pairs(self) -> Tuple[Tensor, Tensor]:
        """Upper-triangle indices ``(2, r (r + 1) / 2)`` of the basis
        columns and the row-wise products ``U[:, i] * U[:, j]`` over them,
        built once per factor (every cost and phase reuses them), in
        slices so that no temporary is as large as the result."""
        if self._pairs is None:
            rank = self.basis.shape[1]
            upper = torch.triu_indices(rank, rank, device=self.basis.device)
            out = self.basis.new_empty(len(self.basis), upper.shape[1])
            for start in range(0, upper.shape[1], 1024):
                part = upper[:, start:start + 1024]
                torch.mul(
                    self.basis[:, part[0]],
                    self.basis[:, part[1]],
                    out=out[:, start:start + 1024])
            self._pairs = (upper, out)
        return self._pairs


def augmented_gram(features: Tensor) -> Tensor:
    """``X~ X~^T`` of ``x~ = [x, 1]`` (``intercept_scaling=1``).

    Args:
        features (Tensor): ``(n, D)`` features (already normalised).

    Returns:
        Tensor: ``(n, n)`` Gram matrix of the augmented samples.
    """
    return torch.addmm(
        features.new_ones(()).expand(len(features), len(features)), features,
        features.T)


def nystrom(gram: Tensor, rank: int, seed: int = 0) -> NystromFactor:
    """Randomised Nystrom approximation of a PSD matrix (one power step,
    stabilised by a small shift; Tropp et al., 2017).

    Args:
        gram (Tensor): ``(n, n)`` symmetric PSD matrix.
        rank (int): Number of eigenpairs kept (at most ``n``).
        seed (int): Seed of the random test matrix.

    Returns:
        NystromFactor: The approximation.
    """
    n = gram.shape[0]
    rank = max(1, min(rank, n))
    gen = torch.Generator().manual_seed(seed)
    omega = torch.randn(n, rank, generator=gen, dtype=gram.dtype)
    omega = torch.linalg.qr(gram @ omega.to(gram.device)).Q
    sketch = gram @ omega
    shift = torch.finfo(gram.dtype).eps * n * sketch.norm()
    sketch = sketch + shift * omega
    core = omega.T @ sketch
    chol = torch.linalg.cholesky((core + core.T) / 2)
    factor = torch.linalg.solve_triangular(chol, sketch.T, upper=False).T
    basis, sing, _ = torch.linalg.svd(factor, full_matrices=False)
    eigvals = (sing**2 - shift).clamp_min(0)
    keep = eigvals > eigvals.max() * 1e-10
    basis, eigvals = basis[:, keep], eigvals[keep]
    residual = gram.diagonal() - (basis**2 * eigvals).sum(1)
    return NystromFactor(basis, eigvals, residual.clamp_min(0))


class _Preconditioner:
    """Woodbury inverse of ``U_F diag(lam) U_F^T + T_F`` per column, with
    ``T = D + residual_diag``, kept up to date as free sets change.

    The ``r x r`` cores ``diag(1 / lam) + U^T diag(w) U`` of all columns
    are one product ``w^T (U * U)`` with the row-wise products of the basis
    columns (upper triangle), updated on the rows whose weight changed.
    """

    def __init__(self, factor: NystromFactor, inv_two_c: Tensor) -> None:
        self.basis = factor.basis
        self.resid = factor.residual_diag
        self.inv_eig = 1 / factor.eigvals
        self.upper, self.pairs = factor.pairs()
        self.flat = self.basis.new_zeros(inv_two_c.shape[1],
                                         self.upper.shape[1])
        self.inv_two_c = inv_two_c
        self.weight = torch.zeros_like(inv_two_c)

    def update(self, cols: Tensor, free: Tensor) -> None:
        """Set the free sets of ``cols`` (``free``: ``(n, len(cols))``)."""
        denom = self.inv_two_c[:, cols] + self.resid[:, None]
        new = torch.where(free > 0, 1 / torch.where(free > 0, denom, 1.), 0.)
        delta = new - self.weight[:, cols]
        rows = (delta != 0).any(1).nonzero().squeeze(1)
        # in slices of rows: a copy of all changed rows' pairs would be as
        # large as the pairs themselves
        for start in range(0, rows.numel(), 512):
            part = rows[start:start + 512]
            self.flat[cols] += delta[part].T @ self.pairs[part]
        self.weight[:, cols] = new

    def factorise(self, cols: Tensor) -> Tuple[Tensor, Tensor]:
        """Per-column weights and Cholesky factors for :meth:`apply`."""
        rank = self.inv_eig.numel()
        core = self.flat.new_zeros(len(cols), rank, rank)
        core[:, self.upper[0], self.upper[1]] = self.flat[cols]
        core = core + core.triu(1).mT
        core.diagonal(dim1=1, dim2=2).add_(self.inv_eig)
        return self.weight[:, cols], torch.linalg.cholesky(core)

    def apply(self, resid: Tensor, weight: Tensor, chol: Tensor) -> Tensor:
        scaled = weight * resid
        small = torch.cholesky_solve((self.basis.T @ scaled).T[:, :, None],
                                     chol)[:, :, 0]
        return scaled - weight * (self.basis @ small.T)


DIRECT_MAX_ROWS = 2048
FORCING = 1e-3


def solve_squared_hinge(gram: Tensor,
                        labels: Tensor,
                        costs: Tensor,
                        tol: float = 1e-6,
                        max_iter: int = 50,
                        rank: int = 128,
                        max_cg: int = 1000,
                        init: Optional[Tensor] = None,
                        factor: Optional[NystromFactor] = None,
                        seed: int = 0,
                        method: str = 'auto') -> BatchedSVMResult:
    """Solve ``P`` squared-hinge SVMs sharing one Gram matrix.

    Args:
        gram (Tensor): ``(n, n)`` augmented Gram matrix
            (:func:`augmented_gram`), on the device and in the dtype of the
            computation.
        labels (Tensor): ``(n, P)``: +1 / -1 for the rows of each problem,
            0 for rows outside it (held out, ignored or not sampled).
        costs (Tensor): ``(n, P)`` per-sample costs ``C * class_weight``
            (positive on the rows of each problem).
        tol (float): Relative duality gap at which a problem stops.
        max_iter (int): Newton iterations per problem.
        rank (int): Rank of the Nystrom preconditioner.
        max_cg (int): Conjugate-gradient steps per Newton iteration.
        init (Tensor, optional): ``(n, P)`` starting coefficients (e.g.
            the solution at a smaller cost).
        factor (NystromFactor, optional): A precomputed preconditioner
            factor of ``gram``.
        seed (int): Seed of the Nystrom sketch.
        method (str): ``'cg'`` (all columns together, preconditioned CG
            on one ``G~ @ V`` product per step), ``'direct'`` (column by
            column, Cholesky factor of each free sub-Gram: fewer
            operations for small problems) or ``'auto'`` (direct up to
            ``DIRECT_MAX_ROWS`` rows).

    Returns:
        BatchedSVMResult: Coefficients, scores and convergence record.
    """
    n, num = labels.shape
    if method not in ('auto', 'cg', 'direct'):
        raise ValueError(f'Unknown method "{method}"; choose auto, cg or '
                         'direct.')
    if gram.shape != (n, n) or costs.shape != labels.shape:
        raise ValueError(f'Gram {tuple(gram.shape)}, labels '
                         f'{tuple(labels.shape)} and costs '
                         f'{tuple(costs.shape)} do not match.')
    labels = labels.to(gram)
    costs, inv_two_c = check_problems(gram, labels, costs.to(gram))
    inside = costs > 0
    coef = torch.zeros_like(labels) if init is None else init.to(gram) * inside
    if method == 'direct' or (method == 'auto' and n <= DIRECT_MAX_ROWS):
        res = solve_direct(gram[None], labels[None], costs[None], tol,
                           max_iter, coef[None])
        return BatchedSVMResult(res.coef[0], res.scores[0], res.objective[0],
                                res.gap[0], res.iterations[0],
                                res.converged[0], 0)
    scores = gram @ coef
    if factor is None:
        factor = nystrom(gram, rank, seed)
    precond = _Preconditioner(factor, inv_two_c)
    record = NewtonRecord(num, gram, tol, max_iter)
    cg_total = 0
    # inexact-Newton forcing: CG stops when its preconditioned residual
    # has fallen by ``min(forcing, gap)``; tightened for a column whose
    # step made no progress (too inexact to descend)
    forcing = torch.full_like(record.objective, FORCING)
    for _ in range(max_iter + 1):
        live = record.live
        y, c = labels[:, live], costs[:, live]
        signed = gram @ dual_point(scores[:, live], y, c)
        if not record.next_iteration(
                *objectives(coef[:, live], scores[:, live], signed, y, c)):
            break
        live = record.live
        y, c = labels[:, live], costs[:, live]
        free = inside[:, live] & (labels[:, live] * scores[:, live] < 1)
        precond.update(live, free.to(gram.dtype))
        target, steps = _newton_point(
            gram, coef[:, live] * free, free, y, inv_two_c[:, live], precond,
            live, torch.minimum(forcing[live], record.gap[live]), max_cg)
        cg_total += steps
        # the target's scores from one product: the CG recursion drifts
        step = target - coef[:, live]
        step_scores = gram @ target - scores[:, live]
        t = exact_line_search(coef[:, live], scores[:, live], step,
                              step_scores, y, c)
        coef[:, live] += t * step
        scores[:, live] += t * step_scores
        stalled = live[(t <= 1e-12).cpu()]
        forcing[stalled] = forcing[stalled] * 1e-3
    return record.result(coef, scores, cg_total)


def _newton_point(gram: Tensor, start: Tensor, free: Tensor, y: Tensor,
                  inv_two_c: Tensor, precond: _Preconditioner, cols: Tensor,
                  forcing: Tensor, max_cg: int) -> Tuple[Tensor, int]:
    """Approximate ``(G~_FF + D_F)^{-1} y_F`` per column by preconditioned
    CG from ``start``; returns it and the number of CG steps (summed over
    columns).

    A column stops when its preconditioned residual norm
    ``sqrt(r^T M^-1 r)`` has fallen by the factor ``forcing`` (the
    smaller of ``FORCING`` and the column's duality gap: loose far from
    the optimum, tight near it; inexact Newton).
    """
    mask = free
    rhs = y * mask
    x = start.clone()
    resid = (rhs - gram @ x - inv_two_c * x) * mask
    weight, chol = precond.factorise(cols)
    out_x = x.clone()
    live = torch.arange(x.shape[1], device=x.device)
    z = precond.apply(resid, weight, chol)
    p = z.clone()
    rz = (resid * z).sum(0)
    # the preconditioned residual norm r^T M^-1 r tracks the error in the
    # system's own norm; |r| alone under-reports the error along the
    # small eigenvalues (about 1 / (2 C)) and stops CG too early
    bound = forcing.clamp(min=1e-14, max=1.)**2 * rz
    steps = 0
    for _ in range(max_cg):
        alive = rz > bound
        if not bool(alive.all()):
            keep = alive.nonzero().squeeze(1)
            gone = (~alive).nonzero().squeeze(1)
            out_x[:, live[gone]] = x[:, gone]
            live, x, resid, p, rz = (live[keep], x[:, keep], resid[:, keep],
                                     p[:, keep], rz[keep])
            mask, inv_two_c = mask[:, keep], inv_two_c[:, keep]
            bound, weight, chol = bound[keep], weight[:, keep], chol[keep]
        if live.numel() == 0:
            break
        steps += live.numel()
        gp = gram @ p
        ap = gp * mask + inv_two_c * p
        alpha = rz / (p * ap).sum(0)
        x += alpha * p
        resid -= alpha * ap
        z = precond.apply(resid, weight, chol)
        rz_new = (resid * z).sum(0)
        p = z + (rz_new / rz) * p
        rz = rz_new
    out_x[:, live] = x
    return out_x, steps


def solve_cost_path(gram: Tensor, labels: Tensor, weights: Tensor,
                    costs: Sequence[float],
                    **kwargs) -> List[BatchedSVMResult]:
    """The same problems at each cost, each cost started from the solution
    at the previous one (costs in ascending order converge fastest).

    Args:
        gram (Tensor): ``(n, n)`` augmented Gram matrix.
        labels (Tensor): ``(n, P)`` +1/-1/0 labels.
        weights (Tensor): ``(n, P)`` class weights of the rows.
        costs (Sequence[float]): The costs ``C``.
        **kwargs: Passed to :func:`solve_squared_hinge`.

    Returns:
        list[BatchedSVMResult]: One result per cost, in ``costs`` order.
    """
    return cost_path(solve_squared_hinge, gram, labels, weights, costs,
                     **kwargs)
