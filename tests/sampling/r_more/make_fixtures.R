# Regenerate fixtures.json (reference values from R's survey package) for tests/sampling/test_r_more.py.
#   cd tests/sampling/r_more && Rscript make_fixtures.R
# The last differences from R (issue #13, item 5), on R's api data (../r_core/data):
#  * lonely_average_ps: options(survey.lonely.psu = "average") with a post-stratified design and domains that
#    have no rows in the lonely stratum (R keeps every row of a calibrated design in a domain);
#  * beta_df, beta_calibrated_subset: svyciprop(method = "beta") with df= (R ignores it) and on a subset of a
#    calibrated design (R's Korn-Graubard n is nrow(design), the whole design), each with the by-hand value
#    of what sipas computes instead (documented differences, docs/statistics.md);
#  * quantile_hf7: svyquantile(qrule = "hf7") with Woodruff intervals, whole designs and domains;
#  * likelihood: svyciprop(method = "likelihood") on five designs, in domains, with other levels and df.
suppressMessages({library(survey); library(jsonlite)})
rd <- function(f) read.csv(file.path("..", "r_core", "data", f), stringsAsFactors = FALSE)
apiclus1 <- rd("apiclus1.csv"); apistrat <- rd("apistrat.csv"); apiclus2 <- rd("apiclus2.csv")
for (nm in c("apistrat", "apiclus1", "apiclus2")) {
  d <- get(nm); d$yes <- as.numeric(d$sch.wide == "Yes"); assign(nm, d)
}
out <- list(); add <- function(rec) out[[length(out) + 1]] <<- rec
num <- function(x) unname(as.numeric(x))
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))

# --- lonely PSU "average" with post-stratification -------------------------------------------------
# lstr: three strata of districts, "L" holding district 406 alone (two schools, both with awards "Yes"),
# so the domain awards == "No" has no rows in the lonely stratum.
apiclus1$lstr <- ifelse(apiclus1$dnum == 406, "L",
                        ifelse(apiclus1$dnum %in% c(61, 135, 178, 197, 255, 413, 437), "A", "B"))
options(survey.lonely.psu = "average")
base <- svydesign(id = ~dnum, strata = ~lstr, weights = ~pw, data = apiclus1)
ps <- postStratify(base, ~stype, pop.types)
for (dn in c("lonely_average", "lonely_average_ps")) {
  des <- if (dn == "lonely_average") base else ps
  for (by in c("awards", "stype")) {
    m <- svyby(~api00, as.formula(paste0("~", by)), des, svymean)
    t <- svyby(~enroll, as.formula(paste0("~", by)), des, svytotal)
    add(list(case = dn, statistic = "mean", variable = "api00", by = by, levels = as.character(m[[by]]),
             estimate = num(coef(m)), se = num(SE(m))))
    add(list(case = dn, statistic = "total", variable = "enroll", by = by, levels = as.character(t[[by]]),
             estimate = num(coef(t)), se = num(SE(t))))
  }
  m <- svymean(~api00, des)
  add(list(case = dn, statistic = "mean", variable = "api00", by = NULL, estimate = num(coef(m)), se = num(SE(m))))
}
options(survey.lonely.psu = "fail")

# --- Korn-Graubard ---------------------------------------------------------------------------------------
kg <- function(p, v, n, df, level = 0.95) {  # the formula of svyciprop(method = "beta") with n and df given
  alpha <- 1 - level
  n.eff <- p * (1 - p) / v * (qt(alpha / 2, n - 1) / qt(alpha / 2, df))^2
  c(qbeta(alpha / 2, n.eff * p, n.eff * (1 - p) + 1), qbeta(1 - alpha / 2, n.eff * p + 1, n.eff * (1 - p)))
}
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
for (df in c(5, 30)) {
  r <- svyciprop(~yes, dclus1, method = "beta", df = df)
  v <- num(attr(r, "var"))
  add(list(case = "beta_df", design = "dclus1", variable = "yes", df = df, estimate = num(r), se = sqrt(v),
           r_low = num(attr(r, "ci")[1]), r_high = num(attr(r, "ci")[2]), r_df = degf(dclus1),
           n = nrow(dclus1), sipas = num(kg(num(r), v, nrow(dclus1), df))))
}
dps <- postStratify(dclus1, ~stype, pop.types)
for (lev in c("E", "H", "M")) {
  sub <- subset(dps, stype == lev)
  r <- svyciprop(~yes, sub, method = "beta")
  v <- num(attr(r, "var")); n_dom <- sum(weights(sub) > 0)
  add(list(case = "beta_calibrated_subset", design = "dclus1_ps", variable = "yes", domain = list(stype = lev),
           estimate = num(r), se = sqrt(v), df = degf(sub), r_n = nrow(sub), n = n_dom,
           r_low = num(attr(r, "ci")[1]), r_high = num(attr(r, "ci")[2]),
           sipas = num(kg(num(r), v, n_dom, degf(sub)))))
}

# --- quantiles with qrule = "hf7" (Woodruff intervals, interval.type = "mean") ----------------------------
qdesigns <- list(
  dstrat = function() svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat),
  dclus1 = function() svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1),
  dclus2 = function() svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
)
probs <- c(0.1, 0.25, 0.5, 0.9)
qrec <- function(dn, des, var, domain = NULL) {
  q <- svyquantile(as.formula(paste0("~", var)), des, probs, qrule = "hf7", ci = TRUE)[[1]]
  add(list(case = "quantile_hf7", design = dn, variable = var, domain = domain, probs = probs,
           estimate = num(q[, 1]), ci_low = num(q[, 2]), ci_high = num(q[, 3]), se = num(q[, 4]),
           df = degf(des)))
}
for (dn in names(qdesigns)) {
  des <- qdesigns[[dn]]()
  for (v in c("api00", "meals")) qrec(dn, des, v)
  if (dn == "dclus1") for (lev in c("E", "H", "M")) qrec(dn, subset(des, stype == lev), "api00", list(stype = lev))
}

# --- svyciprop(method = "likelihood") -------------------------------------------------------------------
apistrat$comp <- as.numeric(apistrat$comp.imp == "Yes"); apiclus1$comp <- as.numeric(apiclus1$comp.imp == "Yes")
apiclus2$comp <- as.numeric(apiclus2$comp.imp == "Yes")
ldesigns <- list(
  dstrat = function() svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat),
  dclus1 = function() svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1),
  dclus2 = function() svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2),
  dstratclus = function() svydesign(id = ~dnum, strata = ~stype, weights = ~pw, data = apistrat, nest = TRUE),
  dclus1_ps = function() postStratify(svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1),
                                      ~stype, pop.types)
)
lrec <- function(dn, des, var, domain = NULL, level = 0.95, df = degf(des)) {
  r <- svyciprop(as.formula(paste0("~", var)), des, method = "likelihood", level = level, df = df)
  add(list(case = "likelihood", design = dn, variable = var, domain = domain, level = level,
           df = if (is.finite(df)) df else "inf", estimate = num(r), se = sqrt(num(attr(r, "var"))),
           ci_low = num(attr(r, "ci")[1]), ci_high = num(attr(r, "ci")[2]), n = nrow(des)))
}
for (dn in names(ldesigns)) {
  des <- ldesigns[[dn]]()
  for (v in c("yes", "comp")) lrec(dn, des, v)
  for (lev in c("E", "H", "M")) {
    sub <- subset(des, stype == lev)
    # R's n for a domain of a calibrated design is every row of the design (documented difference).
    if (length(unique(sub$variables$yes[weights(sub) > 0])) > 1) lrec(dn, sub, "yes", list(stype = lev))
  }
}
lrec("dclus1", ldesigns$dclus1(), "yes", level = 0.9)
lrec("dclus1", ldesigns$dclus1(), "yes", df = Inf)
lrec("dstrat", ldesigns$dstrat(), "comp", df = 5)

writeLines(toJSON(list(r = R.version.string, survey = as.character(packageVersion("survey")), records = out),
                  auto_unbox = TRUE, digits = NA, null = "null", na = "null"), "fixtures.json")
cat(length(out), "records\n")
