"""The memory plan with the real sizes (architectures built on the meta device), and the
residency manager that carries it out between jobs."""

import io

import pytest
from django.core.management import call_command

from generation.engine import memory
from generation.engine.residency import Residency
from generation.engine.specs import MODEL_SPECS, get_spec

GiB = memory.GiB
LTX = "Lightricks/LTX-Video-0.9.5"
FLUX = "black-forest-labs/FLUX.1-schnell"
UP = "Lightricks/ltxv-spatial-upscaler-0.9.7"
DISTILLED = "Lightricks/LTX-Video-0.9.7-distilled"
W = "Wan-AI/Wan2.1-"
R, S, OF, ST = memory.RESIDENT, memory.SWAP, memory.OFFLOAD, memory.STREAM

# What each GPU gets (host memory 512 GiB): pinned, so a change to the plan is a decision.
PLANS = {
    ("ltx-video", 24): {LTX: R, FLUX: ST, UP: S},
    ("ltx-video", 48): {LTX: R, FLUX: R, UP: S},
    ("ltx-video", 80): {LTX: R, FLUX: R, UP: R},
    ("ltx-video", 141): {LTX: R, FLUX: R, UP: R},
    # The 13B transformer (26 GB in bf16) streams block by block on a 24 GiB GPU.
    ("ltx-video-distilled", 24): {DISTILLED: ST, FLUX: ST, UP: R},
    ("ltx-video-distilled", 48): {DISTILLED: R, FLUX: S, UP: R},
    ("ltx-video-distilled", 80): {DISTILLED: R, FLUX: R, UP: R},
    ("ltx-video-distilled", 141): {DISTILLED: R, FLUX: R, UP: R},
    ("wan2.1", 24): {
        W + "T2V-1.3B-Diffusers": R,
        W + "VACE-1.3B-diffusers": R,
        W + "T2V-14B-Diffusers": ST,
        W + "I2V-14B-480P-Diffusers": ST,
        W + "I2V-14B-720P-Diffusers": ST,
        W + "FLF2V-14B-720P-diffusers": ST,
        W + "VACE-14B-diffusers": ST,
        FLUX: ST,
    },
    ("wan2.1", 48): {
        W + "T2V-1.3B-Diffusers": R,
        W + "VACE-1.3B-diffusers": R,
        W + "T2V-14B-Diffusers": OF,
        W + "I2V-14B-480P-Diffusers": OF,
        W + "I2V-14B-720P-Diffusers": OF,
        W + "FLF2V-14B-720P-diffusers": OF,
        W + "VACE-14B-diffusers": ST,
        FLUX: S,
    },
    ("wan2.1", 80): {
        W + "T2V-1.3B-Diffusers": R,
        W + "VACE-1.3B-diffusers": R,
        W + "T2V-14B-Diffusers": R,
        W + "I2V-14B-480P-Diffusers": S,
        W + "I2V-14B-720P-Diffusers": S,
        W + "FLF2V-14B-720P-diffusers": S,
        W + "VACE-14B-diffusers": S,
        FLUX: S,
    },
    ("wan2.1", 141): {
        W + "T2V-1.3B-Diffusers": R,
        W + "VACE-1.3B-diffusers": R,
        W + "T2V-14B-Diffusers": R,
        W + "I2V-14B-480P-Diffusers": R,
        W + "I2V-14B-720P-Diffusers": R,
        W + "FLF2V-14B-720P-diffusers": S,
        W + "VACE-14B-diffusers": S,
        FLUX: S,
    },
}


@pytest.mark.parametrize(("spec", "gib"), PLANS, ids=lambda v: str(v))
def test_the_plan_for_each_gpu_is_pinned_and_never_exceeds_the_gpu(spec, gib):
    sizes = memory.expected_sizes(spec)
    plan = memory.plan(spec, sizes, gib * GiB, 512 * GiB)
    assert {p.checkpoint: p.mode for p in plan.pipelines} == PLANS[(spec, gib)]
    assert plan.fits
    for p in plan.pipelines:
        assert plan.gpu_peak(p) <= plan.budget < gib * GiB
    # At start: what is on the GPU plus the largest working memory among resident pipelines.
    resident = [p for p in plan.pipelines if p.mode == R]
    start = plan.bytes_of(plan.on_gpu) + max(p.working for p in resident)
    assert start <= plan.budget
    assert all(set(p.components) <= plan.on_gpu for p in resident)


@pytest.mark.parametrize("spec", MODEL_SPECS)
@pytest.mark.parametrize("gib", [16, 24, 40, 48, 80, 94, 141, 192])
@pytest.mark.parametrize("force", [None, S, OF, ST])
def test_no_plan_puts_more_on_the_gpu_than_it_has(spec, gib, force):
    plan = memory.plan(spec, memory.expected_sizes(spec), gib * GiB, 256 * GiB, force=force)
    for p in plan.pipelines:
        if plan.fits:
            assert plan.gpu_peak(p) <= gib * GiB
    if force is None and gib >= 24:
        assert plan.fits


def test_the_real_sizes_match_the_published_models():
    sizes = memory.expected_sizes("wan2.1")
    # bf16 except the VAE and image encoder (float32)
    assert sizes[(W + "T2V-1.3B-Diffusers", "text_encoder")] / GiB == pytest.approx(10.6, abs=0.2)
    assert sizes[(W + "T2V-14B-Diffusers", "transformer")] / 1e9 == pytest.approx(28.6, abs=0.5)
    assert sizes[(W + "I2V-14B-480P-Diffusers", "image_encoder")] / 1e9 == pytest.approx(
        2.5, abs=0.2
    )
    # One UMT5 for all seven Wan checkpoints, not seven.
    encoders = [k for k in sizes if k[1] == "text_encoder" and k[0].startswith(W)]
    assert encoders == [(W + "T2V-1.3B-Diffusers", "text_encoder")]
    ltx = memory.expected_sizes("ltx-video")
    assert (LTX, "text_encoder") not in ltx  # borrowed from Flux
    assert ltx[(FLUX, "text_encoder_2")] / GiB == pytest.approx(8.9, abs=0.2)


def test_the_distilled_13b_has_the_published_size_and_borrows_flux_t5():
    """LTX-Video 0.9.7 13B: 13.04 billion transformer parameters, 26.1 GB in bf16; the VAE
    is 0.9.5's architecture; T5-XXL and the upscaler's VAE are not loaded twice."""
    import torch

    from generation.engine.builders import build_pipeline

    pipe = build_pipeline(DISTILLED, device="meta", dtype=torch.bfloat16)
    params = sum(p.numel() for p in pipe.transformer.parameters())
    assert params / 1e9 == pytest.approx(13.04, abs=0.01)
    sizes = memory.expected_sizes("ltx-video-distilled")
    assert sizes[(DISTILLED, "transformer")] / 1e9 == pytest.approx(26.1, abs=0.1)
    assert sizes[(DISTILLED, "vae")] == memory.expected_sizes("ltx-video")[(LTX, "vae")]
    assert {key for key in sizes if key[1] in ("text_encoder", "vae")} == {
        (DISTILLED, "vae"),
        (FLUX, "vae"),
        (FLUX, "text_encoder"),  # Flux's CLIP-L; its T5-XXL is text_encoder_2
    }
    assert (UP, "latent_upsampler") in sizes


def test_warm_up_leaves_cold_what_host_memory_cannot_hold():
    plan = memory.plan("wan2.1", memory.expected_sizes("wan2.1"), 80 * GiB, 128 * GiB)
    warm = {p.checkpoint: p.warm for p in plan.pipelines}
    assert warm[W + "T2V-1.3B-Diffusers"] == memory.GPU
    assert memory.COLD in warm.values() and memory.HOST in warm.values()
    assert plan.bytes_of(plan.on_host) <= 128 * GiB - memory.HOST_RESERVE


def test_check_model_prints_the_plans_for_24_48_80_and_141_gib():
    for spec in ("ltx-video", "ltx-video-distilled", "wan2.1"):
        out = io.StringIO()
        call_command(
            "check_model",
            spec,
            plan_only=True,
            gpu_memory="24,48,80,141",
            host_memory="512",
            stdout=out,
        )
        text = out.getvalue()
        for gib in (24, 48, 80, 141):
            assert f"on a {gib} GiB GPU" in text
            modes = PLANS[(spec, gib)]
            block = text.split(f"on a {gib} GiB GPU")[1].split("memory plan for")[0]
            for checkpoint, mode in modes.items():
                line = next(line for line in block.splitlines() if checkpoint in line)
                assert f" {mode} " in line, line
        assert "DOES NOT FIT" not in text


# --- the residency manager, with fake modules that record where they are --------------------


class Module:
    def __init__(self, name):
        self.name, self.device = name, "cpu"

    def parameters(self):
        return iter(())

    def to(self, device):
        self.device = device
        return self


class Pipe:
    def __init__(self, components):
        self.components = components
        self.hooks = []

    def enable_model_cpu_offload(self, device):
        self.hooks.append(("model", device))

    def enable_sequential_cpu_offload(self, device):
        self.hooks.append(("sequential", device))

    def remove_all_hooks(self):
        self.hooks.append("removed")


def residency_for(gib, host_gib=None, force=None):
    """tiny-wan's pipelines with made-up sizes: text encoder 10, VAE 1, transformers 20
    (flf2v 30), image encoder 2, Flux parts 12 GiB; working memory comes from the plan."""
    spec = get_spec("tiny-wan")
    sizes = {}
    for key in memory.expected_sizes("tiny-wan"):
        checkpoint, name = key
        sizes[key] = {
            "text_encoder": 10,
            "vae": 1,
            "image_encoder": 2,
            "transformer": 30 if checkpoint == "tiny/wan-flf2v" else 20,
        }.get(name, 12) * GiB
    plan = memory.plan(
        spec, sizes, gib * GiB, None if host_gib is None else host_gib * GiB, force=force
    )
    residency = Residency(plan, device="cuda:0")
    residency._empty_cache = lambda: None
    pipes, modules = {}, {}
    for p in plan.pipelines:
        components = {}
        for name in ("text_encoder", "vae", "image_encoder", "transformer", "text_encoder_2"):
            key = memory.component_key(p.pipeline, name)
            if key in sizes:  # one object per key: shared components are the same module
                components[name] = modules.setdefault(key, Module(f"{key[0]}:{key[1]}"))
        pipes[p.checkpoint] = Pipe(components)
    return residency, pipes


def test_a_job_for_a_parked_pipeline_swaps_it_in_and_the_least_recently_used_out():
    residency, pipes = residency_for(45)
    plan = residency.plan
    modes = {p.checkpoint: p.mode for p in plan.pipelines}
    assert modes["tiny/wan-t2v"] == R and modes["tiny/wan-i2v"] == S
    for checkpoint in ("tiny/wan-t2v", "tiny/wan-i2v"):
        residency.adopt(checkpoint, pipes[checkpoint])
    t2v_transformer = ("tiny/wan-t2v", "transformer")
    assert t2v_transformer in residency.on_device
    assert ("tiny/wan-i2v", "transformer") not in residency.on_device
    with residency.running("tiny/wan-i2v", pipes["tiny/wan-i2v"]):
        assert residency.used() <= plan.budget
        assert ("tiny/wan-i2v", "transformer") in residency.on_device
        # The text encoder and VAE are shared: they stay, only the t2v transformer goes out.
        assert ("tiny/wan-t2v", "text_encoder") in residency.on_device
        assert t2v_transformer not in residency.on_device
        assert pipes["tiny/wan-i2v"].components["transformer"].device == "cuda:0"
    with residency.running("tiny/wan-t2v", pipes["tiny/wan-t2v"]):
        assert t2v_transformer in residency.on_device
    assert ("out", ("tiny/wan-t2v", "text_encoder")) not in residency.moves


def test_an_offloaded_pipeline_gets_the_whole_gpu_and_gives_it_back():
    residency, pipes = residency_for(40)
    assert residency.plan.for_checkpoint("tiny/wan-flf2v").mode == OF
    for checkpoint in ("tiny/wan-t2v", "tiny/wan-flf2v"):
        residency.adopt(checkpoint, pipes[checkpoint])
    assert residency.on_device
    with residency.running("tiny/wan-flf2v", pipes["tiny/wan-flf2v"]):
        assert residency.on_device == set()
        assert pipes["tiny/wan-flf2v"].hooks == [("model", "cuda:0")]
    assert pipes["tiny/wan-flf2v"].hooks[-1] == "removed"
    with residency.running("tiny/wan-t2v", pipes["tiny/wan-t2v"]):
        assert ("tiny/wan-t2v", "transformer") in residency.on_device


def test_a_forced_stream_plan_uses_sequential_offload():
    residency, pipes = residency_for(80, force=ST)
    residency.adopt("tiny/wan-t2v", pipes["tiny/wan-t2v"])
    with residency.running("tiny/wan-t2v", pipes["tiny/wan-t2v"]):
        assert pipes["tiny/wan-t2v"].hooks == [("sequential", "cuda:0")]


def test_when_host_memory_runs_short_the_least_recently_used_pipeline_is_dropped():
    residency, pipes = residency_for(60, host_gib=16 + 60)  # room for 60 GiB of weights
    dropped = []
    residency.adopt("tiny/wan-t2v", pipes["tiny/wan-t2v"], forget=dropped.append)
    residency.adopt("tiny/wan-i2v", pipes["tiny/wan-i2v"], forget=dropped.append)
    with residency.running("tiny/wan-i2v", pipes["tiny/wan-i2v"]):
        pass
    residency.make_room_in_host("tiny/wan-vace")  # 20 GiB more: over 60
    assert dropped == [[("tiny/wan-t2v", "transformer")]]  # t2v was used least recently...
    assert ("tiny/wan-t2v", "text_encoder") in residency.modules  # ...but its encoder is shared
