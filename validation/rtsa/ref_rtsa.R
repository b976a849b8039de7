# Reference values from R's RTSA (Copenhagen Trial Unit's TSA in R) for ImmunoGrade's stats/sequential.py.
#
# RTSA is on CRAN but not in Debian.  Manual step (see README.md in this folder):
#   apt-get install r-cran-ggplot2 r-cran-scales r-cran-rcpp
#   R CMD INSTALL -l <lib> RTSA_0.2.2.tar.gz        # CRAN source, version 0.2.2
#   R_LIBS=<lib> Rscript validation/rtsa/ref_rtsa.R
# Writes ref_rtsa.json beside this script at full precision (digits = NA).
suppressPackageStartupMessages({library(RTSA); library(jsonlite)})
here <- tryCatch(dirname(normalizePath(sys.frame(1)$ofile)), error = function(e) NULL)
if (is.null(here)) {
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  here <- if (length(f)) dirname(normalizePath(f)) else getwd()
}

# 1. Required information size: the examples of RTSA's vignette "required-sample-size.Rmd",
#    the vitamin A TSA inputs (PLoS One 2013, doi:10.1371/journal.pone.0074558, Figure 4), and
#    odds-ratio and mean-difference cases.
ris_cases <- list(
  list(name = "vignette_fixed", outcome = "RR", pC = 0.1, mc = 0.9, alpha = 0.05, beta = 0.1, side = 2, D2 = NULL, I2 = NULL),
  list(name = "vignette_d2_i2", outcome = "RR", pC = 0.2, mc = 0.9, alpha = 0.05, beta = 0.2, side = 2, D2 = 0.3, I2 = 0.2),
  list(name = "vitamin_a_d2_076", outcome = "RR", pC = 0.1, mc = 0.85, alpha = 0.05, beta = 0.2, side = 2, D2 = 0.76, I2 = NULL),
  list(name = "one_sided", outcome = "RR", pC = 0.3, mc = 0.75, alpha = 0.025, beta = 0.1, side = 1, D2 = 0.5, I2 = 0.4),
  list(name = "rr_increase", outcome = "RR", pC = 0.1, mc = 1.25, alpha = 0.05, beta = 0.2, side = 2, D2 = 0.4, I2 = NULL),
  list(name = "or_fixed", outcome = "OR", pC = 0.2, mc = 0.8, alpha = 0.05, beta = 0.2, side = 2, D2 = NULL, I2 = NULL),
  list(name = "or_d2", outcome = "OR", pC = 0.05, mc = 0.7, alpha = 0.05, beta = 0.1, side = 2, D2 = 0.45, I2 = 0.3),
  list(name = "md_fixed", outcome = "MD", sd_mc = 1, mc = 0.5, alpha = 0.05, beta = 0.1, side = 2, D2 = NULL, I2 = NULL),
  list(name = "md_d2", outcome = "MD", sd_mc = 2.5, mc = 1.2, alpha = 0.05, beta = 0.2, side = 2, D2 = 0.6, I2 = 0.5)
)
ris_out <- lapply(ris_cases, function(cs) {
  fixed <- is.null(cs$D2) && is.null(cs$I2)
  r <- suppressWarnings(ris(outcome = cs$outcome, mc = cs$mc, pC = cs$pC, sd_mc = cs$sd_mc,
                            alpha = cs$alpha, beta = cs$beta, side = cs$side, fixed = fixed,
                            D2 = cs$D2, I2 = cs$I2))
  list(name = cs$name, outcome = cs$outcome, pC = if (is.null(cs$pC)) NA else cs$pC,
       sd_mc = if (is.null(cs$sd_mc)) NA else cs$sd_mc, mc = cs$mc, alpha = cs$alpha,
       beta = cs$beta, side = cs$side,
       D2 = if (is.null(cs$D2)) NA else cs$D2, I2 = if (is.null(cs$I2)) NA else cs$I2,
       NF = r$NF, NR_D2 = if (is.null(r$NR_D2)) NA else r$NR_D2,
       NR_I2 = if (is.null(r$NR_I2)) NA else r$NR_I2)
})

# 2. Alpha-spending boundaries (Lan-DeMets), RTSA's internal alpha_boundary() (recursive integration).
timings <- list(
  equal5 = c(0.2, 0.4, 0.6, 0.8, 1),
  equal4 = c(0.25, 0.5, 0.75, 1),
  uneven = c(0.1, 0.3, 0.65, 1),
  partial = c(0.05, 0.21, 0.4, 0.62)
)
spend <- list(
  list(es = "esOF", rho = NULL), list(es = "esPoc", rho = NULL),
  list(es = "rho", rho = 1), list(es = "rho", rho = 3)
)
bound_out <- list()
for (tn in names(timings)) for (sp in spend) for (side in c(1, 2)) {
  alpha <- if (side == 2) 0.05 else 0.025
  b <- RTSA:::alpha_boundary(inf_frac = timings[[tn]], side = side, alpha = alpha, beta = 0.2,
                             es_alpha = sp$es, rho = sp$rho)
  bound_out[[length(bound_out) + 1]] <- list(
    timing_name = tn, timing = timings[[tn]], spending = sp$es,
    rho = if (is.null(sp$rho)) NA else sp$rho, side = side, alpha = alpha,
    upper = b$alpha_ubound, alpha_cum = b$alpha_spend$as_cum)
}

# 3. Design boundaries with the power inflation factor ("root") and non-binding beta-spending futility.
design_out <- list()
for (tn in c("equal4", "uneven")) for (fut in c("none", "non-binding")) {
  b <- boundaries(timing = timings[[tn]], alpha = 0.05, beta = 0.2, side = 2, futility = fut,
                  es_alpha = "esOF", es_beta = if (fut == "none") NULL else "esOF")
  design_out[[length(design_out) + 1]] <- list(
    timing_name = tn, timing = timings[[tn]], futility = fut, alpha = 0.05, beta = 0.2, side = 2,
    root = b$root, upper = b$alpha_ubound, lower = b$alpha_lbound,
    fut_upper = if (fut == "none") NA else b$beta_ubound,
    fut_lower = if (fut == "none") NA else b$beta_lbound,
    power = b$pwr[[2]], type1 = b$tIe[[2]])
}

# 4. A full retrospective TSA: RTSA's perioOxy data (shipped with RTSA), RR, mc = 0.8 (RRR 20%),
#    alpha 0.05, beta 0.2, O'Brien-Fleming, RIS adjusted by diversity (D2), random-effects Z curve.
#    tau_ci_method = "QP" because the default ("BJ") needs CompQuadForm, not in Debian; it changes
#    only the confidence interval of tau2, not the Z curve or the boundaries.
data(perioOxy)
run_analysis <- function(name, es_alpha = "esOF", futility = "none", fixed = FALSE) {
  x <- suppressWarnings(RTSA(type = "analysis", data = perioOxy, outcome = "RR", mc = 0.8, side = 2,
                             alpha = 0.05, beta = 0.2, es_alpha = es_alpha, fixed = fixed,
                             futility = futility, es_beta = if (futility == "none") NULL else "esOF",
                             random_adj = "D2", tau_ci_method = "QP"))
  df <- x$results$results_df
  z <- if (fixed) df$z_fixed else df$z_random
  est <- if (fixed) df$outcome_fixed else df$outcome_random
  list(name = name, data = "RTSA::perioOxy", study = perioOxy$study, n = perioOxy$nI + perioOxy$nC,
       mc = 0.8, alpha = 0.05, beta = 0.2, side = 2, es_alpha = es_alpha, futility = futility,
       fixed = fixed, RIS = x$results$RIS, HARIS = if (fixed) NA else x$results$HARIS,
       SMA_HARIS = if (fixed) x$results$SMA_RIS else x$results$SMA_HARIS,
       D2 = x$results$metaanalysis$hete_results$hete_est$D.2,
       z = z, outcome = est, sma_timing = df$sma_timing, upper = df$upper,
       fut_upper = df$fut_upper,
       tsa_ci_lower = if (fixed) df$TSAadjCIfixed_lower else df$TSAadjCIrandom_lower,
       tsa_ci_upper = if (fixed) df$TSAadjCIfixed_upper else df$TSAadjCIrandom_upper,
       stop_direction = if (is.null(x$results$seq_inf$stop_direction)) NA else x$results$seq_inf$stop_direction,
       stop_time = if (is.null(x$results$seq_inf$stop_time)) NA else x$results$seq_inf$stop_time)
}
analysis <- run_analysis("obf_random_d2")
analyses <- list(analysis, run_analysis("pocock_random_d2", es_alpha = "esPoc"),
                 run_analysis("obf_fixed", fixed = TRUE),
                 run_analysis("obf_random_d2_futility", futility = "non-binding"))

out <- list(rtsa_version = as.character(packageVersion("RTSA")), ris = ris_out,
            alpha_boundaries = bound_out, designs = design_out,
            analyses = analyses)
write(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
      file.path(here, "ref_rtsa.json"))
cat("wrote", file.path(here, "ref_rtsa.json"), "\n")
