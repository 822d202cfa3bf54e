"""Static checks of the rule files: every rule declares threads, memory and runtime (cluster
submissions), a log per wildcard set, and uses a thin script entry point."""
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def rule_blocks():
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        text = smk.read_text()
        for m in re.finditer(r"^rule (\w+):\n(.*?)(?=^rule |\Z)", text, flags=re.M | re.S):
            yield smk.name, m.group(1), m.group(2)


def test_every_rule_declares_resources_log_and_script():
    blocks = list(rule_blocks())
    assert len(blocks) >= 10
    for fname, rule, body in blocks:
        assert re.search(r"^\s+threads:\s*\d+", body, re.M), f"{fname}:{rule} lacks threads"
        assert "mem_mb=" in body and "runtime=" in body, f"{fname}:{rule} lacks mem_mb/runtime"
        assert re.search(r"mem_mb=mem_mb\(", body), f"{fname}:{rule}: memory should scale with input size"
        # every path goes through res() (common.smk): the configurable results directory
        assert re.search(r"^\s+log:\s*\n\s+res\(\"logs/", body, re.M), f"{fname}:{rule} lacks a log under res()"
        assert '"results/' not in body, f"{fname}:{rule}: write res(\"...\") instead of a literal results/ path"
        script = re.search(r'script:\s*\n\s+"\.\./\.\./scripts/(\w+\.py)"', body)
        assert script and (REPO / "scripts" / script.group(1)).exists(), f"{fname}:{rule} lacks its script"
        log_path = re.search(r"log:\s*\n\s+res\((\"[^\"]+\")", body).group(1)
        outs = body[body.index("output:"):body.index("log:")]
        for w in ("cohort", "contrast", "name"):
            if "{" + w + "}" in outs:
                assert "{" + w + "}" in log_path, f"{fname}:{rule}: one log per {w}"

def test_scripts_are_thin():
    for p in (REPO / "scripts").glob("*.py"):
        lines = [ln for ln in p.read_text().splitlines() if ln.strip() and not ln.strip().startswith("#")]
        assert len(lines) < 80, f"{p.name} has {len(lines)} lines: move logic into the mitoscore package"
        assert "snakemake" in p.read_text() or p.name == "_common.py"
