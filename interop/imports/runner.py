"""The import runner: a source's items written into an organization through the services.

Validation has one source of truth, the directory's: values are read by the model fields'
own `to_python` (the types the API's serializers also read) and written by the services
(`activity_create`/`activity_update`, `place_create`, `schedule_create`), which check them
with `full_clean` and the rules only they know (categories, vocabularies, recurrence rules,
what a submission needs). The runner cannot use the API's serializers (interop sits below
the API), and copying them here would give two sets of rules to keep in step.

Items are read `PROGRESS_EVERY` at a time. The new ones of a group are written together by
`services.activities_create_many` (the same rules, one insert per table); the others (an
activity the source wrote before) are compared and written one by one, each in its own
transaction. One bad item is reported with its position, the others go on; when the
database refuses a group, its new items are written again one by one, so each refusal is
reported on its item. An item is compared with what Relier holds before anything is
written, so reading the same source twice writes nothing the second time ("unchanged").
Activities of an earlier run of the same source that the source no longer holds are
archived (with their tombstone), never deleted, unless the source could not be read whole.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import importlib
import inspect
import logging
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from activities import choices, services, taxonomy
from activities.models import Activity, Occurrence, Organization, Place, Schedule
from backend.errors import NON_FIELD_KEY, ApplicationError, ValidationFailed
from backend.validation import from_django, full_clean
from interop.imports import fetch
from interop.imports.items import SessionEdit, SourceEntry, SourceError, SourceItem
from interop.models import ImportJob, ImportKind, ImportState, empty_report

logger = logging.getLogger(__name__)

Status = choices.ActivityStatus

# Items are written this many at a time, and the job's `done` after each group: the new
# items of a group share their inserts, and a progress bar polled every second or two moves.
PROGRESS_EVERY = 100
# A report lists at most this many errors and warnings each (a wrong file can fail every row):
# the counts stay exact, and the first ones say what to fix.
MAX_REPORTED = 500

# The reader of each kind, imported when a job of that kind runs.
READERS: dict[str, tuple[str, str]] = {
    ImportKind.CSV: ("interop.imports.csv_source", "read_csv"),
    ImportKind.ICAL: ("interop.imports.ical_source", "read_ical"),
    ImportKind.JSONLD: ("interop.imports.jsonld_source", "read_jsonld"),
    ImportKind.OPENAGENDA: ("interop.imports.openagenda_source", "read_openagenda"),
}

# What an item's `activity` may hold: what `activity_update` takes, but who acts and where.
ACTIVITY_FIELDS = frozenset(inspect.signature(services.activity_update).parameters) - {
    "activity",
    "by",
    "place",
}
# Fields given as lists of values, checked by the services against their vocabularies.
LIST_FIELDS = frozenset({"categories", "audiences", "languages", "service_area"})
PLACE_FIELDS = frozenset(inspect.signature(services.place_create).parameters) - {
    "organization",
    "by",
}
SCHEDULE_FIELDS = frozenset(inspect.signature(services.schedule_create).parameters) - {
    "activity",
    "by",
}
EXTERNAL_ID_MAX = Activity._meta.get_field("external_id").max_length


def source_key(*, organization_id: int, kind: str, source: str) -> str:
    """What the activities of a source keep as `Activity.source`: the kind, then a digest of
    the organization and the source (an address, or an uploaded file's name), so two
    organizations importing files of the same name never meet."""
    digest = hashlib.sha256(f"{organization_id}\n{kind}\n{source}".encode()).hexdigest()
    return f"{kind}:{digest[:24]}"


def read_source(kind: str, data: bytes) -> list[SourceEntry]:
    module_name, function_name = READERS[kind]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        raise ValidationFailed(
            _("This kind of source cannot be read yet."), code="unsupported_kind"
        ) from error
    return getattr(module, function_name)(data)


def source_bytes(job: ImportJob) -> bytes:
    """The uploaded file, or the body at the job's address, read now."""
    if job.data is not None:
        return bytes(job.data)
    return fetch.fetch_url(job.source)


# --- the job --------------------------------------------------------------------------------


def job_run(
    *,
    job: ImportJob,
    entries: list[SourceEntry] | None = None,
    on_progress: Callable[[ImportJob], None] | None = None,
    every: int | None = None,
) -> ImportJob:
    """Run the job: read its source (unless `entries` are given), write each item, archive
    what the source no longer holds, and leave the report on the job. `on_progress` is called
    each time `done` is written (every `PROGRESS_EVERY` items unless `every` says)."""
    every = every or PROGRESS_EVERY
    with translation.override(job.language):
        job.state, job.started_at, job.report = ImportState.RUNNING, timezone.now(), empty_report()
        job.done = job.total = 0
        job.save(update_fields=["state", "started_at", "report", "done", "total"])
        try:
            by = _importer(job)
            if entries is None:
                entries = read_source(job.kind, source_bytes(job))
        except ApplicationError as error:
            _add(job.report, "errors", position=0, message=describe(error))
            return _finish(job, ImportState.FAILED)
        except Exception:  # a reader's fault: the job ends, saying so, rather than hangs
            logger.exception("import %s: the source could not be read", job.pk)
            _add(job.report, "errors", position=0, message=_("The source could not be read."))
            return _finish(job, ImportState.FAILED)
        job.total = len(entries)
        job.save(update_fields=["total"])
        seen: set[str] = set()
        places = PlaceBook(job.organization)
        for first in range(0, job.total, every):
            _run_group(job, entries[first : first + every], by=by, seen=seen, places=places)
            job.done = min(first + every, job.total)
            # The report so far goes with it: the importer reads the first errors early.
            ImportJob.objects.filter(pk=job.pk).update(done=job.done, report=job.report)
            if on_progress is not None:
                on_progress(job)
        # The source was read whole: what it lacks may be archived.
        whole = not any(isinstance(e, SourceError) and e.position == 0 for e in entries)
        has_items = any(isinstance(entry, SourceItem) for entry in entries)
        if whole and has_items:
            _archive_gone(job, by=by, seen=seen)
        failed = not has_items and bool(job.report["errors"])
        return _finish(job, ImportState.FAILED if failed else ImportState.DONE)


def _importer(job: ImportJob) -> User:
    if job.created_by is None:
        raise ValidationFailed(_("The person who started this import no longer has an account."))
    return job.created_by


def _finish(job: ImportJob, state: str) -> ImportJob:
    job.state, job.finished_at, job.data = state, timezone.now(), None
    for key in ("errors", "warnings"):  # in the source's order, whatever the writing order
        job.report[key].sort(key=lambda entry: entry["position"])
    job.save(update_fields=["state", "finished_at", "data", "report", "done", "total"])
    return job


def _add(report: dict, key: str, *, position: int, message: str, external_id: str = "") -> None:
    """An error or a warning in the report, within MAX_REPORTED of each."""
    report[f"{key}_count"] = report.get(f"{key}_count", 0) + 1
    if len(report[key]) < MAX_REPORTED:
        entry = {"position": position, "message": message}
        if external_id:
            entry["external_id"] = external_id
        report[key].append(entry)


def _run_group(
    job: ImportJob, entries: list[SourceEntry], *, by: User, seen: set[str], places: PlaceBook
) -> None:
    """Write a group of items: the new ones together, then the others one by one."""
    report = job.report
    items: list[tuple[SourceItem, str]] = []
    for entry in entries:
        external_id = _admit(report, entry, seen=seen)
        if external_id:
            items.append((entry, external_id))
    known = {
        activity.external_id: activity
        for activity in Activity.objects.filter(
            organization=job.organization,
            source=job.source_key,
            external_id__in=[external_id for _, external_id in items],
        )
        .select_related("organization")
        .prefetch_related("categories", "service_area", "schedules")
    }
    drafts: list[tuple[SourceItem, str, services.Draft]] = []
    # An item editing sessions one by one (an iCalendar override) is written on its own:
    # its sessions exist only once its activity does.
    alone = {external_id for item, external_id in items if item.sessions} | set(known)
    for item, external_id in items:
        if external_id in alone:
            continue
        try:
            drafts.append((item, external_id, draft_of(job=job, item=item, places=places)))
        except (ApplicationError, DjangoValidationError) as error:
            _refused(report, item, error)
    if drafts:
        _create(job, drafts, by=by, places=places)
    for item, external_id in items:
        if external_id in alone:
            held = known.get(external_id)
            _run_one(job, item, by=by, external_id=external_id, places=places, held=held)
    # An item's warnings once it is written (or refused): writing it may add some.
    for entry in entries:
        for warning in getattr(entry, "warnings", ()):
            _add(report, "warnings", position=entry.position, message=warning)


def _admit(report: dict, entry: SourceEntry, *, seen: set[str]) -> str:
    """The item's stored id, once it is admitted; "" (and the report says why) when not."""
    if isinstance(entry, SourceError):
        seen.add(_stored_id(entry.external_id))
        _add(
            report,
            "errors",
            position=entry.position,
            message=entry.message,
            external_id=entry.external_id,
        )
        return ""
    external_id = _stored_id(entry.external_id)
    if not external_id:
        _add(
            report,
            "errors",
            position=entry.position,
            message=_(
                "This item has no identifier: it cannot be imported again without being duplicated."
            ),
        )
        return ""
    if external_id in seen:
        _add(
            report,
            "errors",
            position=entry.position,
            external_id=entry.external_id,
            message=_(
                "Another item of this source has the same identifier “%(id)s”: "
                "only the first one is imported."
            )
            % {"id": entry.external_id},
        )
        return ""
    seen.add(external_id)
    return external_id


def _refused(report: dict, item: SourceItem, error: ApplicationError | DjangoValidationError):
    _add(
        report,
        "errors",
        position=item.position,
        message=describe(error),
        external_id=item.external_id,
    )


def _create(
    job: ImportJob,
    drafts: list[tuple[SourceItem, str, services.Draft]],
    *,
    by: User,
    places: PlaceBook,
) -> None:
    """The group's new items, written together; one by one when the database refuses them."""
    try:
        results = services.activities_create_many(
            organization=job.organization,
            by=by,
            drafts=[draft for _, _, draft in drafts],
            publish=job.publish,
        )
    except IntegrityError:
        # A row the checks before the insert could not see (a constraint, a concurrent
        # import of the same source): each item again on its own says which.
        logger.info("import %s: a group was refused, its items are written one by one", job.pk)
        places.read()
        for item, external_id, _ in drafts:
            _run_one(job, item, by=by, external_id=external_id, places=places)
        return
    except ApplicationError as error:  # the importer may no longer edit the organization
        for item, _, _ in drafts:
            _refused(job.report, item, error)
        return
    for (item, _, _), result in zip(drafts, results, strict=True):
        if isinstance(result, ApplicationError):
            _refused(job.report, item, result)
        else:
            job.report["created"] += 1


def _run_one(
    job: ImportJob,
    item: SourceItem,
    *,
    by: User,
    external_id: str,
    places: PlaceBook,
    held: Activity | None = None,
) -> None:
    report = job.report
    mark = places.mark()
    try:
        with transaction.atomic():
            outcome = import_item(
                job=job, item=item, by=by, external_id=external_id, places=places, held=held
            )
    except (ApplicationError, DjangoValidationError) as error:
        places.forget_since(mark)  # a place created for the item is rolled back with it
        _refused(report, item, error)
        return
    except Exception:  # one item's fault never stops the others; the log keeps the trace
        logger.exception("import %s: item at %s failed", job.pk, item.position)
        places.forget_since(mark)
        _add(
            report,
            "errors",
            position=item.position,
            external_id=item.external_id,
            message=_("This item could not be imported because of an error on our side."),
        )
        return
    report[outcome] += 1
    if outcome == "skipped":
        _add(
            report,
            "warnings",
            position=item.position,
            message=_("This activity was archived in Relier: it is not imported again."),
        )


def _stored_id(external_id: str) -> str:
    """The id as `Activity.external_id` holds it: a digest when the source's is too long."""
    external_id = (external_id or "").strip()
    if len(external_id) <= EXTERNAL_ID_MAX:
        return external_id
    return "sha256:" + hashlib.sha256(external_id.encode()).hexdigest()


def describe(error: ApplicationError | DjangoValidationError) -> str:
    """An error as one line a volunteer can act on: each field at fault with what to do, after
    the error's own message when it says more than "some fields are invalid"."""
    if isinstance(error, DjangoValidationError):
        error = from_django(error)
    parts = [
        text if name == NON_FIELD_KEY else f"{_label(name)}: {text}"
        for name, texts in error.fields.items()
        for text in texts
    ]
    texts = [text for texts in error.fields.values() for text in texts]
    if not parts:
        return error.message
    if error.message in texts or error.message == _("Some fields are invalid."):
        return " ".join(parts)
    return " ".join([error.message, *parts])


def _label(name: str) -> str:
    """A field's name as the directory shows it (its verbose name), else as given."""
    head = name.split(".")[0]
    for model in (Activity, Place, Schedule):
        try:
            field = model._meta.get_field(head)
        except FieldDoesNotExist:
            continue
        if hasattr(field, "verbose_name"):
            return str(field.verbose_name)
    return name


# --- one item -------------------------------------------------------------------------------


def draft_of(*, job: ImportJob, item: SourceItem, places: PlaceBook) -> services.Draft:
    """A new item as `services.activities_create_many` takes it: its values read as for
    `import_item`, its place found in the book or new (unsaved, added to the book)."""
    fields = item_fields(job, item)
    return services.Draft(
        fields=fields | {"source": job.source_key, "external_id": _stored_id(item.external_id)},
        place=place_of(job=job, item=item, fields=fields, places=places, by=None),
        schedules=[schedule_fields(data) for data in item.schedules],
    )


def item_fields(job: ImportJob, item: SourceItem) -> dict[str, Any]:
    """The item's activity fields, read by the model's fields, its categories resolved (the
    job's when it gives none)."""
    fields = activity_fields(item.activity)
    if not fields.get("categories") and job.default_categories:
        fields["categories"] = list(job.default_categories)
    if "categories" in fields:
        fields["categories"] = resolve_categories(fields["categories"])
    return fields


def place_of(
    *,
    job: ImportJob,
    item: SourceItem,
    fields: dict[str, Any],
    places: PlaceBook,
    by: User | None,
) -> Place | None:
    """The item's place (`find_or_create_place`); for an in-person item that gives none, or
    names one without coordinates that the organization does not have, the job's default
    place, with a warning saying so."""
    default = job.default_place
    if default is None or fields.get("attendance_mode") in choices.REMOTE_MODES:
        return find_or_create_place(data=item.place, places=places, by=by)
    try:
        if item.place is not None:
            return find_or_create_place(data=item.place, places=places, by=by)
        warning = _("No place given: the activity is at “%(place)s”, this import's place.")
    except ValidationFailed as error:
        if error.code != "unknown_place":
            raise
        warning = _(
            "No place of your organization is named “%(name)s”: the activity is at "
            "“%(place)s”, this import's place."
        )
    warning %= {"place": default.name, "name": (item.place or {}).get("name", "")}
    if warning not in item.warnings:  # an item written again on its own is read again
        item.warnings.append(warning)
    return default


def import_item(
    *,
    job: ImportJob,
    item: SourceItem,
    by: User,
    external_id: str,
    places: PlaceBook | None = None,
    held: Activity | None = None,
) -> str:
    """Write one item; 'created', 'updated', 'unchanged' or 'skipped' (archived in Relier).
    `places`: the job's book of the organization's places (read here when not given);
    `held`: the item's activity as read with the item's group (read here when not given)."""
    organization = job.organization
    fields = item_fields(job, item)
    place = place_of(
        job=job, item=item, fields=fields, places=places or PlaceBook(organization), by=by
    )
    schedules = [schedule_fields(data) for data in item.schedules]
    activity = held or (
        Activity.objects.filter(
            organization=organization, source=job.source_key, external_id=external_id
        )
        .select_related("organization")
        .order_by()
        .first()
    )
    if activity is None:
        activity = services.activity_create(
            organization=organization,
            by=by,
            place=place,
            source=job.source_key,
            external_id=external_id,
            **fields,
        )
        for schedule in schedules:
            services.schedule_create(activity=activity, by=by, **schedule)
        apply_session_edits(activity=activity, edits=item.sessions, by=by)
        advance(activity=activity, publish=job.publish, by=by)
        return "created"
    if activity.status == Status.ARCHIVED:
        return "skipped"
    changed = _update_activity(activity, fields=fields, place=place, by=by)
    changed |= _replace_schedules(activity, schedules=schedules, by=by)
    changed |= apply_session_edits(activity=activity, edits=item.sessions, by=by)
    changed |= advance(activity=activity, publish=job.publish, by=by, edited=changed)
    return "updated" if changed else "unchanged"


def _convert(model: type[models.Model], name: str, value: Any) -> Any:
    """A source's value as the model field reads it (text to a date, a time, a decimal)."""
    if value is None:
        return None
    try:
        return model._meta.get_field(name).to_python(value)
    except DjangoValidationError as error:
        raise ValidationFailed(error.messages[0], fields={name: error.messages}) from error


def _unknown(names: set[str]) -> ValidationFailed:
    return ValidationFailed(
        _("This item holds fields Relier does not know."),
        code="unknown_field",
        fields={name: [_("Unknown field.")] for name in sorted(names)},
    )


def activity_fields(data: dict[str, Any]) -> dict[str, Any]:
    """An item's activity fields, read by the model's fields; lists checked to be lists."""
    unknown = set(data) - ACTIVITY_FIELDS
    if unknown:
        raise _unknown(unknown)
    fields: dict[str, Any] = {}
    for name, value in data.items():
        if name in LIST_FIELDS:
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise ValidationFailed(_("Give a list."), fields={name: [_("Give a list.")]})
            fields[name] = list(value)
        else:
            fields[name] = _convert(Activity, name, value)
    return fields


def schedule_fields(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - SCHEDULE_FIELDS
    if unknown:
        raise _unknown(unknown)
    fields = {}
    for name, value in data.items():
        if name in ("dates", "exdates"):
            fields[name] = [v.isoformat() if isinstance(v, datetime.date) else v for v in value]
        else:
            fields[name] = _convert(Schedule, name, value)
    return fields


def _fold(text: str) -> str:
    """A label compared without accents, case or repeated spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().replace("-", " ").split())


def resolve_categories(labels: list[str]) -> list[str]:
    """Slugs of the labels: a slug, a French or an English name (accents and case ignored).
    An unknown label is passed on as it is, for the service to refuse it by name."""
    by_label = _labels(taxonomy.current())
    return [by_label.get(_fold(label), label) for label in labels if label.strip()]


@functools.lru_cache(maxsize=2)
def _labels(current: taxonomy.Taxonomy) -> dict[str, str]:
    """Each category's slug by its folded slug and names, once per snapshot of the taxonomy."""
    by_label: dict[str, str] = {}
    for slug, name_fr, name_en in zip(
        current.slugs, current.names_fr, current.names_en, strict=True
    ):
        for label in (name_en, name_fr, slug):  # a slug wins over a name that folds alike
            by_label[_fold(label)] = slug
    return by_label


class PlaceBook:
    """The organization's places by name, read once for a job, with the places its items add:
    names and addresses compared without case, the oldest place first."""

    def __init__(self, organization: Organization):
        self.organization = organization
        self.read()

    def read(self) -> None:
        """Read the places again (after a group's write that was rolled back)."""
        self._by_name: dict[str, list[Place]] = {}
        self._added: list[Place] = []
        for place in Place.objects.filter(organization=self.organization).order_by("pk"):
            self._file(place)

    def _file(self, place: Place) -> None:
        self._by_name.setdefault(place.name.strip().casefold(), []).append(place)

    def add(self, place: Place) -> None:
        """A place an item brings (saved, or new for a group to insert)."""
        self._added.append(place)
        self._file(place)

    def mark(self) -> int:
        return len(self._added)

    def forget_since(self, mark: int) -> None:
        """Drop the places added since `mark`: the write that made them was rolled back."""
        for place in self._added[mark:]:
            self._by_name[place.name.strip().casefold()].remove(place)
        del self._added[mark:]

    def find(self, name: str, *, address: str | None = None) -> Place | None:
        """The first place of that name (and of that address, when given)."""
        for place in self._by_name.get(name.strip().casefold(), ()):
            if address is None or place.address.strip().casefold() == address.casefold():
                return place
        return None


def find_or_create_place(
    *, data: dict[str, Any] | None, places: PlaceBook, by: User | None
) -> Place | None:
    """The organization's place of the same name and address; else one at the item's
    coordinates, created by `by` (or, without `by`, new and unsaved, for
    `services.activities_create_many` to validate and insert); an item naming a place
    without coordinates uses the organization's place of that name."""
    if data is None:
        return None
    data = dict(data)
    flags = data.pop("accessibility", None)
    unknown = set(data) - PLACE_FIELDS
    if unknown:
        raise _unknown(unknown)
    fields = {name: _convert(Place, name, value) for name, value in data.items()}
    if flags is not None:
        fields.update(_support_flags(flags))
    name = (fields.get("name") or "").strip()
    if not name:
        raise ValidationFailed(
            _("The place has no name."), fields={"place": [_("Give the place's name.")]}
        )
    if fields.get("lat") is None or fields.get("lng") is None:
        place = places.find(name)
        if place is None:
            message = _(
                "No place of your organization is named “%(name)s”: give its latitude and "
                "longitude, or create the place in Relier first."
            ) % {"name": name}
            raise ValidationFailed(message, code="unknown_place", fields={"place": [message]})
        return place
    place = places.find(name, address=(fields.get("address") or "").strip())
    if place is not None:
        return place
    organization = places.organization
    if by is None:
        place = services.place_new(organization=organization, **fields)
    else:
        place = services.place_create(organization=organization, by=by, **fields)
    places.add(place)
    return place


def _support_flags(flags: Any) -> dict[str, bool]:
    """The place's `accessibility` list, as the API takes it, read into its support flags."""
    vocabulary = choices.ACCESSIBILITY_FLAGS
    if not isinstance(flags, list | tuple) or any(flag not in vocabulary for flag in flags):
        message = _("Give a list of: %(values)s.") % {"values": ", ".join(vocabulary)}
        raise ValidationFailed(message, fields={"accessibility": [message]})
    return {f"{flag}_support": flag in flags for flag in vocabulary}


def _current(activity: Activity, name: str) -> Any:
    if name == "categories":  # read with the activity's group, when it was
        return {category.slug for category in activity.categories.all()}
    if name == "service_area":
        return {territory.insee_code for territory in activity.service_area.all()}
    if name == "audiences":
        return set(choices.values_of(activity.audiences_mask, choices.AUDIENCES))
    if name == "languages":
        return set(choices.values_of(activity.languages_mask, choices.LANGUAGES))
    return getattr(activity, name)


def _update_activity(
    activity: Activity, *, fields: dict[str, Any], place: Place | None, by: User
) -> bool:
    changes = {
        name: value
        for name, value in fields.items()
        if (set(value) if name in LIST_FIELDS else value) != _current(activity, name)
    }
    if activity.place_id != (place.pk if place else None):
        changes["place"] = place
    if not changes:
        return False
    services.activity_update(activity=activity, by=by, **changes)
    return True


def _schedule_row(schedule: Schedule) -> tuple:
    return (
        schedule.rrule,
        tuple(schedule.dates),
        schedule.start_time,
        schedule.end_time,
        schedule.timezone,
        schedule.valid_from,
        schedule.valid_to,
        tuple(schedule.exdates),
    )


def _replace_schedules(activity: Activity, *, schedules: list[dict[str, Any]], by: User) -> bool:
    """Replace the activity's schedules by the item's when they differ (compared in the
    services' normal form: the rule canonical, dates sorted)."""
    wanted = []
    for fields in schedules:
        schedule = Schedule(activity=activity, **fields)
        services.schedule_validate(schedule=schedule)
        wanted.append(_schedule_row(schedule))
    held = [_schedule_row(schedule) for schedule in activity.schedules.all()]
    if sorted(map(repr, wanted)) == sorted(map(repr, held)):
        return False
    activity.refresh_from_db()  # the schedules read with the group are about to change
    for schedule in activity.schedules.all():
        services.schedule_delete(schedule=schedule, by=by)
    for fields in schedules:
        services.schedule_create(activity=activity, by=by, **fields)
    return True


def apply_session_edits(*, activity: Activity, edits: list[SessionEdit], by: User) -> bool:
    """Apply the source's edits to the materialized sessions they name (by their start in the
    series); sessions over, or not materialized yet, are left. True when one was written."""
    if not edits:
        return False
    now = timezone.now()
    sessions = {
        occurrence.series_start: occurrence
        for occurrence in Occurrence.objects.filter(
            activity=activity, series_start__in=[edit.series_start for edit in edits]
        )
    }
    changed = False
    for edit in edits:
        occurrence = sessions.get(edit.series_start)
        if occurrence is None or occurrence.end <= now:
            continue
        if edit.cancelled:
            if occurrence.status == choices.OccurrenceStatus.CANCELLED:
                continue
            services.occurrence_cancel(occurrence=occurrence, by=by, note=edit.note)
            changed = True
            continue
        wanted = {"start": edit.start, "end": edit.end, "note": edit.note or None}
        wanted = {k: v for k, v in wanted.items() if v is not None}
        if any(getattr(occurrence, k) != v for k, v in wanted.items()):
            services.occurrence_update(occurrence=occurrence, by=by, **wanted)
            changed = True
    return changed


def advance(*, activity: Activity, publish: bool, by: User, edited: bool = True) -> bool:
    """Submit the activity for review (a verified organization publishes at once), or publish
    it when the importer may. A rejected activity is submitted again only when the source
    changed it. True when its status changed."""
    before = activity.status
    if before == Status.DRAFT or (before == Status.REJECTED and edited):
        services.activity_submit(activity=activity, by=by)
    if publish and activity.status in (Status.DRAFT, Status.PENDING, Status.REJECTED):
        services.activity_publish(activity=activity)
    return activity.status != before


def _archive_gone(job: ImportJob, *, by: User, seen: set[str]) -> None:
    """Archive the activities an earlier run of the source wrote that it no longer holds."""
    gone = (
        Activity.objects.filter(organization=job.organization, source=job.source_key)
        .exclude(status=Status.ARCHIVED)
        .exclude(external_id__in=seen)
    )
    for activity in gone.iterator():
        try:
            with transaction.atomic():
                services.activity_archive(activity=activity, by=by)
        except ApplicationError as error:
            _add(
                job.report,
                "errors",
                position=0,
                external_id=activity.external_id,
                message=describe(error),
            )
            continue
        job.report["archived"] += 1


# --- jobs -----------------------------------------------------------------------------------

REPEAT_EVERY = {"daily": datetime.timedelta(days=1), "weekly": datetime.timedelta(weeks=1)}


@transaction.atomic
def import_job_create(
    *,
    organization: Organization,
    by: User,
    kind: str,
    source: str,
    data: bytes | None = None,
    publish: bool = False,
    language: str = "fr",
    repeat: str = "",
    default_categories: Sequence[str] = (),
    default_place: Place | None = None,
) -> ImportJob:
    """A queued job. Who may import into the organization, and whether the result publishes,
    is the caller's rule (the API's, from the importer's rights); this checks the job itself:
    a source to read, a schedule only for a source read from its address, and the defaults
    for the items (`default_categories`: slugs or names, each known; `default_place`: a place
    of the organization)."""
    if data is None:
        fetch.check_url(source)
    elif len(data) > settings.IMPORT_MAX_BYTES:
        raise ValidationFailed(
            _("The file is too large: at most %(limit)s.")
            % {"limit": filesizeformat(settings.IMPORT_MAX_BYTES)},
            code="file_too_large",
            fields={"file": [_("Send a smaller file, or split it.")]},
        )
    if repeat and data is not None:
        raise ValidationFailed(
            _("Only a source read from its address can be read again on a schedule."),
            fields={"repeat": [_("Give the source's address (url) to read it again.")]},
        )
    job = ImportJob(
        organization=organization,
        created_by=by,
        default_categories=_known_categories(default_categories),
        default_place=_own_place(organization, default_place),
        kind=kind,
        source=source,
        source_key=source_key(organization_id=organization.pk, kind=kind, source=source),
        data=data,
        publish=publish,
        language=language,
        repeat=repeat,
        next_run_at=timezone.now() + REPEAT_EVERY[repeat] if repeat else None,
    )
    full_clean(job)
    job.save()
    return job


def _known_categories(labels: Sequence[str]) -> list[str]:
    slugs = resolve_categories(list(labels))
    known = set(taxonomy.current().slugs)
    if unknown := [slug for slug in slugs if slug not in known]:
        raise ValidationFailed(
            _("Unknown category: %(label)s.") % {"label": unknown[0]},
            fields={"default_categories": [_("Give categories by their slug or their name.")]},
        )
    return list(dict.fromkeys(slugs))


def _own_place(organization: Organization, place: Place | None) -> Place | None:
    if place is not None and place.organization_id != organization.pk:
        message = _("This place belongs to another organization.")
        raise ValidationFailed(message, fields={"default_place": [message]})
    return place


@transaction.atomic
def import_job_repeat(*, job: ImportJob, now: datetime.datetime) -> ImportJob:
    """A new run of a scheduled job's feed (the scheduled job keeps its schedule, moved to the
    next date): the same organization, source, importer, language and right to publish."""
    ImportJob.objects.filter(pk=job.pk).update(next_run_at=now + REPEAT_EVERY[job.repeat])
    return import_job_create(
        organization=job.organization,
        by=job.created_by,
        kind=job.kind,
        source=job.source,
        publish=job.publish,
        language=job.language,
        default_categories=job.default_categories,
        default_place=job.default_place,
    )
