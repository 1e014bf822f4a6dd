# Regenerate fixtures.json (reference values from R's survey package, svyglm) for
# tests/sampling/test_r_glm.py:   cd tests/sampling/r_glm && Rscript make_fixtures.R
# Data: the copies of R's api datasets in ../r_core/data (read as character columns, as the CLI reads CSV).
suppressMessages({library(survey); library(jsonlite)})
rd <- function(f) read.csv(file.path("..", "r_core", "data", f), stringsAsFactors = FALSE)
apistrat <- rd("apistrat.csv"); apiclus1 <- rd("apiclus1.csv"); apiclus2 <- rd("apiclus2.csv")
for (nm in c("apistrat", "apiclus1", "apiclus2")) {
  d <- get(nm); d$yes <- as.numeric(d$sch.wide == "Yes"); d$comp <- as.numeric(d$comp.imp == "Yes")
  d$meals10 <- d$meals / 10; assign(nm, d)
}
lon <- apistrat; lon$st2 <- lon$stype; lon$st2[1] <- "X"; lon$fpc2 <- ifelse(lon$st2 == "X", 50, lon$fpc)
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))

designs <- list(
  dstrat = function() svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat),
  dclus1 = function() svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1),
  dclus2 = function() svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2),
  dstratclus = function() svydesign(id = ~dnum, strata = ~stype, weights = ~pw, data = apistrat, nest = TRUE),
  lonely = function() svydesign(id = ~1, strata = ~st2, weights = ~pw, fpc = ~fpc2, data = lon),
  dclus1_ps = function() postStratify(designs$dclus1(), ~stype, pop.types),
  dclus1_rake = function() rake(designs$dclus1(), list(~stype, ~sch.wide), list(pop.types, pop.schwide)),
  dclus1_greg = function() calibrate(designs$dclus1(), ~stype + api99,
                                     c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069)),
  dclus1_jk1 = function() as.svrepdesign(designs$dclus1(), type = "JK1"),
  dstrat_jkn = function() as.svrepdesign(designs$dstrat(), type = "JKn")
)
fam <- list(gaussian = gaussian(), quasibinomial = quasibinomial(), quasipoisson = quasipoisson())

out <- list()
case <- function(design, formula, family = "gaussian", lonely = "fail", domain = NULL, tests = list(),
                 newdata = NULL) {
  options(survey.lonely.psu = lonely)
  des <- designs[[design]]()
  if (!is.null(domain)) des <- des[des$variables[[names(domain)]] == domain[[1]], ]
  m <- eval(bquote(svyglm(.(as.formula(formula)), design = des, family = .(fam[[family]]))))
  ci <- confint(m)
  rec <- list(design = design, formula = formula, family = family, lonely = lonely, domain = domain,
              terms = names(coef(m)), estimate = unname(coef(m)), se = unname(SE(m)),
              vcov = as.vector(vcov(m)), df_residual = m$df.residual, iterations = m$iter,
              t = unname(summary(m)$coefficients[, 3]), p = unname(summary(m)$coefficients[, 4]),
              ci_low = unname(ci[, 1]), ci_high = unname(ci[, 2]))
  rec$tests <- lapply(tests, function(tt) {
    r <- regTermTest(m, as.formula(paste("~", tt)))
    list(term = tt, F = as.numeric(r$Ftest), df = r$df, ddf = r$ddf, p = as.numeric(r$p))
  })
  if (!is.null(newdata)) {
    for (type in c("link", "response")) {
      p <- predict(m, newdata = newdata, type = type)
      # SE() of a replicate-design prediction returns only the first SE (survey 4.1.1 SE.svrepstat takes
      # diag() of a one-column matrix), so the SEs come from the "var" attribute directly.
      v <- attr(p, "var"); se <- if (is.matrix(v)) sqrt(diag(v)) else sqrt(v)
      rec[[paste0("predict_", type)]] <- list(estimate = unname(as.numeric(coef(p))), se = unname(as.numeric(se)))
    }
    rec$newdata <- newdata
  }
  out[[length(out) + 1]] <<- rec
}
nd <- data.frame(ell = c(0, 20, 60), meals = c(10, 50, 90), stype = c("E", "H", "M"), stringsAsFactors = FALSE)

for (dn in c("dstrat", "dclus1", "dclus2", "dstratclus")) {
  case(dn, "api00 ~ ell + meals + stype", tests = list("stype", "ell + meals"), newdata = nd)
  case(dn, "yes ~ ell + meals + stype", "quasibinomial", tests = list("stype"), newdata = nd)
  case(dn, "enroll ~ ell + meals + stype", "quasipoisson", tests = list("stype"), newdata = nd)
}
case("dclus1", "api00 ~ ell * stype", tests = list("ell:stype"))
case("dclus1", "comp ~ ell + meals10 + stype + ell:meals10", "quasibinomial", tests = list("ell:meals10"))
case("dstrat", "api00 ~ ell + meals - 1")
case("dstrat", "api00 ~ stype * sch.wide + ell", tests = list("stype:sch.wide", "stype"))
case("dstrat", "api00 ~ stype + ell - 1")
case("dclus2", "enroll ~ ell + meals", "quasipoisson", domain = list(stype = "E"))
case("dstrat", "api00 ~ acs.k3 + meals")  # missing values (NA for high schools) dropped as na.omit
for (lv in c("E", "M")) {
  case("dclus1", "api00 ~ ell + meals", domain = list(stype = lv))
  case("dstrat", "yes ~ ell + meals", "quasibinomial", domain = list(stype = lv))
}
for (pol in c("adjust", "average", "remove", "certainty")) case("lonely", "api00 ~ ell + meals + stype", lonely = pol)
for (dn in c("dclus1_ps", "dclus1_rake", "dclus1_greg")) {
  case(dn, "api00 ~ ell + meals + stype", tests = list("stype"), newdata = nd)
  case(dn, "yes ~ ell + meals", "quasibinomial")
}
case("dclus1_ps", "api00 ~ ell + meals", domain = list(stype = "E"))
for (dn in c("dclus1_jk1", "dstrat_jkn")) {
  case(dn, "api00 ~ ell + meals + stype", tests = list("stype"), newdata = nd)
  case(dn, "yes ~ ell + meals", "quasibinomial")
  case(dn, "enroll ~ ell + meals", "quasipoisson")
}
case("dclus1_jk1", "api00 ~ ell + meals", domain = list(stype = "E"))

writeLines(toJSON(list(survey = as.character(packageVersion("survey")), R = R.version.string, cases = out),
                  auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), "fixtures.json")
cat(length(out), "cases\n")
