# Regenerate fixtures.json (reference values from R's survey package) for tests/sampling/test_r_index_rules.py.
#   cd tests/sampling/r_index_rules && Rscript make_fixtures.R
# The index rules other than the top-box share (sampling/index_rules.py) on R's api data (../r_core/data),
# with the criteria of ../r_indices (q1..q4 on 1-5, 9 = "don't know", NA = no answer):
#   mean_score    — value (q - 1)/4, criterion = svyratio, group = mean of its criteria x 100;
#   score_sum     — score 0 (q <= 2), 1 (q = 3), 2 (q >= 4), group = sum of its criteria's mean scores;
#   weighted_mean — value min(q, 4) on 1-4, element = mean of its criteria x 25, overall =
#                   (0.4 E1 + 0.6 E2) x 25.
# Criteria: svyratio(~y_j, ~v_j) (y_j = value on valid answers, else 0; v_j = valid). Groups: svycontrast of
# the joint svytotal of all y_j and v_j (delta method). df = smallest degf() among the criteria's valid rows
# in the domain (sipas's rule). The logit interval on the rule's range [lo, hi] by hand:
#   lo + (hi - lo) * plogis(qlogis(u) +- q * SE / ((hi - lo) * u * (1 - u))),  u = (est - lo)/(hi - lo).
suppressMessages({library(survey); library(jsonlite)})
options(survey.lonely.psu = "fail")
rd <- function(f) read.csv(file.path("..", "r_core", "data", f), stringsAsFactors = FALSE)
apipop <- rd("apipop.csv")

criteria <- function(d) {
  q1 <- 1 + findInterval(d$api00, c(500, 600, 650, 700)); q1[d$snum %% 7 == 0] <- 9
  q2 <- 1 + findInterval(d$api99, c(350, 400, 450, 480))
  q3 <- 5 - findInterval(d$meals, c(20, 40, 60, 80)); q3[d$snum %% 11 == 0] <- NA
  q4 <- 1 + findInterval(d$enroll, c(150, 250, 300, 350)); q4[d$snum %% 9 == 0] <- 9; q4[d$snum %% 13 == 0] <- NA
  d$q1 <- q1; d$q2 <- q2; d$q3 <- q3; d$q4 <- q4
  for (j in 1:4) {
    a <- d[[paste0("q", j)]]
    v <- !is.na(a) & a %in% 1:5
    a0 <- ifelse(v, a, 1)
    d[[paste0("v", j)]] <- as.numeric(v)
    d[[paste0("m", j)]] <- ifelse(v, (a0 - 1) / 4, 0)                            # mean_score, 0-1
    d[[paste0("s", j)]] <- ifelse(v, ifelse(a0 <= 2, 0, ifelse(a0 == 3, 1, 2)), 0)  # score_sum, 0-2
    d[[paste0("w", j)]] <- ifelse(v, pmin(a0, 4), 0)                             # weighted_mean, 1-4
  }
  d
}
apistrat <- criteria(rd("apistrat.csv")); apiclus1 <- criteria(rd("apiclus1.csv"))
apiclus2 <- criteria(rd("apiclus2.csv"))
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

# rule -> value prefix, criterion factor and range, groups as (criterion -> coefficient on the criterion's
# reported value) and the group's range.
rules <- list(
  mean_score = list(prefix = "m", factor = 100, crange = c(0, 100),
                    groups = list(E1 = c(q1 = 1/2, q2 = 1/2), E2 = c(q3 = 1/2, q4 = 1/2),
                                  OVERALL = c(q1 = 1/4, q2 = 1/4, q3 = 1/4, q4 = 1/4))),
  score_sum = list(prefix = "s", factor = 1, crange = c(0, 2),
                   groups = list(E1 = c(q1 = 1, q2 = 1), E2 = c(q3 = 1, q4 = 1),
                                 OVERALL = c(q1 = 1, q2 = 1, q3 = 1, q4 = 1))),
  weighted_mean = list(prefix = "w", factor = 1, crange = c(1, 4),
                       groups = list(E1 = c(q1 = 25/2, q2 = 25/2), E2 = c(q3 = 25/2, q4 = 25/2),
                                     OVERALL = c(q1 = 0.4 * 25/2, q2 = 0.4 * 25/2,
                                                 q3 = 0.6 * 25/2, q4 = 0.6 * 25/2)))
)

# At a bound (u = 0 or 1) or with SE 0 the logit is undefined: sipas gives [est, est] (sampling/intervals.py).
bounded <- function(est, se, q, lo, hi) {
  u <- (est - lo) / (hi - lo); s <- se / (hi - lo)
  if (u <= 0 || u >= 1 || s == 0) return(c(est, est))
  half <- q * s / (u * (1 - u))
  c(lo + (hi - lo) * plogis(qlogis(u) - half), lo + (hi - lo) * plogis(qlogis(u) + half))
}

out <- list(); add <- function(rec) out[[length(out) + 1]] <<- rec
num <- function(x) unname(as.numeric(x))
for (rn in names(rules)) {
  rule <- rules[[rn]]
  ys <- paste0(rule$prefix, 1:4)
  totals <- as.formula(paste("~", paste(c(ys, paste0("v", 1:4)), collapse = "+")))
  for (dn in names(designs)) {
    des <- designs[[dn]]()
    levels <- c(list(NULL), lapply(sort(unique(des$variables$stype)), function(l) list(stype = l)))
    for (dom in levels) {
      sub <- if (is.null(dom)) des else subset(des, stype == dom$stype)
      dfs <- sapply(1:4, function(j) degf(subset(sub, sub$variables[[paste0("v", j)]] == 1)))
      for (j in 1:4) {
        r <- svyratio(as.formula(paste0("~", ys[j])), as.formula(paste0("~v", j)), sub)
        est <- rule$factor * num(coef(r)); se <- rule$factor * num(SE(r))
        q <- qt(0.975, dfs[j])
        lg <- bounded(est, se, q, rule$crange[1], rule$crange[2])
        add(list(rule = rn, design = dn, level = "criterion", name = paste0("q", j), domain = dom,
                 estimate = est, se = se, df = dfs[j], logit_low = lg[1], logit_high = lg[2],
                 wald_low = est - q * se, wald_high = est + q * se))
      }
      tot <- svytotal(totals, sub)
      for (g in names(rule$groups)) {
        coef_g <- rule$groups[[g]]
        js <- as.integer(sub("q", "", names(coef_g)))
        expr <- parse(text = paste(sprintf("%.17g * %s / v%d", coef_g * rule$factor, ys[js], js),
                                   collapse = " + "))[[1]]
        idx <- svycontrast(tot, expr)
        est <- num(coef(idx)); se <- num(SE(idx))
        lo <- sum(coef_g) * rule$crange[1]; hi <- sum(coef_g) * rule$crange[2]
        df <- min(dfs[js]); q <- qt(0.975, df)
        lg <- bounded(est, se, q, lo, hi)
        add(list(rule = rn, design = dn, level = "group", name = g, domain = dom, estimate = est, se = se,
                 df = df, low = lo, high = hi, logit_low = lg[1], logit_high = lg[2],
                 wald_low = est - q * se, wald_high = est + q * se))
      }
    }
  }
}
# For complete answers the total score is the mean of the respondents' totals (svymean of the row sum).
full <- subset(designs$stratclus(), v1 == 1 & v2 == 1 & v3 == 1 & v4 == 1)
check <- svymean(~I(s1 + s2 + s3 + s4), full)
tot <- svytotal(~s1 + s2 + s3 + s4 + v1 + v2 + v3 + v4, full)
sum_of_means <- svycontrast(tot, quote(s1/v1 + s2/v2 + s3/v3 + s4/v4))
stopifnot(isTRUE(all.equal(num(coef(check)), num(coef(sum_of_means)), tolerance = 1e-12)),
          isTRUE(all.equal(num(SE(check)), num(SE(sum_of_means)), tolerance = 1e-10)))
writeLines(toJSON(list(r = R.version.string, survey = as.character(packageVersion("survey")), records = out),
                  auto_unbox = TRUE, digits = NA, null = "null", na = "null"), "fixtures.json")
cat(length(out), "records\n")
