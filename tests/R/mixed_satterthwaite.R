# Reference values for tests/test_mixed.py: lme4 REML fit and lmerTest Satterthwaite df.
# Run from the repository root: Rscript tests/R/mixed_satterthwaite.R
# (R 4.2, lme4, lmerTest; Debian packages r-cran-lme4 r-cran-lmertest)
suppressPackageStartupMessages({library(lme4); library(lmerTest)})
options(digits = 12)
d <- read.csv("tests/data/mixed_kommune.csv")
d$kommune <- factor(d$kommune)
d$wave <- factor(d$wave, levels = c("baseline", "followup"))

show <- function(fit) {
  print(summary(fit)$coefficients, digits = 12)        # Estimate, SE, df, t, p (Satterthwaite)
  cat("REML logLik:", format(as.numeric(logLik(fit)), digits = 15), "\n")
  print(as.data.frame(VarCorr(fit))[, c("grp", "vcov")], digits = 12)
}

# (1) kommune random intercept + rater group within kommune; a kommune-level predictor
m1 <- lmer(score ~ structure_between + structure_within + wave + (1 | kommune) + (1 | kommune:group),
           data = d, REML = TRUE, control = lmerControl(optimizer = "bobyqa"))
cat("== model 1\n"); show(m1)

# (2) kommune random intercept only
m2 <- lmer(score ~ structure_between + structure_within + wave + (1 | kommune), data = d, REML = TRUE)
cat("== model 2\n"); show(m2)

# (3) correlated random intercept and wave slope per kommune (statsmodels re_formula = "1 + followup")
d$followup <- as.numeric(d$wave == "followup")
m3 <- lmer(score ~ structure_between + structure_within + followup + (1 + followup | kommune), data = d,
           REML = TRUE, control = lmerControl(optimizer = "bobyqa"))
cat("== model 3\n"); show(m3)
