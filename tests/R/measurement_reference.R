# Reference values for tests/test_measurement_r.py (confirmatory factor analysis and invariance).
# Run from the repository root:  Rscript tests/R/measurement_reference.R
# Needs R with lavaan 0.6 and semTools (Debian: r-cran-lavaan r-cran-semtools).
# Writes tests/data/holzinger_swineford_1939.csv (public example data of lavaan) and
# tests/data/measurement_reference.csv (model, kind, name, value) with 15 significant digits.
# The demo part reads tests/data/measurement_demo.csv (written by tests/R/export_measurement_demo.py).
suppressPackageStartupMessages({library(lavaan); library(semTools)})
options(digits = 15)
rows <- list()
put <- function(model, kind, name, value) {
  rows[[length(rows) + 1]] <<- data.frame(model = model, kind = kind, name = name,
                                          value = format(value, digits = 15))
}
FIT <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr",
         "baseline.chisq", "baseline.df")
ROBUST <- c("chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor", "cfi.robust",
            "tli.robust", "rmsea.robust", "srmr")
put_fit <- function(model, fit, measures = FIT) {
  fm <- fitMeasures(fit, measures)
  for (n in names(fm)) put(model, "fit", n, fm[[n]])
}
put_est <- function(model, fit) {
  pe <- parameterEstimates(fit)
  std <- standardizedSolution(fit, type = "std.all")
  grp <- if ("group" %in% names(pe)) pe$group else rep(1, nrow(pe))
  for (i in seq_len(nrow(pe))) {
    if (pe$op[i] %in% c("==", ":=")) next
    key <- paste0(pe$lhs[i], pe$op[i], pe$rhs[i], "|g", grp[i])
    put(model, "est", key, pe$est[i]); put(model, "se", key, pe$se[i])
  }
  sgrp <- if ("group" %in% names(std)) std$group else rep(1, nrow(std))
  for (i in seq_len(nrow(std))) {
    if (std$op[i] %in% c("==", ":=")) next
    key <- paste0(std$lhs[i], std$op[i], std$rhs[i], "|g", sgrp[i])
    put(model, "std", key, std$est.std[i]); put(model, "std_se", key, std$se[i])
  }
}

# Holzinger & Swineford (1939): 301 pupils, two schools, nine ability tests
data(HolzingerSwineford1939)
hs <- HolzingerSwineford1939
write.csv(hs[, c("id", "sex", "ageyr", "agemo", "school", "grade", paste0("x", 1:9))],
          "tests/data/holzinger_swineford_1939.csv", row.names = FALSE)
hs_model <- "visual =~ x1 + x2 + x3
             textual =~ x4 + x5 + x6
             speed =~ x7 + x8 + x9"
fit <- cfa(hs_model, data = hs)
put_fit("hs", fit); put_est("hs", fit)
fit_std <- cfa(hs_model, data = hs, std.lv = TRUE)
put_est("hs_stdlv", fit_std)
fit_mlr <- cfa(hs_model, data = hs, estimator = "MLR")
put_fit("hs_mlr", fit_mlr, c(FIT, ROBUST)); put_est("hs_mlr", fit_mlr)
rel <- compRelSEM(fit)            # omega (Bentler / McDonald) per factor, semTools
for (n in names(rel)) put("hs", "omega", n, rel[[n]])

# Invariance across school: configural, metric (loadings), scalar (loadings + intercepts)
conf <- cfa(hs_model, data = hs, group = "school")
metr <- cfa(hs_model, data = hs, group = "school", group.equal = "loadings")
scal <- cfa(hs_model, data = hs, group = "school", group.equal = c("loadings", "intercepts"))
for (m in list(list("hs_configural", conf), list("hs_metric", metr), list("hs_scalar", scal))) {
  put_fit(m[[1]], m[[2]]); put_est(m[[1]], m[[2]])
}
lrt <- lavTestLRT(conf, metr, scal)
put("hs_lrt", "lrt", "chisq_diff_metric", lrt[["Chisq diff"]][2])
put("hs_lrt", "lrt", "df_diff_metric", lrt[["Df diff"]][2])
put("hs_lrt", "lrt", "p_metric", lrt[["Pr(>Chisq)"]][2])
put("hs_lrt", "lrt", "chisq_diff_scalar", lrt[["Chisq diff"]][3])
put("hs_lrt", "lrt", "df_diff_scalar", lrt[["Df diff"]][3])
put("hs_lrt", "lrt", "p_scalar", lrt[["Pr(>Chisq)"]][3])
# Partial scalar invariance: univariate score tests of the intercept equality constraints
st <- lavTestScore(scal, univariate = TRUE, cumulative = FALSE)$uni
pt <- parTable(scal)
for (i in seq_len(nrow(st))) {
  lab <- st$lhs[i]
  row <- pt[pt$plabel == lab, ]
  put("hs_scalar", "score", paste0(row$lhs, row$op, row$rhs, "|", lab), st$X2[i])
}
# Free the intercept with the largest score test (x3 in Holzinger & Swineford), refit
ord <- order(-st$X2)
rows_int <- sapply(st$lhs[ord], function(l) { r <- pt[pt$plabel == l, ]; r$op == "~1" })
best <- pt[pt$plabel == st$lhs[ord][rows_int][1], ]
put("hs_partial", "freed", "intercept", best$lhs)
part <- cfa(hs_model, data = hs, group = "school", group.equal = c("loadings", "intercepts"),
            group.partial = paste0(best$lhs, "~1"))
put_fit("hs_partial", part)

# Demo data: the pooled respondent tables of `relkap synth --kommuner 10 --seed 1`, written by
# tests/R/measurement_demo_export.py (RK dimension means per respondent; leadership and motivation items)
waves <- function(name, model, data) {
  conf <- cfa(model, data = data, group = "wave")
  metr <- cfa(model, data = data, group = "wave", group.equal = "loadings")
  scal <- cfa(model, data = data, group = "wave", group.equal = c("loadings", "intercepts"))
  put_fit(paste0(name, "_configural"), conf); put_est(paste0(name, "_configural"), conf)
  put_fit(paste0(name, "_metric"), metr); put_fit(paste0(name, "_scalar"), scal)
  st <- lavTestScore(scal, univariate = TRUE, cumulative = FALSE)$uni
  pt <- parTable(scal)
  for (i in seq_len(nrow(st))) {
    row <- pt[pt$plabel == st$lhs[i], ]
    put(paste0(name, "_scalar"), "score", paste0(row$lhs, row$op, row$rhs, "|", st$lhs[i]), st$X2[i])
  }
}
rk <- read.csv("tests/data/measurement_demo_rk.csv")
rk_model <- "rk =~ kendskab + respekt + bidrag + videndeling + problemloesning + innovation"
fit <- cfa(rk_model, data = rk)
put_fit("demo_rk", fit); put_est("demo_rk", fit)
waves("demo_rk", rk_model, rk)
lead <- read.csv("tests/data/measurement_demo_leadership.csv")
lead_model <- paste(sapply(c("vision", "deltagelse", "ramme", "involvering"), function(s)
  paste0(s, " =~ ", paste0(s, "_", 1:4, collapse = " + "))), collapse = "\n")
fit <- cfa(lead_model, data = lead)
put_fit("demo_leadership", fit); put_est("demo_leadership", fit)
mot <- read.csv("tests/data/measurement_demo_motivation.csv")
mot_model <- "motivation =~ motivation_1 + motivation_2 + motivation_3 + motivation_4"
fit <- cfa(mot_model, data = mot)
put_fit("demo_motivation", fit); put_est("demo_motivation", fit)
waves("demo_motivation", mot_model, mot)
cit <- read.csv("tests/data/measurement_demo_citizen.csv")
cit_model <- "samskabelse =~ samskabelse_1 + samskabelse_2 + samskabelse_3 + samskabelse_4
              tilfredshed =~ tilfredshed_1 + tilfredshed_2 + tilfredshed_3
              effekt =~ effekt_1 + effekt_2 + effekt_3"
fit <- cfa(cit_model, data = cit)
put_fit("demo_citizen", fit); put_est("demo_citizen", fit)
# RK across professional groups with at least 50 respondents (relkap's min_group_n), lavaan's group order
big <- names(which(table(rk$group) >= 50))
rkg <- rk[rk$group %in% big, ]
for (m in list(list("configural", c()), list("metric", "loadings"), list("scalar", c("loadings", "intercepts")))) {
  f <- if (length(m[[2]])) cfa(rk_model, data = rkg, group = "group", group.equal = m[[2]]) else
    cfa(rk_model, data = rkg, group = "group")
  put_fit(paste0("demo_rk_group_", m[[1]]), f)
  if (m[[1]] == "metric") put_est("demo_rk_group_metric", f)
}
part <- cfa(mot_model, data = mot, group = "wave", group.equal = c("loadings", "intercepts"),
            group.partial = "motivation_2~1")
put_fit("demo_motivation_partial", part)
out <- do.call(rbind, rows)
write.csv(out, "tests/data/measurement_reference.csv", row.names = FALSE)
cat("wrote", nrow(out), "reference values\n")
