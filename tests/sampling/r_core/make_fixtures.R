# Regenerate fixtures.json (reference values from R's survey package) for tests/sampling/test_r_core.py.
#   cd tests/sampling/r_core && Rscript make_fixtures.R
# Datasets are copies of R's survey datasets (data/*.csv) so that the Python tests run without R.
suppressMessages({library(survey); library(jsonlite)})
options(survey.lonely.psu = "fail")
rd <- function(f) read.csv(file.path("data", f), stringsAsFactors = FALSE)
apistrat <- rd("apistrat.csv"); apiclus1 <- rd("apiclus1.csv"); apiclus2 <- rd("apiclus2.csv")
for (nm in c("apistrat", "apiclus1", "apiclus2")) {
  d <- get(nm); d$yes <- as.numeric(d$sch.wide == "Yes"); d$comp <- as.numeric(d$comp.imp == "Yes"); assign(nm, d)
}
out <- list()
add <- function(rec) out[[length(out) + 1]] <<- rec
num <- function(x) unname(as.numeric(x))

designs <- list(
  dstrat = function() svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat),
  dclus1 = function() svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1),
  dclus2 = function() svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2),
  dstratclus = function() svydesign(id = ~dnum, strata = ~stype, weights = ~pw, data = apistrat, nest = TRUE)
)
# A design with a singleton stratum: one school moved to its own stratum "X" (fpc 50 there).
lon <- apistrat; lon$st2 <- lon$stype; lon$st2[1] <- "X"; lon$fpc2 <- ifelse(lon$st2 == "X", 50, lon$fpc)
designs$lonely <- function() svydesign(id = ~1, strata = ~st2, weights = ~pw, fpc = ~fpc2, data = lon)
designs$lonely_nofpc <- function() svydesign(id = ~1, strata = ~st2, weights = ~pw, data = lon)

ci_t <- function(est, df, level = 0.95) { q <- qt(1 - (1 - level) / 2, df); c(coef(est) - q * SE(est), coef(est) + q * SE(est)) }

mean_rec <- function(dn, des, var, lonely = "fail", domain = NULL, deff = FALSE) {
  f <- as.formula(paste0("~", var))
  m <- svymean(f, des, deff = deff, na.rm = TRUE)
  df <- degf(des)
  ci <- ci_t(m, df)
  add(list(design = dn, lonely = lonely, statistic = "mean", variable = var, domain = domain,
           deff_mode = if (isFALSE(deff)) NULL else as.character(deff),
           estimate = num(coef(m)), se = num(SE(m)), df = df, ci_low = num(ci[1]), ci_high = num(ci[2]),
           n = nrow(des), deff = if (isFALSE(deff)) NULL else num(deff(m))))
}
total_rec <- function(dn, des, var, lonely = "fail", domain = NULL, deff = FALSE) {
  f <- as.formula(paste0("~", var))
  m <- svytotal(f, des, deff = deff, na.rm = TRUE)
  add(list(design = dn, lonely = lonely, statistic = "total", variable = var, domain = domain,
           deff_mode = if (isFALSE(deff)) NULL else as.character(deff),
           estimate = num(coef(m)), se = num(SE(m)), df = degf(des),
           deff = if (isFALSE(deff)) NULL else num(deff(m))))
}
prop_rec <- function(dn, des, var, domain = NULL) {
  for (method in c("logit", "xlogit", "beta", "mean", "asin")) {
    p <- svyciprop(as.formula(paste0("~", var)), des, method = method)
    ci <- attr(p, "ci")
    add(list(design = dn, lonely = "fail", statistic = "proportion", variable = var, domain = domain,
             ci_method = method, estimate = num(p), se = num(sqrt(attr(p, "var"))), df = degf(des),
             n = nrow(des), ci_low = num(ci[1]), ci_high = num(ci[2])))
  }
}

# Whole-population estimates on every design
for (dn in c("dstrat", "dclus1", "dclus2", "dstratclus")) {
  des <- designs[[dn]]()
  for (v in c("api00", "api99", "enroll")) {
    mean_rec(dn, des, v); total_rec(dn, des, v)
    if (dn != "dclus2") { mean_rec(dn, des, v, deff = TRUE); mean_rec(dn, des, v, deff = "replace")
      total_rec(dn, des, v, deff = TRUE); total_rec(dn, des, v, deff = "replace") }
  }
  prop_rec(dn, des, "yes"); prop_rec(dn, des, "comp")
  r <- svyratio(~api00, ~api99, des)
  add(list(design = dn, lonely = "fail", statistic = "ratio", variable = "api00/api99",
           estimate = num(coef(r)), se = num(SE(r)), df = degf(des)))
  # categorical: every level of stype (dclus2 and dstrat have all three)
  m <- svymean(~factor(stype), des)
  add(list(design = dn, lonely = "fail", statistic = "levels", variable = "stype",
           levels = sub("factor\\(stype\\)", "", names(coef(m))), estimate = num(coef(m)), se = num(SE(m))))
  # covariance and contrast of two means (joint linearisation)
  m2 <- svymean(~api00 + api99, des)
  cc <- svycontrast(m2, c(api00 = 1, api99 = -1))
  add(list(design = dn, lonely = "fail", statistic = "contrast", variables = c("api00", "api99"),
           coefficients = c(1, -1), vcov = num(vcov(m2)), estimate = num(coef(cc)), se = num(SE(cc))))
  # domains
  for (lev in sort(unique(des$variables$stype))) {
    sub <- subset(des, stype == lev)
    if (nrow(sub) < 2) next
    mean_rec(dn, sub, "api00", domain = list(stype = lev))
    if (dn != "dclus2") mean_rec(dn, sub, "api00", domain = list(stype = lev), deff = TRUE)
    total_rec(dn, sub, "enroll", domain = list(stype = lev))
    if (length(unique(sub$variables$yes)) > 1) prop_rec(dn, sub, "yes", domain = list(stype = lev))
  }
  b <- svyby(~api00, ~stype, des, svymean, covmat = TRUE)
  add(list(design = dn, lonely = "fail", statistic = "domain_vcov", variable = "api00", by = "stype",
           levels = as.character(b$stype), estimate = num(coef(b)), vcov = num(vcov(b))))
}
# Two by-variables at once (domains crossed)
des <- designs$dclus1()
b <- svyby(~api00, ~stype + awards, des, svymean)
add(list(design = "dclus1", lonely = "fail", statistic = "by2", variable = "api00",
         stype = as.character(b$stype), awards = as.character(b$awards), estimate = num(coef(b)), se = num(SE(b))))

# Lonely PSU policies
for (pol in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu = pol)
  for (dn in c("lonely", "lonely_nofpc")) {
    des <- designs[[dn]]()
    mean_rec(dn, des, "api00", lonely = pol); total_rec(dn, des, "enroll", lonely = pol)
    for (lev in c("No", "Yes")) {
      sub <- subset(des, awards == lev)
      mean_rec(dn, sub, "api00", lonely = pol, domain = list(awards = lev))
    }
  }
}
options(survey.lonely.psu = "fail")
fail <- tryCatch({ svymean(~api00, designs$lonely()); FALSE }, error = function(e) TRUE)
add(list(design = "lonely", lonely = "fail", statistic = "fails", value = fail))

# Post-stratified cluster design (variance through the calibration hook)
options(survey.lonely.psu = "fail")
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
dps <- postStratify(designs$dclus1(), ~stype, pop.types)
mean_rec("dclus1_ps", dps, "api00"); total_rec("dclus1_ps", dps, "enroll")
for (lev in c("E", "H", "M")) total_rec("dclus1_ps", subset(dps, stype == lev), "enroll", domain = list(stype = lev))
m <- svytotal(~factor(stype), dps)
add(list(design = "dclus1_ps", lonely = "fail", statistic = "levels_total", variable = "stype",
         estimate = num(coef(m)), se = num(SE(m))))

# Quantiles with Woodruff intervals (qrule "math", interval.type "mean")
for (dn in c("dstrat", "dclus1", "dclus2")) {
  des <- designs[[dn]]()
  q <- svyquantile(~api00, des, c(0.25, 0.5, 0.9), ci = TRUE)
  ci <- confint(q)
  add(list(design = dn, lonely = "fail", statistic = "quantile", variable = "api00", probs = c(0.25, 0.5, 0.9),
           domain = NULL, estimate = num(coef(q)), se = num(SE(q)), ci_low = num(ci[, 1]), ci_high = num(ci[, 2])))
  for (lev in c("E", "M")) {
    q <- svyquantile(~api00, subset(des, stype == lev), 0.5, ci = TRUE)
    ci <- confint(q)
    add(list(design = dn, lonely = "fail", statistic = "quantile", variable = "api00", probs = 0.5,
             domain = list(stype = lev), estimate = num(coef(q)), se = num(SE(q)),
             ci_low = num(ci[, 1]), ci_high = num(ci[, 2])))
  }
}

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", pretty = FALSE), "fixtures.json")
cat("wrote", length(out), "records\n")
