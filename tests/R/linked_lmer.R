# Reference values for tests/test_linked_model.py: the wave comparison of relkap.linked.compare_linked against
# lme4 (REML) and lmerTest (Satterthwaite df; Kenward-Roger SE and df through pbkrtest) on a small three-wave
# example with respondents linked by id.
# Run from the repository root:  Rscript tests/R/linked_lmer.R      (R with lme4, lmerTest and pbkrtest)
# Reads tests/data/linked_three_waves.csv (cell, wave, respondent_id, score; written by the test's generator)
# and writes tests/data/linked_lmer.csv: per cell and comparison the model's wave means, the change, its SE,
# df and p (Satterthwaite, and _kr: Kenward-Roger), and the variance components, with 15 significant digits.
suppressPackageStartupMessages({library(lme4); library(lmerTest); library(pbkrtest)})
d <- read.csv("tests/data/linked_three_waves.csv")
out <- list()
for (cell in sort(unique(d$cell))) {
  part <- d[d$cell == cell, ]
  for (ref in c("baseline", "midtvejs")) {
    part$wave <- relevel(factor(part$wave, levels = c("baseline", "midtvejs", "followup")), ref = ref)
    fit <- lmer(score ~ wave + (1 | respondent_id), data = part, REML = TRUE)
    co <- summary(fit)$coefficients            # Estimate, Std. Error, df, t value, Pr(>|t|): Satterthwaite
    kr <- summary(fit, ddf = "Kenward-Roger")$coefficients
    vc <- as.data.frame(VarCorr(fit))
    means <- lmer(score ~ 0 + wave + (1 | respondent_id), data = part, REML = TRUE)
    mu <- fixef(means)
    out[[length(out) + 1]] <- data.frame(
      cell = cell, baseline = ref, followup = "followup",
      mean_baseline = unname(mu[paste0("wave", ref)]), mean_followup = unname(mu["wavefollowup"]),
      diff = co["wavefollowup", "Estimate"], se = co["wavefollowup", "Std. Error"],
      df = co["wavefollowup", "df"], p = co["wavefollowup", "Pr(>|t|)"],
      se_kr = kr["wavefollowup", "Std. Error"], df_kr = kr["wavefollowup", "df"], p_kr = kr["wavefollowup", "Pr(>|t|)"],
      var_respondent = vc$vcov[vc$grp == "respondent_id"], var_residual = vc$vcov[vc$grp == "Residual"],
      singular = isSingular(fit))
  }
}
res <- do.call(rbind, out)
num <- vapply(res, is.numeric, logical(1))
res[num] <- lapply(res[num], function(x) sprintf("%.15g", x))
write.csv(res, "tests/data/linked_lmer.csv", row.names = FALSE, quote = FALSE)
print(res)
