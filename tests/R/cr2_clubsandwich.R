# Reference values for tests/test_robust.py: OLS with CR2 cluster-robust SEs and Satterthwaite df, as
# clubSandwich::coef_test(..., vcov = "CR2", test = "Satterthwaite") and conf_int(...) compute them.
# Data sets (written to tests/data/ by this script, so Python reads exactly what R used):
#   mortality: clubSandwich's MortalityRates (Carpenter & Dobkin), cause "Motor Vehicle", clustered by state,
#              without and with state fixed effects (the vignette's model);
#   chick:     datasets::ChickWeight, weight ~ Time + Diet, clustered by Chick;
#   demo:      tests/data/demo_units.csv, the kommune x wave unit table of the demo (relkap synth --kommuner 10
#              --seed 1; relkap.research.unit_table), clustered by kommune: H3's slope leadership ~ structure
#              + wave, H1's rk ~ structure + wave and RQ2's samskabelse ~ rk + wave.
# Run from the repository root: Rscript tests/R/cr2_clubsandwich.R   (R 4.2, clubSandwich)
suppressPackageStartupMessages(library(clubSandwich))
options(digits = 15)
out <- list()
ref <- function(name, fit, cluster) {
  ct <- coef_test(fit, vcov = "CR2", cluster = cluster, test = "Satterthwaite")
  ci <- conf_int(fit, vcov = "CR2", cluster = cluster, test = "Satterthwaite", level = 0.95)
  data.frame(model = name, term = ct$Coef, estimate = ct$beta, se = ct$SE, t = ct$tstat, df = ct$df_Satt,
             p_val = ct$p_Satt, ci_low = ci$CI_L, ci_high = ci$CI_U)
}
data(MortalityRates)
mv <- subset(MortalityRates, cause == "Motor Vehicle")[, c("state", "year", "legal", "beertaxa", "mrate")]
write.csv(mv, "tests/data/mortality_mv.csv", row.names = FALSE)
out$m1 <- ref("mortality", lm(mrate ~ legal + beertaxa + factor(year), data = mv), mv$state)
out$m2 <- ref("mortality_fe", lm(mrate ~ 0 + legal + beertaxa + factor(state) + factor(year), data = mv), mv$state)
ck <- as.data.frame(ChickWeight)
ck$Chick <- as.character(ck$Chick)
ck$Diet <- as.integer(as.character(ck$Diet))
write.csv(ck, "tests/data/chickweight.csv", row.names = FALSE)
out$c1 <- ref("chick", lm(weight ~ Time + factor(Diet), data = ck), ck$Chick)
d <- read.csv("tests/data/demo_units.csv")
d$wave <- factor(d$wave, levels = c("baseline", "followup"))
out$d1 <- ref("demo_h3", lm(leadership ~ structure + wave, data = d), d$kommune)
out$d2 <- ref("demo_h1", lm(rk ~ structure + wave, data = d), d$kommune)
out$d3 <- ref("demo_rq2", lm(samskabelse ~ rk + wave, data = d), d$kommune)
res <- do.call(rbind, out)
write.csv(res, "tests/data/cr2_clubsandwich.csv", row.names = FALSE)
print(res[!grepl("factor", res$term), ], digits = 8)
