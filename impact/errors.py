"""Domain errors of the outcome measures (the `backend.errors` family)."""

from django.utils.translation import gettext as _

from backend.errors import Conflict


class MeasureConsentRequired(Conflict):
    """Without the person's agreement to answer the measures, nothing is asked or stored."""

    default_code = "measure_consent_required"

    def __init__(self) -> None:
        super().__init__(
            _(
                "The person has not agreed to answer the measures (a resident agrees in the app; "
                "a referred person's referrer records a consent of scope follow_up)."
            )
        )


class MeasuresDeclined(Conflict):
    """A person who declined is never asked again."""

    default_code = "measures_declined"

    def __init__(self) -> None:
        super().__init__(_("The person declined the measures for good: they are not asked again."))


class AlreadyMeasured(Conflict):
    default_code = "already_measured"

    def __init__(self) -> None:
        super().__init__(
            _("This measure was already answered for this time (intake or follow-up).")
        )
