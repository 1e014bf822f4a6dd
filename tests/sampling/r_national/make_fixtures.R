# Regenerate fixtures.json (reference values from R's survey package) for tests/sampling/test_r_national.py.
#   cd tests/sampling/r_national && Rscript make_fixtures.R
# The national roll-up: one stratified cluster sample per province, stacked into one design whose strata
# are province x the province's own strata and whose PSUs are nested in them (PSU and stratum labels are
# reused across provinces on purpose, so nest = TRUE matters). Each province has its own weights (its own
# population size). SIPAS-like indices (mean of criterion top-box shares, "don't know" out of each
# criterion's denominator): national (whole design) and per province (svyby over province, covmat = TRUE),
# index and SE by svycontrast on the joint totals, df the smallest degf() among the criteria's valid rows in
# the domain (sipas's rule for an index), logit interval by hand. Also the SE of the difference of two
# provinces' indices from svyby's covariance, which must be sqrt(SE_a^2 + SE_b^2) (disjoint strata).
suppressMessages({library(survey); library(jsonlite)})
options(survey.lonely.psu = "fail")
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
set.seed(20261206)

provinces <- list(P01 = list(strata = 2, scale = 900), P02 = list(strata = 3, scale = 300),
                  P03 = list(strata = 1, scale = 2500), P04 = list(strata = 2, scale = 60))
rows <- list()
for (pc in names(provinces)) {
  pr <- provinces[[pc]]
  shift <- c(P01 = 0.4, P02 = 0, P03 = -0.3, P04 = 0.8)[[pc]]
  for (h in seq_len(pr$strata)) {
    n_psu <- sample(3:5, 1)
    for (i in seq_len(n_psu)) {
      m <- sample(4:8, 1)
      effect <- rnorm(1, 0, 0.6)
      w <- pr$scale * runif(1, 0.5, 1.5)
      for (k in seq_len(m)) {
        latent <- 3.2 + shift + effect + rnorm(4, 0, 1)
        a <- pmin(5, pmax(1, round(latent)))
        a[runif(4) < 0.08] <- 9
        a[runif(4) < 0.05] <- NA
        rows[[length(rows) + 1]] <- data.frame(province = pc, stratum = as.character(h), psu = as.character(i),
                                               w = w * runif(1, 0.9, 1.1), q1 = a[1], q2 = a[2], q3 = a[3],
                                               q4 = a[4], stringsAsFactors = FALSE)
      }
    }
  }
}
d <- do.call(rbind, rows)
for (j in 1:4) {
  a <- d[[paste0("q", j)]]
  v <- !is.na(a) & a %in% 1:5
  d[[paste0("v", j)]] <- as.numeric(v)
  d[[paste0("t", j)]] <- as.numeric(v & a %in% 4:5)
}
d$prov_stratum <- paste(d$province, d$stratum, sep = ":")
des <- svydesign(ids = ~psu, strata = ~prov_stratum, weights = ~w, nest = TRUE, data = d)

groups <- list(E1 = 1:2, E2 = 3:4, SIPAS = 1:4)
totals <- as.formula(paste("~", paste(c(paste0("t", 1:4), paste0("v", 1:4)), collapse = "+")))
num <- function(x) unname(as.numeric(x))
ratio_expr <- function(js, prefix = "") {
  parse(text = sprintf("(%s) / %d", paste(sprintf("`%st%d`/`%sv%d`", prefix, js, prefix, js), collapse = " + "),
                       length(js)))[[1]]
}
out <- list(); add <- function(rec) out[[length(out) + 1]] <<- rec
record <- function(domain, sub, idx, js, g) {
  p <- num(coef(idx)); se <- num(SE(idx))
  df <- min(sapply(js, function(j) degf(subset(sub, sub$variables[[paste0("v", j)]] == 1))))
  q <- qt(0.975, df)
  half <- q * se / (p * (1 - p))
  add(list(group = g, domain = domain, estimate = p, se = se, df = df,
           logit_low = plogis(qlogis(p) - half), logit_high = plogis(qlogis(p) + half)))
}
# National: the whole stacked design (svytotal + svycontrast, i.e. the index of svymean's shares).
tot <- svytotal(totals, des)
for (g in names(groups)) record(list(national = "national"), des, svycontrast(tot, ratio_expr(groups[[g]])),
                                groups[[g]], g)
# Provinces: svyby over province on the same design, with the covariance of the domains.
by <- svyby(totals, ~province, des, svytotal, covmat = TRUE)
for (pc in names(provinces)) {
  sub <- subset(des, province == pc)
  for (g in names(groups)) {
    idx <- svycontrast(by, ratio_expr(groups[[g]], paste0(pc, ":")))
    # The same as the index of the subset (domain estimation in the full design).
    stopifnot(isTRUE(all.equal(num(SE(idx)), num(SE(svycontrast(svytotal(totals, sub), ratio_expr(groups[[g]])))),
                               tolerance = 1e-12)))
    record(list(province = pc), sub, idx, groups[[g]], g)
  }
}
diffs <- list()
for (pair in list(c("P01", "P02"), c("P03", "P04"))) {
  e <- substitute(A - B, list(A = ratio_expr(1:4, paste0(pair[1], ":")), B = ratio_expr(1:4, paste0(pair[2], ":"))))
  dc <- svycontrast(by, e)
  diffs[[length(diffs) + 1]] <- list(a = pair[1], b = pair[2], estimate = num(coef(dc)), se = num(SE(dc)))
}
data <- list(province = d$province, stratum = d$stratum, psu = d$psu, w = d$w,
             q1 = d$q1, q2 = d$q2, q3 = d$q3, q4 = d$q4)
writeLines(toJSON(list(r = R.version.string, survey = as.character(packageVersion("survey")),
                       data = data, indices = out, differences = diffs),
                  auto_unbox = TRUE, digits = NA, null = "null", na = "null"), "fixtures.json")
cat(length(out), "index records,", nrow(d), "rows\n")
