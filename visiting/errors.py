"""Domain errors of visiting programmes (the `backend.errors` family)."""

from django.utils.translation import gettext as _

from backend.errors import Conflict, PermissionDenied


class NotACoordinator(PermissionDenied):
    default_code = "not_a_coordinator"

    def __init__(self) -> None:
        super().__init__(
            _("Only the coordinators of this team (its organization's editors) can do this.")
        )


class TransitionNotAllowed(Conflict):
    default_code = "transition_not_allowed"


class PairClosed(Conflict):
    default_code = "pair_not_active"
