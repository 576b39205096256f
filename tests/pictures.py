"""Pictures for tests: a photo that carries GPS EXIF, as a phone's camera writes one, and a
way to send one the way the board does."""

from __future__ import annotations

import io
from typing import Any

import httpx
from PIL import Image

GPS_IFD = 0x8825
EXIF_IFD = 0x8769


def photo_with_gps(size: tuple[int, int] = (1200, 900), orientation: int = 1) -> bytes:
    """A fictional photo whose EXIF says where and when it was taken, and with what."""
    image = Image.new("RGB", size, (180, 120, 60))
    for x in range(0, size[0], 50):  # some detail, so that it is not all one colour
        image.paste((20, 90, 200), (x, 0, x + 10, size[1]))
    exif = Image.Exif()
    exif[0x0132] = "2026:01:01 10:00:00"  # DateTime
    exif[0x010F] = "FictionalCam"  # Make
    exif[0x0112] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 0.0)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)[2] == (51.0, 30.0, 0.0)
    return data


def drawing_png(size: tuple[int, int] = (300, 200)) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    image.paste((200, 30, 30, 255), (20, 20, 120, 120))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def carries_no_metadata(data: bytes) -> bool:
    """No EXIF (GPS included), XMP, comments or text chunks in these bytes."""
    image = Image.open(io.BytesIO(data))
    markers = (b"Exif", b"GPS", b"FictionalCam", b"http://ns.adobe.com/xap", b"tEXt", b"iTXt")
    return (
        not dict(image.getexif())
        and not any(m in data for m in markers)
        and not set(image.info) - {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"}
    )


def form(
    data: bytes,
    description: str = "Leo's drawing of his three houses",
    layer: str = "main",
    filename: str = "drawing.jpg",
    content_type: str = "image/jpeg",
) -> dict[str, Any]:
    return {
        "files": {"picture": (filename, data, content_type)},
        "data": {"description": description, "layer": layer},
    }


async def send(
    http: httpx.AsyncClient,
    meeting_id: str,
    data: bytes,
    headers: dict[str, str] | None = None,
    query: str = "",
    **fields: str,
) -> httpx.Response:
    """Upload as the board does (`query`: a stock client's `?token=&key=`)."""
    url = f"/m/{meeting_id}/pictures{query}"
    return await http.post(url, headers=headers or {}, **form(data, **fields))
