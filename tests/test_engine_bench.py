"""`manage.py bench_engine` prints a row of stage timings per kind."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def test_bench_engine_prints_each_stage_for_each_kind():
    out = io.StringIO()
    call_command(
        "bench_engine",
        "--steps",
        "1",
        "--repeat",
        "1",
        "--skip-1080p",
        "--kinds",
        "text_to_video,text_to_picture",
        stdout=out,
    )
    text = out.getvalue()
    assert "spec tiny on cpu" in text
    for column in ("load", "denoise", "/step", "decode", "post", "encode", "store"):
        assert column in text
    assert "text_to_video   41x512x288@8" in text
    assert "text_to_picture 4x512x288" in text


def test_bench_engine_matrix_prints_a_row_per_kind_mode_and_end_frame():
    out = io.StringIO()
    call_command(
        "bench_engine",
        "--spec",
        "tiny-wan",
        "--random-weights",
        "--layers",
        "1",
        "--matrix",
        "--size",
        "64x48",
        "--duration",
        "1",
        "--steps",
        "1",
        "--skip-1080p",
        stdout=out,
    )
    text = out.getvalue()
    assert "spec tiny-wan on cpu (random weights, 1 layers per stack) at 64x48" in text
    for mode in ("standard", "professional"):
        for cell in ("text_to_video", "image_to_video", "image_to_video+end", "extend"):
            assert f"\n{cell} {mode} " in text
        assert f"\ntext_to_picture {mode} " in text
    assert "9x64x48@8" in text and "1x64x48" in text
