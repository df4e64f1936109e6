"""Where a complaint's photo is: a file Seva saved under the media directory, or a link the citizen sent."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union


@dataclass(frozen=True)
class Link:
    url: str


@dataclass(frozen=True)
class File:
    path: Path
    content_type: str


def locate(uri: str, media: Path) -> Optional[Union[Link, File]]:
    """The photo at `uri`, or None when it is gone or lies outside the media directory: a stored path is
    never trusted to lead anywhere else (`..`, symbolic links)."""
    if uri.startswith(("http://", "https://")):
        return Link(uri)
    path = (media / uri).resolve()
    if not path.is_relative_to(media) or not path.is_file():
        return None
    return File(path, mimetypes.guess_type(path.name)[0] or "application/octet-stream")
