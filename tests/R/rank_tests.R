# Reference values for tests/test_change.py (rank tests): R's wilcox.test with its defaults
# (exact without ties/zeros and n < 50, else normal approximation with continuity and tie correction).
# Run from the repository root: Rscript tests/R/rank_tests.R
options(digits = 15)
show <- function(label, w) cat(label, format(w$p.value, digits = 15), w$method, "\n", sep = " | ")
X <- c(3.2, 3.8, 4.1, 3.5, 3.9, 4.4, 3.0, 3.6)            # DOMAIN.md Welch x (follow-up)
Y <- c(3.9, 4.2, 4.6, 4.0, 4.4, 3.8, 4.7, 4.1, 4.5)       # DOMAIN.md Welch y (baseline)
show("welch_xy", wilcox.test(X, Y))
show("paired_xy8", wilcox.test(X, Y[1:8], paired = TRUE))
show("sleep", wilcox.test(sleep$extra[11:20], sleep$extra[1:10], paired = TRUE))
A <- c(1.1, 2.3, 3.7, 4.2, 5.9, 6.4)
B <- c(0.5, 1.9, 2.8, 3.1, 4.8, 5.2, 7.7)
show("exact_ab", wilcox.test(A, B))
P1 <- c(4.1, 3.3, 5.0, 2.9, 3.8, 4.6, 3.1, 4.4, 2.2)
P0 <- c(3.0, 3.5, 3.2, 2.0, 3.9, 3.3, 2.45, 3.7, 2.3)
show("exact_paired", wilcox.test(P1, P0, paired = TRUE))
L1 <- sqrt(1:55) * 3.1
L0 <- sqrt(1:52) * 3.0 + 0.05
show("large_noties", wilcox.test(L1, L0))
Q1 <- sin(1:50) * 2 + (1:50) / 30
Q0 <- cos(1:50)
show("large_paired", wilcox.test(Q1, Q0, paired = TRUE))
