# Reference values for tests/test_change_r.py: DOMAIN.md's Welch example and p-value adjustments.
# Run from the repository root:  Rscript tests/R/change_reference.R   (base R only)
# Writes tests/data/change_reference.csv (name, value) with 15 significant digits.
options(digits = 15)
out <- list()
put <- function(name, value) out[[name]] <<- value
x <- c(3.2, 3.8, 4.1, 3.5, 3.9, 4.4, 3.0, 3.6)            # follow-up
y <- c(3.9, 4.2, 4.6, 4.0, 4.4, 3.8, 4.7, 4.1, 4.5)       # baseline
w <- t.test(x, y)                                        # Welch (var.equal = FALSE is R's default)
put("welch_t", unname(w$statistic)); put("welch_df", unname(w$parameter)); put("welch_p", w$p.value)
put("welch_ci_low", w$conf.int[1]); put("welch_ci_high", w$conf.int[2])
# Hedges' g: Cohen's d with the pooled SD, times J = 1 - 3 / (4 (n1 + n2) - 9)
n1 <- length(x); n2 <- length(y)
sp <- sqrt(((n1 - 1) * var(x) + (n2 - 1) * var(y)) / (n1 + n2 - 2))
put("hedges_g", (mean(x) - mean(y)) / sp * (1 - 3 / (4 * (n1 + n2) - 9)))
p <- c(.01, .02, .03, .04, .20)
bh <- p.adjust(p, "BH"); ho <- p.adjust(p, "holm")
for (i in seq_along(p)) { put(paste0("bh_", i), bh[i]); put(paste0("holm_", i), ho[i]) }
res <- data.frame(name = names(out), value = sprintf("%.15g", unlist(out)))
write.csv(res, "tests/data/change_reference.csv", row.names = FALSE, quote = FALSE)
print(res)
