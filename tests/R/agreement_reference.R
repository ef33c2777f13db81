# Reference values for tests/test_agreement_r.py (agreement statistics) and the DOMAIN.md examples.
# Run from the repository root:  Rscript tests/R/agreement_reference.R
# Needs R with the packages multilevel and psych (Debian: r-cran-multilevel r-cran-psych).
# Writes tests/data/bh1996.csv, tests/data/lq2002.csv (public example data of multilevel) and
# tests/data/agreement_reference.csv (name, value) with 15 significant digits.
suppressPackageStartupMessages({library(multilevel); library(psych)})
options(digits = 15)
out <- list()
put <- function(name, value) out[[name]] <<- value

# DOMAIN.md: one-way ANOVA, ICC(1), ICC(2)
d <- data.frame(unit = factor(rep(c("A", "B", "C"), c(4, 5, 3))),
                score = c(3, 4, 4, 5, 2, 2, 3, 3, 3, 1, 2, 2))
m <- aov(score ~ unit, data = d)
s <- summary(m)[[1]]
put("domain_MSB", s[["Mean Sq"]][1]); put("domain_MSW", s[["Mean Sq"]][2])
put("domain_F", s[["F value"]][1]); put("domain_p", s[["Pr(>F)"]][1])
put("domain_ICC1", ICC1(m)); put("domain_ICC2", ICC2(m))

# DOMAIN.md: r_wg and r_wg(j), 5 options (ranvar = (5^2 - 1) / 12 = 2)
r <- data.frame(i1 = c(4, 5, 4, 3), i2 = c(4, 4, 5, 4), i3 = c(5, 5, 4, 4))
put("domain_rwg_i1", rwg(r$i1, rep(1, 4), ranvar = 2)$rwg)
put("domain_rwgj", rwg.j(r, rep(1, 4), ranvar = 2)$rwg.j)

# bh1996 (Bliese & Halverson 1996; 7382 soldiers in 99 companies): well-being by company
data(bh1996)
write.csv(bh1996[, c("GRP", "WBEING", "LEAD", "HRS")], "tests/data/bh1996.csv", row.names = FALSE)
m <- aov(WBEING ~ as.factor(GRP), data = bh1996)
put("bh1996_ICC1", ICC1(m)); put("bh1996_ICC2", ICC2(m))
s <- summary(m)[[1]]
put("bh1996_F", s[["F value"]][1])

# lq2002 (Bliese, Halverson & Schriesheim 2002): leadership items by company, r_wg(j) per company
data(lq2002)
items <- paste0("LEAD", sprintf("%02d", 1:11))
write.csv(lq2002[, c("COMPID", items)], "tests/data/lq2002.csv", row.names = FALSE)
rj <- rwg.j(lq2002[, items], lq2002$COMPID, ranvar = 2)
put("lq2002_rwgj_mean", mean(rj$rwg.j)); put("lq2002_rwgj_first", rj$rwg.j[1])
put("lq2002_rwgj_min", min(rj$rwg.j))
r1 <- rwg(lq2002$LEAD01, lq2002$COMPID, ranvar = 2)
put("lq2002_rwg_lead01_mean", mean(r1$rwg))

# Cronbach's alpha of the 11 leadership items (psych::alpha, raw alpha)
put("lq2002_alpha", psych::alpha(lq2002[, items])$total$raw_alpha)

res <- data.frame(name = names(out), value = sprintf("%.15g", unlist(out)))
write.csv(res, "tests/data/agreement_reference.csv", row.names = FALSE, quote = FALSE)
print(res)
