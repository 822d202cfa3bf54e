"""survival.ipcw vs pec::ipcw(method = "marginal") on tied integer-month data
(tests/golden/ipcw.R). Tolerance: abs 1e-12 (products of a few hundred ratios)."""
from __future__ import annotations

import numpy as np
import pytest

from mitoscore import survival as S


@pytest.mark.parametrize("name", ["large", "small"])
def test_ipcw_equals_pec(repo_golden, name):
    data = repo_golden(f"tied_{name}.tsv")
    gold = repo_golden("ipcw.tsv")
    gold = gold[gold["data"] == name]
    subj = gold[gold["what"] == "subject"]
    at = gold[gold["what"] == "times"]
    g_subj, g_times = S.ipcw(data["time"], data["status"], at["time"].to_numpy())
    ids = subj["id"].astype(int).to_numpy() - 1
    np.testing.assert_allclose(g_subj[ids], subj["G"].to_numpy(), rtol=0, atol=1e-12)
    assert (np.isnan(g_times) == at["G"].isna().to_numpy()).all()
    ok = at["G"].notna().to_numpy()
    np.testing.assert_allclose(g_times[ok], at["G"].to_numpy()[ok], rtol=0, atol=1e-12)
    # the data really has what the golden is meant to exercise
    tied = data.groupby("time")["status"].agg(["min", "max", "size"])
    assert ((tied["min"] == 0) & (tied["max"] == 1)).any(), "no death/censoring tie"
