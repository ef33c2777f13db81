# Reference values for tests/test_research_waves.py: RQ4's event study (midway against baseline) and linear trend,
# computed from tests/data/event_study_scores.csv (written by tests/R/event_study_export.py) without relkap.
# Run from the repository root: Rscript tests/R/event_study.R   (R 4.2, lme4, lmerTest, clubSandwich)
# Writes tests/data/event_study_reference.csv (row, statistic, value).
suppressPackageStartupMessages({library(lme4); library(lmerTest); library(clubSandwich)})
d <- read.csv("tests/data/event_study_scores.csv", stringsAsFactors = FALSE)
d <- d[d$group != d$target, ]  # cross-group ties only
d$targeted <- as.logical(d$targeted)
waves <- c("baseline", "midtvejs", "followup")
out <- data.frame(row = character(), statistic = character(), value = numeric())
put <- function(row, ...) {
  v <- list(...)
  for (k in names(v)) out[nrow(out) + 1, ] <<- list(row, k, as.numeric(v[[k]]))
}
# exact two-sided permutation p over all assignments of the arms to the kommuner (each keeps its value)
perm_p <- function(v, treated) {
  est <- mean(v[treated]) - mean(v[!treated])
  combos <- combn(length(v), sum(treated))
  s <- apply(combos, 2, function(i) mean(v[i]) - mean(v[-i]))
  mean(abs(s) >= abs(est) - 1e-12 * max(1, abs(est)))
}
arms <- function(v, treated, row, ...) {
  w <- t.test(v[treated], v[!treated])  # Welch
  put(row, estimate = mean(v[treated]) - mean(v[!treated]), ci_low = w$conf.int[1], ci_high = w$conf.int[2],
      p_perm = perm_p(v, treated), ...)
}
slope <- function(y) {  # least-squares slope on the wave position 0, 1, 2 over the waves present
  x <- seq_along(y) - 1; ok <- !is.na(y)
  if (sum(ok) < 2) return(NA)
  unname(coef(lm(y[ok] ~ x[ok]))[2])
}

# ---- all ties: one value per respondent (mean over the other groups), kommune means per wave
resp <- aggregate(score ~ kommune + arm + wave + respondent_id + group, data = d, FUN = mean)
km <- tapply(resp$score, list(resp$kommune, resp$wave), mean)[, waves]
kommuner <- rownames(km)
treated <- tapply(resp$arm, resp$kommune, function(a) a[1])[kommuner] == "intervention"
J <- length(kommuner)

# event study, midway against baseline: kommune changes, and the mixed model's post x treat interaction
sub <- resp[resp$wave %in% c("baseline", "midtvejs"), ]
sub$post <- as.numeric(sub$wave == "midtvejs")
sub$treat <- as.numeric(sub$arm == "intervention")
sub$group <- factor(sub$group)
m <- lmer(score ~ post * treat + group + (1 | kommune) + (1 | kommune:wave) + (1 | kommune:respondent_id),
          data = sub, REML = TRUE, control = lmerControl(optimizer = "bobyqa"))
ct <- summary(m)$coefficients["post:treat", ]
df_b <- min(ct[["df"]], J - 2)  # a kommune-level contrast: df at most the between-kommune df J - 2
t_b <- ct[["Estimate"]] / ct[["Std. Error"]]
arms(km[, "midtvejs"] - km[, "baseline"], treated, "event_all_midtvejs",
     estimate_model = ct[["Estimate"]], se_model = ct[["Std. Error"]], df_satterthwaite = ct[["df"]],
     df_model = df_b, p_model = 2 * pt(-abs(t_b), df_b),
     ci_low_model = ct[["Estimate"]] - qt(0.975, df_b) * ct[["Std. Error"]],
     ci_high_model = ct[["Estimate"]] + qt(0.975, df_b) * ct[["Std. Error"]])

# linear trend: each kommune's slope over the three waves; the model: OLS of the kommune-wave means on kommune
# fixed effects, the position and position x intervention, CR2 with Satterthwaite df (clubSandwich)
kw <- data.frame(kommune = rep(kommuner, length(waves)), pos = rep(seq_along(waves) - 1, each = J),
                 y = as.vector(km), treat = rep(as.numeric(treated), length(waves)))
fit <- lm(y ~ 0 + factor(kommune) + pos + pos:treat, data = kw)
cr2 <- coef_test(fit, vcov = "CR2", cluster = kw$kommune, test = "Satterthwaite", coefs = "pos:treat")
arms(apply(km, 1, slope), treated, "trend_all", estimate_model = cr2$beta, se_model = cr2$SE,
     df_model = cr2$df_Satt, p_model = cr2$p_Satt)

# ---- targeted ties against the same pairs in the control kommuners, adjusted for the baseline value
ties <- aggregate(score ~ kommune + group + target + wave + targeted, data = d, FUN = mean)
tm <- reshape(ties, idvar = c("kommune", "group", "target", "targeted"), timevar = "wave", direction = "wide")
tm$pair <- paste(tm$group, tm$target, sep = "|")
tm$arm <- ifelse(treated[as.character(tm$kommune)], "intervention", "control")
contrast <- function(tm, change, row) {
  tm$change <- change
  tm <- tm[!is.na(tm$change) & !is.na(tm$score.baseline), ]
  hit <- tm$targeted & tm$pair %in% tm$pair[tm$arm == "control"]
  fit <- lm(change ~ 0 + factor(kommune) + factor(pair) + score.baseline, data = tm[!hit, ])
  r <- tm$change - predict(fit, newdata = tm)
  w <- table(tm$pair[hit])  # pair -> intervention kommuner that targeted it
  tm$w <- ifelse(tm$pair %in% names(w), as.numeric(w[tm$pair]), 0)
  value <- sapply(kommuner, function(k) {
    i <- as.character(tm$kommune) == k
    if (treated[[k]]) mean(r[i & hit]) else sum(tm$w[i] * r[i]) / sum(tm$w[i])
  })
  arms(value, treated, row, slope = unname(coef(fit)["score.baseline"]))
}
contrast(tm, tm$score.midtvejs - tm$score.baseline, "event_targeted_midtvejs")
contrast(tm, apply(tm[, paste0("score.", waves)], 1, slope), "trend_targeted")

write.csv(out, "tests/data/event_study_reference.csv", row.names = FALSE)
print(out, digits = 12)
