"""Helpers shared by the generation tests: points, pictures, form data."""

import io

from PIL import Image

from billing import ledger
from billing.models import Hold, Lot


def give_points(user, points: int, ref: str = "test") -> None:
    ledger.grant(user, points * 10, Lot.Source.PROMOTION, f"{ref}:{user.pk}", None, "test points")


def held_refs(user) -> list[str]:
    return list(Hold.objects.filter(wallet__user=user).values_list("ref", flat=True))


def refused(client, user, data) -> str:
    """Submit the create form, expect it back, prove nothing was created or held; the page's
    text."""
    from django.urls import reverse

    from generation.models import Job

    before, jobs = ledger.balance(user), Job.objects.filter(user=user).count()
    response = client.post(reverse("generation:create"), data)
    assert response.status_code == 200
    assert Job.objects.filter(user=user).count() == jobs
    assert held_refs(user) == [] and ledger.balance(user) == before
    return response.content.decode()


def png_bytes(size=(64, 48), color=(200, 120, 40), fmt="PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format=fmt)
    return buf.getvalue()


def t2v_data(**overrides) -> dict:
    data = {
        "kind": "text_to_video",
        "prompt": "a paper boat on a rainy street",
        "negative_prompt": "",
        "aspect_ratio": "16:9",
        "duration_s": "5",
        "mode": "standard",
        "creativity": "0.5",
        "seed": "",
        "camera_movement": "static",
        "num_images": "1",
    }
    data.update(overrides)
    return data


def storyboard_data(*shots, **overrides) -> dict:
    """The create form for a storyboard of `shots` ((prompt, seconds) or (prompt, seconds,
    camera)), its other rows sent empty as the page sends them."""
    data = t2v_data(kind="storyboard", prompt="")
    for n in range(1, 7):
        prompt, seconds, camera = (
            (*shots[n - 1], "static")[:3] if n <= len(shots) else ("", 3, "static")
        )
        data.update(
            {
                f"shot_prompt_{n}": prompt,
                f"shot_duration_{n}": str(seconds),
                f"shot_camera_{n}": camera,
            }
        )
    data.update(overrides)
    return data


def clip_bytes(seconds: float = 2, fps: int = 8, size=(96, 64), frame=None) -> bytes:
    """An H.264 MP4 of `seconds` at `fps`: a moving gradient, or `frame` (an RGB picture)
    in every frame."""
    import numpy as np

    from generation import media
    from generation.engine.matrix import moving_clip

    count = round(seconds * fps)
    if frame is not None:
        frames = np.repeat(np.asarray(frame.convert("RGB"))[None], count, axis=0)
    else:
        frames = moving_clip(count, *size)
    return media.encode_mp4(frames, fps)


def restyle_data(**overrides) -> dict:
    """The create form for a restyle (the clip goes in `video`, a file)."""
    defaults = {"prompt": "the same street as a watercolour painting", "strength": "0.5"}
    return t2v_data(kind="restyle", **{**defaults, **overrides})
