# Regenerate fixtures.json (reference values from R's survey package) for tests/sampling/test_r_indices.py.
#   cd tests/sampling/r_indices && Rscript make_fixtures.R
# SIPAS-like indices (mean of criterion shares, "don't know" out of each criterion's denominator) on R's
# api data (../r_core/data): the index and its SE from svycontrast (delta method on the joint totals), the
# logit interval by hand, expit(logit p ± q·SE/(p(1 − p))), with q = qt(0.975, df), df the smallest
# degf() among the criteria's valid rows in the domain (sipas's rule for an index).
suppressMessages({library(survey); library(jsonlite)})
options(survey.lonely.psu = "fail")
rd <- function(f) read.csv(file.path("..", "r_core", "data", f), stringsAsFactors = FALSE)
apipop <- rd("apipop.csv")

# Four criteria on the 1-5 scale derived from the data; 9 = "don't know", NA = no answer.
criteria <- function(d) {
  q1 <- 1 + findInterval(d$api00, c(500, 600, 650, 700)); q1[d$snum %% 7 == 0] <- 9
  q2 <- 1 + findInterval(d$api99, c(350, 400, 450, 480))
  q3 <- 5 - findInterval(d$meals, c(20, 40, 60, 80)); q3[d$snum %% 11 == 0] <- NA
  q4 <- 1 + findInterval(d$enroll, c(150, 250, 300, 350)); q4[d$snum %% 9 == 0] <- 9; q4[d$snum %% 13 == 0] <- NA
  d$q1 <- q1; d$q2 <- q2; d$q3 <- q3; d$q4 <- q4
  for (j in 1:4) {
    a <- d[[paste0("q", j)]]
    v <- !is.na(a) & a %in% 1:5
    d[[paste0("v", j)]] <- as.numeric(v)
    d[[paste0("t", j)]] <- as.numeric(v & a %in% 4:5)
  }
  d
}
apistrat <- criteria(rd("apistrat.csv")); apiclus1 <- criteria(rd("apiclus1.csv"))
apiclus2 <- criteria(rd("apiclus2.csv"))
# Population count of districts (the PSUs) per school type, the first-stage fpc of the stratified
# cluster design below.
npsu <- tapply(apipop$dnum, apipop$stype, function(x) length(unique(x)))
apistrat$npsu <- as.numeric(npsu[apistrat$stype])

pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
designs <- list(
  stratclus = function() svydesign(id = ~dnum, strata = ~stype, weights = ~pw, fpc = ~npsu, nest = TRUE,
                                   data = apistrat),
  dclus2 = function() svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2),
  dclus1_ps = function() postStratify(svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1),
                                      ~stype, pop.types)
)
data_of <- list(stratclus = "apistrat", dclus2 = "apiclus2", dclus1_ps = "apiclus1")
groups <- list(E1 = 1:2, E2 = 3:4, SIPAS = 1:4)
totals <- as.formula(paste("~", paste(c(paste0("t", 1:4), paste0("v", 1:4)), collapse = "+")))

out <- list(); add <- function(rec) out[[length(out) + 1]] <<- rec
num <- function(x) unname(as.numeric(x))
for (dn in names(designs)) {
  des <- designs[[dn]]()
  levels <- c(list(NULL), lapply(sort(unique(des$variables$stype)), function(l) list(stype = l)))
  for (dom in levels) {
    sub <- if (is.null(dom)) des else subset(des, stype == dom$stype)
    tot <- svytotal(totals, sub)
    for (g in names(groups)) {
      js <- groups[[g]]
      expr <- parse(text = sprintf("(%s) / %d", paste(sprintf("t%d/v%d", js, js), collapse = " + "),
                                   length(js)))[[1]]
      idx <- svycontrast(tot, expr)
      p <- num(coef(idx)); se <- num(SE(idx))
      df <- min(sapply(js, function(j) degf(subset(sub, sub$variables[[paste0("v", j)]] == 1))))
      q <- qt(0.975, df)
      half <- q * se / (p * (1 - p))
      # The same delta method written as R's "xlogit": svycontrast of the logit of the index expression.
      lg <- svycontrast(tot, substitute(log(E / (1 - E)), list(E = expr)))
      stopifnot(isTRUE(all.equal(num(SE(lg)), se / (p * (1 - p)), tolerance = 1e-12)))
      add(list(design = dn, data = data_of[[dn]], group = g, criteria = paste0("q", js), domain = dom,
               estimate = p, se = se, df = df,
               logit_low = plogis(qlogis(p) - half), logit_high = plogis(qlogis(p) + half),
               wald_low = p - q * se, wald_high = p + q * se))
    }
  }
}
answers <- lapply(list(apistrat = apistrat, apiclus1 = apiclus1, apiclus2 = apiclus2),
                  function(d) list(q1 = d$q1, q2 = d$q2, q3 = d$q3, q4 = d$q4, npsu = d$npsu))
writeLines(toJSON(list(r = R.version.string, survey = as.character(packageVersion("survey")),
                       answers = answers, indices = out),
                  auto_unbox = TRUE, digits = NA, null = "null", na = "null"), "fixtures.json")
cat(length(out), "index records\n")
