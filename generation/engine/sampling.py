"""The sampling arguments of a pipeline call: steps (or a distilled schedule), guidance, seed."""

from __future__ import annotations

from .specs import PipelineSpec
from .types import GenerationRequest


def sampling_kwargs(request: GenerationRequest, pipeline: PipelineSpec) -> dict:
    import torch

    guidance = request.guidance_scale
    if guidance is None:
        guidance = pipeline.guidance_for(request.creativity)
    # A timestep-distilled checkpoint gets its schedule, never a step count (one it was not
    # trained for would blur its output); overrides of the count leave it alone.
    if pipeline.timesteps:
        steps = {"timesteps": list(pipeline.timesteps)}
    else:
        steps = {"num_inference_steps": pipeline.steps_for(request.num_inference_steps)}
    return {
        **steps,
        "guidance_scale": guidance,
        # On the CPU whatever the device: the same seed makes the same video on every host.
        "generator": torch.Generator("cpu").manual_seed(request.seed),
        **pipeline.call_options,
    }
