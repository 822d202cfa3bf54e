# Golden: censoring survival G of pec::ipcw(method = "marginal") (reverse Kaplan-Meier,
# prodlim; deaths tied with censorings are removed from the censoring risk set):
# G(T_i-) per subject (subjectTimesLag = 1) and G(t) at horizons that are and are not
# observed times. Run from the repository root: Rscript tests/golden/ipcw.R
suppressMessages({library(pec); library(survival); library(prodlim)})
OUT <- "tests/golden"
source(file.path(OUT, "make_tied_data.R"))
rows <- list()
for (nm in names(tied_sets)) {
  d <- tied_sets[[nm]]
  d$id <- seq_len(nrow(d))
  ds <- d[order(d$time, -d$status), ]           # pec's own order (IPCW.subjectTimes follow it)
  times <- c(1, 5, 6.5, 12, 20, 24.5, max(d$time), max(d$time) + 1)
  w <- ipcw(Surv(time, status) ~ 1, data = ds, method = "marginal", times = times, subjectTimes = ds$time)
  rows[[length(rows) + 1]] <- data.frame(data = nm, what = "subject", id = ds$id, time = ds$time,
                                         G = w$IPCW.subjectTimes)
  rows[[length(rows) + 1]] <- data.frame(data = nm, what = "times", id = NA, time = times, G = w$IPCW.times)
}
out <- do.call(rbind, rows)
write.table(out, file.path(OUT, "ipcw.tsv"), sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
writeLines(c(paste("R", getRversion()), paste("pec", packageVersion("pec")),
             paste("prodlim", packageVersion("prodlim")), paste("survival", packageVersion("survival"))),
           file.path(OUT, "ipcw.versions.txt"))
