"""The catalogue loads DIGIT's master data with its known errors corrected."""

import json
import unicodedata

import pytest

from seva.catalogue import CATALOGUE_DIR, Catalogue, load_catalogue

PGR_SERVICE_CODES = {
    "StreetLights": ["StreetLightNotWorking"],
    "Garbage": ["GarbageNeedsTobeCleared", "NonSweepingOfRoad", "DamagedGarbageBin", "BurningOfGarbage"],
    "Drains": ["OverflowingOrBlockedDrain"],
    "WaterandSewage": [
        "illegalDischargeOfSewage",
        "BlockOrOverflowingSewage",
        "ShortageOfWater",
        "NoWaterSupply",
        "DirtyWaterSupply",
        "BrokenWaterPipeOrLeakage",
        "WaterPressureisVeryLess",
    ],
    "RoadsAndFootpaths": [
        "DamagedRoad",
        "WaterLoggedRoad",
        "ManholeCoverMissingOrDamaged",
        "DamagedOrBlockedFootpath",
        "ConstructionMaterialLyingOntheRoad",
    ],
    "Mosquitos": ["RequestSprayingOrFoggingOperation"],
    "Animals": ["StrayAnimals", "DeadAnimals"],
    "PublicToilets": ["DirtyOrSmellyPublicToilets", "PublicToiletIsDamaged", "NoWaterOrElectricityinPublicToilet"],
    "LandViolations": ["IllegalShopsOnFootPath", "IllegalConstructions", "IllegalParking"],
    "Trees": ["IllegalCuttingOfTrees", "CuttingOrTrimmingOfTreeRequired"],
    "OpenDefecation": ["OpenDefecation"],
    "Parks": ["ParkRequiresMaintenance"],
    "Others": ["Others"],
}
DEPARTMENTS = {
    "StreetLights": "Street Lights",
    "Garbage": "Health & Sanitation",
    "Drains": "Operation & Maintenance",
    "WaterandSewage": "Operation & Maintenance",
    "RoadsAndFootpaths": "Operation & Maintenance",
    "Mosquitos": "Health & Sanitation",
    "Animals": "Health & Sanitation",
    "PublicToilets": "Health & Sanitation",
    "LandViolations": "Building Branch",
    "Trees": "Horticulture",
    "OpenDefecation": "Health & Sanitation",
    "Parks": "Horticulture",
    "Others": "Others",
}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def test_the_active_services_are_pgrs_with_their_exact_codes_and_categories(catalogue):
    assert {c: [s.code for s in catalogue.services_in(c)] for c in catalogue.categories} == PGR_SERVICE_CODES


def test_the_inactive_service_is_not_offered(catalogue):
    assert "NoStreetlight" not in catalogue.services


def test_each_service_has_its_department_sla_and_names_in_three_languages(catalogue):
    for service in catalogue.services.values():
        assert service.department == DEPARTMENTS[service.category], service.code
        assert service.sla_hours == 336
        assert set(service.names) == {"en", "hi", "pa"}, service.code


def test_every_department_has_a_citizen_facing_name(catalogue):
    for service in catalogue.services.values():
        assert catalogue.label("departments", service.department, "pa"), service.department


def test_known_keyword_errors_are_corrected(catalogue):
    assert "sand" in catalogue.services["ConstructionMaterialLyingOntheRoad"].keywords
    assert "footpath" not in catalogue.services["ConstructionMaterialLyingOntheRoad"].keywords
    assert "dead" in catalogue.services["DeadAnimals"].keywords
    assert "cattle" not in catalogue.services["DeadAnimals"].keywords[:1]


def test_all_167_towns_load_with_names_in_three_scripts(catalogue):
    assert len(catalogue.cities) == 167
    for city in catalogue.cities.values():
        assert city.tenant_id.startswith("pb.") and city.tenant_id.isascii() and " " not in city.tenant_id
        assert city.names["en"].isascii() and city.names["en"][0].isupper(), city.tenant_id
        assert _script_of(city.names["hi"]) == "DEVANAGARI", city.tenant_id
        assert _script_of(city.names["pa"]) == "GURMUKHI", city.tenant_id


def test_zirakpur_and_amritsar_are_corrected(catalogue):
    assert "pb.zirakpurś" not in catalogue.cities
    assert catalogue.cities["pb.zirakpur"].names == {"en": "Zirakpur", "hi": "जीरकपुर", "pa": "ਜ਼ੀਰਕਪੁਰ"}
    assert catalogue.cities["pb.amritsar"].names["pa"] == "ਅੰਮ੍ਰਿਤਸਰ"


def test_the_raw_copy_still_has_the_errors_so_the_corrections_are_needed():
    raw = json.loads((CATALOGUE_DIR / "mdms" / "CityLocaleMasterData.json").read_text(encoding="utf-8"))
    tenant_ids = {row["tenantId"] for row in raw["CityLocaleMasterData"]}
    assert "pb.zirakpurś" in tenant_ids and "pb.zirakpur" not in tenant_ids


def test_pilot_towns_have_localities(catalogue):
    counts = {
        t: len(catalogue.localities_of(t))
        for t in ("pb.jalandhar", "pb.phagwara", "pb.amritsar", "pb.hoshiarpur", "pb.zirakpur")
    }
    assert counts["pb.jalandhar"] == 1111 and counts["pb.phagwara"] == 213
    assert all(n >= 25 for n in counts.values()), counts


def test_jalandhar_has_two_model_towns_told_apart_by_ward(catalogue):
    model_towns = [loc for loc in catalogue.localities_of("pb.jalandhar") if loc.name_en == "Model Town"]
    assert len(model_towns) == 2
    assert model_towns[0].where != model_towns[1].where


def test_every_locality_sharing_its_name_has_colonies_near_it_to_be_told_apart_by(catalogue):
    by_name = {}
    for place in catalogue.localities_of("pb.jalandhar") + catalogue.localities_of("pb.phagwara"):
        by_name.setdefault((place.tenant_id, place.name_en.casefold()), []).append(place)
    shared = [places for places in by_name.values() if len(places) > 1]
    assert len(shared) == 78  # 77 names in Jalandhar, 1 in Phagwara
    for places in shared:
        for place in places:
            near = [catalogue.locality(code) for code in place.neighbours]
            assert near and all(n.zone == place.zone and n.name_en != place.name_en for n in near), place
        assert len({place.neighbours for place in places}) == len(places), places


def test_every_locality_has_hindi_and_punjabi_names(catalogue):
    for tenant_id in ("pb.hoshiarpur", "pb.zirakpur", "pb.amritsar", "pb.jalandhar", "pb.phagwara"):
        for locality in catalogue.localities_of(tenant_id):
            assert _script_of(locality.names["hi"]) == "DEVANAGARI", locality.code
            assert _script_of(locality.names["pa"]) == "GURMUKHI", locality.code


def _script_of(text: str) -> str:
    scripts = {unicodedata.name(ch).split()[0] for ch in text if ch.isalpha()}
    assert len(scripts) == 1, (text, scripts)
    return scripts.pop()
