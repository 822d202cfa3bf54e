# Golden: Uno's IPCW concordance = survival::concordance(timewt = "n/G2", ymax = tau)
# on tied integer-month data (event ties, censoring ties, deaths tied with censorings),
# for markers with and without ties, without a horizon and with horizons (R `ymax`) that
# are an event time, a death/censoring tie, a censoring-only time and an unobserved time.
# reverse = TRUE: a higher marker means a higher risk (shorter survival), as mitoscore.
# Run from the repository root: Rscript tests/golden/uno_c.R
suppressMessages(library(survival))
OUT <- "tests/golden"
source(file.path(OUT, "make_tied_data.R"))
source(file.path(OUT, "_write.R"))
taus <- list(large = c(NA, 6, 12, 12.5, 23, 24, 30), small = c(NA, 5, 8, 10, 13, 23))
rows <- list()
for (nm in names(tied_sets)) {
  d <- tied_sets[[nm]]
  markers <- list(x1 = d$x1, x1_round = round(d$x1), lp = 0.6 * d$x1 - 0.3 * d$x2)
  for (mk in names(markers)) {
    d$m <- markers[[mk]]
    for (tau in taus[[nm]]) {
      ymax <- if (is.na(tau)) NULL else tau
      for (tw in c("n/G2", "n")) {
        cf <- concordance(Surv(time, status) ~ m, data = d, timewt = tw, ymax = ymax, reverse = TRUE)
        cnt <- cf$count
        rows[[length(rows) + 1]] <- data.frame(
          data = nm, marker = mk, tau = tau, timewt = tw, concordance = cf$concordance,
          concordant = cnt[["concordant"]], discordant = cnt[["discordant"]], tied_x = cnt[["tied.x"]])
      }
    }
  }
}
out <- do.call(rbind, rows)
write_golden(out, file.path(OUT, "uno_c.tsv"))
writeLines(c(paste("R", getRversion()), paste("survival", packageVersion("survival"))),
           file.path(OUT, "uno_c.versions.txt"))
