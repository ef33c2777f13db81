# Reference values for tests/test_power.py: pwr (1.3-0) and the same power equation solved to 1e-12.
# Run from the repository root: Rscript tests/R/power_pwr.R
suppressPackageStartupMessages(library(pwr))
options(digits = 12)
# pwr's own two-sided power (its p.body), solved tightly: pwr's uniroot tolerance is only ~1e-4
pow2n <- function(d, n1, n2, a = 0.05) {
  nu <- n1 + n2 - 2; q <- qt(a / 2, nu, lower = FALSE); ncp <- d / sqrt(1 / n1 + 1 / n2)
  pt(q, nu, ncp, lower = FALSE) + pt(-q, nu, ncp, lower = TRUE)
}
powp <- function(d, n, a = 0.05) {
  nu <- n - 1; q <- qt(a / 2, nu, lower = FALSE); ncp <- d * sqrt(n)
  pt(q, nu, ncp, lower = FALSE) + pt(-q, nu, ncp, lower = TRUE)
}
tight <- function(f) uniroot(f, c(1e-6, 20), tol = 1e-13)$root
cat("== minimum detectable d, two-sample (n1, n2, power): pwr.t2n.test d; tight d\n")
for (x in list(c(40, 35, .8), c(10, 10, .8), c(8, 12, .9), c(120, 95, .8))) {
  cat(x, pwr.t2n.test(n1 = x[1], n2 = x[2], power = x[3])$d,
      tight(function(d) pow2n(d, x[1], x[2]) - x[3]), "\n")
}
cat("== minimum detectable d_z, paired (n, power): pwr.t.test d; tight d\n")
for (x in list(c(30, .8), c(6, .8), c(15, .9))) {
  cat(x, pwr.t.test(n = x[1], power = x[2], type = "paired")$d,
      tight(function(d) powp(d, x[1]) - x[2]), "\n")
}
cat("== sample size (d, power, type): pwr.t.test n\n")
cat(0.3 / 0.7, .8, "two.sample", pwr.t.test(d = 0.3 / 0.7, power = .8, type = "two.sample")$n, "\n")
cat(0.5, .9, "paired", pwr.t.test(d = 0.5, power = .9, type = "paired")$n, "\n")
cat("== power (d, n1, n2): pwr.t2n.test power\n")
cat(0.3 / 0.7, 40, 40, pwr.t2n.test(n1 = 40, n2 = 40, d = 0.3 / 0.7)$power, "\n")
