# Golden: the predictive analyses of mitoscore.predictive on the shared tied-data fixtures
# (integer-month times with event, censoring and death/censoring ties; n = 300 and n = 25).
# Score = x1, arms "ref" (reference) / "test", covariates x2 + grp (reference level "b")
# or x2 + strata(grp).
#  * Cox score x arm interaction: coxph(Surv ~ x1 * arm + covariates [+ strata]), the 1-df
#    LR test anova(reduced, full), Wald, per-arm HR per unit with the model covariance;
#  * treatment effect (HR test vs ref) along the score: linear (the same model) and
#    Harrell's restricted cubic spline (Hmisc::rcspline.eval(inclx = TRUE) basis, default
#    knots = rms::rcs) x arm; the contrast at grid scores with its delta-method SE; the
#    LR test of the spline interaction terms;
#  * default knots of rcspline.eval / rms::rcs on extra vectors (ties, n < 100, fractied);
#  * logistic score x arm interaction: glm(binomial) and anova(..., test = "LRT").
# Writes predictive_*.tsv (long format: data, setting, model, quantity, key, value).
# Run from the repository root: Rscript tests/golden/predictive.R
suppressMessages({library(survival); library(rms); library(Hmisc)})
OUT <- "tests/golden"
source(file.path(OUT, "make_tied_data.R"))
options(digits = 17)
# coxph's default control (eps = 1e-9 on the relative change of the log partial likelihood,
# iter.max 20): mitoscore's one Cox engine transcribes coxfit6 with the same iterations and
# stopping rule, so it stops where R stops (on the poorly scaled spline models up to 2e-7
# short of the optimum, in R and in mitoscore alike)
ctl <- coxph.control()
rows <- list()
put <- function(data, setting, model, quantity, key, value) {
  rows[[length(rows) + 1]] <<- data.frame(data = data, setting = setting, model = model,
                                          quantity = quantity, key = as.character(key), value = as.numeric(value))
}

# the binary response used by the logistic goldens (deterministic; written with the data)
set.seed(31)
resp_sets <- list()
for (nm in names(tied_sets)) {
  d <- tied_sets[[nm]]
  eta <- 0.3 - 0.4 * d$x1 + 0.9 * d$x1 * (d$arm == "test") + 0.3 * d$x2
  resp_sets[[nm]] <- data.frame(data = nm, id = seq_len(nrow(d)), resp = rbinom(nrow(d), 1, plogis(eta)))
}

# "medium" = the first 80 rows of the large set: n < 100 (Hmisc's outer knots are the 5th
# smallest / largest values); the small set (n = 25, 15 events) is too small for a spline x
# arm model (monotone likelihood) and is used for the linear models only
tied_sets$medium <- tied_sets$large[1:80, ]
resp_sets$medium <- resp_sets$large[1:80, ]
resp_sets$medium$data <- "medium"
settings <- list(adjusted = list(rhs = "x2 + grp", strata = NULL),
                 stratified = list(rhs = "x2", strata = "strata(grp)"))
for (nm in names(tied_sets)) {
  d <- tied_sets[[nm]]
  d$grp <- relevel(factor(d$grp), ref = "b")
  d$arm <- relevel(factor(d$arm), ref = "ref")
  d$armt <- as.numeric(d$arm == "test")
  for (st in names(settings)) {
    s <- settings[[st]]
    extra <- paste(c(s$rhs, s$strata), collapse = " + ")
    # ---- linear interaction
    f_full <- as.formula(paste("Surv(time, status) ~ x1 + arm + ", extra, "+ x1:arm"))
    f_red <- as.formula(paste("Surv(time, status) ~ x1 + arm + ", extra))
    full <- coxph(f_full, data = d, ties = "efron", control = ctl)
    red <- coxph(f_red, data = d, ties = "efron", control = ctl)
    a <- anova(red, full)
    b <- coef(full); V <- vcov(full)
    for (t in names(b)) { put(nm, st, "cox_linear", "coef", t, b[t]); put(nm, st, "cox_linear", "se", t, sqrt(V[t, t])) }
    put(nm, st, "cox_linear", "lr_chisq", "x1:armtest", a$Chisq[2])
    put(nm, st, "cox_linear", "lr_df", "x1:armtest", a$Df[2])
    put(nm, st, "cox_linear", "lr_p", "x1:armtest", a[["Pr(>|Chi|)"]][2])
    put(nm, st, "cox_linear", "wald_p", "x1:armtest", summary(full)$coefficients["x1:armtest", "Pr(>|z|)"])
    put(nm, st, "cox_linear", "loglik", "full", full$loglik[2])
    put(nm, st, "cox_linear", "loglik", "reduced", red$loglik[2])
    put(nm, st, "cox_linear", "n", "full", full$n)
    put(nm, st, "cox_linear", "events", "full", full$nevent)
    # per-arm HR per unit of x1
    put(nm, st, "cox_linear", "arm_coef", "ref", b["x1"])
    put(nm, st, "cox_linear", "arm_se", "ref", sqrt(V["x1", "x1"]))
    L <- setNames(rep(0, length(b)), names(b)); L[c("x1", "x1:armtest")] <- 1
    put(nm, st, "cox_linear", "arm_coef", "test", sum(L * b))
    put(nm, st, "cox_linear", "arm_se", "test", sqrt(drop(t(L) %*% V %*% L)))
    # ---- treatment effect along the score: grid from the 5th to the 95th percentile
    grid <- seq(quantile(d$x1, 0.05), quantile(d$x1, 0.95), length.out = 41)
    for (g in seq_along(grid)) put(nm, st, "grid", "score", g, grid[g])
    Lg <- matrix(0, length(grid), length(b), dimnames = list(NULL, names(b)))
    Lg[, "armtest"] <- 1; Lg[, "x1:armtest"] <- grid
    est <- drop(Lg %*% b); se <- sqrt(rowSums((Lg %*% V) * Lg))
    for (g in seq_along(grid)) { put(nm, st, "curve_linear", "log_hr", g, est[g]); put(nm, st, "curve_linear", "se", g, se[g]) }
    # ---- restricted cubic spline x arm
    for (k in switch(nm, large = c(3, 4, 5), medium = c(3, 4), small = integer(0))) {
      B <- rcspline.eval(d$x1, nk = k, inclx = TRUE)
      kn <- attr(B, "knots")
      rr <- rms::rcs(d$x1, k)
      stopifnot(isTRUE(all.equal(as.numeric(attr(rr, "parms")), as.numeric(kn), tolerance = 0)))
      stopifnot(max(abs(unclass(rr) - B)) < 1e-12)
      mdl <- paste0("cox_rcs", k)
      for (j in seq_along(kn)) put(nm, st, mdl, "knot", j, kn[j])
      cn <- paste0("s", 0:(k - 2))
      dd <- d; for (j in seq_along(cn)) dd[[cn[j]]] <- B[, j]
      ints <- paste0(cn, ":armt")
      f_sf <- as.formula(paste("Surv(time, status) ~", paste(cn, collapse = " + "), "+ armt +", extra, "+",
                               paste(ints, collapse = " + ")))
      f_sr <- as.formula(paste("Surv(time, status) ~", paste(cn, collapse = " + "), "+ armt +", extra))
      sf <- coxph(f_sf, data = dd, ties = "efron", control = ctl)
      sr <- coxph(f_sr, data = dd, ties = "efron", control = ctl)
      sa <- anova(sr, sf)
      put(nm, st, mdl, "lr_chisq", "interaction", sa$Chisq[2])
      put(nm, st, mdl, "lr_df", "interaction", sa$Df[2])
      put(nm, st, mdl, "lr_p", "interaction", sa[["Pr(>|Chi|)"]][2])
      bs <- coef(sf); Vs <- vcov(sf)
      for (t in names(bs)) put(nm, st, mdl, "coef", t, bs[t])
      Bg <- rcspline.eval(grid, knots = kn, inclx = TRUE)
      Ls <- matrix(0, length(grid), length(bs), dimnames = list(NULL, names(bs)))
      Ls[, "armt"] <- 1
      for (j in seq_along(ints)) Ls[, ints[j]] <- Bg[, j]
      est <- drop(Ls %*% bs); se <- sqrt(rowSums((Ls %*% Vs) * Ls))
      for (g in seq_along(grid)) { put(nm, st, mdl, "log_hr", g, est[g]); put(nm, st, mdl, "se", g, se[g]) }
    }
  }
  # ---- logistic score x arm interaction (covariates x2 + grp)
  d$resp <- resp_sets[[nm]]$resp
  if (nm != "small") {
    gf <- glm(resp ~ x1 * arm + x2 + grp, family = binomial, data = d)
    gr <- glm(resp ~ x1 + arm + x2 + grp, family = binomial, data = d)
    ga <- anova(gr, gf, test = "LRT")
    b <- coef(gf); V <- vcov(gf)
    for (t in names(b)) { put(nm, "adjusted", "logistic", "coef", t, b[t]); put(nm, "adjusted", "logistic", "se", t, sqrt(V[t, t])) }
    put(nm, "adjusted", "logistic", "lr_chisq", "x1:armtest", ga$Deviance[2])
    put(nm, "adjusted", "logistic", "lr_p", "x1:armtest", ga[["Pr(>Chi)"]][2])
    put(nm, "adjusted", "logistic", "wald_p", "x1:armtest", summary(gf)$coefficients["x1:armtest", "Pr(>|z|)"])
    put(nm, "adjusted", "logistic", "deviance", "full", deviance(gf))
    put(nm, "adjusted", "logistic", "arm_coef", "ref", b["x1"])
    put(nm, "adjusted", "logistic", "arm_se", "ref", sqrt(V["x1", "x1"]))
    L <- setNames(rep(0, length(b)), names(b)); L[c("x1", "x1:armtest")] <- 1
    put(nm, "adjusted", "logistic", "arm_coef", "test", sum(L * b))
    put(nm, "adjusted", "logistic", "arm_se", "test", sqrt(drop(t(L) %*% V %*% L)))
  }
}

# ---- default knots on vectors that exercise Hmisc's special rules
set.seed(5)
kv <- list(normal_n300 = round(rnorm(300), 3),
           normal_n60 = round(rnorm(60), 3),                         # n < 100: 5th smallest / largest
           heap_low = c(rep(0, 30), round(rexp(270), 3)),             # fractied: 10% at the minimum
           heap_both = c(rep(-1, 20), round(runif(160), 3), rep(2, 20)),
           integer_ties = sample(1:40, 300, replace = TRUE))
for (v in names(kv)) for (k in 3:7) {
  kn <- rcspline.eval(kv[[v]], nk = k, knots.only = TRUE)
  stopifnot(isTRUE(all.equal(as.numeric(attr(rms::rcs(kv[[v]], k), "parms")), as.numeric(kn), tolerance = 0)))
  for (j in seq_along(kn)) put(v, "knots", paste0("k", k), "knot", j, kn[j])
}
write.table(data.frame(vector = rep(names(kv), lengths(kv)), value = unlist(kv, use.names = FALSE)),
            file.path(OUT, "predictive_knot_vectors.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)

write.table(do.call(rbind, resp_sets), file.path(OUT, "predictive_response.tsv"), sep = "\t", quote = FALSE,
            row.names = FALSE)
out <- do.call(rbind, rows)
out$value <- sprintf("%.17g", out$value)
write.table(out, file.path(OUT, "predictive.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
writeLines(c(paste("R", getRversion()), paste("survival", packageVersion("survival")),
             paste("rms", packageVersion("rms")), paste("Hmisc", packageVersion("Hmisc"))),
           file.path(OUT, "predictive.versions.txt"))
