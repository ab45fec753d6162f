from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CurationConfig(AppConfig):
    name = "curation"
    verbose_name = _("Curation")

    def ready(self) -> None:
        from curation import receivers  # noqa: F401  (connects the audit trail of bulk writes)
