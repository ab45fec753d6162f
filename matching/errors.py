"""The matcher's domain errors (the `backend.errors` family): what a resident is refused, and
how to get it."""

from django.utils.translation import gettext as _

from backend.errors import Conflict


class ConsentRequired(Conflict):
    """Nothing is computed for a resident who has not consented to matching: reading or
    refreshing their recommendations is refused rather than answered with an empty list."""

    default_code = "consent_required"

    def __init__(self) -> None:
        super().__init__(
            _(
                "Recommendations need your consent to matching. Give it in your profile: "
                "PATCH me/profile/ with matching_consent true."
            )
        )


class NotAttended(Conflict):
    """A rating is for an activity the resident said they attended."""

    default_code = "not_attended"

    def __init__(self) -> None:
        super().__init__(
            _(
                "You can rate an activity once you have attended it: tell us first that you "
                "went (signal attended)."
            ),
            fields={"rating": [_("Only for an activity you attended.")]},
        )
