"""Where Seva's towns lie (catalogue/served_area.json): a pin outside is not a place Seva can send anyone to."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional, Tuple

from seva.catalogue import CATALOGUE_DIR

AREA_FILE = CATALOGUE_DIR / "served_area.json"


@dataclass(frozen=True)
class ServedArea:
    latitude: Tuple[float, float]
    longitude: Tuple[float, float]

    def contains(self, latitude: float, longitude: float) -> bool:
        return self.latitude[0] <= latitude <= self.latitude[1] and self.longitude[0] <= longitude <= self.longitude[1]

    def location(self, latitude: Any, longitude: Any) -> Optional[str]:
        """A pin or typed coordinates as a complaint keeps them ("30.211000,74.945500"), or None when they are not
        numbers or lie outside the served area."""
        try:
            point = float(latitude), float(longitude)
        except (TypeError, ValueError):
            return None
        return f"{point[0]:.6f},{point[1]:.6f}" if self.contains(*point) else None


@lru_cache(maxsize=1)
def load_served_area() -> ServedArea:
    with AREA_FILE.open(encoding="utf-8") as f:
        data = json.load(f)
    return ServedArea(tuple(data["latitude"]), tuple(data["longitude"]))
