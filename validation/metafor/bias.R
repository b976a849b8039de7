# Reference values for immunograde.stats.bias / .trimfill: metafor's regtest, ranktest and
# trimfill over a declared grid (datasets x tests x options).
# Run by validation/metafor/run.sh (env SHARED_DATA = ../shared/data); writes ref_bias.json.
# Numbers are written with sprintf("%.17g") (jsonlite 1.8.4's digits = NA keeps 15 digits only).
suppressPackageStartupMessages({ library(metafor); library(metadat); library(jsonlite) })

shared <- Sys.getenv("SHARED_DATA", "../../../shared/data")
rd <- function(path) read.csv(file.path(shared, "trials", path), stringsAsFactors = FALSE,
                              check.names = FALSE)
yv <- function(es) { ok <- !is.na(es$yi) & !is.na(es$vi); list(yi = c(es$yi)[ok], vi = es$vi[ok]) }

# ---- datasets (yi, vi) ------------------------------------------------------------------------------
bcg <- rd("metadat/dat.bcg.csv")
alb <- rd("covid_il6_jak_steroids/albuquerque2022_toci_sari_bari_mortality_on_steroids.csv")
cap <- rd("covid_il6_jak_steroids/corticosteroids_severe_CAP_mortality_2023.csv")
axf <- rd("metadat/dat.axfors2021.csv")
dag <- rd("metadat/dat.dagostino1998.csv")
dag <- dag[complete.cases(dag[, c("mt", "sdt", "mc", "sdc", "nt", "nc")]), ]
hb <- metadat::dat.hartmannboyce2018
bcg_rr <- yv(escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg))
sets <- list(
  bcg_rr = bcg_rr,
  bcg_or = yv(escalc("OR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)),
  bcg_rr_k3 = list(yi = bcg_rr$yi[1:3], vi = bcg_rr$vi[1:3]),
  bcg_rr_tiny_vi = list(yi = bcg_rr$yi, vi = bcg_rr$vi * 1e-6),
  albuquerque2022_or = yv(escalc("OR", ai = trt_events, n1i = trt_total, ci = control_events,
                                 n2i = control_total, data = alb, drop00 = TRUE)),
  axfors2021_or = yv(escalc("OR", ai = hcq_arm_event, n1i = hcq_arm_total, ci = control_arm_event,
                            n2i = control_arm_total, data = axf, drop00 = TRUE)),
  cap_steroids_rr = yv(escalc("RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = cap)),
  dagostino1998_smd = yv(escalc("SMD", m1i = mt, sd1i = sdt, n1i = nt, m2i = mc, sd2i = sdc,
                                n2i = nc, data = dag)),
  hackshaw1998 = list(yi = dat.hackshaw1998$yi, vi = dat.hackshaw1998$vi),
  hartmannboyce2018_or = yv(escalc("OR", ai = x.nrt, n1i = n.nrt, ci = x.ctrl, n2i = n.ctrl,
                                   data = hb)),
  mcdaniel1994_zcor = yv(escalc("ZCOR", ri = ri, ni = ni, data = dat.mcdaniel1994)),
  linde2016 = list(yi = dat.linde2016$lnOR, vi = dat.linde2016$selnOR^2),
  lopez2019 = list(yi = dat.lopez2019$diff, vi = dat.lopez2019$se^2)  # k = 172, tied variances
)

# ---- the declared grid ----------------------------------------------------------------------------
tests <- list(
  regtest_rma_REML = list(fun = "regtest", model = "rma", method = "REML"),
  regtest_rma_FE = list(fun = "regtest", model = "rma", method = "FE"),
  regtest_rma_DL = list(fun = "regtest", model = "rma", method = "DL"),
  regtest_rma_REML_knha = list(fun = "regtest", model = "rma", method = "REML", test = "knha"),
  regtest_rma_REML_vi = list(fun = "regtest", model = "rma", method = "REML", predictor = "vi"),
  regtest_lm = list(fun = "regtest", model = "lm"),
  ranktest = list(fun = "ranktest"),
  ranktest_exact_false = list(fun = "ranktest", exact = FALSE),
  trimfill_L0_FE = list(fun = "trimfill", estimator = "L0", method = "FE"),
  trimfill_L0_REML = list(fun = "trimfill", estimator = "L0", method = "REML"),
  trimfill_R0_FE = list(fun = "trimfill", estimator = "R0", method = "FE"),
  trimfill_R0_REML = list(fun = "trimfill", estimator = "R0", method = "REML"),
  trimfill_L0_REML_left = list(fun = "trimfill", estimator = "L0", method = "REML", side = "left")
)
grid <- list()
for (ds in names(sets)) for (t in names(tests)) {
  grid[[paste(ds, t, sep = "/")]] <- list(dataset = ds, inputs = sets[[ds]], options = tests[[t]])
}

# ---- run metafor -------------------------------------------------------------------------------------
run_regtest <- function(d, o) {
  r <- regtest(d$yi, d$vi, model = o$model,
               predictor = if (is.null(o$predictor)) "sei" else o$predictor,
               method = if (is.null(o$method)) "REML" else o$method,
               test = if (is.null(o$test)) "z" else o$test)
  list(zval = r$zval, pval = r$pval, ddf = r$ddf, est = unname(r$est), ci.lb = r$ci.lb,
       ci.ub = r$ci.ub)
}
run_trimfill <- function(d, o) {
  fit <- rma(d$yi, d$vi, method = o$method)
  r <- if (is.null(o$side)) trimfill(fit, estimator = o$estimator) else
    trimfill(fit, estimator = o$estimator, side = o$side)
  list(k0 = r$k0, se.k0 = r$se.k0, side = r$side, p.k0 = r$p.k0, beta = c(r$beta), se = r$se,
       ci.lb = r$ci.lb, ci.ub = r$ci.ub, tau2 = r$tau2, QE = r$QE, k = r$k,
       yi = c(r$yi), vi = r$vi)
}
run_case <- function(cs) {
  o <- cs$options
  res <- tryCatch(suppressWarnings(switch(o$fun,
    regtest = run_regtest(cs$inputs, o),
    ranktest = {
      r <- ranktest(cs$inputs$yi, cs$inputs$vi, exact = if (is.null(o$exact)) TRUE else o$exact)
      list(tau = unname(r$tau), pval = r$pval)
    },
    trimfill = run_trimfill(cs$inputs, o))), error = function(e) list(error = conditionMessage(e)))
  res
}
for (id in names(grid)) grid[[id]]$expected <- run_case(grid[[id]])

num <- function(x) structure(if (length(x) == 1 && is.na(x)) "null" else
  if (length(x) == 1) sprintf("%.17g", x) else
  paste0("[", paste(ifelse(is.na(x), "null", sprintf("%.17g", x)), collapse = ","), "]"),
  class = "json")
arr <- function(x) structure(paste0("[", paste(ifelse(is.na(x), "null", sprintf("%.17g", x)),
                                               collapse = ","), "]"), class = "json")
full <- function(cs) {
  cs$inputs <- lapply(cs$inputs, arr)
  e <- cs$expected
  cs$expected <- lapply(names(e), function(n) {
    x <- e[[n]]
    if (is.numeric(x)) { if (n %in% c("yi", "vi")) arr(x) else num(x) } else x
  })
  names(cs$expected) <- names(e)
  cs
}
out <- list(metafor_version = as.character(packageVersion("metafor")),
            r_version = R.version.string, grid = names(grid), cases = lapply(grid, full))
writeLines(toJSON(out, auto_unbox = TRUE, json_verbatim = TRUE, null = "null"), "ref_bias.json")
cat("ref_bias.json:", length(grid), "cases\n")
