# Reference values for "What does my experience show?" (issue 17): single-arm pooling of control arms,
# metafor 3.8-1 rma(measure = "PLO" | "MN", method = "REML") with predict(transf = transf.ilogit), and
# the exact binomial upper tail pbinom(M - 1, N, p, lower.tail = FALSE).
# Run by validation/metafor/run.sh; writes ref_experience.json (every number at %.17g).
#
# Declared grid:
#  * kb_*: every outcome of src/immunograde/evidence/natural_course.yaml, its control arms read here from
#    the questions' own files (data/questions/<id>.yaml, arm 2: ci/n2i or m2i/sd2i/n2i; continuous rows
#    whose spread is not stated as SD are skipped, as the knowledge base does; one arm per trial and
#    values); improved = ci, or n2i - ci when the outcome is a failure to recover (`improved: non_events`)
#  * edge cases: k = 1, a zero-event arm and an all-event arm (add 1/2, to = "only0"), k = 136
#    (metadat dat.hartmannboyce2018 control arms), dat.normand1999 control means (MN, large tau2)
#  * binomial tails: a declared list of (M, N, p)
suppressPackageStartupMessages({ library(metafor); library(metadat); library(jsonlite); library(yaml) })

here <- Sys.getenv("VALIDATION_DIR", ".")
root <- normalizePath(file.path(here, "..", ".."))
nc <- read_yaml(file.path(root, "src/immunograde/evidence/natural_course.yaml"))
num <- function(x) sprintf("%.17g", x)

control_arms <- function(outcome) {
  arms <- list()
  seen <- character()
  for (qid in outcome$questions) {
    q <- read_yaml(file.path(root, "data/questions", paste0(qid, ".yaml")))
    for (r in q$data) {
      if (outcome$type == "binary") {
        if (is.null(r$ci) || is.null(r$n2i)) next
        x <- if (outcome$improved == "non_events") r$n2i - r$ci else r$ci
        key <- paste(r$trial, x, r$n2i)
        arm <- list(question = qid, trial = r$trial, xi = x, ni = r$n2i)
      } else {
        if (is.null(r$m2i) || is.null(r$sd2i) || is.null(r$n2i)) next
        if (!is.null(r$dispersion) && r$dispersion != "sd") next
        key <- paste(r$trial, r$m2i, r$sd2i, r$n2i)
        arm <- list(question = qid, trial = r$trial, mi = r$m2i, sdi = r$sd2i, ni = r$n2i)
      }
      if (key %in% seen) next
      seen <- c(seen, key)
      arms[[length(arms) + 1]] <- arm
    }
  }
  arms
}

fit <- function(id, description, measure, arms) {
  col <- function(name) vapply(arms, function(a) as.numeric(a[[name]]), 0)
  es <- if (measure == "PLO") escalc("PLO", xi = col("xi"), ni = col("ni")) else
    escalc("MN", mi = col("mi"), sdi = col("sdi"), ni = col("ni"))
  res <- rma(yi, vi, data = es, method = "REML")
  pred <- predict(res)
  out <- list(id = id, description = description, measure = measure, arms = arms,
              yi = num(es$yi), vi = num(es$vi), k = res$k, estimate = num(res$beta[1]),
              se = num(res$se), tau2 = num(res$tau2), ci_low = num(res$ci.lb), ci_high = num(res$ci.ub),
              pi_low = num(pred$pi.lb), pi_high = num(pred$pi.ub), i2 = num(res$I2))
  if (measure == "PLO") {
    tr <- predict(res, transf = transf.ilogit)
    out$pr <- num(tr$pred); out$pr_ci_low <- num(tr$ci.lb); out$pr_ci_high <- num(tr$ci.ub)
    out$pr_pi_low <- num(tr$pi.lb); out$pr_pi_high <- num(tr$pi.ub)
  }
  out
}

cases <- list()
for (g in nc$groups) for (o in g$outcomes) {
  cases[[length(cases) + 1]] <- fit(paste0("kb_", o$id), o$name,
                                    if (o$type == "binary") "PLO" else "MN", control_arms(o))
}
hb <- metadat::dat.hartmannboyce2018
nm <- metadat::dat.normand1999
arm_list <- function(x, n) Map(function(a, b) list(xi = a, ni = b), x, n)
cases <- c(cases, list(
  fit("k1", "one arm: tau2 = 0", "PLO", arm_list(77, 178)),
  fit("zero_and_all", "a zero-event and an all-event arm (add 1/2)", "PLO",
      arm_list(c(0, 12, 20, 9), c(15, 30, 20, 25))),
  fit("k136", "dat.hartmannboyce2018 control arms, k = 136", "PLO", arm_list(hb$x.ctrl, hb$n.ctrl)),
  fit("normand_mn", "dat.normand1999 control means (MN)", "MN",
      Map(function(m, s, n) list(mi = m, sdi = s, ni = n), nm$m2i, nm$sd2i, nm$n2i))
))
TAILS <- list(c(34, 40, 0.5), c(34, 40, 0.8), c(0, 10, 0.3), c(10, 10, 0.3), c(1, 1, 0.999),
              c(120, 200, 0.43258426966292135), c(5, 1000, 0.001), c(990, 1000, 0.95))
tails <- lapply(TAILS, function(t) list(m = t[1], n = t[2], p = num(t[3]),
                                        p_upper = num(pbinom(t[1] - 1, t[2], t[3], lower.tail = FALSE))))
out <- list(metafor_version = as.character(packageVersion("metafor")),
            grid = vapply(cases, function(c) c$id, ""), cases = cases, tails = tails)
writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, digits = NA),
           file.path(here, "ref_experience.json"))
cat("wrote ref_experience.json:", length(cases), "cases,", length(tails), "tails\n")
