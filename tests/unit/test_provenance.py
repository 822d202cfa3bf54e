"""Tests of mitoscore.provenance: checksums, versions, git state, run record."""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess

import pandas as pd
import pytest

from mitoscore import provenance as prov

ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2 example "abc"


def test_file_checksums_known_value_and_size(tmp_path):
    f = tmp_path / "abc.txt"
    f.write_bytes(b"abc")
    t = prov.file_checksums([("counts", f)])
    assert list(t.columns) == ["role", "path", "sha256", "bytes"]
    assert t.iloc[0]["sha256"] == ABC_SHA256 and int(t.iloc[0]["bytes"]) == 3
    assert t.iloc[0]["role"] == "counts" and t.iloc[0]["path"] == str(f)


def test_file_checksums_mapping_missing_and_directory(tmp_path):
    d = tmp_path / "star"
    d.mkdir()
    (d / "b.tsv").write_bytes(b"2")
    (d / "a.tsv").write_bytes(b"1")
    t = prov.file_checksums({"sample files": d, "clinical": tmp_path / "absent.tsv"})
    assert t["path"].tolist() == [str(d / "a.tsv"), str(d / "b.tsv"), str(tmp_path / "absent.tsv")]
    assert t.iloc[0]["sha256"] == hashlib.sha256(b"1").hexdigest()
    assert t.iloc[2]["sha256"] == "MISSING" and pd.isna(t.iloc[2]["bytes"])


def test_file_checksums_deduplicates(tmp_path):
    f = tmp_path / "x"
    f.write_bytes(b"x")
    assert len(prov.file_checksums([("a", f), ("a", f), ("b", f)])) == 2


def test_package_versions():
    v = prov.package_versions()
    for k in ("python", "snakemake", "pandas", "numpy", "scipy", "pydeseq2", "gseapy", "lifelines", "matplotlib",
              "mitoscore"):
        assert k in v
    assert v["pandas"] == pd.__version__
    assert re.match(r"\d+\.\d+", v["python"])
    assert prov.package_versions({"nope": "surely-not-installed-pkg-xyz"})["nope"] == "not installed"


def test_git_state_not_a_checkout(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    g = prov.git_state(tmp_path)
    assert g["status"] == "not a git checkout" and g["commit"] is None and g["dirty"] is None


def test_git_state_missing_git(monkeypatch, tmp_path):
    monkeypatch.setattr(prov.shutil, "which", lambda name: None)
    g = prov.git_state(tmp_path)
    assert g == {"commit": None, "dirty": None, "branch": None, "status": "git not available"}


def test_git_state_clean_and_dirty(tmp_path):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git not installed")
    env = ["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run([git, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "f.txt").write_text("1\n")
    subprocess.run([git, "-C", str(tmp_path), "add", "f.txt"], check=True)
    subprocess.run([git, "-C", str(tmp_path), *env, "commit", "-q", "-m", "init"], check=True)
    head = subprocess.run([git, "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    g = prov.git_state(tmp_path)
    assert g["status"] == "ok" and g["commit"] == head and re.fullmatch(r"[0-9a-f]{40}", g["commit"])
    assert g["dirty"] is False and g["branch"]
    (tmp_path / "f.txt").write_text("2\n")
    g = prov.git_state(tmp_path)
    assert g["dirty"] is True and g["n_changed_files"] == 1


def test_run_info_command_line(monkeypatch, tmp_path):
    monkeypatch.delenv(prov.CMDLINE_ENV, raising=False)
    r = prov.run_info(workdir=tmp_path, seeds={"survival": 7})
    assert r["command_line"].startswith("not recorded") and prov.CMDLINE_ENV in r["command_line"]
    assert r["workdir"] == str(tmp_path) and r["seed.survival"] == "7"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["date_utc"])
    monkeypatch.setenv(prov.CMDLINE_ENV, "snakemake --cores 4 --profile profiles/default")
    assert prov.run_info()["command_line"] == "snakemake --cores 4 --profile profiles/default"


def test_provenance_table(tmp_path):
    f = tmp_path / "abc"
    f.write_bytes(b"abc")
    t = prov.provenance_table(prov.file_checksums([("config", f)]), {"python": "3.11"},
                              {"commit": None, "dirty": None, "status": "not a git checkout"},
                              {"date_utc": "2026-01-01T00:00:00Z"})
    assert list(t.columns) == prov.PROVENANCE_COLUMNS
    assert t["kind"].tolist() == ["file", "package", "git", "git", "git", "run"]
    assert t.iloc[0]["sha256"] == ABC_SHA256 and t.iloc[0]["value"] == str(f)
    assert t[t.key == "commit"]["value"].iloc[0] == "NA"
