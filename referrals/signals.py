"""Domain signals of social prescribing, sent after the transaction that caused them commits.

referral_changed(referral, previous_status, side, by): a referral created (previous_status
None) or moved to another status; `side` is who moved it (`choices.Side`), `by` the user
(None for the system).
"""

from django.dispatch import Signal

referral_changed = Signal()

# shortlist_answered(shortlist_id, activity_id, answer, referral_id): the person said "I'd like
# to go" (a referral made, or the one already open) or "not for me" on their link's page.
shortlist_answered = Signal()
