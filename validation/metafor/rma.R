# Reference values for immunograde.stats.rma (rma_uni, confint_tau2, meta-regression, leave-one-out,
# cumulative, subgroups): metafor 3.8-1 run over a DECLARED grid (datasets x measures x methods x
# tests).  Run by validation/metafor/run.sh (env SHARED_DATA = ../shared/data); writes ref_rma.json.
# Numbers are written with sprintf("%.17g") so that every double round-trips.
#
# Each fit is also repeated with metafor's iteration controls tightened ("tight": Fisher-scoring
# threshold 1e-11 * tau2, uniroot tol 1e-15, 1000 iterations) as the reference for our "exact" mode.
suppressPackageStartupMessages({ library(metafor); library(metadat); library(jsonlite) })

shared <- Sys.getenv("SHARED_DATA", "../../../shared/data")
rd <- function(path) read.csv(file.path(shared, "trials", path), stringsAsFactors = FALSE,
                              check.names = FALSE)

# ---- declared grid -------------------------------------------------------------------------------
METHODS <- c("FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM")
TESTS <- c("z", "knha")
ITERATIVE <- c("ML", "REML", "EB", "PM")
bcg <- rd("metadat/dat.bcg.csv")
alb <- rd("covid_il6_jak_steroids/albuquerque2022_toci_sari_bari_mortality_on_steroids.csv")
cap <- rd("covid_il6_jak_steroids/corticosteroids_severe_CAP_mortality_2023.csv")
axf <- rd("metadat/dat.axfors2021.csv")
crins <- rd("bayesmeta/CrinsEtAl2014_IL2RA_pediatric_liver_tx.csv")
hb <- metadat::dat.hartmannboyce2018
nm <- metadat::dat.normand1999
mc <- metadat::dat.mcdaniel1994
bin <- function(m, a, b, c, d) escalc(m, ai = a, bi = b, ci = c, di = d)
binn <- function(m, a, n1, c, n2) escalc(m, ai = a, n1i = n1, ci = c, n2i = n2)
bcg_es <- function(m, i = seq_len(nrow(bcg))) bin(m, bcg$tpos[i], bcg$tneg[i], bcg$cpos[i], bcg$cneg[i])
alb_es <- function(m) binn(m, alb$trt_events, alb$trt_total, alb$control_events, alb$control_total)
axf_es <- function(m) binn(m, axf$hcq_arm_event, axf$hcq_arm_total, axf$control_arm_event,
                           axf$control_arm_total)
cont <- function(m) escalc(m, m1i = nm$m1i, sd1i = nm$sd1i, n1i = nm$n1i, m2i = nm$m2i,
                           sd2i = nm$sd2i, n2i = nm$n2i)
# dataset id -> (description, escalc result); every one is fitted with every method and test.
DATASETS <- list(
  bcg_OR = list("BCG vaccine, 13 trials (metadat dat.bcg)", bcg_es("OR")),
  bcg_RR = list("BCG vaccine, log risk ratio", bcg_es("RR")),
  bcg_RD = list("BCG vaccine, risk difference: tiny variances", bcg_es("RD")),
  bcg_k2_OR = list("BCG, first 2 trials: k = 2", bcg_es("OR", 1:2)),
  bcg_k3_OR = list("BCG, first 3 trials: k = 3", bcg_es("OR", 1:3)),
  albuquerque2022_OR = list("IL-6/JAK in COVID-19: zero and double-zero cells, tau2 = 0", alb_es("OR")),
  albuquerque2022_RD = list("IL-6/JAK in COVID-19, risk difference: tiny variances", alb_es("RD")),
  axfors2021_OR = list("HCQ in COVID-19: 21 trials with zero cells, 15 double-zero", axf_es("OR")),
  axfors2021_RD = list("HCQ in COVID-19, risk difference", axf_es("RD")),
  cap_steroids_OR = list("corticosteroids in severe CAP, k = 7",
                         binn("OR", cap$ai, cap$n1i, cap$ci, cap$n2i)),
  cap_steroids_RR = list("corticosteroids in severe CAP, log risk ratio",
                         binn("RR", cap$ai, cap$n1i, cap$ci, cap$n2i)),
  crins2014_OR = list("IL-2RA in paediatric liver transplant, k = 6, a zero cell",
                      binn("OR", crins$exp_AR_events, crins$exp_total, crins$cont_AR_events,
                           crins$cont_total)),
  hartmannboyce2018_OR = list("NRT for smoking cessation: k = 136",
                              binn("OR", hb$x.nrt, hb$n.nrt, hb$x.ctrl, hb$n.ctrl)),
  hartmannboyce2018_RD = list("NRT, risk difference, k = 136",
                              binn("RD", hb$x.nrt, hb$n.nrt, hb$x.ctrl, hb$n.ctrl)),
  normand1999_MD = list("length of stay, mean difference (large tau2)", cont("MD")),
  normand1999_SMD = list("length of stay, Hedges' g", cont("SMD")),
  mcdaniel1994_ZCOR = list("interview validity, Fisher z: k = 160", escalc("ZCOR", ri = mc$ri, ni = mc$ni)),
  mcdaniel1994_COR = list("interview validity, raw correlation: k = 160",
                          escalc("COR", ri = mc$ri, ni = mc$ni)),
  molloy2014_ZCOR = list("conscientiousness and medication adherence, Fisher z: k = 16",
                         escalc("ZCOR", ri = dat.molloy2014$ri, ni = dat.molloy2014$ni)),
  molloy2014_COR = list("conscientiousness and medication adherence, raw correlation: k = 16",
                        escalc("COR", ri = dat.molloy2014$ri, ni = dat.molloy2014$ni))
)
# the raw correlations behind the *_COR / *_ZCOR datasets: `immunograde meta` reads them from a CSV
# (ri, ni) and must give the same fits (tests/cli/test_meta_cmd.py)
CORRELATION_INPUTS <- list(mcdaniel1994 = list(ri = mc$ri, ni = mc$ni),
                           molloy2014 = list(ri = dat.molloy2014$ri, ni = dat.molloy2014$ni))

# ---- helpers ------------------------------------------------------------------------------------
num <- function(x) structure(paste0("[", paste(ifelse(is.na(x) | !is.finite(x), "null",
                                                      sprintf("%.17g", x)), collapse = ","), "]"),
                             class = "json")
tight_control <- function(tau2) list(threshold = max(tau2, 1e-10) * 1e-11, tol = 1e-15, maxiter = 1000)
summarise <- function(r) {
  p <- predict(r)
  out <- list(k = r$k, b = c(r$b), se = r$se, zval = r$zval, pval = r$pval, ci.lb = r$ci.lb,
              ci.ub = r$ci.ub, tau2 = r$tau2, se.tau2 = r$se.tau2, I2 = r$I2, H2 = r$H2, QE = r$QE,
              QEp = r$QEp, QM = r$QM, QMp = r$QMp)
  if (r$int.only) { out$pi.lb <- p$pi.lb; out$pi.ub <- p$pi.ub }
  lapply(out, num)
}
fit <- function(yi, vi, method, test, mods = NULL, control = list()) {
  args <- list(yi = yi, vi = vi, method = method, test = test, control = control)
  if (!is.null(mods)) args$mods <- mods
  r <- try(suppressWarnings(do.call(rma, args)), silent = TRUE)
  if (inherits(r, "try-error")) list(error = trimws(as.character(r))) else summarise(r)
}
fits_for <- function(yi, vi, mods = NULL, methods = METHODS) {
  out <- list()
  for (m in methods) for (t in TESTS) {
    res <- list(method = m, test = t, metafor = fit(yi, vi, m, t, mods))
    if (m %in% ITERATIVE && is.null(res$metafor$error)) {
      tau2 <- as.numeric(gsub("[][]", "", res$metafor$tau2))
      res$tight <- fit(yi, vi, m, t, mods, tight_control(tau2))
    }
    out[[length(out) + 1]] <- res
  }
  out
}

# ---- 1. models: every dataset x method x test --------------------------------------------------
data <- list(); models <- list(); cis <- list()
for (id in names(DATASETS)) {
  es <- DATASETS[[id]][[2]]
  yi <- c(es$yi); vi <- es$vi
  data[[id]] <- list(description = DATASETS[[id]][[1]], yi = num(yi), vi = num(vi))
  models[[id]] <- fits_for(yi, vi)
  # ---- 2. confidence intervals for tau2 / I2 / H2 (Q-profile for all RE methods; PL for ML/REML)
  for (m in setdiff(METHODS, "FE")) for (ty in if (m %in% c("ML", "REML", "DL")) c("QP", "PL") else "QP") {
    r <- try(suppressWarnings(rma(yi, vi, method = m)), silent = TRUE)
    if (inherits(r, "try-error")) next
    ci <- try(suppressWarnings(confint(r, type = ty)$random), silent = TRUE)
    val <- if (inherits(ci, "try-error")) list(error = "confint failed") else
      list(tau2 = num(ci[1, ]), I2 = num(ci[3, ]), H2 = num(ci[4, ]))
    # reference for exact mode: converged fit, bounds with uniroot tol 1e-15
    ctl <- if (m %in% ITERATIVE) tight_control(r$tau2) else list()
    rt <- suppressWarnings(rma(yi, vi, method = m, control = ctl))
    cit <- try(suppressWarnings(confint(rt, type = ty, control = list(tol = 1e-15))$random), silent = TRUE)
    if (!inherits(cit, "try-error")) val$tight <- list(tau2 = num(cit[1, ]))
    cis[[length(cis) + 1]] <- c(list(dataset = id, method = m, type = ty), val)
  }
}

# ---- 3. meta-regression -------------------------------------------------------------------------
bo <- bcg_es("OR")
alloc <- factor(bcg$alloc)
mods_cases <- list(
  bcg_OR_ablat = list(bcg$ablat, METHODS, FALSE),
  bcg_OR_alloc = list(model.matrix(~alloc)[, -1], METHODS, FALSE),
  bcg_OR_ablat_year = list(cbind(ablat = bcg$ablat, year = bcg$year), c("FE", "DL", "REML"), TRUE)
)
metareg <- list()
for (id in names(mods_cases)) {
  X <- as.matrix(mods_cases[[id]][[1]])
  metareg[[id]] <- list(dataset = "bcg_OR", mods = lapply(seq_len(ncol(X)), function(j) num(X[, j])),
                        ill_conditioned = mods_cases[[id]][[3]],
                        fits = fits_for(c(bo$yi), bo$vi, X, mods_cases[[id]][[2]]))
}

# ---- 4. leave-one-out and cumulative ------------------------------------------------------------
l1o_cases <- list(list("bcg_OR", c("FE", "DL", "REML", "PM"), TESTS, "year"),
                  list("hartmannboyce2018_OR", "REML", "z", NULL),
                  list("albuquerque2022_OR", c("REML", "PM"), "knha", NULL))
seqs <- list()
pick <- function(x) lapply(unclass(x)[c("estimate", "se", "pval", "ci.lb", "ci.ub", "Q", "Qp", "tau2", "I2", "H2")], num)
for (cs in l1o_cases) {
  es <- DATASETS[[cs[[1]]]][[2]]
  for (m in cs[[2]]) for (t in cs[[3]]) {
    r <- suppressWarnings(rma(c(es$yi), es$vi, method = m, test = t))
    ord <- if (is.null(cs[[4]])) seq_len(r$k) else bcg[[cs[[4]]]]
    seqs[[length(seqs) + 1]] <- list(dataset = cs[[1]], method = m, test = t,
                                     order = num(ord), leave1out = pick(leave1out(r)),
                                     cumul = pick(suppressWarnings(cumul(r, order = ord))))
  }
}

# ---- 5. subgroups: separate fits and the fixed-effect Q across subgroup estimates ---------------
sub_cases <- list(list("albuquerque2022_OR", alb$treatment), list("bcg_OR", bcg$alloc))
subgroups <- list()
for (cs in sub_cases) {
  es <- DATASETS[[cs[[1]]]][[2]]
  for (m in c("DL", "REML", "FE")) {
    levs <- sort(unique(cs[[2]]))
    per <- lapply(levs, function(g) suppressWarnings(rma(c(es$yi), es$vi, subset = cs[[2]] == g,
                                                         method = m)))
    between <- rma(sapply(per, function(r) c(r$b)), sei = sapply(per, function(r) r$se), method = "FE")
    # alternative: mixed-effects meta-regression on the subgroup factor (one common tau2)
    common <- suppressWarnings(rma(c(es$yi), es$vi, mods = ~ factor(cs[[2]]), method = m))
    subgroups[[length(subgroups) + 1]] <- list(
      dataset = cs[[1]], method = m, groups = cs[[2]], levels = levs,
      estimate = num(sapply(per, function(r) c(r$b))), se = num(sapply(per, function(r) r$se)),
      tau2 = num(sapply(per, function(r) r$tau2)), k = num(sapply(per, function(r) r$k)),
      QM = num(between$QE), QMp = num(between$QEp),
      QM_common = num(common$QM), QMp_common = num(common$QMp), tau2_common = num(common$tau2))
  }
}

# ---- 6. slow Fisher scoring: metafor stops ("did not converge") after 100 iterations ----------
# Synthetic analysis no. 169 of benchmarks/bench_batch_reml.py (seed 20261124), printed at %.17g.
nc_yi <- c(-0.5451636807300726, -0.072343416773170466, -1.3327851967140596, -0.076964356745770457,
           -0.87786433262588148, -0.59743609215634985, -0.95945278529863387, -0.6452756632685126,
           -0.55706294769754527, -0.58228707312063011)
nc_vi <- c(0.39271907248814536, 0.033950606201059684, 0.2234246607816896, 0.29386867872802536,
           0.23702112769419856, 0.18234541976172772, 0.1759114617464862, 0.095372181307310247,
           0.21899385124530527, 0.28399147720036744)
nonconvergence <- list(yi = num(nc_yi), vi = num(nc_vi),
                       default = fit(nc_yi, nc_vi, "REML", "z"),
                       maxiter1000 = fit(nc_yi, nc_vi, "REML", "z", control = list(maxiter = 1000)),
                       tight = fit(nc_yi, nc_vi, "REML", "z", control = tight_control(0.0648)))

# ---- 7. R's uniroot itself (our zeroin port must reproduce root and iteration count) ----------
uniroot_cases <- list(
  list(id = "cubic", f = function(x) x^3 - 2 * x - 5, lower = 2, upper = 3),
  list(id = "cos", f = function(x) cos(x) - x, lower = 0, upper = 1),
  list(id = "exp_flat", f = function(x) exp(-x) - 1e-3, lower = 0, upper = 100),
  list(id = "step_like", f = function(x) atan(50 * (x - 0.3)), lower = -1, upper = 4)
)
uniroots <- lapply(uniroot_cases, function(cs) {
  r <- uniroot(cs$f, c(cs$lower, cs$upper))
  r2 <- uniroot(cs$f, c(cs$lower, cs$upper), tol = 1e-12)
  list(id = cs$id, lower = num(cs$lower), upper = num(cs$upper), root = num(r$root),
       iter = r$iter, root_tol12 = num(r2$root), iter_tol12 = r2$iter)
})

out <- list(metafor_version = as.character(packageVersion("metafor")),
            grid = list(datasets = names(DATASETS), methods = METHODS, tests = TESTS,
                        iterative = ITERATIVE),
            data = data, correlation_inputs = lapply(CORRELATION_INPUTS, function(x) lapply(x, num)),
            models = models, confint = cis, metareg = metareg, sequential = seqs,
            subgroups = subgroups, nonconvergence = nonconvergence, uniroot = uniroots)
writeLines(toJSON(out, auto_unbox = TRUE, json_verbatim = TRUE, null = "null"), "ref_rma.json")
cat("wrote ref_rma.json:", length(DATASETS), "datasets,", length(cis), "tau2 CIs\n")
