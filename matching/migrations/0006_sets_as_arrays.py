"""A set's items stored as two short arrays next to `activity_ids`: their scores and their
reason keys (`matching.engine.Lists`), about 0.4 kB a list instead of 3.6 kB of objects. Rewriting
20,000 unchanged lists of the 1,000,000-set bench table took 12-16 µs of PostgreSQL CPU per
set instead of 34-45 µs (see docs/benchmarks.md). Stored lists are converted."""

import json

from django.db import migrations

import matching.models

MODES = ("in_person", "online", "mixed", "at_home", "phone")  # matching.engine.tables.MODES
OTHER_REASONS = ("fits_availability", "free", "social", "welcoming")  # matching.engine.reason_keys.OTHER_REASONS
BATCH = 2000


def _key(reasons: list[dict], category_ids: dict[str, int]) -> int:
    """The reason key of an item's reasons (the layout of `matching.engine.Lists`)."""
    interest = access = others = 0
    codes = {reason["code"]: reason.get("params", {}) for reason in reasons}
    if "interest" in codes:
        interest = category_ids.get(codes["interest"].get("category"), 0)
    if "near" in codes:
        tenths = round(codes["near"]["distance_km"] * 10) + 1
        access = 2 * tenths + ("step_free" in codes)
    for n, mode in enumerate(MODES):
        if mode in codes:
            access = -1 - n
    for n, name in enumerate(OTHER_REASONS):
        if name in codes:
            others += 1 << n
    return ((interest << 20) + access + len(MODES)) * 16 + others


def _reasons(key: int, slugs: dict[int, str]) -> list[dict]:
    """The reasons of a reason key (the inverse of `_key`)."""
    rest, others = divmod(key, 16)
    interest, access = divmod(rest, 1 << 20)
    access -= len(MODES)
    found = []
    if interest in slugs:
        found.append({"code": "interest", "params": {"category": slugs[interest]}})
    if access > 0:
        tenths, step_free = divmod(access, 2)
        found.append({"code": "near", "params": {"distance_km": (tenths - 1) / 10}})
        if step_free:
            found.append({"code": "step_free", "params": {}})
    elif access < 0:
        found.append({"code": MODES[-1 - access], "params": {}})
    names = [name for n, name in enumerate(OTHER_REASONS) if others >> n & 1]
    return found + [{"code": name, "params": {}} for name in names]


def _convert(apps, schema_editor, source: tuple[str, ...], target: tuple[str, ...], convert):
    """Every set's `target` fields (`json` columns) from its `source` fields, in batches: on
    PostgreSQL one UPDATE ... FROM (VALUES ...) per batch (a million sets in minutes),
    elsewhere a bulk update."""
    sets = apps.get_model("matching", "RecommendationSet")
    rows = sets.objects.order_by("id").values_list("id", *source)
    batch = []
    for row in rows.iterator(chunk_size=BATCH):
        batch.append((row[0], *convert(*row[1:])))
        if len(batch) == BATCH:
            _update(sets, schema_editor, target, batch)
            batch = []
    _update(sets, schema_editor, target, batch)


def _update(sets, schema_editor, target: tuple[str, ...], batch: list[tuple]) -> None:
    if not batch:
        return
    if schema_editor.connection.vendor != "postgresql":
        rows = [sets(id=row[0], **dict(zip(target, row[1:], strict=True))) for row in batch]
        sets.objects.bulk_update(rows, target)
        return
    table = sets._meta.db_table
    row = "(%s" + ", %s::json" * len(target) + ")"
    assignments = ", ".join(f"{name} = v.{name}" for name in target)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" SET {assignments} FROM (VALUES {", ".join([row] * len(batch))}) '
            f'AS v (id, {", ".join(target)}) WHERE "{table}".id = v.id',
            [v for row_id, *values in batch for v in (row_id, *map(json.dumps, values))],
        )


def forwards(apps, schema_editor):
    category_ids = dict(apps.get_model("activities", "Category").objects.values_list("slug", "id"))

    def convert(items):
        keys = [_key(item["reasons"], category_ids) for item in items]
        return [item["score"] for item in items], keys

    _convert(apps, schema_editor, ("items",), ("scores", "reasons"), convert)


def backwards(apps, schema_editor):
    slugs = dict(apps.get_model("activities", "Category").objects.values_list("id", "slug"))

    def convert(activity_ids, scores, keys):
        items = [
            {"activity": a, "score": s, "reasons": _reasons(k, slugs)}
            for a, s, k in zip(activity_ids, scores, keys, strict=True)
        ]
        return (items,)

    _convert(apps, schema_editor, ("activity_ids", "scores", "reasons"), ("items",), convert)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0001_initial"),
        ("matching", "0005_sets_fillfactor"),
    ]

    operations = [
        migrations.AddField(
            model_name="recommendationset",
            name="scores",
            field=matching.models.JSONDocumentField(default=list),
        ),
        migrations.AddField(
            model_name="recommendationset",
            name="reasons",
            field=matching.models.JSONDocumentField(default=list),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="recommendationset", name="items"),
    ]
