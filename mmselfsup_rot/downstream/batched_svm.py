# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Many L2-regularised squared-hinge linear SVMs solved at once from one
Gram matrix, with exactly the objective of liblinear's ``LinearSVC``.

``LinearSVC(loss='squared_hinge', penalty='l2', fit_intercept=True,
intercept_scaling=1, class_weight=...)`` minimises, over the augmented
weights ``w~ = [w, b]`` of augmented samples ``x~ = [x, 1]`` (the bias is
regularised, as liblinear does)::

    P(w~) = 1/2 |w~|^2 + sum_i C_i max(0, 1 - y_i w~.x~_i)^2

with ``C_i = C * class_weight[y_i]``. The minimiser lies in the span of the
samples, ``w~ = X~^T beta``, so every problem needs only the Gram matrix
``G~ = X~ X~^T = X X^T + 1``: one matrix per feature layer serves every
class, cost, cross-validation fold and low-shot sample (each problem is a
mask of its rows).

Solver: the modified finite Newton method for L2-loss SVMs (Keerthi and
DeCoste, JMLR 2005) in kernel coefficients. With ``F`` the samples inside
the margin, the Newton point solves ``(G~_FF + D_F) beta_F = y_F`` with
``D = diag(1 / (2 C_i))`` (the dual of the squared hinge restricted to
``F``), followed by an exact line search on the piecewise-quadratic primal.
The systems of all problems are solved together by preconditioned
conjugate gradients whose only large operation is one ``G~ @ V`` product
for all columns; the preconditioner is a rank-``r`` Nystrom approximation
of ``G~`` plus the diagonal of its remainder, inverted per problem by the
Woodbury identity (an ``r x r`` Cholesky factor per problem, updated as
the free set changes). Convergence is explicit: a problem stops when its
relative duality gap ``(P - D) / P`` is at most ``tol``; problems that hit
``max_iter`` are reported.
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import torch
from torch import Tensor


@dataclass
class BatchedSVMResult:
    """Solutions of ``P`` problems over the ``n`` rows of a Gram matrix.

    Attributes:
        coef (Tensor): ``(n, P)`` kernel coefficients ``beta``
            (``w~ = X~^T beta``; zero outside each problem's rows).
        scores (Tensor): ``(n, P)`` decision values ``w~.x~`` of every row
            of the Gram matrix (held-out rows included).
        objective (Tensor): ``(P,)`` primal objective.
        gap (Tensor): ``(P,)`` relative duality gap at the end.
        iterations (Tensor): ``(P,)`` Newton iterations.
        converged (Tensor): ``(P,)`` True where ``gap <= tol``.
        cg_iterations (int): Conjugate-gradient steps, summed over
            problems.
    """
    coef: Tensor
    scores: Tensor
    objective: Tensor
    gap: Tensor
    iterations: Tensor
    converged: Tensor
    cg_iterations: int


@dataclass
class NystromFactor:
    """Rank-``r`` approximation ``U diag(eigvals) U^T <= G~`` and the
    diagonal of the remainder (``>= 0``)."""
    basis: Tensor
    eigvals: Tensor
    residual_diag: Tensor

    def rows(self, index: Tensor) -> 'NystromFactor':
        """The factor of the sub-Gram ``G~[index][:, index]``."""
        return NystromFactor(self.basis[index], self.eigvals,
                             self.residual_diag[index])


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


def _exact_line_search(coef: Tensor, scores: Tensor, step: Tensor,
                       step_scores: Tensor, labels: Tensor,
                       costs: Tensor) -> Tensor:
    """Minimiser ``t >= 0`` of the primal along ``coef + t * step``.

    The derivative ``P'(t) = a0 + a1 t - 2 sum_i C_i e_i (m_i - t e_i)_+``
    is continuous, piecewise linear and non-decreasing; its breakpoints
    are sorted and the root found in closed form (per column).
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


def _objectives(gram: Tensor, coef: Tensor, scores: Tensor, labels: Tensor,
                costs: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    """Primal objective, relative duality gap and primal gradient norm of
    each column (one Gram product).

    The dual point is the one the primal point implies,
    ``a_i = 2 C_i max(0, 1 - y_i s_i)``; the primal gradient is
    ``X~^T (beta - y a)``.
    """
    inside = costs > 0
    slack = (1 - labels * scores).clamp_min(0) * inside
    primal = 0.5 * (coef * scores).sum(0) + (costs * slack**2).sum(0)
    alpha = 2 * costs * slack
    signed = labels * alpha
    gram_signed = gram @ signed
    quad = (signed * gram_signed).sum(0)
    grad = ((coef - signed) * (scores - gram_signed)).sum(0)
    reg = torch.where(inside, alpha**2 / (4 * costs.clamp_min(1e-300)), 0.)
    dual = alpha.sum(0) - 0.5 * quad - reg.sum(0)
    scale = primal.abs().clamp_min(torch.finfo(gram.dtype).tiny)
    return (primal, ((primal - dual) / scale).clamp_min(0),
            grad.clamp_min(0).sqrt())


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
        rank = factor.eigvals.numel()
        self.upper = torch.triu_indices(rank, rank, device=self.basis.device)
        self.pairs = self.basis[:, self.upper[0]] * self.basis[:,
                                                               self.upper[1]]
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
        if rows.numel():
            self.flat[cols] += delta[rows].T @ self.pairs[rows]
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
    costs = torch.where(labels != 0, costs.to(gram), 0.)
    if bool(((labels != 0) & (costs <= 0)).any()):
        raise ValueError('Costs must be positive on every training row.')
    inside = costs > 0
    inv_two_c = torch.where(inside, 0.5 / costs.clamp_min(1e-300), 0.)
    coef = torch.zeros_like(labels) if init is None else init.to(gram) * inside
    scores = gram @ coef
    if method == 'direct' or (method == 'auto' and n <= DIRECT_MAX_ROWS):
        return _solve_direct(gram, labels, costs, inv_two_c, coef, scores, tol,
                             max_iter)
    if factor is None:
        factor = nystrom(gram, rank, seed)
    precond = _Preconditioner(factor, inv_two_c)
    objective = torch.zeros(num, dtype=gram.dtype, device=gram.device)
    gap = torch.full_like(objective, float('inf'))
    iterations = torch.zeros(num, dtype=torch.long)
    converged = torch.zeros(num, dtype=torch.bool)
    cg_total = 0
    grad = torch.zeros_like(objective)
    grad0 = None
    live = torch.arange(num)
    for _ in range(max_iter + 1):
        objective[live], gap[live], grad[live] = _objectives(
            gram, coef[:, live], scores[:, live], labels[:, live], costs[:,
                                                                         live])
        if grad0 is None:
            grad0 = grad.clamp_min(torch.finfo(grad.dtype).tiny)
        done = (gap[live] <= tol).cpu()
        converged[live[done]] = True
        live = live[~done]
        if live.numel() == 0 or bool((iterations[live] >= max_iter).all()):
            break
        iterations[live] += 1
        y, c = labels[:, live], costs[:, live]
        free = inside[:, live] & (labels[:, live] * scores[:, live] < 1)
        precond.update(live, free.to(gram.dtype))
        target, steps = _newton_point(gram, coef[:, live] * free, free, y,
                                      inv_two_c[:, live], precond, live,
                                      grad[live] / grad0[live], max_cg)
        cg_total += steps
        step = target[0] - coef[:, live]
        step_scores = target[1] - scores[:, live]
        t = _exact_line_search(coef[:, live], scores[:, live], step,
                               step_scores, y, c)
        coef[:, live] += t * step
        # exact scores: the recursively updated ones drift by rounding
        scores[:, live] = gram @ coef[:, live]
    return BatchedSVMResult(coef, scores, objective, gap, iterations,
                            converged, cg_total)


def _newton_point(gram: Tensor, start: Tensor, free: Tensor, y: Tensor,
                  inv_two_c: Tensor, precond: _Preconditioner, cols: Tensor,
                  grad: Tensor,
                  max_cg: int) -> Tuple[Tuple[Tensor, Tensor], int]:
    """Approximate ``(G~_FF + D_F)^{-1} y_F`` per column by preconditioned
    CG from ``start``; returns it with its scores ``G~ beta`` (all rows)
    and the number of CG steps (summed over columns).

    A column stops when its residual is below ``eta |y_F|`` with
    ``eta = min(0.1, |grad P| / |grad P(0)|)``: loose far from the
    optimum, tight near it (inexact Newton, superlinear).
    """
    mask = free
    rhs = y * mask
    x = start.clone()
    gx = gram @ x
    resid = (rhs - gx - inv_two_c * x) * mask
    weight, chol = precond.factorise(cols)
    eta = grad.clamp(min=1e-14, max=0.1)
    bound = eta * rhs.norm(dim=0)
    out_x, out_gx = x.clone(), gx.clone()
    live = torch.arange(x.shape[1], device=x.device)
    z = precond.apply(resid, weight, chol)
    p = z.clone()
    rz = (resid * z).sum(0)
    steps = 0
    for _ in range(max_cg):
        alive = resid.norm(dim=0) > bound
        if not bool(alive.all()):
            keep = alive.nonzero().squeeze(1)
            gone = (~alive).nonzero().squeeze(1)
            out_x[:, live[gone]] = x[:, gone]
            out_gx[:, live[gone]] = gx[:, gone]
            live, x, gx, resid, p, rz = (live[keep], x[:, keep], gx[:, keep],
                                         resid[:, keep], p[:, keep], rz[keep])
            mask, inv_two_c = mask[:, keep], inv_two_c[:, keep]
            bound, weight, chol = bound[keep], weight[:, keep], chol[keep]
        if live.numel() == 0:
            break
        steps += live.numel()
        gp = gram @ p
        ap = gp * mask + inv_two_c * p
        alpha = rz / (p * ap).sum(0)
        x += alpha * p
        gx += alpha * gp
        resid -= alpha * ap
        z = precond.apply(resid, weight, chol)
        rz_new = (resid * z).sum(0)
        p = z + (rz_new / rz) * p
        rz = rz_new
    out_x[:, live] = x
    out_gx[:, live] = gx
    return (out_x, out_gx), steps


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
    results: List[BatchedSVMResult] = []
    init = None
    for cost in costs:
        res = solve_squared_hinge(
            gram, labels, cost * weights, init=init, **kwargs)
        results.append(res)
        init = res.coef
    return results


def _solve_direct(gram: Tensor, labels: Tensor, costs: Tensor,
                  inv_two_c: Tensor, coef: Tensor, scores: Tensor, tol: float,
                  max_iter: int) -> BatchedSVMResult:
    """Column by column: exact Newton points from a Cholesky factor of
    ``G~_FF + D_F``, then the exact line search (finite Newton)."""
    num = labels.shape[1]
    objective = torch.zeros(num, dtype=gram.dtype, device=gram.device)
    gap = torch.full_like(objective, float('inf'))
    iterations = torch.zeros(num, dtype=torch.long)
    converged = torch.zeros(num, dtype=torch.bool)
    for col in range(num):
        y, c = labels[:, col:col + 1], costs[:, col:col + 1]
        beta, s = coef[:, col:col + 1], scores[:, col:col + 1]
        for it in range(max_iter + 1):
            obj, rel, _ = _objectives(gram, beta, s, y, c)
            objective[col], gap[col] = obj[0], rel[0]
            if bool(rel[0] <= tol):
                converged[col] = True
                break
            if it == max_iter:
                break
            iterations[col] += 1
            free = ((c[:, 0] > 0) & (y[:, 0] * s[:, 0] < 1)).nonzero()[:, 0]
            target = torch.zeros_like(beta)
            if free.numel():
                system = gram[free][:, free]
                system.diagonal().add_(inv_two_c[free, col])
                chol = torch.linalg.cholesky(system)
                target[free] = torch.cholesky_solve(y[free], chol)
            step = target - beta
            step_scores = gram[:, free] @ target[free] - s
            t = _exact_line_search(beta, s, step, step_scores, y, c)
            beta = beta + t * step
            s = s + t * step_scores
        coef[:, col:col + 1], scores[:, col:col + 1] = beta, s
    return BatchedSVMResult(coef, scores, objective, gap, iterations,
                            converged, 0)
