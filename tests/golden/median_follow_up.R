# Golden: median follow-up by the reverse Kaplan-Meier method (Schemper & Smith 1996),
# R survival: summary(survfit(Surv(time, 1 - status) ~ 1))$table["median"] on the tied
# integer-month data, on the same data in days, and on a no-censoring subset.
# Run from the repository root: Rscript tests/golden/median_follow_up.R
suppressMessages(library(survival))
OUT <- "tests/golden"
source(file.path(OUT, "make_tied_data.R"))
rows <- list()
for (nm in names(tied_sets)) {
  d <- tied_sets[[nm]]
  fit <- survfit(Surv(time, 1 - status) ~ 1, data = d)
  tab <- summary(fit)$table
  rows[[length(rows) + 1]] <- data.frame(data = nm, median = unname(tab["median"]),
                                         lcl = unname(tab["0.95LCL"]), ucl = unname(tab["0.95UCL"]))
}
out <- do.call(rbind, rows)
write.table(out, file.path(OUT, "median_follow_up.tsv"), sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
writeLines(c(paste("R", getRversion()), paste("survival", packageVersion("survival"))),
           file.path(OUT, "median_follow_up.versions.txt"))
