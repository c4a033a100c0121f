"""Photos and output frames: the NudeNet detector shipped inside the `nudenet` package (an ONNX
model in the wheel, no download), with per-class thresholds from the staff's PhotoRules.

Faces and covered body parts are not rules by default, so old, grey, sepia or blurred family
portraits pass; only exposed-anatomy classes refuse (see the seed migration for the values).
"""

import threading
from pathlib import Path

import numpy as np
from PIL import Image

from generation.moderation.models import PhotoRule
from generation.moderation.verdict import REFUSE, REVIEW, Hit, strongest

_lock = threading.Lock()
_detector = None


def detector():
    """NudeNet's detector (onnxruntime, CPU), loaded once per process on first use."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                _detector = _load_detector()
    return _detector


def _load_detector():
    import nudenet
    import onnxruntime
    from nudenet import NudeDetector

    detector = NudeDetector()
    # One thread per inference, as in minilm.py: on a busy machine this halves the time
    # (measured 55 ms against 114 ms per 512×512 picture with onnxruntime's default threads).
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    detector.onnx_session = onnxruntime.InferenceSession(
        str(Path(nudenet.__file__).with_name("320n.onnx")),
        sess_options=options,
        providers=["CPUExecutionProvider"],
    )
    return detector


def detect(image: Image.Image | np.ndarray) -> list[dict]:
    """NudeNet's detections for an RGB picture: [{"class", "score", "box"}, ...]."""
    rgb = np.asarray(image.convert("RGB") if isinstance(image, Image.Image) else image)
    # NudeNet expects what cv2.imread gives: BGR, contiguous.
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    return detector().detect(bgr)


def active_rules() -> dict[str, PhotoRule]:
    return {r.detector_class: r for r in PhotoRule.objects.filter(active=True)}


def check(image, field: str, rules=None, layer: str = "photo") -> Hit | None:
    """The strongest rule the picture trips (refuse before review), or None."""
    rules = active_rules() if rules is None else rules
    if not rules:
        return None
    hits = []
    for found in detect(image):
        rule = rules.get(found["class"])
        if rule is None:
            continue
        score = found["score"]
        if score >= rule.refuse_at:
            outcome = REFUSE
        elif rule.review_at is not None and score >= rule.review_at:
            outcome = REVIEW
        else:
            continue
        hits.append((score, Hit(outcome, layer, field, "nudity", rule.detector_class, score)))
    hits.sort(key=lambda pair: -pair[0])
    return strongest(h for _, h in hits)


def sample_frames(frames, count: int = 8) -> list:
    """`count` frames spread evenly over a clip (all of them if it is shorter)."""
    total = len(frames)
    if total <= count:
        return list(frames)
    return [frames[round(i * (total - 1) / (count - 1))] for i in range(count)]
