# Golden: metafor::rma(yi, sei = , method = , test = "knha" / "z") and predict() (95% CI and
# prediction interval) at k = 2, 3 and 5, each with a homogeneous set (tau2 = 0) and a
# heterogeneous one; REML (the workflow's default) and DL. Writes meta_knha.tsv.
# Run from the repository root: Rscript tests/golden/meta_knha.R
suppressMessages(library(metafor))
OUT <- "tests/golden"
sets <- list(
  k2_homogeneous   = list(yi = c(0.20, 0.25), sei = c(0.20, 0.30)),
  k2_heterogeneous = list(yi = c(0.05, 0.70), sei = c(0.12, 0.15)),
  k3_homogeneous   = list(yi = c(0.18, 0.22, 0.30), sei = c(0.15, 0.20, 0.25)),
  k3_heterogeneous = list(yi = c(-0.10, 0.45, 0.90), sei = c(0.14, 0.18, 0.16)),
  k5_homogeneous   = list(yi = c(0.21, 0.17, 0.26, 0.19, 0.23), sei = c(0.10, 0.12, 0.20, 0.15, 0.18)),
  k5_heterogeneous = list(yi = c(0.02, 0.35, 0.61, -0.20, 0.48), sei = c(0.11, 0.13, 0.21, 0.16, 0.12)))
rows <- list()
for (nm in names(sets)) for (method in c("REML", "DL")) for (test in c("knha", "z")) {
  s <- sets[[nm]]
  m <- rma(yi = s$yi, sei = s$sei, method = method, test = test)
  p <- predict(m)
  rows[[length(rows) + 1]] <- data.frame(
    set = nm, k = m$k, method = method, test = test, estimate = as.numeric(m$beta), se = m$se, zval = m$zval,
    pval = m$pval, ci_lb = m$ci.lb, ci_ub = m$ci.ub, tau2 = m$tau2, se_tau2 = m$se.tau2, I2 = m$I2, H2 = m$H2,
    QE = m$QE, QEp = m$QEp, pi_lb = p$pi.lb, pi_ub = p$pi.ub,
    yi = paste(sprintf("%.17g", s$yi), collapse = ","), sei = paste(sprintf("%.17g", s$sei), collapse = ","))
}
out <- do.call(rbind, rows)
num <- vapply(out, is.numeric, logical(1)) & names(out) != "k"
out[num] <- lapply(out[num], function(v) sprintf("%.17g", v))
write.table(out, file.path(OUT, "meta_knha.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
writeLines(c(paste("R", getRversion()), paste("metafor", packageVersion("metafor"))),
           file.path(OUT, "meta_knha.versions.txt"))
