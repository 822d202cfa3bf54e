# Golden: maxstat::maxstat.test(smethod = "LogRank", pmethod = "Lau94" / "Lau92") on tied
# integer-month data, including markers unrelated to survival whose maximally selected
# statistic M is small: there R's pLausen92 returns exactly 1 (b < 1) while R's pLausen94
# (1 - (Phi(b) - Phi(-b)) + sum ...) is NOT bounded and exceeds 1. The seed of the noise
# markers is the first one (from 1) giving M < 1, so the bound is exercised.
# Run from the repository root: Rscript tests/golden/maxstat_bound.R
suppressMessages({library(survival); library(maxstat)})
OUT <- "tests/golden"
source(file.path(OUT, "make_tied_data.R"))
source(file.path(OUT, "_write.R"))
rows <- list()
for (nm in names(tied_sets)) {
  d <- tied_sets[[nm]]
  stat_of <- function(m) maxstat.test(Surv(time, status) ~ m, data = data.frame(d, m = m),
                                      smethod = "LogRank", pmethod = "Lau94")$statistic
  seed <- 1
  repeat {
    set.seed(seed)
    noise <- round(rnorm(nrow(d)), 2)
    if (stat_of(noise) < 1) break
    seed <- seed + 1
  }
  markers <- list(x1 = d$x1, x2 = d$x2, noise = noise)
  for (mk in names(markers)) {
    dd <- data.frame(d, m = markers[[mk]])
    for (pm in c("Lau94", "Lau92")) {
      r <- maxstat.test(Surv(time, status) ~ m, data = dd, smethod = "LogRank", pmethod = pm,
                        minprop = 0.1, maxprop = 0.9)
      rows[[length(rows) + 1]] <- data.frame(
        data = nm, marker = mk, noise_seed = if (mk == "noise") seed else NA, pmethod = pm,
        statistic = unname(r$statistic), cutpoint = unname(r$estimate), p = r$p.value,
        n_cuts = length(r$cuts))
    }
  }
  if (nm == "small") {
    # the noise marker itself, so the Python test uses exactly R's values
    write_golden(data.frame(noise = noise), file.path(OUT, "maxstat_bound_noise_small.tsv"))
  } else {
    write_golden(data.frame(noise = noise), file.path(OUT, "maxstat_bound_noise_large.tsv"))
  }
}
out <- do.call(rbind, rows)
write_golden(out, file.path(OUT, "maxstat_bound.tsv"))
writeLines(c(paste("R", getRversion()), paste("maxstat", packageVersion("maxstat")),
             paste("survival", packageVersion("survival"))),
           file.path(OUT, "maxstat_bound.versions.txt"))
