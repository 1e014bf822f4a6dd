# Regenerate the Fay-Herriot fixtures for tests/sampling/test_small_area.py (R 4, metafor 3.8-1).
#   cd tests/sampling/r_small_area && Rscript make_fixtures.R
# Writes the input data (agencies.csv, bcg.csv, flat.csv) and fixtures.json:
#  * sigma2_u, beta and their SEs/z/p, the REML log-likelihood and the EBLUPs from
#    metafor::rma(yi, vi, mods, method = "REML") and blup() (R iterates: Fisher scoring to threshold 1e-12);
#  * blup()'s se^2, which is g1 + g2 of the Prasad-Rao MSE (an independent check of those two terms);
#  * the MSE by the Prasad-Rao formula in the REML form of Datta & Lahiri (2000), written out below as
#    sae::mseFH computes it (Rao & Molina 2015, eq. 6.2.19): mse = g1 + g2 + 2 g3.
suppressMessages({library(metafor); library(jsonlite)})
num <- function(x) unname(as.numeric(x))

# Datta-Lahiri MSE for REML at the fitted sigma2_u (also when it is truncated at 0, as sae::mseFH does).
mse_dl <- function(A, vardir, X) {
  Vi <- 1 / (A + vardir)
  B <- vardir / (A + vardir)              # 1 - gamma
  Q <- solve(t(X * Vi) %*% X)             # (X'V^-1 X)^-1
  VarA <- 2 / sum(Vi^2)                   # asymptotic variance of the REML estimate
  g1 <- vardir * (1 - B)
  g2 <- B^2 * rowSums((X %*% Q) * X)
  g3 <- B^2 * VarA / (A + vardir)
  list(g1 = g1, g2 = g2, g3 = g3, mse = g1 + g2 + 2 * g3)
}

fit <- function(case, d, mods, aux) {
  ctl <- list(threshold = 1e-12, maxiter = 1000)
  r <- if (is.null(mods)) rma(yi, vi, data = d, method = "REML", control = ctl)
       else rma(yi, vi, mods = mods, data = d, method = "REML", control = ctl)
  b <- blup(r)
  m <- mse_dl(r$tau2, d$vi, r$X)
  list(case = case, aux = aux, terms = rownames(r$beta), areas = as.character(d$area),
       sigma2_u = r$tau2, beta = num(r$beta), beta_se = num(r$se), beta_z = num(r$zval),
       beta_p = num(r$pval), reml_loglik = num(logLik(r)), eblup = num(b$pred), blup_se = num(b$se),
       g1 = m$g1, g2 = m$g2, g3 = m$g3, mse = m$mse, sigma2_u_se = sqrt(2 / sum(1 / (r$tau2 + d$vi)^2)))
}

# --- agencies: an index (0-100) per agency with level, last wave's index and counter-rating share ----------
set.seed(20261206)
m <- 40
level <- sample(c("commune", "district", "province"), m, replace = TRUE, prob = c(.6, .3, .1))
last_index <- round(runif(m, 55, 90), 1)
counter_share <- round(runif(m, 0, 0.6), 3)
n <- ifelse(level == "commune", sample(8:40, m, TRUE), sample(40:200, m, TRUE))
theta <- 10 + 0.85 * last_index + ifelse(level == "district", -3, ifelse(level == "province", 2, 0)) +
  6 * counter_share + rnorm(m, 0, 4)
p <- pmin(pmax(theta / 100, 0.02), 0.98)
vi <- round(1e4 * p * (1 - p) / n * 1.4, 4)          # design variance with a design effect of 1.4
yi <- round(theta + rnorm(m, 0, sqrt(vi)), 3)
agencies <- data.frame(area = sprintf("A%02d", 1:m), yi = yi, vi = vi, level = level,
                       last_index = last_index, counter_share = counter_share)
write.csv(agencies, "agencies.csv", row.names = FALSE)

# --- bcg: metafor's BCG vaccine trials (log risk ratios) with latitude and year -------------------------
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg <- data.frame(area = paste0("trial", bcg$trial), yi = num(bcg$yi), vi = num(bcg$vi),
                  ablat = bcg$ablat, year = bcg$year)
write.csv(bcg, "bcg.csv", row.names = FALSE)

# --- flat: no area effect beyond the auxiliary, so REML ends at the boundary sigma2_u = 0 ----------------
set.seed(7)
k <- 15
x <- round(runif(k, 0, 10), 2)
vf <- round(runif(k, 2, 6), 3)
flat <- data.frame(area = sprintf("F%02d", 1:k), yi = round(3 + 0.5 * x + rnorm(k, 0, sqrt(vf) * 0.5), 4),
                   vi = vf, x = x)
write.csv(flat, "flat.csv", row.names = FALSE)

out <- list(
  fit("agencies", agencies, ~ level + last_index + counter_share, c("level", "last_index", "counter_share")),
  fit("agencies_intercept", agencies, NULL, character(0)),
  fit("bcg", bcg, ~ ablat + year, c("ablat", "year")),
  fit("flat", flat, ~ x, c("x"))
)
stopifnot(out[[4]]$sigma2_u == 0)   # the boundary case must stay a boundary case
writeLines(toJSON(list(r_version = R.version.string, metafor = as.character(packageVersion("metafor")),
                       records = out), digits = NA, auto_unbox = TRUE, pretty = TRUE), "fixtures.json")
