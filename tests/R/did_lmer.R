# Reference values for tests/test_change.py (did): lme4 REML fit and lmerTest Satterthwaite df of the
# treat x post interaction with kommune, kommune x wave and respondent random intercepts.
# Run from the repository root: Rscript tests/R/did_lmer.R   (R 4.2, lme4, lmerTest)
suppressPackageStartupMessages({library(lme4); library(lmerTest)})
options(digits = 12)
d <- read.csv("tests/data/did_respondents.csv")
d$post <- as.numeric(d$wave == "followup")
d$treat <- as.numeric(d$arm == "intervention")
d$group <- factor(d$group)  # reference level "myndighed" (alphabetical), as relkap's dummies
m <- lmer(score ~ post * treat + group + (1 | kommune) + (1 | kommune:wave) + (1 | respondent_id),
          data = d, REML = TRUE, control = lmerControl(optimizer = "bobyqa"))
print(summary(m)$coefficients, digits = 12)
cat("REML logLik:", format(as.numeric(logLik(m)), digits = 15), "\n")
print(as.data.frame(VarCorr(m))[, c("grp", "vcov")], digits = 12)
