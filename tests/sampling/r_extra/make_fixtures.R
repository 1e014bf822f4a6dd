# Regenerate fixtures.json (reference values from R's survey package) for tests/sampling/test_r_extra.py.
#   cd tests/sampling/r_extra && Rscript make_fixtures.R
# The remaining features of issue #13 item 5, on R's api data (../r_core/data):
#  * quantile_interval: svyquantile(interval.type = "score" | "beta"), qrule "math" and "hf7", on three
#    designs and in domains (subset of an uncalibrated design: the domain's rows);
#  * rep_ratio, rep_mean_na, rep_total_na, rep_ratio_na: svyratio, and svymean/svytotal/svyratio with
#    na.rm = TRUE, on replicate-weight designs (as.svrepdesign JK1 and JKn; a bootstrap whose replicate
#    weights are exported with the fixture), whole and in domains (subset);
#  * rep_quantile: svyquantile on the same replicate designs, interval.type "mean" (Woodruff) and
#    "quantile" (replicate quantiles), qrule "math" and "hf7", whole and in domains;
#  * nonlinear: svycontrast of expressions (log(a/b), a/b - 1, exp(a - b), sqrt(a * b), a^2 / b) on the
#    means and totals of a design and of domains (svyby(..., covmat = TRUE)), by the delta method.
suppressMessages({library(survey); library(jsonlite)})
rd <- function(f) read.csv(file.path("..", "r_core", "data", f), stringsAsFactors = FALSE)
apiclus1 <- rd("apiclus1.csv"); apistrat <- rd("apistrat.csv"); apiclus2 <- rd("apiclus2.csv")
out <- list(); add <- function(rec) out[[length(out) + 1]] <<- rec
num <- function(x) unname(as.numeric(x))

designs <- list(
  dstrat = function() svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat),
  dclus1 = function() svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1),
  dclus2 = function() svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
)
probs <- c(0.1, 0.25, 0.5, 0.9)

# --- quantile intervals "score" and "beta" ------------------------------------------------------------
qrec <- function(dn, des, var, type, rule, domain = NULL) {
  for (p in probs) {
    q <- tryCatch(svyquantile(as.formula(paste0("~", var)), des, p, qrule = rule, ci = TRUE,
                              interval.type = type)[[1]], error = function(e) NULL)
    if (is.null(q)) next
    add(list(case = "quantile_interval", design = dn, variable = var, domain = domain, interval = type,
             qrule = rule, p = p, estimate = num(q[1, 1]), ci_low = num(q[1, 2]), ci_high = num(q[1, 3]),
             se = num(q[1, 4]), df = degf(des)))
  }
}
for (dn in names(designs)) {
  des <- designs[[dn]]()
  for (type in c("score", "beta")) for (rule in c("math", "hf7")) {
    for (v in c("api00", "meals")) qrec(dn, des, v, type, rule)
    if (dn == "dclus1") for (lev in c("E", "H", "M"))
      qrec(dn, subset(des, stype == lev), "api00", type, rule, list(stype = lev))
  }
}

# --- replicate-weight designs --------------------------------------------------------------------------
apiclus1$api00_na <- ifelse(apiclus1$snum %% 7 == 0, NA, apiclus1$api00)
apistrat$api00_na <- ifelse(apistrat$snum %% 7 == 0, NA, apistrat$api00)
set.seed(20261206)
rdesigns <- list(
  dclus1_jk1 = as.svrepdesign(svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1), type = "JK1"),
  dstrat_jkn = as.svrepdesign(svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat),
                              type = "JKn"),
  dclus1_boot = as.svrepdesign(svydesign(id = ~dnum, weights = ~pw, data = apiclus1), type = "bootstrap",
                               replicates = 40)
)
boot <- rdesigns$dclus1_boot
# The replication factors (bootstrap multiplicities, integers): sipas multiplies them by the weights as R
# does, so the analysis weights agree to the last bit (exported weights would lose digits in JSON).
factors <- unname(as.matrix(weights(boot, "analysis")) / weights(boot, "sampling"))
stopifnot(all(abs(factors - round(factors)) < 1e-9))
add(list(case = "bootstrap_weights", design = "dclus1_boot", scale = boot$scale, rscales = num(boot$rscales),
         factors = round(factors)))
for (dn in names(rdesigns)) {
  des <- rdesigns[[dn]]
  doms <- c(list(NULL), lapply(c("E", "H", "M"), function(l) list(stype = l)))
  for (dom in doms) {
    sub <- if (is.null(dom)) des else subset(des, stype == dom$stype)
    r <- svyratio(~api00, ~api99, sub)
    add(list(case = "rep_ratio", design = dn, domain = dom, estimate = num(coef(r)), se = num(SE(r)),
             df = degf(sub)))
    m <- svymean(~api00_na, sub, na.rm = TRUE)
    add(list(case = "rep_mean_na", design = dn, domain = dom, estimate = num(coef(m)), se = num(SE(m))))
    t <- svytotal(~api00_na, sub, na.rm = TRUE)
    add(list(case = "rep_total_na", design = dn, domain = dom, estimate = num(coef(t)), se = num(SE(t))))
    r <- svyratio(~api00_na, ~api99, sub, na.rm = TRUE)
    add(list(case = "rep_ratio_na", design = dn, domain = dom, estimate = num(coef(r)), se = num(SE(r))))
    for (type in c("mean", "quantile")) for (rule in c("math", "hf7")) {
      q <- svyquantile(~api00, sub, probs, qrule = rule, ci = TRUE, interval.type = type)[[1]]
      add(list(case = "rep_quantile", design = dn, domain = dom, interval = type, qrule = rule, probs = probs,
               estimate = num(q[, 1]), ci_low = num(q[, 2]), ci_high = num(q[, 3]), se = num(q[, 4]),
               df = degf(sub)))
    }
    q <- svyquantile(~api00_na, sub, c(0.25, 0.5), ci = TRUE, na.rm = TRUE)[[1]]
    add(list(case = "rep_quantile_na", design = dn, domain = dom, probs = c(0.25, 0.5),
             estimate = num(q[, 1]), ci_low = num(q[, 2]), ci_high = num(q[, 3]), se = num(q[, 4])))
  }
}

# --- non-linear contrasts by the delta method ------------------------------------------------------------
exprs <- list("log(api00/api99)", "api00/api99 - 1", "exp((api00 - api99)/100)", "sqrt(api00 * api99)",
              "api00^2/api99", "-log(api99) + 2 * log(api00) / 2")
for (dn in names(designs)) {
  des <- designs[[dn]]()
  for (stat in c("mean", "total")) {
    est <- if (stat == "mean") svymean(~api00 + api99, des) else svytotal(~api00 + api99, des)
    for (e in exprs) {
      if (stat == "total" && startsWith(e, "exp")) next  # exp of a difference of totals overflows: Inf
      r <- svycontrast(est, parse(text = e)[[1]])
      add(list(case = "nonlinear", design = dn, statistic = stat, expression = e,
               estimate = num(coef(r)), se = num(SE(r))))
    }
  }
}
des <- designs$dclus1()
by <- svyby(~api00 + api99, ~stype, des, svymean, covmat = TRUE)
for (lev in c("E", "H", "M")) {
  e <- sprintf("log(`%s:api00`/`%s:api99`)", lev, lev)
  r <- svycontrast(by, parse(text = e)[[1]])
  add(list(case = "nonlinear_domain", design = "dclus1", statistic = "mean", domain = list(stype = lev),
           expression = "log(api00/api99)", estimate = num(coef(r)), se = num(SE(r))))
}
r <- svycontrast(by, quote(log(`E:api00` / `H:api00`)))
add(list(case = "nonlinear_across", design = "dclus1", statistic = "mean", expression = "log(E/H)",
         estimate = num(coef(r)), se = num(SE(r))))

writeLines(toJSON(list(r = R.version.string, survey = as.character(packageVersion("survey")), records = out),
                  auto_unbox = TRUE, digits = NA, null = "null", na = "null"), "fixtures.json")
cat(length(out), "records\n")
