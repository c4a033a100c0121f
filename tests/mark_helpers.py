"""What the invisible-mark tests share: the keys, the clips' frame rate, an H.264 round trip."""

import numpy as np

from generation import media

KEY = b"test-provenance-key-0123456789abcdef"
OTHER_KEY = b"someone-elses-key-0123456789abcdef"
FPS = 8  # small clips: one second is 8 frames


def h264(frames: np.ndarray, crf: int = 23, fps: int = FPS) -> np.ndarray:
    """`frames` encoded as an MP4 at `crf` and decoded back, as a viewer's player would."""
    return media.decode_video(media.encode_mp4(frames, fps, crf=crf))[0]
