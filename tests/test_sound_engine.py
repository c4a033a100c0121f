"""The sound pipeline on the demo spec: LTX-2's real classes (LTX2Pipeline and its image
pipeline over the same components), tiny, built in code. Its audio is the clip's length at the
vocoder's rate, and a request the spec cannot serve with sound is refused before any load."""

import numpy as np
import pytest

from generation.engine import runner
from generation.engine.matrix import pattern_image
from generation.engine.sound import fit_audio
from generation.engine.specs import SOUND, get_spec
from generation.engine.types import (
    EXTEND,
    IMAGE_TO_VIDEO,
    TEXT_TO_VIDEO,
    GenerationRequest,
)

SIZE = (128, 96)  # on LTX's multiples of 32: a 4 x 3 latent grid
PROMPT = "a dog barks twice, then a woman laughs and says: good boy"


def test_the_demo_spec_makes_sound_with_ltx2_classes():
    spec = get_spec("tiny")
    assert spec.supports_sound
    assert spec.pipeline_for(SOUND).class_name == "LTX2Pipeline"
    assert spec.pipeline_for(SOUND).checkpoint == "tiny/ltx-2"
    assert "tiny/ltx-2" in [p.checkpoint for p in spec.all_pipelines()]
    assert not get_spec("tiny-wan").supports_sound


def test_the_ltx2_spec_names_lightricks_checkpoint_for_everything_it_films():
    spec = get_spec("ltx-2")
    assert spec.supports_sound and not spec.supports_end_frame
    for kind in (TEXT_TO_VIDEO, IMAGE_TO_VIDEO, SOUND):
        assert spec.pipeline_for(kind).checkpoint == "Lightricks/LTX-2"
    assert EXTEND not in spec.kinds  # one call per clip, no chaining


@pytest.mark.parametrize("kind", [TEXT_TO_VIDEO, IMAGE_TO_VIDEO])
def test_a_clip_with_sound_has_audio_as_long_as_its_frames(kind):
    spec = get_spec("tiny")
    request = GenerationRequest(
        kind=kind,
        prompt=PROMPT,
        duration_s=5,
        size=SIZE,
        sound=True,
        num_inference_steps=2,
        image=pattern_image(*SIZE) if kind == IMAGE_TO_VIDEO else None,
    )
    steps = []
    result = runner.run(request, spec=spec, on_progress=lambda done, total: steps.append(total))

    frames, fps = result.frames, result.fps
    assert frames.shape == (41, SIZE[1], SIZE[0], 3) and frames.dtype == np.uint8
    assert fps == 8
    assert result.sample_rate == 24000  # LTX-2's vocoder rate, the tiny one's too
    channels, samples = result.audio.shape
    assert channels == 2
    assert samples == round(41 / 8 * 24000)  # exactly the clip's 5.125 s
    assert result.audio.dtype == np.float32
    assert np.abs(result.audio).max() <= 1.0 and np.abs(result.audio).max() > 0
    assert steps and set(steps) == {2}


def test_a_silent_clip_has_no_audio():
    request = GenerationRequest(
        kind=TEXT_TO_VIDEO, prompt=PROMPT, duration_s=5, size=SIZE, num_inference_steps=1
    )
    result = runner.run(request, spec="tiny")
    assert result.audio is None and result.sample_rate is None


@pytest.mark.parametrize(
    ("spec_id", "values", "message"),
    [
        ("tiny-wan", {"kind": TEXT_TO_VIDEO}, "cannot make sound"),
        (
            "tiny",
            {"kind": EXTEND, "source_frames": np.zeros((17, 96, 128, 3), np.uint8)},
            "sound comes",
        ),
        (
            "tiny",
            {
                "kind": IMAGE_TO_VIDEO,
                "image": pattern_image(*SIZE),
                "end_image": pattern_image(*SIZE),
            },
            "without an end frame",
        ),
    ],
)
def test_a_request_the_spec_cannot_serve_with_sound_is_refused(spec_id, values, message):
    request = GenerationRequest(prompt=PROMPT, sound=True, size=SIZE, **values)
    with pytest.raises(ValueError, match=message):
        runner.run(request, spec=spec_id)


def test_audio_is_cut_or_padded_to_the_clip():
    audio = np.full((2, 100), 2.0, np.float32)
    assert fit_audio(audio, 10, 5).shape == (2, 50)
    assert fit_audio(audio, 10, 5).max() == 1.0
    padded = fit_audio(audio, 10, 12)
    assert padded.shape == (2, 120) and not padded[:, 100:].any()
