"""A complaint's photo as the API and the console serve it: found by its place in the complaint, and only when it
is a file Seva keeps under the media directory (a link the citizen sent is never followed from here)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Optional, Union

from sanic import response
from sanic.response import HTTPResponse

from seva.complaints import ComplaintView
from seva.media import File, Link, locate


async def photo_at(view: ComplaintView, index: int, media: Path) -> Optional[Union[Link, File]]:
    """The complaint's photo number `index`, or None when it has none such or the file is gone."""
    if not 0 <= index < len(view.photos):
        return None
    return await asyncio.to_thread(locate, view.photos[index], media)


async def served(photo: File, cache_control: str) -> HTTPResponse:
    data = await asyncio.to_thread(photo.path.read_bytes)
    return response.raw(
        data,
        content_type=photo.content_type,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": cache_control},
    )
