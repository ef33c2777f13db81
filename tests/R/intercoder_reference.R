# Reference values for tests/test_intercoder.py (Cohen's kappa, Krippendorff's alpha).
# Run from the repository root:  Rscript tests/R/intercoder_reference.R
# Needs R with psych (Debian: r-cran-psych). Writes tests/data/intercoder_data.csv (long: dataset, unit,
# coder, value) and tests/data/intercoder_reference.csv (name, value) with 15 significant digits.
# Kappa: psych::cohen.kappa (unweighted). Alpha: Krippendorff's coincidence-matrix formula written out below
# (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"), independent of the Python package.
suppressPackageStartupMessages(library(psych))
options(digits = 15)
out <- list()
put <- function(name, value) out[[name]] <<- value
long <- list()
keep <- function(name, m) {  # m: coders x units
  for (c in seq_len(nrow(m))) long[[length(long) + 1]] <<- data.frame(
    dataset = name, unit = seq_len(ncol(m)), coder = rownames(m)[c], value = m[c, ])
}

kalpha <- function(m, level) {
  m <- m[, colSums(!is.na(m)) >= 2, drop = FALSE]
  vals <- sort(unique(as.vector(m[!is.na(m)])))
  o <- matrix(0, length(vals), length(vals))
  for (u in seq_len(ncol(m))) {
    v <- match(m[!is.na(m[, u]), u], vals)
    for (i in seq_along(v)) for (j in seq_along(v)) if (i != j)
      o[v[i], v[j]] <- o[v[i], v[j]] + 1 / (length(v) - 1)
  }
  nc <- rowSums(o); n <- sum(nc)
  delta <- if (level == "nominal") outer(vals, vals, "!=") * 1 else outer(vals, vals, "-")^2
  1 - (sum(o * delta) / n) / (sum(outer(nc, nc) * delta) / (n * (n - 1)))
}

# Krippendorff (2011), section C: 4 coders, 12 units, missing values
k <- rbind(A = c(1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA),
           B = c(1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3),
           C = c(NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA),
           D = c(1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA))
keep("krippendorff2011", k)
put("krippendorff2011_nominal", kalpha(k, "nominal"))
put("krippendorff2011_interval", kalpha(k, "interval"))

# two coders, 40 segments, code applied (1) or not (0); coder b misses some and adds some
set.seed(25)
a <- rbinom(40, 1, 0.35)
b <- ifelse(runif(40) < 0.15, 1 - a, a)
two <- rbind(a = a, b = b)
keep("two_coders", two)
put("two_coders_kappa", cohen.kappa(cbind(a, b))$kappa)
put("two_coders_alpha", kalpha(two, "nominal"))

# three coders, 30 segments, binary, 20 % missing
x <- rbinom(30, 1, 0.4)
three <- rbind(a = x, b = ifelse(runif(30) < 0.2, 1 - x, x), c = ifelse(runif(30) < 0.25, 1 - x, x))
three[matrix(runif(90) < 0.2, 3)] <- NA
keep("three_coders", three)
put("three_coders_alpha", kalpha(three, "nominal"))

# structure ratings: 2 coders, 16 kommune-wave-dimension units, 1-5 with halves (interval)
s <- round(runif(16, 1, 5) * 2) / 2
st <- rbind(koder_1 = s, koder_2 = pmin(5, pmax(1, s + round(rnorm(16, 0, 0.6) * 2) / 2)))
keep("structures", st)
put("structures_interval", kalpha(st, "interval"))

d <- do.call(rbind, long)
write.csv(d, "tests/data/intercoder_data.csv", row.names = FALSE, na = "")
ref <- data.frame(name = names(out), value = formatC(unlist(out), digits = 15, format = "g"))
write.csv(ref, "tests/data/intercoder_reference.csv", row.names = FALSE, quote = FALSE)
