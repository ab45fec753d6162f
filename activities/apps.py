from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "activities"

    def ready(self) -> None:
        from activities import taxonomy  # noqa: F401  (connects its cache's receivers)
