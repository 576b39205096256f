"""Re-encoding an uploaded picture, so that nothing but its pixels is kept (pure: bytes in,
bytes out; CPU work, which the upload runs in a thread).

A photo's metadata can say where it was taken (GPS), when, and with which camera: a refuge's
address, a family's home. The upload is decoded by what its bytes are (never by its name or
declared type), turned the right way up from its EXIF orientation, scaled down to at most
`MAX_SIDE` pixels on its longest side, and copied into a fresh image that carries no
metadata at all (no EXIF, XMP, comments, text chunks or ICC profile: colours are converted to
sRGB first). A PNG stays a PNG with its transparency (drawings); everything else becomes a
JPEG. A GIF or an animated WebP keeps its first frame. A thumbnail (at most `THUMB_SIDE`
pixels a side, by the same rules) is made from the same clean pixels, for the board's cards: a
phone on poor signal fetches a few dozen kilobytes for each instead of the whole picture.

A file cut short in its pixels is refused, except once WeasyPrint has been imported in the
process (a PDF rendered): it sets Pillow's global `LOAD_TRUNCATED_IMAGES`, and what arrived is
then kept, the rest grey. Either way nothing but pixels is kept.

Pillow is imported at the first upload, not with the module: it is about 3 MiB of a server
that may never see a picture (bench/idle_memory.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

ACCEPTED = ("JPEG", "PNG", "WEBP", "GIF")
MAX_SIDE = 2048
# Decoded pixels at most (an 8000 x 6000 photo is 48 million): past it a small file can
# still take gigabytes to decode (a decompression bomb), so it is refused before decoding.
MAX_PIXELS = 50_000_000
# Anything but a JPEG (decoded at a fraction of its size) is decoded whole, and scaling an
# RGBA one down copies it again: about 10 bytes a pixel at the peak, in memory. A 200 KB PNG
# of 49 million pixels took 650 MB; at most this many such pixels (a 300 dpi A4 scan is 9
# million, a phone's screenshot 3): 170 MB, so that two at once stay near 350 MB.
MAX_FULL_DECODE = 16_000_000
JPEG_QUALITY = 85
# The cards show pictures at most 232 CSS pixels wide (the shared screen); 480 stays sharp at
# twice that density.
THUMB_SIDE = 480
THUMB_JPEG_QUALITY = 80
_ORIENTATION = 0x0112  # the EXIF tag


class NotAPicture(Exception):
    """The bytes are not a JPEG, PNG, WebP or GIF that decodes."""


class TooManyPixels(Exception):
    """A picture larger, decoded, than anyone's photo: refused before it is decoded."""


@dataclass(frozen=True, slots=True)
class PictureFile:
    """A picture as it is kept: re-encoded bytes, their type and size in pixels."""

    data: bytes
    content_type: str  # image/jpeg or image/png
    width: int
    height: int
    thumbnail: bytes | None = None  # the same, at most THUMB_SIDE a side (None: not made)


def reencode(
    data: bytes,
    max_side: int = MAX_SIDE,
    max_pixels: int = MAX_PIXELS,
    max_full_decode: int = MAX_FULL_DECODE,
) -> PictureFile:
    """The picture in `data`, re-encoded with nothing but its pixels."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED) as image:
            limit = max_pixels if image.format == "JPEG" else min(max_pixels, max_full_decode)
            if image.width * image.height > limit:
                raise TooManyPixels
            png = image.format == "PNG"
            if image.format == "JPEG":
                image.draft("RGB", (max_side, max_side))  # decode at a fraction of the size
            image.load()
            pixels = _pixels(image, png, max_side)
    except (TooManyPixels, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TooManyPixels from None
    except Exception as exc:
        # Whatever Pillow cannot read (or reads and then fails on) is not a picture here.
        raise NotAPicture(type(exc).__name__) from None
    content_type = "image/png" if png else "image/jpeg"
    data = _encoded(pixels, png, JPEG_QUALITY)
    small = pixels.copy()  # `pixels` has an empty `info`, and so has its copy
    small.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    thumbnail = _encoded(small, png, THUMB_JPEG_QUALITY)
    return PictureFile(data, content_type, pixels.width, pixels.height, thumbnail)


def _encoded(pixels: Image.Image, png: bool, quality: int) -> bytes:
    out = io.BytesIO()
    if png:
        pixels.save(out, "PNG", optimize=False)
    else:
        pixels.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _pixels(image: Image.Image, png: bool, max_side: int) -> Image.Image:
    """A fresh image of these pixels, the right way up, scaled down, in sRGB: its `info`
    (where Pillow keeps EXIF, XMP, comments, text chunks, the ICC profile) is empty, so
    saving it can write none of them."""
    from PIL import Image, ImageOps

    # Turned only when the EXIF says so (otherwise it would copy the whole decoded picture).
    upright = ImageOps.exif_transpose(image) if image.getexif().get(_ORIENTATION, 1) != 1 else image
    alpha = png and (upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info)
    mode = "RGBA" if alpha else "RGB"
    icc = upright.info.get("icc_profile")
    if upright.mode not in ("RGB", "RGBA"):
        upright = upright.convert("RGBA" if alpha or upright.mode in ("LA", "PA") else "RGB")
    if icc:
        upright = _to_srgb(upright, icc)
    upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if upright.mode == "RGBA" and not alpha:
        flat = Image.new("RGB", upright.size, (255, 255, 255))  # a photo's transparency: white
        flat.paste(upright, mask=upright.getchannel("A"))
        upright = flat
    return Image.frombytes(mode, upright.size, upright.convert(mode).tobytes())


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """Colours from the picture's own profile to sRGB (a phone's Display P3 photo would look
    dull without it); a profile that cannot be read is dropped as it is."""
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        converted = ImageCms.profileToProfile(image, source, srgb, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted if converted is not None else image
