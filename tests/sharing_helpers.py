"""Helpers for the sharing tests: finished works as a worker leaves them, published."""

from django.core.files.base import ContentFile

from generation.models import Asset, Job


def finished_work(user, prompt="a paper boat on a rainy street", watermarked=True, **params):
    """A succeeded text-to-video job with a video, poster and preview: the clean master and,
    for a watermarked job, the visibly marked variant (distinct bytes, so tests can tell)."""
    job = Job.objects.create(
        user=user,
        kind=params.pop("kind", Job.Kind.TEXT_TO_VIDEO),
        status=Job.Status.SUCCEEDED,
        prompt=prompt,
        negative_prompt=params.pop("negative_prompt", "blurry"),
        params={
            "aspect_ratio": "16:9",
            "duration_s": 5,
            "mode": "standard",
            "creativity": 0.5,
            "seed": 4242,
            "camera_movement": "static",
            "num_images": 1,
            **params,
        },
        model_spec="tiny",
        points_held=100,
        watermarked=watermarked,
        progress=100,
    )
    for kind, content_type in (
        (Asset.Kind.VIDEO, "video/mp4"),
        (Asset.Kind.POSTER, "image/jpeg"),
        (Asset.Kind.PREVIEW, "image/webp"),
    ):
        asset = Asset(job=job, kind=kind, content_type=content_type, width=512, height=288)
        if kind == Asset.Kind.VIDEO:
            asset.frames, asset.fps = 40, 8
        data = f"clean {kind} of {job.pk}".encode()
        asset.file.save(f"{kind}.bin", ContentFile(data), save=False)
        if watermarked:
            asset.marked_file.save(
                f"{kind}-marked.bin", ContentFile(f"marked {kind} of {job.pk}".encode()), save=False
            )
        asset.size_bytes = len(data)
        asset.save()
    return job


def published(user, visibility="public", **kwargs):
    from webapp.sharing import services

    return services.publish(finished_work(user, **kwargs), user, visibility)
