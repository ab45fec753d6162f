"""Signals of accounts, for the apps above that hold a person's data."""

from django.dispatch import Signal

# user: a resident asked to erase their account (`services.user_erase`), inside its
# transaction, before anything is deleted. A receiver refuses by raising a domain error
# (`backend.errors`), which the caller gets and which rolls everything back. The Django admin's
# deletion does not send it: staff decide.
erasure_requested = Signal()
