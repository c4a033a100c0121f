"""Speed options (generation/engine/speed.py): settings over spec defaults, each option really
applied to the denoiser (or reported as not applied), and the benchmark that measures them."""

import io
import re
import subprocess
import sys

import numpy as np
import pytest
from django.core.management import call_command
from django.test import override_settings

from generation.engine import loader, runner, speed
from generation.engine.specs import get_spec
from generation.engine.types import TEXT_TO_VIDEO, GenerationRequest

REQUEST = GenerationRequest(
    kind=TEXT_TO_VIDEO,
    prompt="a lighthouse at dusk",
    aspect_ratio="16:9",
    duration_s=1,
    seed=7,
    num_inference_steps=12,
    size=(256, 160),
)


def test_settings_override_the_spec_and_default_falls_back_to_it():
    spec_defaults = {"step_cache": "first-block"}
    assert speed.resolve(spec_defaults) == {
        "step_cache": "first-block",
        "compile": "off",
        "precision": "off",
    }
    assert speed.resolve(spec_defaults, step_cache="off")["step_cache"] == "off"
    assert speed.resolve({}, step_cache="taylorseer", compile="on") == {
        "step_cache": "taylorseer",
        "compile": "on",
        "precision": "off",
    }
    with pytest.raises(ValueError, match="step_cache must be one of"):
        speed.resolve({}, step_cache="teacache")
    with pytest.raises(ValueError, match="unknown speed option"):
        speed.check("turbo", "on")


def test_a_bad_setting_stops_the_process_with_the_choices():
    check = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={**__import__("os").environ, "GENERATION_PRECISION": "fp4"},
        capture_output=True,
        text=True,
    )
    assert check.returncode != 0
    assert "GENERATION_PRECISION: precision must be one of default, off, fp8" in check.stderr


def test_the_worker_loads_with_its_settings():
    from generation.execution import load_options

    with override_settings(
        GENERATION_STEP_CACHE="taylorseer", GENERATION_COMPILE="off", GENERATION_PRECISION="fp8"
    ):
        options = load_options()
    assert (options.step_cache, options.compile, options.precision) == ("taylorseer", "off", "fp8")


def _frames(**chosen):
    loader.clear_cache()
    result = runner.run(REQUEST, spec="tiny", device="cpu", **chosen)
    return result.frames


def test_step_caches_hook_the_denoiser_and_change_its_work():
    pipeline = get_spec("tiny").pipeline_for(TEXT_TO_VIDEO)
    options = loader.LoadOptions(step_cache="taylorseer")
    pipe = loader.load_pipeline(pipeline, "cpu", options)
    hooked = [
        name
        for name, module in pipe.transformer.named_modules()
        if getattr(module, "_diffusers_hook", None) is not None
        and module._diffusers_hook.get_hook("taylorseer_cache") is not None
    ]
    # Every attention layer of every block: LTX names them attn1 and attn2.
    assert hooked and all(re.fullmatch(r"transformer_blocks\.\d+\.attn\d", n) for n in hooked)
    assert len(hooked) == 2 * len(pipe.transformer.transformer_blocks)

    fbc = loader.load_pipeline(pipeline, "cpu", loader.LoadOptions(step_cache="first-block"))
    assert fbc.transformer.is_cache_enabled

    off = _frames(step_cache="off")
    assert np.array_equal(off, _frames(step_cache="off")), "same seed, same frames"
    predicted = _frames(step_cache="taylorseer")
    # Predicted steps replace computed ones, so the frames move, but they are still frames.
    assert predicted.shape == off.shape and not np.array_equal(predicted, off)


def test_fp8_without_the_hardware_is_reported_not_applied(caplog):
    pipe = loader.build_tiny_pipeline("tiny/ltx")
    chosen = speed.resolve({}, precision="fp8")
    applied = speed.apply(pipe, chosen, "cpu")
    assert applied["precision"] == "off"
    assert "compute capability 8.9" in caplog.text
    assert next(pipe.transformer.parameters()).dtype != __import__("torch").float8_e4m3fn


def test_bench_speed_prints_each_option_against_everything_off():
    out = io.StringIO()
    call_command(
        "bench_speed",
        "--steps",
        "6",
        "--repeat",
        "1",
        "--duration",
        "1",
        "--size",
        "256x160",
        "--options",
        "step_cache,precision",
        stdout=out,
    )
    text = out.getvalue()
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()[2:] if line.strip()}
    assert rows["all"][-1] == "inf"  # everything off against itself
    for label in ("step_cache=first-block", "step_cache=taylorseer"):
        per_step, speedup, psnr = rows[label]
        assert float(per_step) > 0 and speedup.endswith("x")
        assert psnr == "inf" or float(psnr) > 0
    assert "not applied" in " ".join(rows["precision=fp8"])
