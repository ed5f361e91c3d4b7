"""Latent class models of the binary factors at assessment, fitted with StepMix.

Two model families (report §2.3.4, Table 3):

* **configural**: one latent class model per LA, every parameter free per LA;
* **invariant**: item-response probabilities shared by all LAs, class sizes free per LA, fitted
  by maximising the conditional likelihood of the items given the LA (as R flexmix with a
  multinomial concomitant model on LA). StepMix fits it as a one-step model whose structural
  part is the LA as a categorical outcome: P(items, LA) = sum_k w_k P(LA | k) P(items | k). With
  P(LA | k) free this is a reparameterisation of P(LA) x P(class | LA) x P(items | class), both
  saturated: every EM M-step is closed-form, the implied P(LA) is the sample's share of each LA
  after every M-step, so the joint log-likelihood is the conditional one plus the constant
  sum_g n_g log(n_g / n), and the class shares per LA are w_k P(LA | k) normalised over k.
  (A multinomial-logit covariate model on LA dummies gives the same optimum, but its
  Newton-Raphson M-step over L x (K - 1) coefficients did not finish at 152 LAs.)

Every fit runs several seeded random starts in two stages: all starts run a few EM iterations,
the best few run on to convergence, and the best log-likelihood is kept; the fit records how many
refined starts reached it and whether the best one converged. The EM is StepMix's, step for step
(same random initial responsibilities per seed, same M-steps with the same clipping, same stopping
rule), written here with numpy (issue 13): all starts iterate together as one array, on the
distinct (response pattern, LA) rows weighted by their counts, and a refined start continues from
where its screening stopped instead of starting again. A 7-class invariant fit with 10 starts at
default size took 4-21 s through StepMix and takes well under a second this way, with the same
optimum (tests/lca/test_lca.py runs both). ``_run`` keeps the StepMix path as the reference.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

log = logging.getLogger(__name__)

# Probabilities are kept away from 0/1 when taking logs (as StepMix does internally).
_EPS = 1e-15


@dataclass
class FitSettings:
    """Estimation settings shared by every fit (from the config's ``lca.fit`` block)."""

    starts: int = 10
    seed: int = 20200301
    abs_tol: float = 1e-6
    max_iter: int = 1000
    # Stage 1: every start runs this many EM iterations (0 = run every start to convergence).
    screen_iter: int = 40
    # Stage 2: this many best starts are run to convergence; the best of them is kept.
    refine: int = 2
    # Two starts' log-likelihoods within this distance count as "the same optimum".
    ll_replication_tol: float = 0.01


@dataclass
class LCAFit:
    """A fitted latent class model with its fit statistics (parameters as plain arrays)."""

    kind: str  # "configural", "invariant" or "single"
    n_classes: int
    items: list[str]
    groups: list[str]
    item_probabilities: np.ndarray  # (n_groups or 1, K, J): P(item = 1 | class[, group])
    class_shares: np.ndarray  # (n_groups, K): P(class | group)
    log_likelihood: float
    n_parameters: int
    n_obs: int
    converged: bool
    starts: int
    best_ll_replications: int  # refined starts reaching the best LL (min over groups if configural)
    start_log_likelihoods: list[float] = field(default_factory=list)
    entropy: float = float("nan")  # relative entropy 1 - sum(-p log p) / (n log K)
    smallest_class_share: float = float("nan")

    @property
    def aic(self) -> float:
        return -2.0 * self.log_likelihood + 2.0 * self.n_parameters

    @property
    def bic(self) -> float:
        return -2.0 * self.log_likelihood + np.log(self.n_obs) * self.n_parameters

    def shared_item_probabilities(self) -> np.ndarray:
        """(K, J) item-response probabilities of an invariant (or single-group) model."""
        if self.item_probabilities.shape[0] != 1:
            raise ValueError(f"a {self.kind} model has no shared item-response probabilities")
        return self.item_probabilities[0]

    def summary(self) -> dict:
        return {
            "model": self.kind,
            "classes": self.n_classes,
            "log_likelihood": self.log_likelihood,
            "n_parameters": self.n_parameters,
            "n_obs": self.n_obs,
            "aic": self.aic,
            "bic": self.bic,
            "entropy": self.entropy,
            "smallest_class_share": self.smallest_class_share,
            "converged": self.converged,
            "starts": self.starts,
            "best_ll_replications": self.best_ll_replications,
        }


def _stepmix(n_classes: int, settings: FitSettings, seed: int, by_group: bool, max_iter: int | None = None):
    from stepmix.stepmix import StepMix

    kwargs = dict(
        n_components=n_classes,
        measurement="binary",
        n_init=1,
        abs_tol=settings.abs_tol,
        max_iter=settings.max_iter if max_iter is None else max_iter,
        random_state=seed,
        progress_bar=0,
        verbose=0,
    )
    if by_group:
        # The LA as a categorical outcome of the class, estimated in the same EM (one-step).
        kwargs.update(structural="categorical", n_steps=1)
    return StepMix(**kwargs)


def _start_seeds(settings: FitSettings, salt: int) -> list[int]:
    state = np.random.SeedSequence([settings.seed, salt]).generate_state(settings.starts)
    return [int(s) for s in state]


def _run(X, Y, n_classes, settings, seed, max_iter=None):
    """One StepMix run (the reference implementation of the EM below): (model, joint LL)."""
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    model = _stepmix(n_classes, settings, seed, by_group=Y is not None, max_iter=max_iter)
    # Small matrix products: multithreaded BLAS only adds overhead (10x slower on 2 busy cores).
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, Y)
    return model, float(model.score(X, Y) * X.shape[0])


def _best_of_starts_stepmix(X: np.ndarray, Y: np.ndarray | None, n_classes: int, settings: FitSettings, salt: int):
    """The former multi-start, one StepMix run per start (refined starts run again from the
    start): (best parameters, its LL, whether it converged, the refined starts' LLs)."""
    seeds = _start_seeds(settings, salt)[: 1 if n_classes == 1 else None]
    if settings.screen_iter and len(seeds) > settings.refine:
        screened = [(_run(X, Y, n_classes, settings, seed, settings.screen_iter)[1], seed) for seed in seeds]
        seeds = [seed for _, seed in sorted(screened, key=lambda t: -t[0])[: settings.refine]]
    best, best_ll, best_converged, lls = None, -np.inf, False, []
    for seed in seeds:
        model, ll = _run(X, Y, n_classes, settings, seed)
        lls.append(ll)
        if ll > best_ll:
            best, best_ll, best_converged = model, ll, bool(model.converged_)
    return best.get_parameters(), best_ll, best_converged, lls


class _EMData:
    """The distinct (response pattern, group) rows with their counts, sorted by group: the
    likelihood and every M-step are sums over rows, so identical rows enter once, weighted, and
    each group's rows are one slice."""

    def __init__(self, X: np.ndarray, group_index: np.ndarray | None):
        X = np.asarray(X, dtype=float)
        self.n = X.shape[0]
        self.grouped = group_index is not None
        g = np.zeros(self.n, dtype=int) if group_index is None else np.asarray(group_index, dtype=int)
        self.n_groups = int(g.max()) + 1 if self.n else 1
        # The group first: np.unique sorts rows lexicographically, so each group is contiguous.
        rows, counts = np.unique(np.column_stack([g, X]), axis=0, return_counts=True)
        self.X = np.ascontiguousarray(rows[:, 1:])
        self.g = rows[:, 0].astype(int)
        self.w = counts.astype(float)
        self.group_rows = np.bincount(self.g, minlength=self.n_groups)  # distinct rows per group
        self.group_start = np.concatenate([[0], np.cumsum(self.group_rows)[:-1]])


def _clip(a: np.ndarray) -> np.ndarray:
    return np.clip(a, _EPS, 1 - _EPS)


def _initial_parameters(X: np.ndarray, group_index: np.ndarray | None, n_classes: int, seeds: list[int]):
    """StepMix's random initialisation per seed: uniform random responsibilities per row (from
    RandomState(seed)), normalised; class weights uniform; item (and group) probabilities from
    one M-step on those responsibilities. Arrays stacked over starts: (S, K), (S, K, J), (S, K, L)."""
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    weights, pis, struct = [], [], []
    G = None
    if group_index is not None:
        G = np.zeros((n, int(group_index.max()) + 1))
        G[np.arange(n), group_index] = 1.0
    for seed in seeds:
        resp = np.random.RandomState(seed).uniform(size=(n, n_classes))
        resp /= resp.sum(axis=1)[:, np.newaxis]
        resp = np.exp(np.log(_clip(resp)))
        total = resp.sum(axis=0, keepdims=True)
        weights.append(np.ones(n_classes) / n_classes)
        pis.append(_clip((X.T @ resp) / total).T)
        if G is not None:
            struct.append(_clip((G.T @ resp) / total).T)
    return (np.array(weights), np.array(pis), np.array(struct) if G is not None else None)


def _e_step(data: _EMData, weights, pis, struct):
    """(S,) average log-likelihood per row and (m, S, K) posterior class probabilities."""
    S, K, J = pis.shape
    p = _clip(pis)
    log_p, log_q = np.log(p), np.log(1 - p)
    # sum_j x log p + (1 - x) log(1 - p) for every distinct row, start and class.
    log_joint = (data.X @ (log_p - log_q).reshape(S * K, J).T).reshape(-1, S, K)
    log_joint += log_q.sum(axis=2) + np.log(weights)
    if struct is not None:
        # log P(group | class) of each row's group: rows are sorted by group.
        log_joint += np.repeat(np.log(_clip(struct)).transpose(2, 0, 1), data.group_rows, axis=0)
    top = log_joint.max(axis=2, keepdims=True)
    log_joint -= top
    resp = np.exp(log_joint, out=log_joint)
    total = resp.sum(axis=2, keepdims=True)
    resp /= total
    log_row = (top + np.log(total))[:, :, 0]
    return (data.w @ log_row) / data.n, resp


def _m_step(data: _EMData, resp):
    weighted = resp
    weighted *= data.w[:, None, None]
    totals = weighted.sum(axis=0)  # (S, K)
    weights = _clip(totals / data.n)
    S, K = totals.shape
    pis = _clip((data.X.T @ weighted.reshape(-1, S * K)).reshape(-1, S, K).transpose(1, 2, 0) / totals[:, :, None])
    struct = None
    if data.grouped:
        if data.group_rows.all():
            by_group = np.add.reduceat(weighted, data.group_start, axis=0)  # (L, S, K)
        else:  # a group without rows (an unused index) sums to zero
            by_group = np.zeros((data.n_groups, S, K))
            np.add.at(by_group, data.g, weighted)
        struct = _clip(by_group.transpose(1, 2, 0) / totals[:, :, None])
    return weights, pis, struct


def _em(data: _EMData, params: dict, settings: FitSettings, until: int) -> dict:
    """EM iterations for every start still running, in lockstep, until each has run ``until``
    iterations in all or met StepMix's stopping rule (|change of the average LL| < abs_tol)."""
    while True:
        active = np.flatnonzero(~params["converged"] & (params["iterations"] < until))
        if not len(active):
            return params
        struct = params["struct"][active] if params["struct"] is not None else None
        avg_ll, resp = _e_step(data, params["weights"][active], params["pis"][active], struct)
        weights, pis, new_struct = _m_step(data, resp)
        params["weights"][active], params["pis"][active] = weights, pis
        if new_struct is not None:
            params["struct"][active] = new_struct
        params["converged"][active] = np.abs(avg_ll - params["lower_bound"][active]) < settings.abs_tol
        params["lower_bound"][active] = avg_ll
        params["iterations"][active] += 1


def _scores(data: _EMData, params: dict, starts: np.ndarray) -> np.ndarray:
    """Log-likelihood (sum over rows) at each start's current parameters, as StepMix's score x n."""
    struct = params["struct"][starts] if params["struct"] is not None else None
    avg_ll, _ = _e_step(data, params["weights"][starts], params["pis"][starts], struct)
    return avg_ll * data.n


def _best_of_starts(X: np.ndarray, Y: np.ndarray | None, n_classes: int, settings: FitSettings, salt: int):
    """Two-stage multi-start EM (as Mplus' STARTS = n m or Latent GOLD's start sets).

    Every seeded start runs ``screen_iter`` EM iterations; the ``refine`` best continue to
    convergence (the same path a fresh run from that seed takes). Returns (best parameters as
    StepMix's get_parameters() lays them out, its LL, whether it converged, the refined starts' LLs).
    """
    # One class has a unique closed-form optimum: one start is enough.
    seeds = _start_seeds(settings, salt)[: 1 if n_classes == 1 else None]
    group_index = None if Y is None else np.asarray(Y).reshape(-1).astype(int)
    data = _EMData(X, group_index)
    weights, pis, struct = _initial_parameters(X, group_index, n_classes, seeds)
    params = {
        "weights": weights,
        "pis": pis,
        "struct": struct,
        "lower_bound": np.full(len(seeds), -np.inf),
        "iterations": np.zeros(len(seeds), dtype=int),
        "converged": np.zeros(len(seeds), dtype=bool),
    }
    chosen = np.arange(len(seeds))
    with np.errstate(under="ignore"):
        if settings.screen_iter and len(seeds) > settings.refine:
            _em(data, params, settings, settings.screen_iter)
            screened = _scores(data, params, chosen)
            # Stable sort on -LL: ties keep seed order, as the StepMix version's sorted() did.
            chosen = chosen[np.argsort(-screened, kind="stable")[: settings.refine]]
        _em(data, params, settings, settings.max_iter)
        lls = [float(v) for v in _scores(data, params, chosen)]
    best = chosen[int(np.argmax(lls))]
    best_params = {"weights": params["weights"][best], "measurement": {"pis": params["pis"][best]}}
    if struct is not None:
        best_params["structural"] = {"pis": params["struct"][best]}
    return best_params, max(lls), bool(params["converged"][best]), lls


def _replications(lls: list[float], best_ll: float, tol: float) -> int:
    return int(sum(abs(ll - best_ll) <= tol for ll in lls))


def _group_index(groups: np.ndarray) -> tuple[list[str], np.ndarray]:
    labels, index = np.unique(np.asarray(groups).astype(str), return_inverse=True)
    return [str(x) for x in labels], index


def group_log_likelihood(group_index: np.ndarray) -> float:
    """sum_g n_g log(n_g / n): the saturated log-likelihood of the LAs themselves, the gap
    between the joint (items and LA) and the conditional (items given LA) log-likelihoods."""
    counts = np.bincount(group_index)
    counts = counts[counts > 0]
    return float((counts * np.log(counts / counts.sum())).sum())


def shares_from_joint(class_weights: np.ndarray, la_given_class: np.ndarray) -> np.ndarray:
    """(n_groups, K) P(class | LA) from w_k and (K, n_groups) P(LA | class), by Bayes' rule."""
    joint = np.asarray(class_weights, dtype=float)[:, None] * np.asarray(la_given_class, dtype=float)
    totals = joint.sum(axis=0, keepdims=True)
    return (joint / np.where(totals > 0, totals, 1.0)).T


def n_parameters(kind: str, n_classes: int, n_items: int, n_groups: int) -> int:
    """Free parameters: configural L*(K-1 + K*J); invariant K*J + L*(K-1)."""
    if kind == "configural":
        return n_groups * (n_classes - 1 + n_classes * n_items)
    if kind == "invariant":
        return n_classes * n_items + n_groups * (n_classes - 1)
    if kind == "single":
        return n_classes - 1 + n_classes * n_items
    raise ValueError(f"unknown model kind {kind!r}")


def log_likelihood(
    X: np.ndarray, group_index: np.ndarray, item_probabilities: np.ndarray, class_shares: np.ndarray
) -> float:
    """Log-likelihood of binary items given group, computed directly with numpy.

    ``item_probabilities`` is (1 or n_groups, K, J); ``class_shares`` is (n_groups, K). Independent
    of StepMix: used to cross-check its likelihoods.
    """
    log_joint = _log_joint(X, group_index, item_probabilities, class_shares)
    return float(logsumexp(log_joint, axis=1).sum())


def _log_joint(X, group_index, item_probabilities, class_shares) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    p = np.clip(np.asarray(item_probabilities, dtype=float), _EPS, 1 - _EPS)
    log_p, log_q = np.log(p), np.log1p(-p)
    # (n, K): sum_j x log p + (1 - x) log (1 - p), per observation's own group profile.
    if p.shape[0] == 1:
        log_items = X @ log_p[0].T + (1 - X) @ log_q[0].T
    else:
        log_items = np.empty((X.shape[0], p.shape[1]))
        for g in range(p.shape[0]):
            rows = group_index == g
            log_items[rows] = X[rows] @ log_p[g].T + (1 - X[rows]) @ log_q[g].T
    shares = np.clip(np.asarray(class_shares, dtype=float), _EPS, 1.0)
    return log_items + np.log(shares)[group_index]


def posterior_probabilities(X: np.ndarray, group_index: np.ndarray, fit: LCAFit) -> np.ndarray:
    """P(class | items, group) for every row, from the fitted parameters."""
    log_joint = _log_joint(X, group_index, fit.item_probabilities, fit.class_shares)
    return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))


def relative_entropy(posteriors: np.ndarray) -> float:
    """1 - sum(-p log p) / (n log K): 1 = perfectly separated classes."""
    n, k = posteriors.shape
    if k == 1:
        return 1.0
    p = np.clip(posteriors, _EPS, 1.0)
    return float(1.0 - (-(posteriors * np.log(p)).sum()) / (n * np.log(k)))


def _finish(fit: LCAFit, X: np.ndarray, group_index: np.ndarray) -> LCAFit:
    post = posterior_probabilities(X, group_index, fit)
    fit.entropy = relative_entropy(post)
    fit.smallest_class_share = float(post.mean(axis=0).min())
    return fit


def fit_single(
    X: np.ndarray,
    n_classes: int,
    settings: FitSettings,
    salt: int = 0,
    items: list[str] | None = None,
    group: str = "all",
) -> LCAFit:
    """One latent class model (no groups), best of several starts."""
    X = np.asarray(X, dtype=float)
    params, ll, converged, lls = _best_of_starts(X, None, n_classes, settings, salt)
    fit = LCAFit(
        kind="single",
        n_classes=n_classes,
        items=list(items or range(X.shape[1])),
        groups=[group],
        item_probabilities=params["measurement"]["pis"][None, :, :],
        class_shares=np.asarray(params["weights"])[None, :],
        log_likelihood=ll,
        n_parameters=n_parameters("single", n_classes, X.shape[1], 1),
        n_obs=X.shape[0],
        converged=converged,
        starts=1 if n_classes == 1 else settings.starts,
        best_ll_replications=_replications(lls, ll, settings.ll_replication_tol),
        start_log_likelihoods=lls,
    )
    return _finish(fit, X, np.zeros(X.shape[0], dtype=int))


def fit_configural(
    X: np.ndarray, groups: np.ndarray, n_classes: int, settings: FitSettings, items: list[str] | None = None
) -> tuple[LCAFit, list[LCAFit]]:
    """All parameters free per group: one model per group; returns (combined, per-group fits)."""
    X = np.asarray(X, dtype=float)
    labels, index = _group_index(groups)
    per_group = [
        fit_single(X[index == g], n_classes, settings, salt=1000 * n_classes + g, items=items, group=labels[g])
        for g in range(len(labels))
    ]
    combined = LCAFit(
        kind="configural",
        n_classes=n_classes,
        items=list(items or range(X.shape[1])),
        groups=labels,
        item_probabilities=np.concatenate([f.item_probabilities for f in per_group]),
        class_shares=np.concatenate([f.class_shares for f in per_group]),
        log_likelihood=float(sum(f.log_likelihood for f in per_group)),
        n_parameters=n_parameters("configural", n_classes, X.shape[1], len(labels)),
        n_obs=X.shape[0],
        converged=all(f.converged for f in per_group),
        starts=settings.starts,
        best_ll_replications=min(f.best_ll_replications for f in per_group),
        start_log_likelihoods=[],
    )
    return _finish(combined, X, index), per_group


def fit_invariant(
    X: np.ndarray, groups: np.ndarray, n_classes: int, settings: FitSettings, items: list[str] | None = None
) -> LCAFit:
    """Item-response probabilities shared across groups, class shares free per group."""
    X = np.asarray(X, dtype=float)
    labels, index = _group_index(groups)
    params, joint_ll, converged, joint_lls = _best_of_starts(
        X, index.reshape(-1, 1), n_classes, settings, salt=7 * n_classes + 1
    )
    pis = params["measurement"]["pis"]
    shares = shares_from_joint(params["weights"], params["structural"]["pis"][:, : len(labels)])
    # Conditional log-likelihood (items given LA), computed from the parameters; it equals the
    # joint one less the LAs' own saturated log-likelihood (checked in the tests).
    ll = log_likelihood(X, index, pis[None, :, :], shares)
    lls = [start_ll - group_log_likelihood(index) for start_ll in joint_lls]
    fit = LCAFit(
        kind="invariant",
        n_classes=n_classes,
        items=list(items or range(X.shape[1])),
        groups=labels,
        item_probabilities=pis[None, :, :],
        class_shares=np.asarray(shares),
        log_likelihood=ll,
        n_parameters=n_parameters("invariant", n_classes, X.shape[1], len(labels)),
        n_obs=X.shape[0],
        converged=converged,
        starts=settings.starts,
        best_ll_replications=_replications(lls, max(lls), settings.ll_replication_tol),
        start_log_likelihoods=lls,
    )
    return _finish(fit, X, index)


def refine_invariant(fit: LCAFit, X: np.ndarray, groups: np.ndarray, settings: FitSettings) -> LCAFit:
    """The invariant model ``fit`` re-estimated by EM on (X, groups), started from its own
    parameters (one run to StepMix's stopping rule, no new random starts): the final model on
    every eligible episode instead of the estimation sample (config lca.final_fit: all).

    Why: the generator's classes 2 (domestic violence) and 5 (multiple complex needs I), as the
    published profiles describe them, share parental domestic violence (3B: 100% and 43%) and
    little else, so the likelihood is flat along "class-5 episodes with 3B into class 2". On the
    balanced sample (2,500 per LA) the ML estimate drifts that way (class 2 up, class 5 down by about
    0.02, in every LA at once because the profiles are shared; the same drift in LCA samples drawn
    from the truth itself); on every episode the drift is smaller (benchmarks/results/
    lca_recovery_sets.json). ``groups``: every LA of the fit, each with rows."""
    X = np.asarray(X, dtype=float)
    index = group_index_for(fit, groups)
    n_groups = len(fit.groups)
    data = _EMData(X, index)
    size = np.bincount(index, minlength=n_groups) / len(index)
    if (size == 0).any():
        raise ValueError(
            "every LA of the model needs episodes to refine it: "
            + ", ".join(g for g, n in zip(fit.groups, size) if n == 0)
        )
    joint = np.asarray(fit.class_shares, dtype=float) * size[:, None]  # P(LA, class)
    weights = _clip(joint.sum(axis=0))
    struct = (joint / weights).T  # (K, L) P(LA | class)
    params = {
        "weights": weights[None].copy(),
        "pis": np.asarray(fit.shared_item_probabilities(), float)[None].copy(),
        "struct": struct[None].copy(),
        "lower_bound": np.full(1, -np.inf),
        "iterations": np.zeros(1, dtype=int),
        "converged": np.zeros(1, dtype=bool),
    }
    with np.errstate(under="ignore"):
        _em(data, params, settings, settings.max_iter)
    shares = shares_from_joint(params["weights"][0], params["struct"][0])
    pis = params["pis"][0][None, :, :]
    refined = LCAFit(
        kind="invariant",
        n_classes=fit.n_classes,
        items=list(fit.items),
        groups=list(fit.groups),
        item_probabilities=pis,
        class_shares=shares,
        log_likelihood=log_likelihood(X, index, pis, shares),
        n_parameters=fit.n_parameters,
        n_obs=X.shape[0],
        converged=bool(params["converged"][0]),
        starts=fit.starts,
        best_ll_replications=fit.best_ll_replications,
        start_log_likelihoods=list(fit.start_log_likelihoods),
    )
    return _finish(refined, X, index)


def group_index_for(fit: LCAFit, groups: np.ndarray) -> np.ndarray:
    """Index of each row's group in ``fit.groups``; unknown groups are an error."""
    lookup = {g: i for i, g in enumerate(fit.groups)}
    values = np.asarray(groups).astype(str)
    missing = sorted(set(values) - set(lookup))
    if missing:
        raise ValueError(f"groups not in the fitted model: {', '.join(missing)}")
    return np.array([lookup[v] for v in values], dtype=int)


def permute(fit: LCAFit, order: np.ndarray) -> LCAFit:
    """The same model with classes reordered: new class i is old class order[i]."""
    order = np.asarray(order)
    fit.item_probabilities = fit.item_probabilities[:, order, :]
    fit.class_shares = fit.class_shares[:, order]
    return fit


def to_dict(fit: LCAFit) -> dict:
    """JSON-serialisable parameters and statistics."""
    out = fit.summary()
    out.update(
        items=list(fit.items),
        groups=list(fit.groups),
        item_probabilities=fit.item_probabilities.tolist(),
        class_shares=fit.class_shares.tolist(),
        start_log_likelihoods=list(fit.start_log_likelihoods),
    )
    return out


def from_dict(data: dict) -> LCAFit:
    fit = LCAFit(
        kind=data["model"],
        n_classes=int(data["classes"]),
        items=list(data["items"]),
        groups=list(data["groups"]),
        item_probabilities=np.asarray(data["item_probabilities"], dtype=float),
        class_shares=np.asarray(data["class_shares"], dtype=float),
        log_likelihood=float(data["log_likelihood"]),
        n_parameters=int(data["n_parameters"]),
        n_obs=int(data["n_obs"]),
        converged=bool(data["converged"]),
        starts=int(data["starts"]),
        best_ll_replications=int(data["best_ll_replications"]),
        start_log_likelihoods=list(data.get("start_log_likelihoods", [])),
    )
    fit.entropy = float(data.get("entropy", float("nan")))
    fit.smallest_class_share = float(data.get("smallest_class_share", float("nan")))
    return fit
