# Shared tied-data fixtures for the R goldens of tests/golden/ (run by each golden script).
# Integer-month times with event ties, censoring ties and death/censoring ties at the
# same time, plus a small cohort (n = 25). Deterministic: set.seed per data set.
# Writes tied_<name>.tsv (time, status, x1, x2, grp, arm) when sourced with OUT set.
make_tied <- function(n, seed, max_time = 36) {
  set.seed(seed)
  x1 <- round(rnorm(n), 3)
  x2 <- round(rnorm(n), 3)
  grp <- sample(c("a", "b", "c"), n, replace = TRUE)
  arm <- sample(c("ref", "test"), n, replace = TRUE)
  lp <- 0.6 * x1 - 0.3 * x2 + 0.4 * (arm == "test") - 0.7 * x1 * (arm == "test")
  t_event <- rexp(n, rate = 0.05 * exp(lp))
  t_cens <- runif(n, 6, max_time)
  time <- pmax(1, ceiling(pmin(t_event, t_cens)))       # integer months, >= 1
  status <- as.integer(t_event <= t_cens)
  data.frame(time = time, status = status, x1 = x1, x2 = x2, grp = grp, arm = arm)
}
tied_sets <- list(large = make_tied(300, 11), small = make_tied(25, 12))
if (exists("OUT")) {
  for (nm in names(tied_sets))
    write.table(tied_sets[[nm]], file.path(OUT, paste0("tied_", nm, ".tsv")), sep = "\t",
                quote = FALSE, row.names = FALSE)
}
