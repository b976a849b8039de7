# Reference values for immunograde.stats.escalc: metafor::escalc over a declared grid.
# Run by validation/metafor/run.sh (env SHARED_DATA = ../shared/data); writes ref_escalc.json.
# Numbers are written with sprintf("%.17g") (jsonlite 1.8.4's digits = NA keeps only 15
# significant digits, which does not round-trip a double).
suppressPackageStartupMessages({ library(metafor); library(metadat); library(jsonlite) })

shared <- Sys.getenv("SHARED_DATA", "../../../shared/data")
rd <- function(path) read.csv(file.path(shared, "trials", path), stringsAsFactors = FALSE,
                              check.names = FALSE)

# ---- datasets (each: a named list of input columns) -------------------------------------------
bcg <- rd("metadat/dat.bcg.csv")
tab <- function(a, n1, c, n2) list(ai = a, bi = n1 - a, ci = c, di = n2 - c)
alb <- rd("covid_il6_jak_steroids/albuquerque2022_toci_sari_bari_mortality_on_steroids.csv")
cap <- rd("covid_il6_jak_steroids/corticosteroids_severe_CAP_mortality_2023.csv")
axf <- rd("metadat/dat.axfors2021.csv")
crins <- rd("bayesmeta/CrinsEtAl2014_IL2RA_pediatric_liver_tx.csv")
dag <- rd("metadat/dat.dagostino1998.csv")
dag <- dag[complete.cases(dag[, c("mt", "sdt", "mc", "sdc", "nt", "nc")]), ]
cd15530 <- rd("cochrane_pairwise70/CD015530_pub2_data.csv")
cd15530 <- cd15530[cd15530$Analysis.group == 1 & cd15530$Analysis.number == 1, ]
lloyd <- rd("metadat/dat.lloyd2010.csv")
lloyd_das <- lloyd[complete.cases(lloyd[, c("mean.das", "lower.das", "upper.das")]), ]
lloyd_haq <- lloyd[complete.cases(lloyd[, c("mean.haq", "lower.haq", "upper.haq")]), ]
hb <- metadat::dat.hartmannboyce2018
binary_sets <- list(
  bcg = list(ai = bcg$tpos, bi = bcg$tneg, ci = bcg$cpos, di = bcg$cneg),
  bcg_k2 = list(ai = bcg$tpos[1:2], bi = bcg$tneg[1:2], ci = bcg$cpos[1:2], di = bcg$cneg[1:2]),
  bcg_k3 = list(ai = bcg$tpos[1:3], bi = bcg$tneg[1:3], ci = bcg$cpos[1:3], di = bcg$cneg[1:3]),
  albuquerque2022 = tab(alb$trt_events, alb$trt_total, alb$control_events, alb$control_total),
  cap_steroids = tab(cap$ai, cap$n1i, cap$ci, cap$n2i),
  axfors2021 = tab(axf$hcq_arm_event, axf$hcq_arm_total, axf$control_arm_event,
                   axf$control_arm_total),
  crins2014 = tab(crins$exp_AR_events, crins$exp_total, crins$cont_AR_events, crins$cont_total),
  hartmannboyce2018 = tab(hb$x.nrt, hb$n.nrt, hb$x.ctrl, hb$n.ctrl)
)
binary_n_sets <- list(  # the ai, n1i, ci, n2i input form
  graves2010 = as.list(rd("metadat/dat.graves2010.csv")[, c("ai", "n1i", "ci", "n2i")]),
  laopaiboon2015 = as.list(rd("metadat/dat.laopaiboon2015.csv")[, c("ai", "n1i", "ci", "n2i")])
)
nm <- metadat::dat.normand1999
cont_sets <- list(
  normand1999 = as.list(nm[, c("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")]),
  normand1999_k2 = as.list(nm[1:2, c("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")]),
  dagostino1998 = list(m1i = dag$mt, sd1i = dag$sdt, n1i = dag$nt, m2i = dag$mc, sd2i = dag$sdc,
                       n2i = dag$nc)
)
mc <- metadat::dat.mcdaniel1994
cor_sets <- list(mcdaniel1994 = list(ri = mc$ri, ni = mc$ni),
                 molloy2014 = list(ri = dat.molloy2014$ri, ni = dat.molloy2014$ni),
                 molloy2014_k3 = list(ri = dat.molloy2014$ri[1:3], ni = dat.molloy2014$ni[1:3]))
prop_sets <- list(pritz1997 = list(xi = dat.pritz1997$xi, ni = dat.pritz1997$ni),
                  albuquerque2022_trt = list(xi = alb$trt_events, ni = alb$trt_total),
                  pagliaro1992 = list(xi = dat.pagliaro1992$xi, ni = dat.pagliaro1992$ni))
irr_sets <- list(hart1999 = as.list(dat.hart1999[, c("x1i", "t1i", "x2i", "t2i")]),
                 nielweise2008 = as.list(dat.nielweise2008[, c("x1i", "t1i", "x2i", "t2i")]))
bcg_or <- escalc("OR", ai = bcg$tpos, bi = bcg$tneg, ci = bcg$cpos, di = bcg$cneg)
gen_sets <- list(bcg_or_vi = list(yi = c(bcg_or$yi), vi = bcg_or$vi),
                 bcg_or_sei = list(yi = c(bcg_or$yi), sei = sqrt(bcg_or$vi)),
                 bcg_tiny_vi = list(yi = c(bcg_or$yi), vi = bcg_or$vi * 1e-8),
                 hackshaw1998 = list(yi = dat.hackshaw1998$yi, vi = dat.hackshaw1998$vi))

# ---- the declared grid: datasets x measures x options -----------------------------------------
opts_binary <- list(default = list(),
                    to_all = list(to = "all"), to_if0all = list(to = "if0all"),
                    to_none = list(to = "none"), drop00 = list(drop00 = TRUE),
                    add_0.1 = list(add = 0.1), drop00_to_all = list(drop00 = TRUE, to = "all"))
grid <- list()
add_case <- function(id, measure, inputs, opts = list(), ...) {
  grid[[id]] <<- list(measure = measure, inputs = inputs, options = opts, ...)
}
for (ds in names(binary_sets)) for (m in c("OR", "RR", "RD", "PETO", "AS")) for (o in names(opts_binary)) {
  add_case(paste(ds, m, o, sep = "/"), m, binary_sets[[ds]], opts_binary[[o]])
}
for (ds in names(binary_sets)) add_case(paste(ds, "RD", "vtype_UB", sep = "/"), "RD",
                                        binary_sets[[ds]], list(vtype = "UB"))
for (ds in names(binary_sets)) add_case(paste(ds, "RD", "vtype_AV", sep = "/"), "RD",
                                        binary_sets[[ds]], list(vtype = "AV"))
for (ds in names(binary_n_sets)) for (m in c("OR", "RR", "RD", "PETO")) {
  add_case(paste(ds, m, "default", sep = "/"), m, binary_n_sets[[ds]])
}
for (ds in names(cont_sets)) {
  for (m in c("MD", "SMD")) add_case(paste(ds, m, "default", sep = "/"), m, cont_sets[[ds]])
  add_case(paste(ds, "MD", "vtype_HO", sep = "/"), "MD", cont_sets[[ds]], list(vtype = "HO"))
  for (v in c("UB", "LS2", "AV")) add_case(paste(ds, "SMD", paste0("vtype_", v), sep = "/"), "SMD",
                                           cont_sets[[ds]], list(vtype = v))
  if (all(unlist(cont_sets[[ds]][c("m1i", "m2i")]) > 0)) {
    add_case(paste(ds, "ROM", "default", sep = "/"), "ROM", cont_sets[[ds]])
    add_case(paste(ds, "ROM", "vtype_HO", sep = "/"), "ROM", cont_sets[[ds]], list(vtype = "HO"))
  }
}
for (ds in names(cor_sets)) for (m in c("COR", "ZCOR")) add_case(paste(ds, m, "default", sep = "/"), m, cor_sets[[ds]])
add_case("mcdaniel1994/COR/vtype_AV", "COR", cor_sets$mcdaniel1994, list(vtype = "AV"))
for (ds in names(prop_sets)) for (m in c("PR", "PLO")) for (o in c("default", "to_all", "to_none")) {
  add_case(paste(ds, m, o, sep = "/"), m, prop_sets[[ds]], opts_binary[[o]])
}
for (ds in names(prop_sets)) add_case(paste(ds, "PR", "vtype_UB", sep = "/"), "PR", prop_sets[[ds]], list(vtype = "UB"))
for (ds in names(prop_sets)) add_case(paste(ds, "PLO", "vtype_AV", sep = "/"), "PLO", prop_sets[[ds]], list(vtype = "AV"))
for (ds in names(irr_sets)) for (o in c("default", "to_all", "drop00", "to_none")) {
  add_case(paste(ds, "IRR", o, sep = "/"), "IRR", irr_sets[[ds]], opts_binary[[o]])
}
for (ds in names(gen_sets)) add_case(paste(ds, "GEN", "default", sep = "/"), "GEN", gen_sets[[ds]])
# from_ci: reported estimate with its 95% CI -> yi, sei = (log(hi) - log(lo)) / (2 qnorm(.975))
add_case("cd015530_rr/from_ci/ratio", "from_ci",
         list(estimate = cd15530$Mean, ci_low = cd15530$CI.start, ci_high = cd15530$CI.end),
         list(ratio = TRUE, level = 0.95))
add_case("lloyd2010_das/from_ci/difference", "from_ci",
         list(estimate = lloyd_das$mean.das, ci_low = lloyd_das$lower.das,
              ci_high = lloyd_das$upper.das),
         list(ratio = FALSE, level = 0.95))
add_case("lloyd2010_haq/from_ci/difference_90", "from_ci",
         list(estimate = lloyd_haq$mean.haq, ci_low = lloyd_haq$lower.haq,
              ci_high = lloyd_haq$upper.haq),
         list(ratio = FALSE, level = 0.90))

# Edge cases typed here (not trial data): sample sizes where metafor leaves vi (COR/ZCOR, ni <= 3)
# or yi and vi (SMD/MD with n1 = n2 = 1, no degrees of freedom for the pooled SD) NA.
edge_cor <- list(ri = c(0.5, -0.2, 0.9), ni = c(3, 2, 10))
edge_two <- list(m1i = c(1, 2), sd1i = c(1, 1), n1i = c(1, 5), m2i = c(0, 1), sd2i = c(1, 2),
                 n2i = c(1, 5))
add_case("edge_small_n/COR/default", "COR", edge_cor)
add_case("edge_small_n/ZCOR/default", "ZCOR", edge_cor)
add_case("edge_n1/SMD/default", "SMD", edge_two)
add_case("edge_n1/MD/vtype_HO", "MD", edge_two, list(vtype = "HO"))

# ---- run metafor -------------------------------------------------------------------------------
run_case <- function(cs) {
  if (cs$measure == "from_ci") {
    tr <- if (cs$options$ratio) log else identity
    z <- qnorm(1 - (1 - cs$options$level) / 2)
    x <- cs$inputs
    res <- escalc(measure = "GEN", yi = tr(x$estimate),
                  sei = (tr(x$ci_high) - tr(x$ci_low)) / (2 * z))
  } else {
    res <- suppressWarnings(do.call(escalc, c(list(measure = cs$measure), cs$inputs, cs$options)))
  }
  list(yi = as.numeric(res$yi), vi = as.numeric(res$vi))
}
for (id in names(grid)) grid[[id]]$expected <- run_case(grid[[id]])

# ---- write JSON at full precision ------------------------------------------------------------------
num <- function(x) structure(paste0("[", paste(ifelse(is.na(x), "null", sprintf("%.17g", x)),
                                               collapse = ","), "]"), class = "json")
full <- function(cs) {  # inputs and expected values as full-precision arrays; options as is
  cs$inputs <- lapply(cs$inputs, num)
  cs$expected <- lapply(cs$expected, num)
  cs
}
out <- list(metafor_version = as.character(packageVersion("metafor")),
            r_version = R.version.string,
            grid = names(grid),
            cases = lapply(grid, full))
writeLines(toJSON(out, auto_unbox = TRUE, json_verbatim = TRUE, null = "null"), "ref_escalc.json")
cat("ref_escalc.json:", length(grid), "cases\n")
