"""Photos Seva keeps: a citizen's from WhatsApp and staff's proof of a fix, stored alike under the media
directory, named by their content's hash; and finding one again from what a complaint records."""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

IMAGE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png"}
IMAGE_MAGIC = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
# WhatsApp's own limit for an image.
MAX_IMAGE_BYTES = 5 * 1024 * 1024


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
    """Stores the photo whole under `media_dir` (once, however often it is sent) and says where."""
    if len(data) > MAX_IMAGE_BYTES:
        raise NotAPhoto(f"more than {MAX_IMAGE_BYTES} bytes")
    mime_type = image_type(data)
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
