"""The complaint catalogue and the gazetteer of Punjab's towns and localities.

Everything here is read once from the data files under ``catalogue/`` (DIGIT master data copied verbatim,
corrected on load by ``catalogue/corrections.json``) and looked up by small functions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "catalogue"
LANGUAGES = ("en", "hi", "pa")
DEFAULT_LANGUAGE = "en"
_LOCALE_TO_LANGUAGE = {"in_en": "en", "in_hi": "hi", "in_pb": "pa"}


@dataclass(frozen=True)
class Service:
    code: str
    category: str
    department: str
    sla_hours: int
    keywords: Tuple[str, ...]
    names: Dict[str, str] = field(hash=False, compare=False)

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names[DEFAULT_LANGUAGE]

    @property
    def sla(self) -> timedelta:
        """How long the municipality has to settle a complaint of this service."""
        return timedelta(hours=self.sla_hours)


@dataclass(frozen=True)
class City:
    tenant_id: str
    names: Dict[str, str] = field(hash=False, compare=False)

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Locality:
    code: str
    tenant_id: str
    name_en: str
    names: Dict[str, str] = field(hash=False, compare=False)
    zone: Optional[str] = None
    block: Optional[str] = None
    # Codes of the localities next to it in its ward, by the order of the boundary data: what tells two places of
    # the same name apart for a citizen, who knows the colonies around them but seldom the ward.
    neighbours: Tuple[str, ...] = field(default=(), hash=False, compare=False)

    def name(self, language: str) -> str:
        return self.names.get(language) or self.name_en

    @property
    def where(self) -> str:
        """Zone and ward as written in the boundary data, to tell apart two places of the same name."""
        parts = [p.replace("_", " ").title() for p in (self.zone, self.block) if p]
        return ", ".join(parts)


class Catalogue:
    def __init__(self, directory: Path = CATALOGUE_DIR):
        self.directory = directory
        corrections = _read(directory / "corrections.json")
        self.names = _read(directory / "names.json")
        self.services = _load_services(directory, corrections, self.names)
        self.cities = _load_cities(directory, corrections)
        self.localities = _load_localities(directory, self.cities)
        self._locality_by_code = {loc.code: loc for locs in self.localities.values() for loc in locs}

    @property
    def categories(self) -> List[str]:
        """Categories in catalogue order, with 'Others' last."""
        seen: List[str] = []
        for service in self.services.values():
            if service.category not in seen:
                seen.append(service.category)
        return seen

    def services_in(self, category: str) -> List[Service]:
        return [s for s in self.services.values() if s.category == category]

    def category_name(self, category: str, language: str) -> str:
        names = self.names["categories"][category]
        return names.get(language) or names[DEFAULT_LANGUAGE]

    def label(self, kind: str, key: str, language: str) -> str:
        """A citizen-facing name of a status or workflow action."""
        names = self.names[kind][key]
        return names.get(language) or names[DEFAULT_LANGUAGE]

    def localities_of(self, tenant_id: str) -> List[Locality]:
        return self.localities.get(tenant_id, [])

    def locality(self, code: str) -> Optional[Locality]:
        return self._locality_by_code.get(code)


def _read(path: Path) -> dict:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def _load_services(directory: Path, corrections: dict, names: dict) -> Dict[str, Service]:
    raw = list(_read(directory / "mdms" / "ServiceDefs.json")["ServiceDefs"])
    # PGR's catalogue has services that this copy of the master data lacks (NonSweepingOfRoad).
    for missing in corrections["services_missing"]:
        after = next(i for i, row in enumerate(raw) if row["serviceCode"] == missing["after"])
        raw.insert(after + 1, {k: v for k, v in missing.items() if k != "after"})
    departments = corrections["service_departments"]
    keywords = corrections["service_keywords"]
    services: Dict[str, Service] = {}
    for row in raw:
        if not row.get("active"):
            continue
        code = row["serviceCode"]
        services[code] = Service(
            code=code,
            # "Others" has an empty menuPath in DIGIT; it is its own category for the citizen.
            category=row.get("menuPath") or "Others",
            department=departments.get(row["department"], row["department"]),
            sla_hours=int(row["slaHours"]),
            keywords=tuple(k.strip() for k in keywords.get(code, row["keywords"]).split(",") if k.strip()),
            names=dict(names["services"][code]),
        )
    return services


def _load_cities(directory: Path, corrections: dict) -> Dict[str, City]:
    raw = _read(directory / "mdms" / "CityLocaleMasterData.json")["CityLocaleMasterData"]
    renames = corrections["city_tenant_ids"]
    names: Dict[str, Dict[str, str]] = {}
    for row in raw:
        tenant_id = renames.get(row["tenantId"], row["tenantId"])
        names.setdefault(tenant_id, {})[_LOCALE_TO_LANGUAGE[row["locale"]]] = row["cityName"].strip()
    for tenant_id, fixed in corrections["city_names"].items():
        names[tenant_id].update(fixed)
    return {tenant_id: City(tenant_id, n) for tenant_id, n in sorted(names.items())}


def _load_localities(directory: Path, cities: Dict[str, City]) -> Dict[str, List[Locality]]:
    localities: Dict[str, List[Locality]] = {}
    for path in sorted((directory / "localities").glob("*.json")):
        data = _read(path)
        tenant_id = data["tenantId"]
        if tenant_id not in cities:
            raise ValueError(f"{path}: unknown city {tenant_id}")
        rows = []
        for row in data["localities"]:
            name = " ".join(row["name"].split())
            names = {"en": name}
            names.update({lang: row[f"name_{lang}"] for lang in ("hi", "pa") if row.get(f"name_{lang}")})
            rows.append(Locality(row["code"], tenant_id, name, names, row.get("zone"), row.get("block")))
        localities[tenant_id] = _with_neighbours(rows)
    return localities


def _with_neighbours(rows: List[Locality], count: int = 2) -> List[Locality]:
    """Each locality that shares its name with another, with the nearest differently named ones of its ward (of its
    zone, for a ward with no other)."""
    named: Dict[str, int] = {}
    for row in rows:
        named[row.name_en.casefold()] = named.get(row.name_en.casefold(), 0) + 1
    kept = []
    for i, row in enumerate(rows):
        if named[row.name_en.casefold()] < 2:
            kept.append(row)
            continue
        # Its own ward first, then the rest of its zone; nearest in the boundary data's order first.
        near = [
            other
            for j, other in sorted(enumerate(rows), key=lambda pair: (pair[1].block != row.block, abs(pair[0] - i)))
            if j != i and other.zone == row.zone and named[other.name_en.casefold()] < 2
        ]
        kept.append(replace(row, neighbours=tuple(other.code for other in near[:count])))
    return kept


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    return Catalogue()
