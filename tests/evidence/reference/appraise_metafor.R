# Reference values for the appraisal pipeline (escalc -> rma.uni REML -> regtest; Peters' test by R's lm), computed by metafor
# from the shared CSV files the knowledge-base questions were seeded from.
# Run: SHARED_DATA=../shared/data Rscript tests/evidence/reference/appraise_metafor.R
# Writes tests/evidence/reference/ref_appraise.json (%.17g via jsonlite digits = NA).
suppressMessages({library(metafor); library(jsonlite)})
shared <- Sys.getenv("SHARED_DATA", "../shared/data")
here <- "tests/evidence/reference"

fit_case <- function(name, question, measure, ai, n1i, ci, n2i) {
  es <- escalc(measure, ai = ai, n1i = n1i, ci = ci, n2i = n2i, drop00 = TRUE)
  keep <- !is.na(es$yi)
  es <- es[keep, ]
  res <- rma(yi, vi, data = es, method = "REML")
  pred <- predict(res)
  egger <- if (sum(keep) >= 3) regtest(res, model = "rma", predictor = "sei")$pval else NA
  # Peters' test (JAMA 2006): lm of the log ratio on 1/n weighted by events x non-events / n
  n <- (n1i + n2i)[keep]; ev <- (ai + ci)[keep]
  peters <- if (sum(keep) >= 3) {
    summary(lm(es$yi ~ I(1 / n), weights = ev * (n - ev) / n))$coefficients[2, 4]
  } else NA
  list(name = name, question = question, measure = measure, k = res$k,
       estimate = as.numeric(res$b), ci_low = res$ci.lb, ci_high = res$ci.ub,
       pi_low = pred$pi.lb, pi_high = pred$pi.ub, tau2 = res$tau2, i2 = res$I2, q_p = res$QEp,
       egger_p = egger, peters_p = peters, weights = as.numeric(weights(res)),
       control_risk = sum(ci[keep]) / sum(n2i[keep]),
       participants = sum(n1i[keep] + n2i[keep]))
}

bcg <- read.csv(file.path(shared, "trials/metadat/dat.bcg.csv"))
cap <- read.csv(file.path(shared, "trials/covid_il6_jak_steroids/corticosteroids_severe_CAP_mortality_2023.csv"))
cases <- list(
  fit_case("bcg", "bcg-vaccine-tuberculosis", "RR", bcg$tpos, bcg$tpos + bcg$tneg, bcg$cpos, bcg$cpos + bcg$cneg),
  fit_case("cap", "corticosteroids-severe-cap-mortality", "RR", cap$ai, cap$n1i, cap$ci, cap$n2i)
)
out <- list(metafor_version = as.character(packageVersion("metafor")), cases = cases)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
           file.path(here, "ref_appraise.json"))
