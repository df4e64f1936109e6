"""When a complaint being filed is probably one already reported (catalogue/duplicates.json): the same service in
the same town, open, filed recently by someone else, in the same locality or with a pin close by. The citizen is
then offered to follow it instead of filing the same problem again."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Mapping, Optional

from seva.catalogue import CATALOGUE_DIR

RULES_FILE = CATALOGUE_DIR / "duplicates.json"
EARTH_RADIUS_M = 6_371_000


@dataclass(frozen=True)
class Rule:
    days: int
    radius_m: float

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.days)


class DuplicateRules:
    def __init__(self, default: Rule, by_category: Mapping[str, Rule]):
        self.default = default
        self.by_category = by_category

    @classmethod
    def load(cls, path=RULES_FILE) -> DuplicateRules:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        return cls(
            Rule(**data["default"]), {category: Rule(**rule) for category, rule in data.get("categories", {}).items()}
        )

    def of(self, category: str) -> Rule:
        return self.by_category.get(category, self.default)


def metres_between(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """The great-circle distance (haversine), plenty precise within a town."""
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    dp, dl = p2 - p1, math.radians(b_lon - a_lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def same_place(
    rule: Rule,
    locality: Optional[str],
    pin: Optional[tuple],
    other_locality: Optional[str],
    other_pin: Optional[tuple],
) -> bool:
    """Whether two complaints are at the same place: both pins within the rule's radius, or, without two pins,
    the same locality."""
    if pin is not None and other_pin is not None:
        return metres_between(*pin, *other_pin) <= rule.radius_m
    return locality is not None and locality == other_locality


@lru_cache(maxsize=1)
def load_duplicate_rules() -> DuplicateRules:
    return DuplicateRules.load()
