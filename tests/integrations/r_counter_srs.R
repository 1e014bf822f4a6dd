# Fixture for survey_engine/integrations/counter_stats.py: counter ratings treated as a simple random sample
# of ratings (ids = ~1, equal weights, no finite population correction). Run from the repository root:
#   Rscript tests/integrations/r_counter_srs.R > tests/integrations/r_counter_srs.json
suppressPackageStartupMessages(library(survey))
cases <- list(
  list(name = "mixed", yes = 7, no = 3),
  list(name = "large", yes = 412, no = 57),
  list(name = "small", yes = 2, no = 1)
)
scores <- list(
  list(name = "d61", y = c(18, 17, 16, 18, 12, 9, 18, 15, 14, 18, 11)),
  list(name = "two", y = c(10, 14))
)
out <- list(shares = list(), means = list())
for (case in cases) {
  y <- c(rep(1, case$yes), rep(0, case$no))
  d <- svydesign(ids = ~1, weights = ~w, data = data.frame(y = y, w = 1))
  m <- svymean(~y, d)
  ci <- svyciprop(~y, d, method = "logit", level = 0.95)
  out$shares[[case$name]] <- list(
    yes = case$yes, no = case$no, estimate = unname(coef(m)), se = unname(SE(m))[1],
    low = unname(attr(ci, "ci")[1]), high = unname(attr(ci, "ci")[2])
  )
}
for (case in scores) {
  d <- svydesign(ids = ~1, weights = ~w, data = data.frame(y = case$y, w = 1))
  m <- svymean(~y, d)
  ci <- confint(m, df = degf(d))
  out$means[[case$name]] <- list(
    y = case$y, estimate = unname(coef(m)), se = unname(SE(m))[1], low = ci[1, 1], high = ci[1, 2]
  )
}
cat(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "\n")
