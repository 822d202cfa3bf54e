# Golden: cumulative/dynamic time-dependent AUC of timeROC::timeROC(weighting = "marginal").
# timeROC is not packaged for Debian, so its marginal-weighting AUC is transcribed here from
# the CRAN source of timeROC 0.4 (Paul Blanche, 2019-12-18; file R/timeROC_3.R of the CRAN
# mirror https://github.com/cran/timeROC, function `timeROC`), without the competing-risk,
# ROC-curve and iid parts, for cause = 1 and a single event type:
#   * weights from pec::ipcw(method = "marginal", subjectTimes = T, subjectTimesLag = 1) on
#     the data ordered by T, as timeROC does;
#   * cases: T < t and delta == 1, weight 1 / (G(T_i-) n); controls: T > t, weight
#     1 / (G(t) n) (subjects with T == t are neither);
#   * TP and FP at every distinct marker value (decreasing), AUC by the trapezoidal rule
#     (timeROC's internal AireTrap), including timeROC's logical-index recycling that
#     appends the final point (1, 1).
# Horizons that are an event time, a death/censoring tie, a censoring-only time and an
# unobserved time; markers with and without ties. Run from the repository root:
#   Rscript tests/golden/td_auc.R
suppressMessages({library(survival); library(pec); library(prodlim)})
OUT <- "tests/golden"
source(file.path(OUT, "make_tied_data.R"))
source(file.path(OUT, "_write.R"))

timeroc_marginal_auc <- function(T, delta, marker, times, cause = 1) {
  n <- length(T)
  times <- times[order(times)]
  order_T <- order(T)
  T <- T[order_T]; delta <- delta[order_T]; marker <- marker[order_T]
  weights <- pec::ipcw(Surv(failure_time, status) ~ 1,
                       data = data.frame(failure_time = T, status = as.numeric(delta != 0)),
                       method = "marginal", times = times, subjectTimes = T, subjectTimesLag = 1)
  order_marker <- order(-marker)
  Mat_data <- cbind(T, delta, marker)[order_marker, ]
  colnames(Mat_data) <- c("T", "delta", "marker")
  Weights_cases_all <- 1 / (weights$IPCW.subjectTimes * n)
  Weights_cases_all <- Weights_cases_all[order_marker]
  AireTrap <- function(Abs, Ord) {
    nobs <- length(Abs)
    dAbs <- Abs[-1] - Abs[-nobs]
    mil <- (Ord[-nobs] + Ord[-1]) / 2
    sum(dAbs * mil)
  }
  res <- data.frame(horizon = times, auc = NA_real_, cases = NA_integer_, controls = NA_integer_)
  for (t in seq_along(times)) {
    Cases <- (Mat_data[, "T"] < times[t] & Mat_data[, "delta"] == cause)
    Controls_1 <- (Mat_data[, "T"] > times[t])
    Weights_controls_1 <- rep(1 / (weights$IPCW.times[t] * n), times = n)
    Weights_controls_1 <- Weights_controls_1[order_marker]
    Weights_cases <- Weights_cases_all
    Weights_cases[!Cases] <- 0
    Weights_controls_1[!Controls_1] <- 0
    den_TP_t <- sum(Weights_cases)
    den_FP_1_t <- sum(Weights_controls_1)
    if (den_TP_t != 0) {
      TP_tbis <- c(0, cumsum(Weights_cases)) / den_TP_t
      TP_t <- TP_tbis[!duplicated(marker[order_marker])]
    } else TP_t <- NA
    if (den_FP_1_t != 0) {
      FP_1_tbis <- c(0, cumsum(Weights_controls_1)) / den_FP_1_t
      FP_1_t <- FP_1_tbis[!duplicated(marker[order_marker])]
    } else FP_1_t <- NA
    res$auc[t] <- if (den_TP_t * den_FP_1_t != 0) AireTrap(FP_1_t, TP_t) else NA
    res$cases[t] <- sum(Cases)
    res$controls[t] <- sum(Controls_1)
  }
  res
}

horizons <- list(large = c(1.5, 6, 12, 12.5, 23, 24, 30), small = c(5, 8, 10, 13, 20, 23))
rows <- list()
for (nm in names(tied_sets)) {
  d <- tied_sets[[nm]]
  markers <- list(x1 = d$x1, x1_round = round(d$x1), lp = 0.6 * d$x1 - 0.3 * d$x2)
  for (mk in names(markers)) {
    r <- timeroc_marginal_auc(d$time, d$status, markers[[mk]], horizons[[nm]])
    rows[[length(rows) + 1]] <- cbind(data.frame(data = nm, marker = mk), r)
  }
}
out <- do.call(rbind, rows)
write_golden(out, file.path(OUT, "td_auc.tsv"))
writeLines(c(paste("R", getRversion()), paste("pec", packageVersion("pec")),
             paste("prodlim", packageVersion("prodlim")), paste("survival", packageVersion("survival")),
             "timeROC 0.4 marginal AUC transcribed (github.com/cran/timeROC, R/timeROC_3.R)"),
           file.path(OUT, "td_auc.versions.txt"))
