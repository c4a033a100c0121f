"""Frames to files: MP4 round trips, faststart, poster, animated preview, pictures."""

import io

import av
import numpy as np
import pytest
from PIL import Image

from generation import media


def clip(count=24, width=160, height=96):
    """A smooth moving gradient: H.264 keeps it close to the original."""
    y, x = np.mgrid[0:height, 0:width]
    frames = np.empty((count, height, width, 3), np.uint8)
    for i in range(count):
        frames[i, ..., 0] = (x + 4 * i) % 256
        frames[i, ..., 1] = y * 255 // height
        frames[i, ..., 2] = 128
    return frames


def psnr(a, b) -> float:
    mse = np.mean((a.astype(float) - b.astype(float)) ** 2)
    return 10 * np.log10(255**2 / max(mse, 1e-9))


def test_an_mp4_decodes_back_to_the_same_frame_count_size_fps_and_content():
    frames = clip()
    data = media.encode_mp4(frames, 8)
    decoded, fps = media.decode_video(data)
    assert decoded.shape == frames.shape
    assert fps == 8
    assert psnr(decoded, frames) > 30


def test_the_mp4_is_h264_yuv420p_with_its_index_first():
    data = media.encode_mp4(clip(), 24)
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
    # faststart: the moov atom (the index) comes before the media data
    assert data[4:8] == b"ftyp"
    assert 0 < data.find(b"moov") < data.find(b"mdat")


def test_odd_sizes_are_padded_to_even_ones():
    frames = clip(count=5, width=161, height=97)
    decoded, _fps = media.decode_video(media.encode_mp4(frames, 8))
    assert decoded.shape == (5, 98, 162, 3)
    assert psnr(decoded[:, :97, :161], frames) > 30


def test_decode_video_reads_a_path_too(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(media.encode_mp4(clip(count=9), 30))
    frames, fps = media.decode_video(path)
    assert frames.shape[0] == 9
    assert fps == 30


def test_asking_for_the_hardware_encoder_falls_back_to_x264_without_a_gpu():
    if media.nvenc_available():
        pytest.skip("this machine has NVENC")
    decoded, _fps = media.decode_video(media.encode_mp4(clip(count=4), 8, hardware=True))
    assert decoded.shape[0] == 4


def test_the_poster_is_a_jpeg_of_the_frame():
    frame = clip(count=1)[0]
    poster = Image.open(io.BytesIO(media.make_poster(frame)))
    assert poster.format == "JPEG"
    assert poster.size == (160, 96)


def test_the_preview_is_a_short_animated_webp_320_wide():
    frames = clip(count=81, width=512, height=288)
    preview = Image.open(io.BytesIO(media.make_preview(frames, 8)))
    assert preview.format == "WEBP"
    assert preview.is_animated
    assert preview.size == (320, 180)
    assert 2 <= preview.n_frames <= 24  # at most 3 s at 8 fps


def test_the_preview_of_a_30fps_clip_drops_frames():
    preview = Image.open(io.BytesIO(media.make_preview(clip(count=150), 30)))
    assert preview.n_frames == 23  # 3 s of 30 fps, every 4th frame
    assert preview.size == (160, 96)  # never upscaled


def test_pictures_encode_to_png_and_jpeg():
    image = Image.fromarray(clip(count=1)[0])
    assert Image.open(io.BytesIO(media.image_to_png(image))).format == "PNG"
    assert Image.open(io.BytesIO(media.image_to_jpeg(image.convert("RGBA")))).format == "JPEG"


def test_an_upload_is_cropped_to_cover_the_output_size():
    portrait = Image.new("RGB", (300, 800), (200, 10, 10))
    fitted = media.fit_image(portrait, (512, 288))
    assert fitted.size == (512, 288)
    assert fitted.mode == "RGB"


def test_resampling_keeps_the_duration():
    frames = clip(count=40)
    assert len(media.resample_frames(frames, 8, 24)) == 120
    assert len(media.resample_frames(frames, 24, 8)) == 13
    assert media.resample_frames(frames, 8, 8) is frames


def test_the_logo_touches_only_the_bottom_right_corner():
    frames = np.zeros((3, 96, 160, 3), np.uint8)
    marked = media.add_logo(frames, Image.new("RGBA", (40, 20), (255, 255, 255, 255)), margin=8)
    assert marked[:, 68:88, 112:152].min() > 100
    assert marked[:, :60].max() == 0 and marked[:, :, :100].max() == 0
    assert marked is frames  # drawn in place: copying a 1080p clip would cost seconds
