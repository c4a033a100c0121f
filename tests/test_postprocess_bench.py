"""`manage.py bench_postprocess` times each post-processing stage, for free users and members."""

import io

from django.core.management import call_command


def test_bench_postprocess_prints_every_stage_of_both_kinds_of_job():
    out = io.StringIO()
    call_command(
        "bench_postprocess",
        "--frames",
        "6",
        "--width",
        "320",
        "--height",
        "180",
        "--repeat",
        "1",
        "--pictures",
        "1",
        stdout=out,
    )
    text = out.getvalue()
    free, member = text.split("video, free user (clean + marked)")[1].split("video, member (clean)")
    member_video = member.split("pictures")[0]
    for stage in ("invisible mark", "encode", "poster", "preview", "C2PA sign", "total"):
        assert f"\n  {stage} " in free and f"\n  {stage} " in member_video
    for stage in ("visible mark", "encode (marked)", "preview (marked)", "C2PA sign (marked)"):
        assert f"\n  {stage} " in free and f"\n  {stage} " not in member_video
    assert "1 pictures, free user" in text and "1 pictures, member" in text
