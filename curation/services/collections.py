"""Curated collections: titled, ordered lists of activities for a territory ("Summer for
seniors"), written by the curators of that territory and read by its residents."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices as activity_choices
from activities.models import Activity, Organization, Territory
from activities.services import UNCHANGED, Unchanged
from activities.services.common import unique_slug
from backend.errors import PermissionDenied, ValidationFailed
from backend.text import require_plain_text
from backend.validation import full_clean, validation_failed
from curation.choices import CollectionStatus
from curation.models import Collection, CollectionItem
from curation.scope import CuratorScope, curating_organization, require_curator
from curation.selectors.collections import activities_of_territory

# A collection is a short list a resident reads through: past this, it is a search.
MAX_ITEMS = 100
_SLUG_ATTEMPTS = 5


@dataclass(frozen=True)
class ItemInput:
    """One entry of a collection's new list: an activity id and the curator's note on it."""

    activity: int
    note: str = ""


def _require_curates(scope: CuratorScope, territory_id: int) -> None:
    if not scope.covers(territory_id):
        raise PermissionDenied(_("You do not curate this territory."))


def _acting_organization(scope: CuratorScope, territory: Territory) -> Organization:
    organization = curating_organization(scope=scope, territory=territory)
    if organization is None:
        raise validation_failed({"territory": [_("No organization curates this territory.")]})
    return organization


@transaction.atomic
def collection_create(
    *,
    by: User,
    territory: Territory,
    title: str,
    description: str = "",
    status: str = CollectionStatus.DRAFT,
) -> Collection:
    """Create a collection of a territory the user curates (403 otherwise), in the name of
    their organization that curates it. Its slug is made from the title, and kept."""
    scope = require_curator(by)
    _require_curates(scope, territory.pk)
    require_plain_text(multiline=("description",), title=title, description=description)
    collection = Collection(
        organization=_acting_organization(scope, territory),
        territory=territory,
        title=title,
        description=description,
        status=status,
        created_by=by,
    )
    for _attempt in range(_SLUG_ATTEMPTS):
        collection.slug = unique_slug(Collection, title, fallback="collection")
        full_clean(collection)
        try:
            with transaction.atomic():  # two curators naming collections alike at once
                collection.save()
            return collection
        except IntegrityError:
            collection.pk = None
    raise ValidationFailed(_("Try again."))


@transaction.atomic
def collection_update(
    *,
    collection: Collection,
    by: User,
    title: str | Unchanged = UNCHANGED,
    description: str | Unchanged = UNCHANGED,
    status: str | Unchanged = UNCHANGED,
) -> Collection:
    """Edit, publish (`status`: published) or unpublish (draft) a collection of a territory
    the user curates. Its slug and its territory stay."""
    _require_curates(require_curator(by), collection.territory_id)
    require_plain_text(multiline=("description",), title=title, description=description)
    collection = Collection.objects.select_for_update().get(pk=collection.pk)
    for name, value in (("title", title), ("description", description), ("status", status)):
        if value is not UNCHANGED:
            setattr(collection, name, value)
    full_clean(collection)
    collection.save()
    return collection


@transaction.atomic
def collection_delete(*, collection: Collection, by: User) -> None:
    _require_curates(require_curator(by), collection.territory_id)
    collection.delete()


@transaction.atomic
def collection_set_items(
    *, collection: Collection, by: User, items: Sequence[ItemInput]
) -> Collection:
    """Replace the collection's list with `items`, in their order. Each activity must be
    published and belong to the collection's territory (take place in it or under it, or serve
    it from afar), and appear once; a refusal names the entry (`items.3.activity`) and changes
    nothing."""
    _require_curates(require_curator(by), collection.territory_id)
    collection = Collection.objects.select_for_update().get(pk=collection.pk)
    if len(items) > MAX_ITEMS:
        raise validation_failed(
            {"items": [_("A collection holds at most %(max)d activities.") % {"max": MAX_ITEMS}]}
        )
    rows = [
        CollectionItem(
            collection=collection, activity_id=item.activity, position=index, note=item.note
        )
        for index, item in enumerate(items)
    ]
    errors: dict[str, tuple[list[str], str]] = {}  # field -> (messages, code)
    for index, row in enumerate(rows):
        try:
            require_plain_text(multiline=("note",), note=row.note)
            # The list is replaced whole: its rows are not checked against the old ones (the
            # unique constraints on the collection), nor are the activities (below, together).
            full_clean(row, exclude=["collection", "activity"])
        except ValidationFailed as error:
            for name, messages in error.fields.items():
                errors[f"items.{index}.{name}"] = (messages, error.code)
    ids = [item.activity for item in items]
    published = set(
        Activity.objects.filter(
            pk__in=ids, status=activity_choices.ActivityStatus.PUBLISHED
        ).values_list("pk", flat=True)
    )
    in_territory = set(
        activities_of_territory(territory=collection.territory)
        .filter(pk__in=published)
        .values_list("pk", flat=True)
    )
    seen: set[int] = set()
    for index, activity_id in enumerate(ids):
        field = f"items.{index}.activity"
        if activity_id in seen:
            errors[field] = ([_("This activity is already in the list.")], "duplicate")
        elif activity_id not in published:
            errors[field] = ([_("No published activity has this id.")], "not_found")
        elif activity_id not in in_territory:
            message = _("This activity is outside the collection's territory.")
            errors[field] = ([message], "outside_territory")
        seen.add(activity_id)
    if errors:
        ordered = sorted(errors.items(), key=lambda entry: _position(entry[0]))
        # The code of the first entry at fault, as a single refusal would carry it.
        raise validation_failed(
            {field: messages for field, (messages, _code) in ordered}, code=ordered[0][1][1]
        )
    collection.items.all().delete()
    CollectionItem.objects.bulk_create(rows)
    collection.save(update_fields=["updated_at"])
    return collection


def _position(field: str) -> tuple[int, str]:
    """`items.12.note` -> (12, "note"): errors in the order of the list."""
    _items, index, name = field.split(".", 2)
    return int(index), name
