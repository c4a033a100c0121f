"""Reference videos in the engine: the demo spec (LTX's) runs the tiny Wan VACE pipeline for
them, the reference photos reach its call as `reference_images`, and they change the video."""

import numpy as np
import pytest
from diffusers import WanVACEPipeline

from generation.engine import loader, runner
from generation.engine.matrix import Cell, reference_photos, request_for
from generation.engine.specs import MODEL_SPECS, PipelineSpec, get_spec
from generation.engine.types import REFERENCES

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
SIZE = (32, 32)  # on both families' multiples: the demo spec's rules and Wan's


@pytest.fixture(scope="module", autouse=True)
def _free_pipelines():
    yield
    loader.clear_cache()


@pytest.fixture
def vace_calls(monkeypatch):
    """Every WanVACEPipeline call's keyword arguments; the real call still runs."""
    calls = []
    real = WanVACEPipeline.__call__

    def recording(self, *args, **kwargs):
        calls.append(kwargs)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(WanVACEPipeline, "__call__", recording)
    return calls


def run(spec, references, *, size=SIZE, seed=42):
    request = request_for(spec, Cell(REFERENCES), size=size, duration_s=1, steps=1, seed=seed)
    request.references = references
    return runner.run(request, spec=spec, device="cpu")


def test_the_demo_and_wan_specs_make_reference_videos_with_wan_vace():
    for spec_id in ("tiny", "tiny-wan", "wan2.1"):
        spec = get_spec(spec_id)
        for mode in ("standard", "professional"):
            pipeline = spec.pipeline_for(REFERENCES, mode)
            assert pipeline.class_name == "WanVACEPipeline"
            assert spec.family_of(pipeline) == "wan"
    wan = get_spec("wan2.1")
    assert wan.pipeline_for(REFERENCES).checkpoint == "Wan-AI/Wan2.1-VACE-1.3B-diffusers"
    assert wan.pipeline_for(REFERENCES, "professional").checkpoint == (
        "Wan-AI/Wan2.1-VACE-14B-diffusers"
    )
    # LTX's real specs have no reference pipeline: the create page does not offer the tool.
    assert REFERENCES not in get_spec("ltx-video").kinds


def test_a_pipeline_of_another_family_must_fit_the_specs_rules():
    tiny = get_spec("tiny")
    assert tiny.family == "ltx" and tiny.family_of(tiny.pipeline_for(REFERENCES)) == "wan"
    # Wan's 16-pixel multiples inside a spec of Wan's rules is fine; a 16-pixel size for a
    # pipeline whose family needs 32 is refused.
    odd = PipelineSpec("WanVACEPipeline", "tiny/wan-vace", 4, (3.0, 7.0), family="ltx")
    wan = MODEL_SPECS["tiny-wan"]
    from dataclasses import replace

    with pytest.raises(ValueError, match="needs multiples of 32"):
        replace(wan, pipelines={**wan.pipelines, REFERENCES: odd}, professional={})


def test_the_references_reach_the_vace_call_and_change_the_video(vace_calls):
    spec = get_spec("tiny")
    width, height = SIZE
    photos = reference_photos(width, height)
    first = run(spec, photos)
    again = run(spec, photos)
    other = run(spec, photos[::-1])
    one = run(spec, photos[:1])

    assert len(vace_calls) == 4
    sent = vace_calls[0]["reference_images"]
    assert len(sent) == 2 and [len(call["reference_images"]) for call in vace_calls] == [2, 2, 2, 1]
    # Each photo whole, scaled to fit the call (the portrait one is not cropped to landscape).
    assert sent[0].size == (width, height) and sent[1].size == (width // 2, height)
    count = spec.frames_for(1)[0]
    assert first.frames.shape == (count, height, width, 3) and first.fps == spec.fps
    np.testing.assert_array_equal(first.frames, again.frames)  # same photos, same seed
    assert not np.array_equal(first.frames, other.frames)  # their order matters to VACE
    assert not np.array_equal(first.frames, one.frames)


def test_the_demo_makes_its_references_small_and_returns_the_specs_size(vace_calls):
    spec = get_spec("tiny")
    result = run(spec, reference_photos(64, 64), size=None)
    assert (vace_calls[0]["width"], vace_calls[0]["height"]) == (112, 64)
    width, height = spec.size_for("16:9")
    assert result.frames.shape == (spec.frames_for(1)[0], height, width, 3)


@pytest.mark.parametrize("count", [0, 5])
def test_a_reference_video_takes_one_to_four_photos(count):
    spec = get_spec("tiny")
    with pytest.raises(ValueError, match="1 to 4 reference photos"):
        run(spec, (reference_photos(32, 32) * 3)[:count])
