# Reference values for sipas weighting, calibration and replicate-weight code.
# Run from this directory:  Rscript make_fixtures.R  (writes fixtures.json next to it).
# Data: R's survey package datasets (data(api)), the same as the CSV copies in ../r_core/data/ that the
# Python tests read.
suppressMessages(library(survey))
library(jsonlite)
data(api)
options(survey.lonely.psu = "fail")

est <- function(s) {
  list(estimate = unname(as.vector(coef(s))), se = unname(as.vector(SE(s))),
       names = names(coef(s)))
}
byest <- function(s) {
  list(estimate = unname(as.vector(coef(s))), se = unname(as.vector(SE(s))),
       names = names(coef(s)))
}

out <- list(meta = list(survey_version = as.character(packageVersion("survey")),
                        r_version = R.version.string))

dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)

pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))

## Post-stratification ---------------------------------------------------------
dclus1p <- postStratify(dclus1, ~stype, pop.types)
out$poststratify <- list(
  weights = unname(weights(dclus1p)),
  mean_api00 = est(svymean(~api00, dclus1p)),
  total_api00 = est(svytotal(~api00, dclus1p)),
  total_enroll = est(svytotal(~enroll, dclus1p)),
  total_stype = est(svytotal(~stype, dclus1p)),
  mean_api00_by_schwide = byest(svyby(~api00, ~sch.wide, dclus1p, svymean))
)

## Raking ------------------------------------------------------------------------
dclus1r <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))
out$rake <- list(
  weights = unname(weights(dclus1r)),
  mean_api00 = est(svymean(~api00, dclus1r)),
  total_enroll = est(svytotal(~enroll, dclus1r)),
  total_stype = est(svytotal(~stype, dclus1r)),
  total_schwide = est(svytotal(~sch.wide, dclus1r)),
  mean_api00_by_stype = byest(svyby(~api00, ~stype, dclus1r, svymean))
)
# Tight convergence, to compare with a fully converged raking.
dclus1r2 <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
                 control = list(maxit = 100, epsilon = 1e-10))
out$rake_tight <- list(
  weights = unname(weights(dclus1r2)),
  mean_api00 = est(svymean(~api00, dclus1r2)),
  total_enroll = est(svytotal(~enroll, dclus1r2))
)
# Stratified design raked on two margins (row-level PSUs).
dstratr <- rake(dstrat, list(~sch.wide, ~awards),
                list(pop.schwide, data.frame(awards = c("No", "Yes"), Freq = c(2236, 3958))))
out$rake_strat <- list(
  weights = unname(weights(dstratr)),
  mean_api00 = est(svymean(~api00, dstratr)),
  total_enroll = est(svytotal(~enroll, dstratr))
)

## Linear calibration (GREG) -----------------------------------------------------
pop.totals <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069)
dclus1g <- calibrate(dclus1, ~stype + api99, pop.totals)
out$calibrate_linear <- list(
  population = unname(pop.totals),
  weights = unname(weights(dclus1g)),
  mean_api00 = est(svymean(~api00, dclus1g)),
  total_api00 = est(svytotal(~api00, dclus1g)),
  total_enroll = est(svytotal(~enroll, dclus1g)),
  total_api99 = est(svytotal(~api99, dclus1g)),
  mean_api00_by_schwide = byest(svyby(~api00, ~sch.wide, dclus1g, svymean))
)
dclus1gb <- calibrate(dclus1, ~stype + api99, pop.totals, bounds = c(0.6, 1.6))
out$calibrate_linear_bounded <- list(
  bounds = c(0.6, 1.6),
  weights = unname(weights(dclus1gb)),
  mean_api00 = est(svymean(~api00, dclus1gb)),
  total_enroll = est(svytotal(~enroll, dclus1gb))
)
dclus1gr <- calibrate(dclus1, ~stype + api99, pop.totals, calfun = "raking")
out$calibrate_raking <- list(
  weights = unname(weights(dclus1gr)),
  mean_api00 = est(svymean(~api00, dclus1gr)),
  total_enroll = est(svytotal(~enroll, dclus1gr))
)
dclus1gl <- calibrate(dclus1, ~stype + api99, pop.totals, calfun = "logit", bounds = c(0.6, 1.6))
out$calibrate_logit <- list(
  bounds = c(0.6, 1.6),
  weights = unname(weights(dclus1gl)),
  mean_api00 = est(svymean(~api00, dclus1gl)),
  total_enroll = est(svytotal(~enroll, dclus1gl))
)
# Stacking: post-stratify on stype, then calibrate on api99.
dclus1pg <- calibrate(dclus1p, ~api99, c(`(Intercept)` = 6194, api99 = 3914069))
out$stacked <- list(
  weights = unname(weights(dclus1pg)),
  mean_api00 = est(svymean(~api00, dclus1pg)),
  total_enroll = est(svytotal(~enroll, dclus1pg)),
  total_stype = est(svytotal(~stype, dclus1pg))
)

## Trimming ----------------------------------------------------------------------
dclus1gs <- calibrate(dclus1, ~stype, pop.totals[1:3])
out$trim <- list(
  before = unname(weights(dclus1gs)),
  once = unname(weights(trimWeights(dclus1gs, lower = 20, upper = 45))),
  strict = unname(weights(trimWeights(dclus1gs, lower = 20, upper = 45, strict = TRUE)))
)

## Replicate weights -------------------------------------------------------------
rw <- function(d) { m <- unclass(weights(d, "replication")); attributes(m) <- list(dim = dim(m)); m }
jk1 <- as.svrepdesign(dclus1, type = "JK1", compress = FALSE)
jk1_mse <- as.svrepdesign(dclus1, type = "JK1", compress = FALSE, mse = TRUE)
jk1_nofpc <- as.svrepdesign(svydesign(id = ~dnum, weights = ~pw, data = apiclus1), type = "JK1",
                            compress = FALSE)
out$jk1 <- list(
  repweights = rw(jk1), scale = jk1$scale, rscales = jk1$rscales,
  mean_api00 = est(svymean(~api00, jk1)),
  total_enroll = est(svytotal(~enroll, jk1)),
  mean_api00_by_stype = byest(svyby(~api00, ~stype, jk1, svymean)),
  mean_api00_mse = est(svymean(~api00, jk1_mse)),
  total_enroll_mse = est(svytotal(~enroll, jk1_mse)),
  nofpc_scale = jk1_nofpc$scale,
  nofpc_mean_api00 = est(svymean(~api00, jk1_nofpc))
)
jkn <- as.svrepdesign(dstrat, type = "JKn", compress = FALSE)
jkn_mse <- as.svrepdesign(dstrat, type = "JKn", compress = FALSE, mse = TRUE)
out$jkn <- list(
  repweights = rw(jkn), scale = jkn$scale, rscales = jkn$rscales,
  mean_api00 = est(svymean(~api00, jkn)),
  total_enroll = est(svytotal(~enroll, jkn)),
  mean_api00_by_schwide = byest(svyby(~api00, ~sch.wide, jkn, svymean)),
  mean_api00_mse = est(svymean(~api00, jkn_mse))
)
set.seed(20261122)
boot <- as.svrepdesign(dclus1, type = "bootstrap", replicates = 50, compress = FALSE)
set.seed(20261122)
boot_s <- as.svrepdesign(svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat),
                         type = "bootstrap", replicates = 40, compress = FALSE)
out$bootstrap <- list(
  repweights = rw(boot), scale = boot$scale, rscales = boot$rscales,
  mean_api00 = est(svymean(~api00, boot)),
  total_enroll = est(svytotal(~enroll, boot)),
  mean_api00_by_stype = byest(svyby(~api00, ~stype, boot, svymean)),
  strat_repweights = rw(boot_s), strat_scale = boot_s$scale,
  strat_mean_api00 = est(svymean(~api00, boot_s))
)

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "fixtures.json")
