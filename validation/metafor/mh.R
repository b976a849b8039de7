# Reference values for immunograde.stats.mh / .peto: metafor::rma.mh and rma.peto over a grid.
# Run by validation/metafor/run.sh (env SHARED_DATA = ../shared/data); writes ref_mh.json.
# Numbers are written with sprintf("%.17g") (jsonlite 1.8.4's digits = NA keeps 15 digits only).
suppressPackageStartupMessages({ library(metafor); library(metadat); library(jsonlite) })

shared <- Sys.getenv("SHARED_DATA", "../../../shared/data")
rd <- function(path) read.csv(file.path(shared, "trials", path), stringsAsFactors = FALSE,
                              check.names = FALSE)
tab <- function(a, n1, c, n2) list(ai = a, bi = n1 - a, ci = c, di = n2 - c)

# ---- datasets -----------------------------------------------------------------------------------
bcg <- rd("metadat/dat.bcg.csv")
alb <- rd("covid_il6_jak_steroids/albuquerque2022_toci_sari_bari_mortality_on_steroids.csv")
cap <- rd("covid_il6_jak_steroids/corticosteroids_severe_CAP_mortality_2023.csv")
axf <- rd("metadat/dat.axfors2021.csv")
crins <- rd("bayesmeta/CrinsEtAl2014_IL2RA_pediatric_liver_tx.csv")
lao <- rd("metadat/dat.laopaiboon2015.csv")
cd16131 <- rd("cochrane_pairwise70/CD016131_data.csv")
cd16131 <- cd16131[cd16131$Analysis.group == 1 & cd16131$Analysis.number == 1, ]
hb <- metadat::dat.hartmannboyce2018
yus <- metadat::dat.yusuf1985
sets <- list(
  bcg = list(ai = bcg$tpos, bi = bcg$tneg, ci = bcg$cpos, di = bcg$cneg),
  bcg_k2 = list(ai = bcg$tpos[1:2], bi = bcg$tneg[1:2], ci = bcg$cpos[1:2], di = bcg$cneg[1:2]),
  bcg_k3 = list(ai = bcg$tpos[1:3], bi = bcg$tneg[1:3], ci = bcg$cpos[1:3], di = bcg$cneg[1:3]),
  albuquerque2022 = tab(alb$trt_events, alb$trt_total, alb$control_events, alb$control_total),
  cap_steroids = tab(cap$ai, cap$n1i, cap$ci, cap$n2i),
  axfors2021 = tab(axf$hcq_arm_event, axf$hcq_arm_total, axf$control_arm_event,
                   axf$control_arm_total),
  crins2014 = tab(crins$exp_AR_events, crins$exp_total, crins$cont_AR_events, crins$cont_total),
  laopaiboon2015 = tab(lao$ai, lao$n1i, lao$ci, lao$n2i),
  rsv_vaccine_cd016131 = tab(cd16131$Experimental.cases, cd16131$Experimental.N,
                             cd16131$Control.cases, cd16131$Control.N),
  hartmannboyce2018 = tab(hb$x.nrt, hb$n.nrt, hb$x.ctrl, hb$n.ctrl),
  yusuf1985 = tab(yus$ai, yus$n1i, yus$ci, yus$n2i)
)
# Edge cases typed here (not trial data): no events in the treated arm of any table (MH OR/RR
# undefined -> NA), and a single table (k = 1: Q = 0, Breslow-Day p NA).
sets$edge_no_trt_events <- list(ai = c(0, 0, 0), bi = c(10, 12, 15), ci = c(2, 3, 1),
                                di = c(8, 9, 14))
sets$edge_single_table <- lapply(sets$bcg, function(x) x[1])
sets <- lapply(sets, function(s) {  # complete tables only (yusuf1985 has incomplete rows)
  ok <- complete.cases(as.data.frame(s)); lapply(s, function(x) x[ok])
})

# ---- the declared grid: datasets x (rma.mh measures | rma.peto) x options --------------------------
options <- list(default = list(),
                drop00_false = list(drop00 = FALSE),
                drop00_both = list(drop00 = c(TRUE, TRUE)),
                correct_false = list(correct = FALSE),
                to_all = list(to = "all"),
                add_to_pool = list(add = c(0.5, 0.5), to = c("only0", "only0")),
                if0all_both = list(add = c(0.5, 0.5), to = c("if0all", "if0all")))
grid <- list()
for (ds in names(sets)) {
  for (m in c("OR", "RR", "RD")) for (o in names(options)) {
    grid[[paste(ds, "MH", m, o, sep = "/")]] <- list(fun = "rma.mh", measure = m,
                                                     inputs = sets[[ds]], options = options[[o]])
  }
  for (o in setdiff(names(options), "correct_false")) {
    grid[[paste(ds, "PETO", "OR", o, sep = "/")]] <- list(fun = "rma.peto", measure = "OR",
                                                          inputs = sets[[ds]], options = options[[o]])
  }
}

# rma.mh measure IRR on person-time data (metadat: hart1999, nielweise2008; typed edge case with
# a zero count and a study without events in either group)
irr_sets <- list(hart1999 = as.list(dat.hart1999[, c("x1i", "t1i", "x2i", "t2i")]),
                 nielweise2008 = as.list(dat.nielweise2008[, c("x1i", "t1i", "x2i", "t2i")]),
                 edge_irr_zeros = list(x1i = c(0, 3, 0), t1i = c(100, 200, 150), x2i = c(2, 5, 0),
                                       t2i = c(110, 190, 160)))
for (ds in names(irr_sets)) for (o in names(options)) {
  grid[[paste(ds, "MH", "IRR", o, sep = "/")]] <- list(fun = "rma.mh", measure = "IRR",
                                                      inputs = irr_sets[[ds]], options = options[[o]])
}

fields <- c("beta", "se", "zval", "pval", "ci.lb", "ci.ub", "QE", "QEp", "I2", "H2", "tau2",
            "k", "k.yi", "MH", "MHp", "CO", "COp", "BD", "BDp", "TA", "TAp", "k.pos")
run_case <- function(cs) {
  f <- if (cs$fun == "rma.mh") rma.mh else rma.peto
  args <- c(cs$inputs, cs$options)
  if (cs$fun == "rma.mh") args$measure <- cs$measure else args$correct <- NULL
  res <- tryCatch(suppressWarnings(do.call(f, args)), error = function(e) e)
  if (inherits(res, "error")) return(list(error = conditionMessage(res)))
  out <- lapply(fields, function(n) if (is.null(res[[n]])) NA_real_ else as.numeric(res[[n]]))
  names(out) <- fields
  out$yi <- as.numeric(res$yi)
  out$vi <- as.numeric(res$vi)
  out
}
for (id in names(grid)) grid[[id]]$expected <- run_case(grid[[id]])

num <- function(x) structure(if (is.na(x)) "null" else sprintf("%.17g", x), class = "json")
arr <- function(x) structure(paste0("[", paste(ifelse(is.na(x), "null", sprintf("%.17g", x)),
                                               collapse = ","), "]"), class = "json")
full <- function(cs) {  # inputs, yi, vi as arrays; scalar results as numbers; options as is
  cs$inputs <- lapply(cs$inputs, arr)
  if (is.null(cs$expected$error)) {
    e <- cs$expected
    cs$expected <- c(lapply(e[fields], num), list(yi = arr(e$yi), vi = arr(e$vi)))
  }
  cs
}
out <- list(metafor_version = as.character(packageVersion("metafor")),
            r_version = R.version.string, grid = names(grid), cases = lapply(grid, full))
writeLines(toJSON(out, auto_unbox = TRUE, json_verbatim = TRUE, null = "null"), "ref_mh.json")
cat("ref_mh.json:", length(grid), "cases\n")
