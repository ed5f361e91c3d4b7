"""Thin bridge to R's glmmTMB and lme4 through rpy2: random-intercept count models.

Data cross the bridge as plain vectors (not through pandas2ri) so the conversion does not depend
on pandas' string dtypes. Each fit returns a plain dict: coefficients with standard errors, the
optimiser's convergence code, whether the Hessian was positive definite, the overdispersion
parameter, the LA random-intercept SD and every R warning, so a caller can flag a model that did
not converge instead of reporting it silently.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

# One BLAS/OpenMP thread per R session: jobs run in parallel under Snakemake, and TMB's own
# threads would oversubscribe the cores. Set before R is loaded.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

_R_CODE = r"""
csc_collect <- function(expr_fun) {
  warns <- character(0)
  value <- withCallingHandlers(
    tryCatch(expr_fun(), error = function(e) e),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  list(value = value, warnings = warns)
}

csc_start_beta <- function(fixed_formula, data) {
  # Poisson GLM estimates of the fixed effects: cheap and close to the NB solution.
  g <- suppressWarnings(glm(as.formula(fixed_formula), data = data, family = poisson()))
  b <- coef(g)
  b[is.na(b)] <- 0
  unname(b)
}

csc_dispersion_name <- function() {
  # The NB2 log-dispersion (log theta) is 'betad' before glmmTMB 1.1.8 and 'betadisp' from it.
  if (utils::packageVersion("glmmTMB") >= "1.1.8") "betadisp" else "betad"
}

csc_fit_glmmtmb <- function(data, formula, fixed_formula, family_name, dispersion = NA_real_) {
  fam <- if (family_name == "nbinom2") glmmTMB::nbinom2() else poisson()
  start_beta <- csc_start_beta(fixed_formula, data)
  # A given NB2 dispersion (theta) is held fixed: start there and map the parameter to NA.
  fixed_disp <- family_name == "nbinom2" && !is.na(dispersion)
  start <- function(beta) {
    s <- list(beta = beta)
    if (fixed_disp) s[[csc_dispersion_name()]] <- log(dispersion)
    s
  }
  map <- if (fixed_disp) stats::setNames(list(factor(NA)), csc_dispersion_name()) else NULL
  # profile = TRUE moves the fixed effects into the inner (Laplace) problem: the outer optimiser
  # only sees the dispersion and LA variance, ~2.5x faster on a national-size table, same optimum.
  has_random <- grepl("|", formula, fixed = TRUE)
  res <- csc_collect(function() glmmTMB::glmmTMB(
    as.formula(formula), data = data, family = fam,
    start = start(start_beta), map = map,
    control = glmmTMB::glmmTMBControl(parallel = 1L, profile = has_random)))
  fit <- res$value
  if (inherits(fit, "error") && has_random) {
    # Profiling can fail at a boundary (singular inner Hessian); the plain fit then reports it.
    res <- csc_collect(function() glmmTMB::glmmTMB(
      as.formula(formula), data = data, family = fam,
      start = start(start_beta), map = map,
      control = glmmTMB::glmmTMBControl(parallel = 1L)))
    res$warnings <- c(res$warnings, paste("profiled fit failed:", conditionMessage(fit)))
    fit <- res$value
  }
  if (inherits(fit, "error")) {
    return(list(ok = FALSE, error = conditionMessage(fit), warnings = res$warnings))
  }
  if (fit$fit$convergence != 0 || !isTRUE(fit$sdr$pdHess)) {
    # Second attempt from the first fit's estimates with a different optimiser (BFGS).
    retry <- csc_collect(function() glmmTMB::glmmTMB(
      as.formula(formula), data = data, family = fam,
      start = start(unname(glmmTMB::fixef(fit)$cond)), map = map,
      control = glmmTMB::glmmTMBControl(parallel = 1L, optimizer = optim, optArgs = list(method = "BFGS"))))
    if (!inherits(retry$value, "error") && isTRUE(retry$value$sdr$pdHess) && retry$value$fit$convergence == 0) {
      fit <- retry$value
      res$warnings <- c(res$warnings, "first optimisation did not converge; refitted with BFGS", retry$warnings)
    }
  }
  cf <- summary(fit)$coefficients$cond
  vc <- glmmTMB::VarCorr(fit)$cond
  re_sd <- if (length(vc)) sqrt(as.numeric(vc[[1]])[1]) else NA_real_
  list(ok = TRUE, term = rownames(cf), estimate = unname(cf[, 1]), se = unname(cf[, 2]),
       vcov = as.vector(as.matrix(vcov(fit)$cond)),
       convergence = as.integer(fit$fit$convergence),
       pd_hessian = isTRUE(fit$sdr$pdHess),
       message = as.character(fit$fit$message),
       dispersion = if (family_name == "nbinom2") as.numeric(sigma(fit)) else NA_real_,
       dispersion_fixed = fixed_disp,
       re_sd = re_sd, loglik = as.numeric(logLik(fit)), nobs = as.integer(nobs(fit)),
       warnings = res$warnings)
}

csc_fit_glmer_nb <- function(data, formula) {
  res <- csc_collect(function() lme4::glmer.nb(
    as.formula(formula), data = data,
    control = lme4::glmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5))))
  fit <- res$value
  if (inherits(fit, "error")) {
    return(list(ok = FALSE, error = conditionMessage(fit), warnings = res$warnings))
  }
  cf <- summary(fit)$coefficients
  conv <- fit@optinfo$conv$lme4$messages
  list(ok = TRUE, term = rownames(cf), estimate = unname(cf[, 1]), se = unname(cf[, 2]),
       convergence = as.integer(length(conv) > 0), pd_hessian = TRUE,
       message = if (length(conv)) paste(conv, collapse = "; ") else "ok",
       dispersion = as.numeric(lme4::getME(fit, "glmer.nb.theta")),
       re_sd = as.numeric(attr(lme4::VarCorr(fit)[[1]], "stddev"))[1],
       loglik = as.numeric(logLik(fit)), nobs = as.integer(nobs(fit)),
       warnings = res$warnings)
}

csc_fit_binomial_glmer <- function(success, failure, group, la) {
  # Aggregated binomial GLMM: identical likelihood to the child-level logistic model with an
  # LA random intercept when every covariate is constant within (LA, group).
  d <- data.frame(s = success, f = failure, group = relevel(factor(group), ref = "median_a"), la = factor(la))
  res <- csc_collect(function() lme4::glmer(cbind(s, f) ~ group + (1 | la), data = d,
                                           family = binomial(),
                                           control = lme4::glmerControl(calc.derivs = FALSE)))
  fit <- res$value
  if (inherits(fit, "error")) return(c(NA_real_, NA_real_, 1))
  cf <- summary(fit)$coefficients
  row <- which(rownames(cf) == "grouphigh")
  c(cf[row, 1], cf[row, 2], as.numeric(length(fit@optinfo$conv$lme4$messages) > 0))
}
"""


@lru_cache(maxsize=1)
def r_session():
    """Load R, glmmTMB and lme4 once per process; returns rpy2's robjects module.

    rpy2 puts R's library folders (and the system's) on LD_LIBRARY_PATH to load libR; once R is
    loaded the variable is restored, because child processes (Snakemake jobs started from a test,
    say) would otherwise load the system's libpython in place of their own interpreter's.
    """
    import os

    saved = os.environ.get("LD_LIBRARY_PATH")
    import rpy2.robjects as ro

    if saved is None:
        os.environ.pop("LD_LIBRARY_PATH", None)
    else:
        os.environ["LD_LIBRARY_PATH"] = saved

    ro.r("suppressPackageStartupMessages({library(glmmTMB); library(lme4)})")
    ro.r(_R_CODE)
    return ro


def r_versions() -> dict[str, str]:
    ro = r_session()
    out = {"R": str(ro.r("paste(R.version$major, R.version$minor, sep='.')")[0])}
    for pkg in ("glmmTMB", "lme4", "TMB"):
        out[pkg] = str(ro.r(f"as.character(packageVersion('{pkg}'))")[0])
    return out


def to_r_frame(frame: pd.DataFrame):
    """A pandas frame as an R data.frame: numbers as doubles, everything else as factors."""
    ro = r_session()
    columns = {}
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            columns[name] = ro.FloatVector(values.astype(float).to_numpy())
        else:
            columns[name] = ro.vectors.FactorVector(ro.StrVector(values.astype(str).tolist()))
    return ro.DataFrame(columns)


def _as_python(result) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in zip(result.names, result):
        items = list(value) if value is not None else []
        if key in ("term", "estimate", "se", "vcov", "warnings"):
            out[key] = [(float(v) if key in ("estimate", "se", "vcov") else str(v)) for v in items]
        elif len(items) == 1:
            item = items[0]
            out[key] = (
                item
                if isinstance(item, (bool, str))
                else (
                    int(item) if key in ("convergence", "nobs") else float(item) if not isinstance(item, bool) else item
                )
            )
        else:
            out[key] = None
    for key in ("ok", "pd_hessian", "dispersion_fixed"):
        if key in out:
            out[key] = bool(out[key])
    for key in ("dispersion", "re_sd", "loglik"):
        if key in out and out[key] is not None and not np.isfinite(out[key]):
            out[key] = None
    return out


def fit_glmmtmb(
    frame: pd.DataFrame, formula: str, fixed_formula: str, family: str = "nbinom2", dispersion: float | None = None
) -> dict[str, Any]:
    """Fit ``formula`` with glmmTMB; ``fixed_formula`` (no random terms) gives Poisson GLM starts.

    ``dispersion``: with family nbinom2, the NB2 dispersion theta (variance mu + mu^2/theta) held
    fixed at this value instead of estimated (the generator's truth refits: theta = the LSOA
    frailty's shape, so the truth is the estimator's pseudo-true value on the expected counts)."""
    if family not in ("nbinom2", "poisson"):
        raise ValueError(f"family must be 'nbinom2' or 'poisson', not {family!r}")
    if dispersion is not None and (family != "nbinom2" or not dispersion > 0):
        raise ValueError(
            f"a fixed dispersion needs family 'nbinom2' and a positive value, not {family!r} and {dispersion!r}"
        )
    ro = r_session()
    result = ro.r["csc_fit_glmmtmb"](
        to_r_frame(frame), formula, fixed_formula, family, float("nan") if dispersion is None else float(dispersion)
    )
    return _as_python(result)


def fit_glmer_nb(frame: pd.DataFrame, formula: str) -> dict[str, Any]:
    """Fit ``formula`` with lme4::glmer.nb (the second implementation)."""
    ro = r_session()
    return _as_python(ro.r["csc_fit_glmer_nb"](to_r_frame(frame), formula))


def fit_binomial_glmer(success, failure, group, la) -> tuple[float, float, bool]:
    """Aggregated logistic GLMM; returns (estimate, se, convergence_warning) of group 'high'."""
    ro = r_session()
    out = ro.r["csc_fit_binomial_glmer"](
        ro.FloatVector(np.asarray(success, float)),
        ro.FloatVector(np.asarray(failure, float)),
        ro.StrVector([str(g) for g in group]),
        ro.StrVector([str(x) for x in la]),
    )
    est, se, warn = (float(v) for v in out)
    return est, se, bool(warn)
