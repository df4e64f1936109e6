"""Photos Seva keeps: a citizen's from WhatsApp and staff's proof of a fix, stored alike under the media
directory without their metadata (where it was taken, the device, the time), named by their content's hash; and
finding one again from what a complaint records."""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

IMAGE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png"}
IMAGE_MAGIC = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
# WhatsApp's own limit for an image.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# JPEG segments a photo needs to look the same: JFIF (APP0), its colour profile (APP2 ICC_PROFILE), Adobe's colour
# transform (APP14). Every other APPn (EXIF and XMP in APP1, IPTC in APP13, ...) and comments go.
_JPEG_KEPT_APPS = {0xE0, 0xE2, 0xEE}
_JPEG_COMMENT = 0xFE
_JPEG_START_OF_SCAN = 0xDA
# PNG chunks that carry metadata: EXIF, text (author, software, GPS written as text), and the time.
_PNG_METADATA = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}
_EXIF_ORIENTATION = 0x0112


class NotAPhoto(Exception):
    """Not a JPEG or PNG by its bytes (whatever it is labelled), or bigger than WhatsApp takes."""


@dataclass(frozen=True)
class SavedMedia:
    uri: str
    mime_type: str
    sha256: str
    size: int
    # Whether this call stored it (the same photo sent before is kept once).
    new: bool = False


@dataclass(frozen=True)
class Link:
    url: str


@dataclass(frozen=True)
class File:
    path: Path
    content_type: str


def image_type(data: bytes) -> str:
    """The photo's type read from its first bytes: what it says it is does not count."""
    for mime_type, magic in IMAGE_MAGIC.items():
        if data.startswith(magic):
            return mime_type
    raise NotAPhoto(f"not a JPEG or PNG (starts {data[:8]!r})")


def keep_image(data: bytes, media_dir: Path) -> SavedMedia:
    """Stores the photo under `media_dir` without its metadata (once, however often it is sent) and says where."""
    if len(data) > MAX_IMAGE_BYTES:
        raise NotAPhoto(f"more than {MAX_IMAGE_BYTES} bytes")
    mime_type = image_type(data)
    data = without_metadata(data, mime_type)
    digest = hashlib.sha256(data).hexdigest()
    path = media_dir / digest[:2] / f"{digest}{IMAGE_TYPES[mime_type]}"
    new = not path.exists()
    if new:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)
    return SavedMedia(str(path), mime_type, digest, len(data), new)


def forget_image(saved: SavedMedia) -> None:
    """Removes a photo stored for an action that was then refused (its caller knows nothing refers to it)."""
    Path(saved.uri).unlink(missing_ok=True)


def locate(uri: str, media: Path) -> Optional[Union[Link, File]]:
    """The photo at `uri`, or None when it is gone or lies outside the media directory: a stored path is
    never trusted to lead anywhere else (`..`, symbolic links)."""
    if uri.startswith(("http://", "https://")):
        return Link(uri)
    media = media.resolve()
    path = (media / uri).resolve()
    if not path.is_relative_to(media) or not path.is_file():
        return None
    return File(path, mimetypes.guess_type(path.name)[0] or "application/octet-stream")


def without_metadata(data: bytes, mime_type: str) -> bytes:
    """The photo without its metadata. Its pixels are copied as they are; only a JPEG that asks to be shown rotated
    (EXIF orientation) is turned and encoded again, as the orientation goes with the rest of the EXIF."""
    if mime_type == "image/png":
        return _png_without_metadata(data)
    if _orientation(data) not in (None, 1):
        turned = _upright(data)
        if turned is not None:
            return turned
    return _jpeg_without_metadata(data)


def _jpeg_without_metadata(data: bytes) -> bytes:
    out = bytearray(data[:2])
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            out += data[i : i + 2]
            i += 2
            continue
        if marker == _JPEG_START_OF_SCAN:
            break
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        segment = data[i : i + 2 + length]
        if not _is_metadata(marker, segment):
            out += segment
        i += 2 + length
    # The compressed image (and anything a reader would not parse as segments) is copied as it is.
    out += data[i:]
    return bytes(out)


def _is_metadata(marker: int, segment: bytes) -> bool:
    if marker == _JPEG_COMMENT:
        return True
    if not 0xE0 <= marker <= 0xEF:
        return False
    if marker == 0xE2:  # APP2 is a colour profile, or a multi-picture index (with its own EXIF)
        return not segment[4:].startswith(b"ICC_PROFILE")
    return marker not in _JPEG_KEPT_APPS


def _png_without_metadata(data: bytes) -> bytes:
    out = bytearray(data[:8])
    i = 8
    while i + 12 <= len(data):
        (length,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        end = i + 12 + length
        if end > len(data):
            break
        if kind not in _PNG_METADATA:
            out += data[i:end]
        i = end
    out += data[i:]
    return bytes(out)


def _orientation(data: bytes) -> Optional[int]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.getexif().get(_EXIF_ORIENTATION)
    except Exception:  # a photo Pillow cannot read keeps its pixels as they are
        return None


def _upright(data: bytes) -> Optional[bytes]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            turned = ImageOps.exif_transpose(image)
            options = {"icc_profile": image.info["icc_profile"]} if image.info.get("icc_profile") else {}
            buffer = io.BytesIO()
            turned.convert("RGB").save(buffer, "JPEG", quality=90, **options)
            return buffer.getvalue()
    except Exception:  # unreadable pixels: stripped as they are, unturned
        logger.warning("A photo asking to be turned could not be decoded: kept unturned")
        return None
