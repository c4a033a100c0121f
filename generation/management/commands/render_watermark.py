"""Draw static/img/watermark.png: the site's logo and the "AI-generated / AI生成" label.

    python manage.py render_watermark --font /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

The picture is committed, so workers need no CJK font; rerun this only to change the artwork.
The logo is drawn from the same shapes as static/img/logo.svg (Pillow does not read SVG). The
label is white with a dark halo so that it reads on light and dark footage alike.
"""

from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw, ImageFilter, ImageFont

LINES = ("AI-generated", "AI生成")
HEIGHT = 256  # the art is drawn large and scaled down to each output


def draw_logo(size: int) -> Image.Image:
    """logo.svg's 64x64 design at `size` pixels: gradient tile, play triangle, dot."""
    s = size / 64
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    t = ((x + y) / (2 * size - 2))[..., None]
    start, end = np.array([0x7C, 0x5C, 0xFF], np.float32), np.array([0x00, 0xC2, 0xA8], np.float32)
    gradient = (start * (1 - t) + end * t).round().astype(np.uint8)
    tile = Image.fromarray(np.dstack([gradient, np.full((size, size), 255, np.uint8)]), "RGBA")
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).rounded_rectangle((2 * s, 2 * s, 62 * s, 62 * s), 16 * s, fill=255)
    logo = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    logo.paste(tile, mask=mask)
    draw = ImageDraw.Draw(logo)
    draw.polygon([(25 * s, 19 * s), (47 * s, 32 * s), (25 * s, 45 * s)], fill=(255, 255, 255, 255))
    draw.ellipse((42 * s, 14 * s, 50 * s, 22 * s), fill=(255, 255, 255, 217))
    return logo


class Command(BaseCommand):
    help = "Render the visible watermark's artwork into static/img/watermark.png."

    def add_arguments(self, parser):
        parser.add_argument("--font", required=True, help="a TrueType font with CJK glyphs")
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / "static" / "img" / "watermark.png")
        )

    def handle(self, *args, font, output, **opts):
        pad = HEIGHT // 16
        logo = draw_logo(HEIGHT - 2 * pad)
        face = ImageFont.truetype(font, int(HEIGHT * 0.34))
        line_height = int(HEIGHT * 0.42)
        text_width = max(int(face.getlength(line)) for line in LINES)
        width = HEIGHT + pad + text_width + 2 * pad
        text = Image.new("L", (width, HEIGHT), 0)
        draw = ImageDraw.Draw(text)
        top = (HEIGHT - line_height * len(LINES)) // 2
        for i, line in enumerate(LINES):
            draw.text((HEIGHT + pad, top + i * line_height), line, font=face, fill=255)
        halo = text.filter(ImageFilter.MaxFilter(9)).filter(ImageFilter.GaussianBlur(6))
        art = Image.new("RGBA", (width, HEIGHT), (0, 0, 0, 0))
        art.putalpha(halo.point(lambda v: v * 140 // 255))
        art.paste((255, 255, 255, 255), mask=text)
        art.alpha_composite(logo, (pad, pad))
        art.save(output, optimize=True)
        self.stdout.write(f"wrote {output} ({width}x{HEIGHT})")
