"""envs/*.yaml must mirror the pins of pyproject.toml (the one place versions are declared)."""
import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib"}


def pyproject_pins() -> dict[str, str]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text())
    deps = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["test"]
    pins = {}
    for d in deps:
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9][^;\s]*)", d.strip())
        assert m, f"pyproject dependency '{d}' is not pinned exactly (name==version)"
        pins[m.group(1).lower()] = m.group(2)
    return pins


def test_every_dependency_is_pinned_exactly():
    pins = pyproject_pins()
    for name in ("snakemake", "pandas", "pydeseq2", "gseapy", "lifelines", "matplotlib", "pytest"):
        assert name in pins, f"{name} must be pinned in pyproject.toml"
    assert pins["snakemake"].startswith("9."), "the workflow targets Snakemake 9.x"


def test_conda_envs_mirror_pyproject_pins():
    pins = pyproject_pins()
    envs = sorted((REPO / "envs").glob("*.yaml"))
    assert envs, "no envs/*.yaml"
    checked = 0
    for env in envs:
        spec = yaml.safe_load(env.read_text())
        assert "nodefaults" in spec["channels"], f"{env.name}: add nodefaults to channels"
        for dep in spec["dependencies"]:
            name, _, version = str(dep).partition("=")
            assert version, f"{env.name}: '{dep}' is not pinned"
            if name == "python":
                assert version == "3.11"
                continue
            pypi = CONDA_TO_PYPI.get(name, name).lower()
            assert pypi in pins, f"{env.name}: {name} is not declared in pyproject.toml"
            assert version == pins[pypi], f"{env.name}: {name}={version} but pyproject pins {pins[pypi]}"
            checked += 1
    assert checked >= 15


def test_every_rule_uses_a_pinned_env():
    text = "".join(p.read_text() for p in (REPO / "workflow" / "rules").glob("*.smk"))
    rules = re.findall(r"^rule (\w+):", text, flags=re.M)
    conda = re.findall(r"conda:\s*\n\s*\"\.\./\.\./envs/(\w+)\.yaml\"", text)
    assert len(conda) == len(rules) - 0, f"every rule declares a conda env ({len(conda)} of {len(rules)})"
    for name in conda:
        assert (REPO / "envs" / f"{name}.yaml").exists()
