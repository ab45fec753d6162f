"""Domain errors of social prescribing (the `backend.errors` family)."""

from django.utils.translation import gettext as _

from backend.errors import ApplicationError, Conflict, PermissionDenied


class ConsentRequired(Conflict):
    """Without the person's standing consent to be referred, nothing is shared or sent."""

    default_code = "consent_required"

    def __init__(self) -> None:
        super().__init__(
            _(
                "The person has not agreed to be referred. Record their consent first "
                "(scope referral)."
            )
        )


class NotAReferrer(PermissionDenied):
    default_code = "not_a_referrer"

    def __init__(self) -> None:
        super().__init__(
            _(
                "Only referrers of a verified referring organization (social service, health "
                "centre, GP practice, mutual insurer, hospital, social action centre) can do this."
            )
        )


class TransitionNotAllowed(Conflict):
    default_code = "transition_not_allowed"


class LinkGone(ApplicationError):
    """The shortlist's link expired or was revoked (or the person withdrew their consent)."""

    status_code = 410
    default_code = "link_gone"


class AlreadyClaimed(Conflict):
    """The record was claimed with another account."""

    default_code = "already_claimed"
