"""Reference data seeded by migrations: the interest taxonomy and the territories of
Loire-Atlantique (communes, Nantes Métropole, the département).

Functions take the migration's app registry so they work on historical models.
"""

import csv
import json
from pathlib import Path

from shapely.geometry import mapping, shape
from shapely.ops import unary_union

DATA = Path(__file__).resolve().parent / "data"

NANTES_METROPOLE = {
    "insee_code": "244400404",  # SIREN of the EPCI
    "name": "Nantes Métropole",
    "communes": (
        "44009", "44018", "44020", "44024", "44026", "44035", "44047", "44074", "44101",
        "44094", "44109", "44114", "44120", "44143", "44150", "44162", "44166", "44171",
        "44172", "44190", "44194", "44198", "44204", "44215",
    ),
}  # fmt: skip
DEPARTEMENT = {"insee_code": "44", "name": "Loire-Atlantique"}
# Aggregated outlines are for display and coverage maps: ~50 m of simplification is plenty.
AGGREGATE_TOLERANCE_DEG = 0.0005


def load_taxonomy() -> list[dict]:
    return json.loads((DATA / "taxonomy.json").read_text(encoding="utf-8"))


def seed_categories(apps, schema_editor=None) -> None:
    Category = apps.get_model("activities", "Category")
    for top_position, top in enumerate(load_taxonomy()):
        parent, _ = Category.objects.update_or_create(
            slug=top["slug"],
            defaults={
                "parent": None,
                "name_fr": top["name_fr"],
                "name_en": top["name_en"],
                "icon": top.get("icon", ""),
                "position": top_position,
            },
        )
        for position, child in enumerate(top["children"]):
            Category.objects.update_or_create(
                slug=child["slug"],
                defaults={
                    "parent": parent,
                    "name_fr": child["name_fr"],
                    "name_en": child["name_en"],
                    "icon": child.get("icon", ""),
                    "position": position,
                },
            )


def _bbox_fields(geometry) -> dict:
    min_lng, min_lat, max_lng, max_lat = geometry.bounds
    return {"min_lat": min_lat, "min_lng": min_lng, "max_lat": max_lat, "max_lng": max_lng}


def seed_territories(apps, schema_editor=None) -> None:
    Territory = apps.get_model("activities", "Territory")
    with (DATA / "communes-44.csv").open(encoding="utf-8") as handle:
        populations = {row["insee"]: int(row["population"]) for row in csv.DictReader(handle)}
    features = json.loads((DATA / "communes-44.geojson").read_text(encoding="utf-8"))["features"]

    departement, _ = Territory.objects.update_or_create(
        insee_code=DEPARTEMENT["insee_code"],
        defaults={"name": DEPARTEMENT["name"], "kind": "departement"},
    )
    epci, _ = Territory.objects.update_or_create(
        insee_code=NANTES_METROPOLE["insee_code"],
        defaults={"name": NANTES_METROPOLE["name"], "kind": "epci", "parent": departement},
    )
    shapes, metropole_shapes = [], []
    for feature in features:
        code = feature["properties"]["code"]
        geometry = shape(feature["geometry"])
        shapes.append(geometry)
        in_metropole = code in NANTES_METROPOLE["communes"]
        if in_metropole:
            metropole_shapes.append(geometry)
        Territory.objects.update_or_create(
            insee_code=code,
            defaults={
                "name": feature["properties"]["nom"],
                "kind": "commune",
                "parent": epci if in_metropole else departement,
                "population": populations.get(code),
                "boundary": feature["geometry"],
                **_bbox_fields(geometry),
            },
        )
    metropole_population = sum(populations.get(c, 0) for c in NANTES_METROPOLE["communes"])
    for territory, parts, population in (
        (epci, metropole_shapes, metropole_population),
        (departement, shapes, sum(populations.values())),
    ):
        outline = unary_union(parts).simplify(AGGREGATE_TOLERANCE_DEG)
        territory.boundary = mapping(outline)
        territory.population = population
        for field, value in _bbox_fields(outline).items():
            setattr(territory, field, value)
        territory.save()
