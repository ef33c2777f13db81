# Reference values for tests/test_mixed.py::test_structures_rk_matches_lmertest: the respondent-level H1 model
# of relkap.research.structures_rk (nesting "vc") fitted with lme4 and tested with lmerTest (Satterthwaite).
# Data: tests/data/h1_structures_rk.csv, written by relkap.research.h1.between_within from
# relkap.research.example_tables(8, seed=2, respondents=12) (relkap.synth; the test checks the file).
# Run from the repository root: Rscript tests/R/h1_structures_lmer.R   (R 4.2, lme4, lmerTest)
suppressPackageStartupMessages({library(lme4); library(lmerTest)})
options(digits = 12)
d <- read.csv("tests/data/h1_structures_rk.csv")
d$kommune <- factor(d$kommune)
d$wave <- factor(d$wave, levels = c("baseline", "followup"))
# respondent intercept: 53 of the 243 respondents answered in both waves (ids link them)
m <- lmer(rk ~ structure_between + structure_within + wave + (1 | kommune) + (1 | kommune:group)
          + (1 | respondent_id), data = d, REML = TRUE, control = lmerControl(optimizer = "bobyqa"))
print(summary(m)$coefficients, digits = 12)   # Estimate, SE, df, t, p (Satterthwaite)
cat("REML logLik:", format(as.numeric(logLik(m)), digits = 15), "\n")
print(as.data.frame(VarCorr(m))[, c("grp", "vcov")], digits = 12)
