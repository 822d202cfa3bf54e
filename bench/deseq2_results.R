#!/usr/bin/env Rscript
# Benchmark helper (R side): DESeq() + results() on FIXTURE_DIR, writes the results table
# and prints "deseq2<TAB>compute_seconds<TAB>sig=N" (reading excluded), like
# ../shared/oracle/time_r.R.
# Usage: Rscript deseq2_results.R FIXTURE_DIR OUT_TSV [CORES]
#   CORES 1 (default): DESeq(dds) serially, R's default.
#   CORES k > 1: DESeq(dds, parallel = TRUE, BPPARAM = BiocParallel::MulticoreParam(k)) and
#   results(dds, parallel = TRUE, BPPARAM = ...), the documented way to give DESeq2 k cores.
a <- commandArgs(trailingOnly = TRUE); fx <- a[1]; out <- a[2]
cores <- if (length(a) >= 3) as.integer(a[3]) else 1L
suppressPackageStartupMessages({library(DESeq2); library(BiocParallel)})
counts <- as.matrix(read.delim(file.path(fx, "counts.tsv"), row.names = 1, check.names = FALSE))
storage.mode(counts) <- "integer"
clin <- read.delim(file.path(fx, "clinical.tsv"))
clin$condition <- factor(clin$condition, levels = c("A", "B"))
dds <- DESeqDataSetFromMatrix(counts, clin, ~condition)
par <- cores > 1L
bp <- if (par) MulticoreParam(cores) else SerialParam()
t <- system.time({
  dds <- DESeq(dds, quiet = TRUE, parallel = par, BPPARAM = bp)
  res <- results(dds, parallel = par, BPPARAM = bp)
})["elapsed"]
write.table(data.frame(gene = rownames(res), baseMean = signif(res$baseMean, 12),
                       log2FoldChange = signif(res$log2FoldChange, 12), lfcSE = signif(res$lfcSE, 12),
                       stat = signif(res$stat, 12), pvalue = signif(res$pvalue, 12), padj = signif(res$padj, 12),
                       replaced = mcols(dds)$replace %in% TRUE, dispGeneEst = signif(mcols(dds)$dispGeneEst, 12),
                       dispFit = signif(mcols(dds)$dispFit, 12), dispMAP = signif(mcols(dds)$dispMAP, 12),
                       dispersion = signif(mcols(dds)$dispersion, 12)),
            out, sep = "\t", quote = FALSE, row.names = FALSE)
cat(sprintf("deseq2\t%.2f\tsig=%d\tcores=%d\n", t, sum(res$padj < 0.1, na.rm = TRUE), cores))
