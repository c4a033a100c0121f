"""What the invisible-mark tests share: the keys, the clips' frame rate, an H.264 round trip, a
JPEG round trip and PSNR."""

import io

import numpy as np
from PIL import Image

from generation import media

KEY = b"test-provenance-key-0123456789abcdef"
OTHER_KEY = b"someone-elses-key-0123456789abcdef"
FPS = 8  # small clips: one second is 8 frames


def h264(frames: np.ndarray, crf: int = 23, fps: int = FPS) -> np.ndarray:
    """`frames` encoded as an MP4 at `crf` and decoded back, as a viewer's player would."""
    return media.decode_video(media.encode_mp4(frames, fps, crf=crf))[0]


def jpeg(frame: np.ndarray, quality: int) -> np.ndarray:
    """One (H, W, 3) frame saved as JPEG at `quality` and decoded back."""
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / mse))
