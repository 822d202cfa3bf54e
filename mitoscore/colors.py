"""Colours shared by the figures (:mod:`mitoscore.plots`) and the HTML report
(:mod:`mitoscore.report`); no matplotlib import, so the report job does not pay for it."""
from __future__ import annotations

#: Risk-group colours, identical in every figure of the report.
GROUP_COLORS: dict[str, str] = {
    "high": "#C0392B",          # red
    "low": "#2471A3",           # blue
    "intermediate": "#7F8C8D",  # grey (tertiles / three groups)
    "mid": "#7F8C8D",
    "all": "#2C3E50",           # whole cohort, one curve
}
#: Display order of the known risk groups (boxplots left to right, KM legend).
GROUP_ORDER: tuple[str, ...] = ("low", "intermediate", "mid", "high", "all")

#: Treatment-arm colours (Okabe-Ito, colour-blind safe).
ARM_COLORS: dict[str, str] = {
    "intensive chemo": "#E69F00",  # orange
    "VEN+AZA": "#009E73",          # bluish green
    "VEN+AraC": "#CC79A7",         # reddish purple
}
#: Fixed fallback palette (Okabe-Ito without the colours above, then greys), used in
#: sorted order for arms / levels without a fixed colour.
PALETTE: tuple[str, ...] = ("#56B4E9", "#D55E00", "#0072B2", "#999999", "#000000",
                            "#F0E442", "#8E44AD", "#16A085")
