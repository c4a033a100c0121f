"""The memory plan: where each component of a spec lives, and how each pipeline runs on one GPU.

A spec's pipelines share identical components (`PipelineSpec.shared`): Wan's UMT5-XXL and VAE,
the image encoder of its image models, the T5-XXL of LTX and Flux. Each distinct component is a
key `(checkpoint, component)` with its size in the dtype it loads in on a GPU. From the sizes,
the GPU's memory and the host's, `plan` decides:

- which components are on the GPU when the worker starts (warm-up follows the plan);
- per pipeline, how a job runs it:
  - `resident`: all its components stay on the GPU;
  - `swap`: parked in host memory; a job moves its components in, first moving the least
    recently used others out (`residency.Residency`);
  - `offload`: too big to hold whole with its working memory: diffusers' model CPU offload,
    one component on the GPU at a time, the rest of the spec moved out first;
  - `stream`: even one component is too big: sequential offload, a layer at a time (slow);
- per pipeline, whether warm-up keeps it in host memory (`host`) or leaves it on disk (`cold`,
  loaded by its first job) when host memory runs short.

Working memory (activations of the longest call at the largest size, and the VAE decode) is an
estimate written here from the architectures; `bin/gpu-smoke` prints real peaks to check it.
Pure arithmetic: only `expected_sizes` imports torch.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from .architectures import ARCHITECTURES
from .kolors import unet_working_bytes
from .specs import (
    EXTRA_PIPELINES,
    FIRST_LAST_FRAME,
    MAX_PICTURES,
    ModelSpec,
    PipelineSpec,
    get_spec,
)
from .types import IMAGE_TO_VIDEO, KINDS, MODES, TEXT_TO_PICTURE

GiB = 1 << 30
# CUDA context, cuBLAS/cuDNN workspaces and allocator fragmentation: never planned for weights.
CUDA_RESERVE = int(1.5 * GiB)
FRAGMENTATION = 0.95
# Host memory left to the OS, the worker's own process and post-processing of frames.
HOST_RESERVE = 16 * GiB
DTYPE_BYTES = {"bfloat16": 2, "float16": 2, "float32": 4}
GPU_DTYPE = "bfloat16"
# Activation bytes per pixel of the VAE decode (tiled or frame by frame, so independent of the
# clip's length): Wan's VAE runs in float32.
VAE_BYTES_PER_PIXEL = {"ltx": 2000, "wan": 4000, "picture": 3000}
WORKING_MARGIN = 1.25
# The upscaler doubles width and height (LTX's latent upsampler); its residual blocks keep about
# this many activations of the doubled latents alive at once (input, two convs' outputs, norm).
UPSCALE_FACTOR = 2
UPSAMPLER_LIVE_TENSORS = 4

RESIDENT, SWAP, OFFLOAD, STREAM = "resident", "swap", "offload", "stream"
GPU, HOST, COLD = "gpu", "host", "cold"
# A block of a streamed component: sequential offload holds about one layer at a time.
STREAM_BLOCKS = 20

Key = tuple[str, str]


def load_dtype(pipeline: PipelineSpec, component: str) -> str:
    """The dtype `component` of `pipeline` loads in on a GPU (on a CPU everything is float32)."""
    return pipeline.dtypes.get(component, GPU_DTYPE)


def component_key(pipeline: PipelineSpec, component: str) -> Key:
    """Where the component really comes from: its own checkpoint, or the one it borrows from."""
    return pipeline.shared.get(component, (pipeline.checkpoint, component))


@dataclass
class PipelinePlan:
    pipeline: PipelineSpec
    components: list[Key]
    weights: int
    working: int
    mode: str = RESIDENT
    warm: str = GPU

    @property
    def checkpoint(self) -> str:
        return self.pipeline.checkpoint


@dataclass
class MemoryPlan:
    spec: ModelSpec
    gpu_bytes: int
    host_bytes: int | None  # None: not limited
    sizes: dict[Key, int]
    pipelines: list[PipelinePlan]
    on_gpu: set[Key] = field(default_factory=set)
    on_host: set[Key] = field(default_factory=set)

    @property
    def budget(self) -> int:
        return gpu_budget(self.gpu_bytes)

    @property
    def fits(self) -> bool:
        return all(self.gpu_peak(p) <= self.budget for p in self.pipelines)

    def for_checkpoint(self, checkpoint: str) -> PipelinePlan:
        for plan in self.pipelines:
            if plan.checkpoint == checkpoint:
                return plan
        raise KeyError(checkpoint)

    def gpu_peak(self, plan: PipelinePlan) -> int:
        """The most bytes on the GPU while `plan`'s pipeline runs."""
        if plan.mode == RESIDENT:
            return self.bytes_of(self.on_gpu) + plan.working
        if plan.mode == SWAP:
            return plan.weights + plan.working
        largest = max((self.sizes[k] for k in plan.components), default=0)
        if plan.mode == OFFLOAD:
            return largest + plan.working
        return largest // STREAM_BLOCKS + plan.working

    def bytes_of(self, keys) -> int:
        return sum(self.sizes[k] for k in keys)

    def describe(self) -> str:
        host = (
            "unlimited host memory"
            if self.host_bytes is None
            else f"{self.host_bytes / GiB:.0f} GiB of host memory"
        )
        lines = [
            f"memory plan for {self.spec.id} on a {self.gpu_bytes / GiB:.0f} GiB GPU "
            f"({self.budget / GiB:.1f} GiB usable) and {host}: "
            f"{self.bytes_of(self.sizes) / GiB:.1f} GiB of weights, "
            f"{self.bytes_of(self.on_gpu) / GiB:.1f} GiB on the GPU at start",
            f"  {'pipeline':<44}{'weights':>9}{'working':>9}{'peak':>8}  mode      warm-up",
        ]
        for plan in self.pipelines:
            peak = self.gpu_peak(plan)
            lines.append(
                f"  {plan.checkpoint:<44}{plan.weights / GiB:8.1f}G{plan.working / GiB:8.1f}G"
                f"{peak / GiB:7.1f}G  {plan.mode:<9} {plan.warm}"
                + ("" if peak <= self.budget else "  DOES NOT FIT")
            )
        shared = sorted(k for k in self.sizes if sum(k in p.components for p in self.pipelines) > 1)
        if shared:
            lines.append(
                "  shared: "
                + ", ".join(f"{c} of {ck} ({self.sizes[(ck, c)] / GiB:.1f}G)" for ck, c in shared)
            )
        return "\n".join(lines)


def gpu_budget(gpu_bytes: int) -> int:
    return int((gpu_bytes - CUDA_RESERVE) * FRAGMENTATION)


def pipeline_components(pipeline: PipelineSpec, sizes: dict[Key, int]) -> list[Key]:
    """The keys `pipeline` uses: its own components in `sizes` plus the ones it borrows."""
    own = [k for k in sizes if k[0] == pipeline.checkpoint and k[1] not in pipeline.shared]
    return own + [k for k in pipeline.shared.values() if k in sizes]


def plan(
    spec: ModelSpec | str,
    sizes: dict[Key, int],
    gpu_bytes: int,
    host_bytes: int | None = None,
    *,
    force: str | None = None,
) -> MemoryPlan:
    """Place the spec's components for a GPU of `gpu_bytes` and a host of `host_bytes`.

    Pipelines are taken in the spec's order (text to video first, the most used): each that
    still fits whole beside those already placed, with the largest working memory among them,
    becomes resident. The others swap when they fit whole, else offload, else stream. `force`
    (a mode) overrides the choice for every pipeline (an operator's setting).
    """
    spec = get_spec(spec)
    budget = gpu_budget(gpu_bytes)
    plans = []
    for pipeline in spec.all_pipelines():
        keys = pipeline_components(pipeline, sizes)
        plans.append(
            PipelinePlan(
                pipeline,
                keys,
                weights=sum(sizes[k] for k in keys),
                working=working_bytes(spec, pipeline),
            )
        )
    result = MemoryPlan(spec, gpu_bytes, host_bytes, sizes, plans)
    resident: set[Key] = set()
    working = 0
    for p in plans:
        together = resident | set(p.components)
        need = max(working, p.working)
        if force in (None, RESIDENT) and result.bytes_of(together) + need <= budget:
            resident, working = together, need
            p.mode = RESIDENT
        elif force not in (None, RESIDENT):
            p.mode = force
        elif p.weights + p.working <= budget:
            p.mode = SWAP
        elif max(sizes[k] for k in p.components) + p.working <= budget:
            p.mode = OFFLOAD
        else:
            p.mode = STREAM
    if force == RESIDENT:
        for p in plans:
            p.mode = RESIDENT
        resident = set().union(*(p.components for p in plans))
    result.on_gpu = resident
    # Host memory: everything else, pipeline by pipeline, while it fits; the rest stays cold.
    room = host_bytes - HOST_RESERVE if host_bytes is not None else float("inf")
    on_host: set[Key] = set()
    for p in plans:
        extra = set(p.components) - resident - on_host
        if not extra:
            p.warm = GPU if set(p.components) <= resident else HOST
        elif result.bytes_of(on_host | extra) <= room:
            on_host |= extra
            p.warm = HOST
        else:
            p.warm = COLD
    result.on_host = on_host
    return result


def working_bytes(spec: ModelSpec, pipeline: PipelineSpec) -> int:
    """Estimated activation memory of the pipeline's largest call: the transformer's residual
    stream, attention projections and feed-forward hidden state over every token (batched
    with the unconditional pass where the family batches it), and the VAE decode."""
    if pipeline.class_name == "LTXLatentUpsamplePipeline":
        return upscale_working_bytes(spec, pipeline)
    _, arch = ARCHITECTURES[pipeline.checkpoint]
    if pipeline.class_name == "KolorsPipeline":  # a UNet; guidance batches the negative prompt
        w, h = max(spec.picture_sizes.values(), key=lambda s: s[0] * s[1])
        unet = unet_working_bytes(arch["unet"], w, h, batch=2 * MAX_PICTURES)
        return int(WORKING_MARGIN * (unet + VAE_BYTES_PER_PIXEL["picture"] * w * h))
    t = arch["transformer"]
    width = t["num_attention_heads"] * t["attention_head_dim"]
    if pipeline.class_name == "FluxPipeline":
        w, h = max(spec.picture_sizes.values(), key=lambda s: s[0] * s[1])
        tokens = (w // 16) * (h // 16) + arch["max_sequence_length"]
        transformer = MAX_PICTURES * tokens * (6 * width + 4 * width) * 2
        vae = VAE_BYTES_PER_PIXEL["picture"] * w * h  # one image at a time (VAE slicing)
    else:
        sizes = [spec.size_for(a, m) for m in _modes_of(spec, pipeline) for a in ("16:9", "1:1")]
        w, h = max(sizes, key=lambda s: s[0] * s[1])
        frames = spec.max_frames
        family = spec.family_of(pipeline)
        if family == "ltx":
            tokens = (w // 32) * (h // 32) * ((frames - 1) // 8 + 1)
            batch, ffn = 2, 4 * width  # LTX batches the unconditional pass
        else:
            tokens = (w // 16) * (h // 16) * ((frames - 1) // 4 + 1)
            batch, ffn = 1, t["ffn_dim"]  # Wan runs it separately
        transformer = batch * tokens * (6 * width + ffn) * 2
        vae = VAE_BYTES_PER_PIXEL[family] * w * h
    return int(WORKING_MARGIN * (transformer + vae))


def upscale_working_bytes(spec: ModelSpec, pipeline: PipelineSpec) -> int:
    """Estimated activation memory of the upscaler on one chunk (`upscale_chunk_frames`) of the
    largest video it upscales (`generation/engine/upscale.py`): the chunk going in (float32),
    the upsampler's activations on the doubled latents, the VAE decode at the doubled size (per
    pixel, tiled as for generation) and the decoded chunk with its two conversions (GPU dtype,
    then uint8), which leave the device one chunk at a time."""
    _, arch = ARCHITECTURES[pipeline.checkpoint]
    modes = [m for m in MODES if spec.upscales(m)] or list(MODES)
    sizes = [spec.size_for(a, m) for m in modes for a in ("16:9", "9:16", "1:1")]
    w, h = max(sizes, key=lambda s: s[0] * s[1])
    frames = spec.upscale_chunk_frames
    spatial, temporal = spec.spatial_multiple, spec.temporal_multiple
    big = UPSCALE_FACTOR**2 * w * h
    latent_tokens = big // spatial**2 * ((frames - 1) // temporal + 1)
    mid = arch["latent_upsampler"]["mid_channels"]
    going_in = frames * 3 * w * h * 4
    upsampler = latent_tokens * mid * DTYPE_BYTES[GPU_DTYPE] * UPSAMPLER_LIVE_TENSORS
    decoded = frames * 3 * big * (2 * DTYPE_BYTES[GPU_DTYPE] + 1)
    vae = VAE_BYTES_PER_PIXEL[spec.family] * big
    return int(WORKING_MARGIN * (going_in + upsampler + vae + decoded))


def _modes_of(spec: ModelSpec, pipeline: PipelineSpec) -> list[str]:
    """The quality modes a pipeline serves (its largest size sets its working memory)."""
    modes = []
    for mode in MODES:
        for kind in (*KINDS, *EXTRA_PIPELINES):
            if kind == TEXT_TO_PICTURE or kind not in spec.pipelines:
                continue
            end_frame = kind == FIRST_LAST_FRAME
            asked = IMAGE_TO_VIDEO if end_frame else kind
            served = spec.pipeline_for(asked, mode, end_frame=end_frame)
            if served.checkpoint == pipeline.checkpoint and mode not in modes:
                modes.append(mode)
    return modes or ["standard"]


@functools.cache
def expected_sizes(spec_id: str) -> dict[Key, int]:
    """Each distinct component's bytes in its GPU dtype, counted from the architecture built on
    the meta device (no memory, no weights): what `plan` uses before any file is fetched."""
    import torch

    from .builders import build_pipeline

    spec = get_spec(spec_id)
    sizes: dict[Key, int] = {}
    for pipeline in spec.all_pipelines():
        pipe = build_pipeline(pipeline.checkpoint, device="meta")
        for name, module in pipe.components.items():
            if not isinstance(module, torch.nn.Module) or name in pipeline.shared:
                continue
            numel = sum(p.numel() for p in module.parameters())
            numel += sum(b.numel() for b in module.buffers() if b.is_floating_point())
            sizes[(pipeline.checkpoint, name)] = numel * DTYPE_BYTES[load_dtype(pipeline, name)]
    # A component borrowed from a checkpoint the spec does not run (LTX's T5-XXL is
    # FLUX.1-schnell's, also when another model makes the pictures) is counted from its source.
    for pipeline in spec.all_pipelines():
        for name, key in pipeline.shared.items():
            if key in sizes:
                continue
            module = build_pipeline(key[0], device="meta").components[key[1]]
            numel = sum(p.numel() for p in module.parameters())
            numel += sum(b.numel() for b in module.buffers() if b.is_floating_point())
            sizes[key] = numel * DTYPE_BYTES[load_dtype(pipeline, name)]
    return sizes
