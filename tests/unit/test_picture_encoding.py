"""Re-encoding keeps a picture's pixels and nothing else: a photo's GPS, time and camera are
gone, it is the right way up and at most 2048 pixels a side; a PNG drawing keeps its
transparency; what is not a JPEG, PNG, WebP or GIF is refused, as is a decompression bomb."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from server.board import picture_encoding
from server.board.picture_encoding import NotAPicture, TooManyPixels, reencode
from tests.pictures import carries_no_metadata, drawing_png, photo_with_gps


def test_a_photo_loses_its_metadata_and_stands_upright() -> None:
    photo = photo_with_gps((3000, 2000), orientation=6)
    assert not carries_no_metadata(photo)
    kept = reencode(photo)
    assert kept.content_type == "image/jpeg" and (kept.width, kept.height) == (1365, 2048)
    assert carries_no_metadata(kept.data)
    assert Image.open(io.BytesIO(kept.data)).size == (1365, 2048)
    # The cards' thumbnail: the same pixels, upright, at most 480 a side, as clean.
    assert kept.thumbnail is not None and len(kept.thumbnail) < len(kept.data)
    assert Image.open(io.BytesIO(kept.thumbnail)).size == (320, 480)
    assert carries_no_metadata(kept.thumbnail)


def test_a_drawing_keeps_its_transparency_but_not_its_text_or_profile() -> None:
    image = Image.open(io.BytesIO(drawing_png()))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Drawn at 1 Example Road")
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info, icc_profile=srgb)
    kept = reencode(out.getvalue())
    back = Image.open(io.BytesIO(kept.data))
    assert kept.content_type == "image/png" and back.mode == "RGBA"
    assert back.getpixel((0, 0))[3] == 0 and back.getpixel((50, 50)) == (200, 30, 30, 255)
    assert b"Example Road" not in kept.data and "icc_profile" not in back.info
    assert carries_no_metadata(kept.data)
    assert kept.thumbnail is not None and carries_no_metadata(kept.thumbnail)
    small = Image.open(io.BytesIO(kept.thumbnail))  # smaller than 480 already: same size
    assert (small.format, small.mode, small.size) == ("PNG", "RGBA", (300, 200))
    assert b"Example Road" not in kept.thumbnail and "icc_profile" not in small.info


@pytest.mark.parametrize("kind", ["WEBP", "GIF"])
def test_webp_and_gif_become_jpeg(kind: str) -> None:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 10)).save(out, kind)
    kept = reencode(out.getvalue())
    assert (kept.content_type, kept.width, kept.height) == ("image/jpeg", 64, 48)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"Leo lives at 1 Example Road",
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # a PNG's signature, then nothing that decodes
        photo_with_gps()[:200],  # cut short in its header
    ],
)
def test_what_is_not_a_picture_is_refused(data: bytes) -> None:
    with pytest.raises(NotAPicture):
        reencode(data)


def test_other_formats_are_refused() -> None:
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, "BMP")
    with pytest.raises(NotAPicture):
        reencode(out.getvalue())


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")  # 400 million pixels in ~50 KB
    with pytest.raises(TooManyPixels):
        reencode(out.getvalue())
    with pytest.raises(TooManyPixels):  # past Pillow's own limit too (its error, not ours)
        reencode(out.getvalue(), max_pixels=10**12, max_full_decode=10**12)
    assert picture_encoding.MAX_PIXELS < 20000 * 20000


def test_what_is_decoded_whole_is_held_to_fewer_pixels_than_a_jpeg() -> None:
    """A PNG (WebP, GIF) is decoded at full size, a JPEG at a fraction of it: a 17 million
    pixel PNG of a few KB is refused before it is decoded; a JPEG of as many pixels is kept."""
    pixels = (4200, 4200)  # 17.6 million
    assert picture_encoding.MAX_FULL_DECODE < pixels[0] * pixels[1] < picture_encoding.MAX_PIXELS
    png, jpeg = io.BytesIO(), io.BytesIO()
    Image.new("RGBA", pixels, (200, 30, 30, 255)).save(png, "PNG")
    Image.new("RGB", pixels, (200, 30, 30)).save(jpeg, "JPEG")
    with pytest.raises(TooManyPixels):
        reencode(png.getvalue())
    kept = reencode(jpeg.getvalue())
    assert (kept.width, kept.height) == (2048, 2048)
