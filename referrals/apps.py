from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Social prescribing")

    def ready(self) -> None:
        from referrals import (
            receivers,  # noqa: F401  (connects the receivers)
            tasks,  # noqa: F401  (registers the tasks the services name)
        )
