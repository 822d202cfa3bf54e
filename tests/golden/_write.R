# Shared writer of the golden scripts: numbers with 17 significant digits (round trip), NA kept.
write_golden <- function(df, path) {
  for (k in names(df)) if (is.double(df[[k]]))
    df[[k]] <- ifelse(is.na(df[[k]]), NA, sprintf("%.17g", df[[k]]))
  write.table(df, path, sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
}
