"""Every write to the directory, one module per entity.

- `organizations`: organizations and their memberships
- `places`: venues, and the location their activities copy
- `activities`: an activity's content and its provider's steps (submit, archive), and publish
- `batch`: many new activities at once (an import's new rows), under the same rules
- `publication`: the one state machine of an activity's status, with its side effects
- `schedules`: recurrences and one-off dates
- `occurrences`: sessions materialized for the rolling window, edited one by one
- `registrations`: residents' places at sessions, the waitlist and its offers, attendance,
  the welcome of newcomers, the message after a missed first visit, the places given up as
  an account is erased
- `favorites`: the activities a resident saved

Services are keyword-only and typed, check who acts (`by`), validate with `full_clean()`
before saving, and raise only `backend.errors` domain errors. An update's keyword arguments
default to `UNCHANGED`. Domain signals for matching and notifications are sent once the
transaction commits. Callers import from here: `services.activity_publish(...)`.

The Django admin saves rows through its own forms; it still goes through these rules:
`<entity>_validate` checks an instance as the services would (its errors shown on the form),
and `activity_edited`/`place_edited` apply what follows a save (location, sessions, signals).
Who may use the admin is Django's permissions, so these two take no `by`.
"""

from activities.services.activities import (
    activity_archive,
    activity_create,
    activity_edited,
    activity_publish,
    activity_submit,
    activity_update,
    activity_validate,
)
from activities.services.batch import Draft, activities_create_many, place_new
from activities.services.common import UNCHANGED, Unchanged
from activities.services.favorites import favorite_add, favorite_remove
from activities.services.occurrences import (
    occurrence_cancel,
    occurrence_update,
    occurrence_window,
    occurrences_materialize,
)
from activities.services.organizations import (
    membership_add,
    membership_remove,
    organization_create,
    organization_update,
    require_not_last_owner,
)
from activities.services.places import (
    place_create,
    place_delete,
    place_edited,
    place_update,
    place_validate,
)
from activities.services.publication import (
    TRANSITIONS,
    activity_transition,
    transition_allowed,
)
from activities.services.registrations import (
    FOLLOW_UP_MAX_LENGTH,
    activity_welcome_update,
    asks_how_it_went,
    greeter_first_name,
    may_follow_up,
    registration_answer_visit,
    registration_cancel,
    registration_confirm,
    registration_create,
    registration_fill_free_seats,
    registration_follow_up,
    registration_mark_attendance,
    registration_offers_expire,
    registrations_release,
)
from activities.services.schedules import (
    schedule_create,
    schedule_delete,
    schedule_update,
    schedule_validate,
)

__all__ = [
    "FOLLOW_UP_MAX_LENGTH",
    "TRANSITIONS",
    "UNCHANGED",
    "Draft",
    "Unchanged",
    "activities_create_many",
    "activity_archive",
    "activity_create",
    "activity_edited",
    "activity_publish",
    "activity_submit",
    "activity_transition",
    "activity_update",
    "activity_validate",
    "activity_welcome_update",
    "asks_how_it_went",
    "favorite_add",
    "favorite_remove",
    "greeter_first_name",
    "may_follow_up",
    "membership_add",
    "membership_remove",
    "occurrence_cancel",
    "occurrence_update",
    "occurrence_window",
    "occurrences_materialize",
    "organization_create",
    "organization_update",
    "place_create",
    "place_delete",
    "place_edited",
    "place_new",
    "place_update",
    "place_validate",
    "registration_answer_visit",
    "registration_cancel",
    "registration_confirm",
    "registration_create",
    "registration_fill_free_seats",
    "registration_follow_up",
    "registration_mark_attendance",
    "registration_offers_expire",
    "registrations_release",
    "require_not_last_owner",
    "schedule_create",
    "schedule_delete",
    "schedule_update",
    "schedule_validate",
    "transition_allowed",
]
