"""Reason codes rendered in the reader's language, at read time."""

from django.utils.translation import gettext as _
from django.utils.translation import override

from activities.models import Category


def render(reasons: list[dict], *, language: str) -> list[dict]:
    """[{"code", "params", "text"}]: the stored reason with its sentence."""
    with override(language):
        return [{**reason, "text": _text(reason, language)} for reason in reasons]


def _text(reason: dict, language: str) -> str:
    code, params = reason["code"], reason.get("params", {})
    if code == "interest":
        category = Category.objects.filter(slug=params.get("category")).first()
        name = category.name_in(language) if category else params.get("category", "")
        return _("You like: %(category)s") % {"category": name}
    if code == "near":
        return _("%(distance)s km from home") % {"distance": params.get("distance_km")}
    texts = {
        "step_free": _("Step-free access"),
        "at_home": _("Comes to your home"),
        "phone": _("By phone, from home"),
        "online": _("Online, from home"),
        "fits_availability": _("When you are free"),
        "free": _("Free"),
        "social": _("A regular, small group"),
        "welcoming": _("Open to all, no registration"),
    }
    return texts.get(code, code)
