"""`bin/gpu-smoke --tiny`: the GPU smoke script's code path, with the demo specs on the CPU."""

import io
import os
import re
import subprocess

from django.core.management import call_command

from generation.engine.matrix import cells
from generation.engine.specs import get_spec
from generation.management.commands.gpu_smoke import SMOKE_KINDS
from tests.conftest import ROOT

NUMBER = r"\d+\.\d+"


def test_gpu_smoke_prints_a_row_of_figures_per_kind_of_every_spec(tmp_path):
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        ["bin/gpu-smoke", "--tiny", "--modes", "standard"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("gpu-smoke on cpu (torch ")
    assert lines[1].split()[:5] == ["spec", "kind", "mode", "output", "load"]
    for spec_id in ("tiny", "tiny-wan"):
        spec = get_spec(spec_id)
        for cell in cells(spec, ["standard"], SMOKE_KINDS):
            # load, s/step, peak (none on a CPU), job s, clip s, checkpoint
            row = (
                rf"^{re.escape(spec_id)} +{re.escape(cell.label)} +standard +\S+ +{NUMBER} +"
                rf"{NUMBER} +- +{NUMBER} +{NUMBER} +{re.escape(cell.checkpoint(spec))}"
                r"( \(as above\))?$"
            )
            assert any(re.match(row, line) for line in lines), (row, done.stdout)
    assert lines[-1].startswith("total ")


def test_the_default_gpu_plan_runs_every_standard_job_within_the_budget_and_lists_the_rest():
    out = io.StringIO()
    call_command("gpu_smoke", "--dry-run", stdout=out)
    lines = out.getvalue().splitlines()
    for spec_id in ("ltx-video", "wan2.1"):
        spec = get_spec(spec_id)
        for cell in cells(spec, kinds=SMOKE_KINDS):
            assert (
                any(line.split()[:3] == [spec_id, cell.label, cell.mode] for line in lines)
                or f"{spec_id} {cell.label} {cell.mode}" in lines[-1]
            ), (cell, lines)
        for cell in cells(spec, ["standard"], SMOKE_KINDS):
            assert any(line.split()[:3] == [spec_id, cell.label, "standard"] for line in lines)
    total = next(line for line in lines if line.startswith("total "))
    assert int(total.split()[1]) <= 420
