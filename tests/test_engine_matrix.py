"""Every real architecture runs: each spec x kind x quality (and image to video with an end frame)
goes through the engine and the worker's post-processing, and its MP4 or PNG decodes back.

The pipelines are the real classes built from the real configs (`architectures.ARCHITECTURES`)
with random weights, cut to one layer per stack with widths divided by 8 (`architectures.reduce`:
the structure stays: qk norm, cross-attention, image tokens, VACE, patch sizes, the VAEs'
compression), at a small size on the family's multiples and one second of video. The engine's
per-process cache shares each pipeline between the cells that use it, as on a worker. The demo
specs run their own (tiny) configs as they are.
"""

import io
import tempfile

import numpy as np
import pytest
from django.utils import timezone
from PIL import Image

from generation import media, postprocess, soundtrack
from generation.engine import loader, runner, upscale
from generation.engine.architectures import ARCHITECTURES, reduce
from generation.engine.matrix import Cell, cells, grouped_by_checkpoint, request_for
from generation.engine.specs import MODEL_SPECS, get_spec
from generation.engine.types import ADD_SOUND, EXTEND, STORYBOARD, TEXT_TO_PICTURE

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

LAYERS, WIDTH_DIVISOR = 1, 8
OPTIONS = {"random_weights": True, "layers": LAYERS, "width_divisor": WIDTH_DIVISOR}
OPTIONS_NO_WEIGHTS = {"layers": LAYERS, "width_divisor": WIDTH_DIVISOR}
# The smallest sizes on each family's multiples that keep a few latent positions per axis.
SIZES = {"ltx": (96, 64), "wan": (64, 48), "picture": (64, 48)}
DURATION_S = 1

CELLS = [
    pytest.param(spec_id, cell, id=f"{spec_id}-{cell.id}")
    for spec_id, spec in MODEL_SPECS.items()
    for cell in grouped_by_checkpoint(spec, cells(spec))
]
# Pictures from another picture model than the spec's own (GENERATION_PICTURE_MODEL): the real
# Kolors architecture reduced like the rest, and the demo's tiny one.
PICTURE_SPECS = ("ltx-video+kolors", "tiny+tiny-kolors")
CELLS += [
    pytest.param(spec_id, Cell(TEXT_TO_PICTURE), id=f"{spec_id}-{Cell(TEXT_TO_PICTURE).id}")
    for spec_id in PICTURE_SPECS
]


@pytest.fixture(scope="module", autouse=True)
def _free_pipelines():
    yield
    loader.clear_cache()


def options_for(spec) -> dict:
    return {"random_weights": True} if spec.is_demo else OPTIONS


def size_of(spec, cell) -> tuple[int, int]:
    if cell.kind == TEXT_TO_PICTURE:  # rounded up to the picture model's multiple (Kolors: 32)
        multiple = spec.picture_multiple
        return tuple(-(-side // multiple) * multiple for side in SIZES["picture"])
    return SIZES[spec.family]


@pytest.mark.parametrize(("spec_id", "cell"), CELLS)
def test_every_cell_runs_through_the_engine_and_post_processing(spec_id, cell, tmp_path):
    spec = get_spec(spec_id)
    width, height = size_of(spec, cell)
    request = request_for(
        spec,
        cell,
        size=(width, height),
        duration_s=DURATION_S,
        steps=1,
        source_frames=spec.temporal_multiple + 1,  # the shortest context an extension takes
    )
    result = runner.run(request, spec=spec, device="cpu", **options_for(spec))

    stamp = postprocess.Stamp(job_id=7, model=spec.id, created_at=timezone.now(), watermarked=True)
    if cell.kind == ADD_SOUND:
        assert_sound_added(stamp, request, result, tmp_path)
        return
    if cell.kind == TEXT_TO_PICTURE:
        (picture,) = postprocess.render_pictures(stamp, result.images)
        for data in (picture.data, picture.marked_data):
            assert Image.open(io.BytesIO(data)).size == (width, height)
        return

    count, fps = spec.frames_for(request.duration_s)  # a storyboard: the sum of its shots
    if cell.kind == EXTEND:  # the new frames only (the worker appends them to the source)
        count -= 1
    else:  # finished at the mode's output size and frame rate (upscaled, re-timed)
        width, height = upscale.output_size(spec, request)
        fps = spec.output_frame_rate(cell.mode)
        count = upscale.frame_count(count, spec.fps, fps)
    video, poster, preview = postprocess.render_video(
        stamp, result.frames, result.fps, soundtrack=soundtrack.from_result(result)
    )
    for data in (video.data, video.marked_data):
        frames, decoded_fps = media.decode_video(data)
        assert frames.shape == (count, height, width, 3)
        assert decoded_fps == fps
        assert_soundtrack(data, count / fps if cell.sound else None)
    assert (video.frames, video.fps, video.width, video.height) == (count, fps, width, height)
    assert Image.open(io.BytesIO(poster.data)).size == (width, height)


def assert_sound_added(stamp, request, result, folder) -> None:
    """Sound added to the request's clip: no frames of the engine's; the clip, as an MP4, keeps
    every frame with an AAC track of its length in both variants."""
    assert result.frames is None
    source = str(folder / "source.mp4")
    media.write_mp4(request.source_frames, request.source_fps, source)
    clip, fps = media.decode_video(source)
    video, _poster, _preview = postprocess.render_add_sound(
        stamp,
        soundtrack.from_result(result),
        postprocess.Source(clean=source),
        str(folder),
    )
    for path in (video.data, video.marked_data):
        with open(path, "rb") as f:
            data = f.read()
        assert_soundtrack(data, len(clip) / fps)
    assert np.array_equal(media.decode_video(video.data)[0], clip)


def assert_soundtrack(data: bytes, seconds: float | None) -> None:
    """The MP4 has an AAC track of `seconds` (to one AAC frame), or none when None."""
    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        f.write(data)
        f.flush()
        found = soundtrack.decode(f.name)
    if seconds is None:
        assert found is None
    else:
        assert found is not None and found.seconds == pytest.approx(seconds, abs=1024 / found.rate)


# A clip one step longer than the family's longest call: a first call, then an extension call
# conditioned on its end. The demo specs (the same pipeline classes, with shorter longest calls)
# at the smallest sizes keep this cheap; professional only where its pipeline differs.
CHAINED_SIZES = {"ltx": (32, 32), "wan": (16, 16)}
CHAINED = [
    pytest.param(
        spec_id,
        cell,
        id=f"{spec_id}-{cell.id}",
    )
    for spec_id, spec in MODEL_SPECS.items()
    if spec.is_demo
    for cell in grouped_by_checkpoint(spec, cells(spec))
    if cell.kind not in (TEXT_TO_PICTURE, STORYBOARD)  # tests/test_storyboard_engine.py
    and not cell.sound  # one call per clip (tests/test_sound_engine.py)
    and cell.kind != ADD_SOUND  # the same (tests/test_add_sound_engine.py)
    and (cell.mode == "standard" or cell.checkpoint(spec) != Cell(cell.kind).checkpoint(spec))
]


def just_over_one_call(spec) -> float:
    return (spec.max_frames + spec.temporal_multiple) / spec.fps


@pytest.mark.parametrize(("spec_id", "cell"), CHAINED)
def test_a_clip_longer_than_one_call_is_chained_to_its_full_length(spec_id, cell):
    spec = get_spec(spec_id)
    size = CHAINED_SIZES[spec.family]
    duration = just_over_one_call(spec)
    source = spec.temporal_multiple + 1
    request = request_for(spec, cell, size=size, duration_s=duration, steps=1, source_frames=source)
    calls = []
    result = runner.run(
        request,
        spec=spec,
        device="cpu",
        on_progress=lambda step, total: calls.append(total),
        **options_for(spec),
    )
    count = spec.frames_for(duration)[0] - (1 if cell.kind == EXTEND else 0)
    assert result.frames.shape == (count, size[1], size[0], 3)
    assert calls[-1] == len(spec.call_plan(cell.kind, duration)) == 2  # one step per call


@pytest.mark.parametrize(
    ("spec_id", "cell"),
    [
        ("ltx-video", Cell("text_to_video")),
        ("wan2.1", Cell("image_to_video", "professional", end_frame=True)),
        ("wan2.1", Cell("extend", "professional")),
        ("wan2.1", Cell("references", "professional")),
        # Wan's text model's weights, loaded once, as WanVideoToVideoPipeline (a loader view).
        ("wan2.1", Cell("restyle")),
        ("wan2.1", Cell("restyle", "professional")),
        # LTX-2's weights, loaded once, as LTX2ConditionPipeline to add sound to a clip.
        ("ltx-2", Cell("add_sound")),
    ],
)
def test_the_cells_run_the_real_pipeline_class_cut_to_one_layer(spec_id, cell):
    spec = get_spec(spec_id)
    pipeline = cell.pipeline(spec)
    pipe = loader.get_pipeline(
        spec,
        cell.kind,
        "cpu",
        mode=cell.mode,
        end_frame=cell.end_frame,
        options=loader.LoadOptions(**OPTIONS),
    )
    assert type(pipe).__name__ == pipeline.class_name
    assert pipe.transformer.config.num_layers == LAYERS


@pytest.mark.parametrize(
    "checkpoint",
    sorted(
        c
        for c, (_, arch) in ARCHITECTURES.items()
        if "/" in c and not c.startswith("tiny/") and "transformer" in arch
    ),
)
def test_every_architecture_builds_reduced_on_the_meta_device(checkpoint):
    """Meta: counts parameters without allocating them. Every denoiser (the upscalers have no
    transformer to cut: tests/test_engine_memory.py sizes them)."""
    import torch

    from generation.engine.builders import build_pipeline

    full = build_pipeline(checkpoint, device="meta", dtype=torch.bfloat16)
    cut = build_pipeline(checkpoint, device="meta", dtype=torch.bfloat16, layers=1)
    small = build_pipeline(
        checkpoint, device="meta", dtype=torch.bfloat16, layers=1, width_divisor=8
    )

    def billions(pipe, name):
        return sum(p.numel() for p in pipe.components[name].parameters()) / 1e9

    assert billions(cut, "transformer") < billions(full, "transformer")
    assert billions(small, "transformer") < billions(cut, "transformer")
    assert billions(cut, "vae") == billions(full, "vae")  # full width keeps the real VAE
    assert cut.transformer.config.num_layers == 1
    assert small.transformer.config.num_layers == 1
    for name in ("patch_size", "in_channels", "out_channels", "qk_norm"):
        assert small.transformer.config.get(name) == full.transformer.config.get(name)


def test_kolors_builds_at_its_published_size_and_reduced_on_the_meta_device():
    """Kolors has a UNet, not a transformer: its UNet (2.58B), ChatGLM3-6B (6.24B) and SDXL's
    VAE (84M) at full size, then cut as the matrix runs it."""
    import torch

    from generation.engine.builders import build_pipeline

    def billions(pipe):
        return {
            name: sum(p.numel() for p in module.parameters()) / 1e9
            for name, module in pipe.components.items()
            if isinstance(module, torch.nn.Module)
        }

    checkpoint = "Kwai-Kolors/Kolors-diffusers"
    full = build_pipeline(checkpoint, device="meta", dtype=torch.bfloat16)
    assert {k: round(v, 2) for k, v in billions(full).items()} == {
        "unet": 2.58,
        "text_encoder": 6.24,
        "vae": 0.08,
    }
    cut = build_pipeline(checkpoint, device="meta", dtype=torch.bfloat16, **OPTIONS_NO_WEIGHTS)
    small = billions(cut)
    assert all(small[name] < billions(full)[name] / 50 for name in small)
    assert cut.text_encoder.config.num_layers == LAYERS
    assert cut.unet.config.transformer_layers_per_block == (1, 1, 1)
    # The structure stays: the text projection, the size and crop embeddings, grouped-query
    # attention, the latent channels.
    for name in ("encoder_hid_dim_type", "addition_embed_type", "in_channels"):
        assert cut.unet.config[name] == full.unet.config[name]
    assert cut.unet.config.encoder_hid_dim == cut.text_encoder.config.hidden_size
    assert cut.text_encoder.config.multi_query_group_num == 2


def test_reduce_keeps_the_real_configs_by_default_and_vace_layers_valid():
    class_name, arch = ARCHITECTURES["Wan-AI/Wan2.1-VACE-14B-diffusers"]
    assert reduce(class_name, arch) is arch
    assert reduce(class_name, arch, layers=6)["transformer"]["vace_layers"] == [0, 5]
    small = reduce(class_name, arch, layers=1, width_divisor=8)
    assert small["transformer"]["vace_layers"] == [0]
    assert small["transformer"]["text_dim"] == small["text_encoder"]["d_model"]
    flux_class, flux = ARCHITECTURES["black-forest-labs/FLUX.1-schnell"]
    flux_small = reduce(flux_class, flux, layers=2, width_divisor=8)["transformer"]
    assert (flux_small["num_layers"], flux_small["num_single_layers"]) == (2, 2)
    assert flux["transformer"]["num_single_layers"] == 38  # the real config is untouched
