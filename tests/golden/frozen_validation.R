# Golden: TRIPOD external validation of a frozen Cox model (mitoscore.frozen / .calibration).
# Run from the repository root: Rscript tests/golden/frozen_validation.R
#
# Two cases built from the shared tied integer-month data (make_tied_data.R):
#   split: discovery = tied_large rows 1-200, validation = rows 201-300;
#   small: discovery = tied_large (n = 300), validation = tied_small (n = 25).
# In the discovery set: the score x1 is standardised with the discovery mean and SD
# (z = (x1 - mean) / sd, R's sd), the cut is the discovery median of x1, and two Cox models
# (Efron ties) are fitted:
#   uni:   Surv(time, status) ~ z
#   multi: Surv(time, status) ~ z + x2 + grp + strata(arm), grp a factor with reference "b".
# In the validation set, with everything frozen:
#   lp       predict(fit, newdata, type = "lp", reference = "zero")   (= x'beta, uncentred)
#   expected predict(fit, newdata, type = "expected")                  (= H0_s(T_i) exp(lp_i))
#   basehaz  basehaz(fit, centered = FALSE)                            (Efron-type, as survfit.coxph)
#   S(h)     pec::predictSurvProb(fit, newdata, times)                 (riskRegression::predictCox)
#   slope    coxph(Surv ~ lp [+ strata(arm)]) in the validation set; p for slope = 1 (Wald)
#   CITL     glm(status ~ offset(log(expected)), family = poisson)     (Crowson et al. 2016)
#   Brier    pec::pec(list(model = S matrix), Surv(time, status) ~ 1, data, cens.model = "marginal",
#            exact = FALSE, times = grid, reference = TRUE)            (IPCW, KM censoring; reference = KM)
#   IBS      pec::crps(pec, times = tau)  (= ibs(); step integration of the Brier curve on the grid)
#   KM       survfit(Surv ~ 1, conf.type = "log-log") per group at each horizon, groups = the frozen
#            median cut of x1 and quantile groups (type 7, 5 groups; 3 in the small case) of lp.
# grid = 0, every distinct validation time, every discovery event time and the horizons, up to
# tau = 24 (the largest horizon): the Brier curve of a Cox model is a step function that jumps only
# there, so pec's left-endpoint integration over this grid is the exact integral.
suppressMessages({library(survival); library(pec); library(prodlim); library(riskRegression)})
OUT <- "tests/golden"
source(file.path(OUT, "make_tied_data.R"))
horizons <- c(6.5, 12, 24)
ctl <- coxph.control()  # R defaults (eps 1e-9, iter.max 20): the Cox engine transcribes coxfit6 with them
tau <- max(horizons)

km_at <- function(time, status, h) {
  if (length(time) == 0 || h > max(time)) return(c(NA, NA, NA))
  s <- summary(survfit(Surv(time, status) ~ 1, conf.type = "log-log"), times = h)
  c(s$surv, s$lower, s$upper)
}

cases <- list(split = list(disc = tied_sets$large[1:200, ], val = tied_sets$large[201:300, ], groups = 5),
              small = list(disc = tied_sets$large, val = tied_sets$small, groups = 3))
coef_rows <- bh_rows <- pred_rows <- surv_rows <- cal_rows <- brier_rows <- curve_rows <- hr_rows <- list()
add <- function(lst, df) c(lst, list(df))
for (cs in names(cases)) {
  disc <- cases[[cs]]$disc
  val <- cases[[cs]]$val
  val$id <- seq_len(nrow(val))
  m <- mean(disc$x1); s <- sd(disc$x1); cut <- median(disc$x1)
  disc$z <- (disc$x1 - m) / s
  val$z <- (val$x1 - m) / s
  disc$grp <- relevel(factor(disc$grp), "b")
  val$grp <- factor(val$grp, levels = levels(disc$grp))
  val$high <- as.integer(val$x1 > cut)
  hr_rows <- add(hr_rows, data.frame(case = cs, what = c("standardisation", "standardisation", "cut"),
                                     term = c("mean", "sd", "median"), value = c(m, s, cut), stat = "value"))
  for (term in c("z", "high")) {
    f <- coxph(as.formula(paste("Surv(time, status) ~", term)), data = val, ties = "efron", control = ctl)
    hr_rows <- add(hr_rows, data.frame(case = cs, what = "validation_cox", term = term,
                                       value = c(coef(f), sqrt(vcov(f))), stat = c("coef", "se")))
  }
  fits <- list(uni = coxph(Surv(time, status) ~ z, data = disc, ties = "efron", control = ctl, x = TRUE),
               multi = coxph(Surv(time, status) ~ z + x2 + grp + strata(arm), data = disc, ties = "efron", control = ctl,
                             x = TRUE))
  for (mn in names(fits)) {
    fit <- fits[[mn]]
    stratified <- mn == "multi"
    coef_rows <- add(coef_rows, data.frame(case = cs, model = mn, term = names(coef(fit)),
                                           coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit))))))
    bh <- basehaz(fit, centered = FALSE)
    if (is.null(bh$strata)) bh$strata <- "all"
    bh_rows <- add(bh_rows, data.frame(case = cs, model = mn, strata = as.character(bh$strata), time = bh$time,
                                       hazard = bh$hazard))
    lp <- unname(predict(fit, newdata = val, type = "lp", reference = "zero"))
    ex <- unname(predict(fit, newdata = val, type = "expected"))
    pred_rows <- add(pred_rows, data.frame(case = cs, model = mn, id = val$id, lp = lp, expected = ex))
    S <- predictSurvProb(fit, newdata = val, times = horizons)
    for (k in seq_along(horizons))
      surv_rows <- add(surv_rows, data.frame(case = cs, model = mn, id = val$id, horizon = horizons[k],
                                             surv = S[, k]))
    # calibration slope: Cox regression of the outcome on the frozen lp (stratified like the model)
    val$lp <- lp
    sf <- if (stratified) coxph(Surv(time, status) ~ lp + strata(arm), data = val, ties = "efron", control = ctl) else
      coxph(Surv(time, status) ~ lp, data = val, ties = "efron", control = ctl)
    b <- unname(coef(sf)); se <- unname(sqrt(vcov(sf)[1, 1]))
    # calibration-in-the-large (Crowson et al. 2016): Poisson GLM with offset log(expected)
    val$expected <- ex
    g <- glm(status ~ offset(log(expected)), family = poisson, data = val,
             control = glm.control(epsilon = 1e-14, maxit = 100))
    gi <- unname(coef(g)[1]); gse <- unname(sqrt(vcov(g)[1, 1]))
    # IPCW Brier score (pec, marginal KM censoring) and integrated Brier score
    dis_event_times <- unique(bh$time[c(TRUE, diff(bh$hazard) != 0) & bh$hazard > 0])
    grid <- sort(unique(c(0, val$time, dis_event_times, horizons)))
    grid <- grid[grid <= tau]
    P <- predictSurvProb(fit, newdata = val, times = grid)
    pe <- pec(list(model = P), formula = Surv(time, status) ~ 1, data = val, cens.model = "marginal",
              exact = FALSE, times = grid, reference = TRUE, verbose = FALSE)
    stopifnot(isTRUE(all.equal(pe$time, grid)))
    ib <- crps(pe, times = tau)
    brier_rows <- add(brier_rows, data.frame(case = cs, model = mn, time = pe$time,
                                             brier_model = pe$AppErr$model, brier_null = pe$AppErr$Reference))
    cal_rows <- add(cal_rows, data.frame(
      case = cs, model = mn, n = nrow(val), events = sum(val$status),
      slope = b, slope_se = se, slope_lower = b - qnorm(0.975) * se, slope_upper = b + qnorm(0.975) * se,
      slope_p_eq1 = 2 * pnorm(-abs((b - 1) / se)),
      observed = sum(val$status), expected = sum(ex), citl_intercept = gi, citl_se = gse,
      citl_p = summary(g)$coefficients[1, 4], oe_lower = exp(gi - qnorm(0.975) * gse),
      oe_upper = exp(gi + qnorm(0.975) * gse), tau = tau,
      ibs_model = unname(ib["model", 1]), ibs_null = unname(ib["Reference", 1])))
    # predicted vs observed survival per group at each horizon
    q <- quantile(lp, probs = seq(0, 1, length.out = cases[[cs]]$groups + 1), type = 7)
    qg <- paste0("Q", as.integer(cut(lp, breaks = q, include.lowest = TRUE, labels = FALSE)))
    groupings <- list(frozen_group = ifelse(val$high == 1, "high", "low"), lp_quantile = qg)
    for (gname in names(groupings)) {
      gv <- groupings[[gname]]
      for (lvl in sort(unique(gv))) {
        idx <- gv == lvl
        for (k in seq_along(horizons)) {
          h <- horizons[k]
          km <- km_at(val$time[idx], val$status[idx], h)
          curve_rows <- add(curve_rows, data.frame(
            case = cs, model = mn, grouping = gname, group = lvl, horizon = h, n = sum(idx),
            events = sum(val$status[idx] == 1 & val$time[idx] <= h), predicted = mean(S[idx, k]),
            observed = km[1], observed_lower = km[2], observed_upper = km[3]))
        }
      }
    }
  }
}
w <- function(lst, name) write.table(do.call(rbind, lst), file.path(OUT, paste0("frozen_validation_", name, ".tsv")),
                                     sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
w(coef_rows, "coef"); w(bh_rows, "basehaz"); w(pred_rows, "pred"); w(surv_rows, "surv")
w(cal_rows, "calibration"); w(brier_rows, "brier"); w(curve_rows, "curve"); w(hr_rows, "frozen")
writeLines(c(paste("R", getRversion()), paste("survival", packageVersion("survival")),
             paste("pec", packageVersion("pec")), paste("prodlim", packageVersion("prodlim")),
             paste("riskRegression", packageVersion("riskRegression"))),
           file.path(OUT, "frozen_validation.versions.txt"))
