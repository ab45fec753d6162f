"""Domain signals of the directory, sent after the transaction that caused them commits
(but `created_in_bulk`, sent inside it).

`matching` and `notifications` subscribe to these; `activities` never imports them.
Every signal is sent with `sender=Activity` and the keyword arguments named below.
"""

from django.dispatch import Signal

# activity, by: the activity that became visible to residents; by: who published it (a user,
# or None for the system).
activity_published = Signal()
# activity: a published activity whose content, place or schedules changed.
activity_changed = Signal()
# activity, previous_status, by: a published activity that was archived or rejected; by: who
# withdrew it (a user, or None for the system).
activity_unpublished = Signal()
# occurrence, previous_start, previous_status: one session cancelled, moved or otherwise edited
# on its own; `occurrence` as the edit left it, previous_start and previous_status what it was
# just before (the same values when neither changed: a note, a capacity).
occurrence_changed = Signal()

# registration, previous_status: a registration created (previous_status None), cancelled,
# offered a seat, confirmed, or marked attended or no_show.
registration_changed = Signal()
# registration: a waitlisted resident offered a freed seat, held until
# `registration.offered_until`.
seat_offered = Signal()
# registration: the first registration of this resident at this activity (a newcomer), for the
# greeter to be told.
newcomer_registered = Signal()
# registration: a first visit marked no_show, and the organization's one friendly message
# after it (`body`, their own words; empty for the kind default text in the resident's
# language). Sent once per registration (`registration.followed_up_at`).
visit_followed_up = Signal()

# instances, by: rows of one model (the sender) written at once with `bulk_create`, which
# sends no `post_save`: sent inside the transaction that wrote them, so the audit trail is
# written with them. `by`: who acted (a user, or None for the system).
created_in_bulk = Signal()
