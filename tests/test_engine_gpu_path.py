"""The GPU code path, run on a CPU: bfloat16 components beside the float32 ones each family
keeps, the memory plan and its residency manager in the loop, shared components, every kind and
quality. Only the device is the CPU (the manager's moves are then to and from the same memory);
a dtype mismatch or a plan that leaves a component behind fails here, not on an operator's GPU.
"""

import numpy as np
import pytest
import torch
from PIL import Image

from generation.engine import loader, runner
from generation.engine.types import GenerationRequest

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")

IMAGE = Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 500, 3), np.uint8))
CASES = [
    ("text_to_video", {}),
    ("image_to_video", {"image": IMAGE}),
    ("image_to_video", {"image": IMAGE, "end_image": IMAGE}),
    ("extend", {"source_frames": np.zeros((20, 80, 128, 3), np.uint8), "source_fps": 8}),
    ("text_to_picture", {"num_images": 1}),
]


@pytest.fixture
def as_if_on_a_gpu(monkeypatch):
    monkeypatch.setattr(loader, "on_gpu", lambda device: True)


@pytest.mark.parametrize(("spec", "plan"), [("tiny-wan", "swap"), ("tiny", None)])
def test_every_kind_and_quality_runs_with_gpu_dtypes_under_the_memory_plan(
    as_if_on_a_gpu, spec, plan
):
    options = loader.LoadOptions(gpu_memory_gb=80, host_memory_gb=64, memory_plan=plan)
    size = (128, 80) if spec == "tiny-wan" else (128, 96)
    for mode in ("standard", "professional"):
        for kind, inputs in CASES:
            request = GenerationRequest(
                kind=kind,
                prompt="a cat",
                mode=mode,
                duration_s=1,
                num_inference_steps=2,
                size=None if kind == "text_to_picture" else size,
                **inputs,
            )
            result = runner.run(request, spec=spec, device="cpu", options=options)
            if kind == "text_to_picture":
                assert len(result.images) == 1
            else:
                assert result.frames.dtype == np.uint8 and result.frames.shape[-1] == 3
            end_frame = "end_image" in inputs
            pipe = loader.get_pipeline(
                spec, kind, "cpu", mode=mode, end_frame=end_frame, options=options
            )
            dtypes = {
                name: next(module.parameters()).dtype
                for name, module in pipe.components.items()
                if isinstance(module, torch.nn.Module)
            }
            family_keeps_fp32 = {"vae", "image_encoder"} if spec == "tiny-wan" else set()
            if kind == "text_to_picture":
                family_keeps_fp32 = set()
            for name, dtype in dtypes.items():
                expected = torch.float32 if name in family_keeps_fp32 else torch.bfloat16
                assert dtype == expected, (spec, kind, name)
    residency = next(r for (spec_id, *_), r in loader._RESIDENCY.items() if spec_id == spec)
    # Every component a job used was moved onto the device by the manager, within its budget;
    # shared ones once (the text encoder of five Wan pipelines is one key).
    moved_in = [key for move, key in residency.moves if move == "in"]
    assert moved_in and len(moved_in) == len(set(moved_in))
    assert residency.used() <= residency.plan.budget
