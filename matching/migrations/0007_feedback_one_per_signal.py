"""One feedback row per resident, activity and signal: saving twice keeps one save, and
undoing it deletes that one row. Rows stored twice before are merged first: the first of
each signal is kept (when it was said), but for a rating, where the last one given is."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, Max, Min


def merge_duplicates(apps, schema_editor):
    Feedback = apps.get_model("matching", "Feedback")
    repeated = (
        Feedback.objects.values("user_id", "activity_id", "signal")
        .annotate(n=Count("id"), first=Min("id"), last=Max("id"))
        .filter(n__gt=1)
    )
    for group in repeated.iterator():
        kept = group["last"] if group["signal"] == "rating" else group["first"]
        Feedback.objects.filter(
            user_id=group["user_id"], activity_id=group["activity_id"], signal=group["signal"]
        ).exclude(pk=kept).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0006_sets_as_arrays"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(merge_duplicates, migrations.RunPython.noop, elidable=True),
        # The constraint's index leads with (user, activity): it serves that index's reads.
        migrations.RemoveIndex(model_name="feedback", name="matching_fe_user_id_aed3da_idx"),
        migrations.AddConstraint(
            model_name="feedback",
            constraint=models.UniqueConstraint(
                fields=("user", "activity", "signal"), name="feedback_one_per_signal"
            ),
        ),
    ]
