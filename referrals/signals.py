"""Domain signals of social prescribing, sent after the transaction that caused them commits.

referral_changed(referral, previous_status, side, by): a referral created (previous_status
None) or moved to another status; `side` is who moved it (`choices.Side`), `by` the user
(None for the system).
"""

from django.dispatch import Signal

referral_changed = Signal()
