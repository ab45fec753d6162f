from django.apps import AppConfig


class ImpactConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "impact"
    verbose_name = "Impact"

    def ready(self) -> None:
        from impact import receivers  # noqa: F401  (connects the signal receivers)
