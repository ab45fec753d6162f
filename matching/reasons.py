"""Reason codes rendered in the reader's language, at read time."""

from django.utils.translation import gettext as _
from django.utils.translation import override

from activities.models import Category
from matching import scoring


def decode(keys: list[int]) -> list[list[dict]]:
    """The reasons of each stored reason key (`scoring.Lists`, interests by category id):
    [{"code", "params"}]. One query for the categories they name."""
    parts = [scoring.reason_parts(key) for key in keys]
    named = {interest for interest, _access, _others in parts if interest}
    slugs = dict(Category.objects.filter(pk__in=named).values_list("pk", "slug")) if named else {}
    return [
        [
            {"code": reason["code"], "params": dict(reason["params"])}
            for reason in scoring.reasons_of(slugs.get(interest), access, others)
        ]
        for interest, access, others in parts
    ]


def render(lists: list[list[dict]], *, language: str) -> list[list[dict]]:
    """Each list of stored reasons with their sentences: [{"code", "params", "text"}]. One
    query for the categories they name."""
    named = {
        reason["params"].get("category")
        for reasons in lists
        for reason in reasons
        if reason["code"] == "interest"
    }
    categories = Category.objects.filter(slug__in=named) if named else []
    names = {category.slug: category.name_in(language) for category in categories}
    with override(language):
        return [
            [{**reason, "text": _text(reason, names)} for reason in reasons] for reasons in lists
        ]


def _text(reason: dict, names: dict[str, str]) -> str:
    code, params = reason["code"], reason.get("params", {})
    if code == "interest":
        category = params.get("category", "")
        return _("You like: %(category)s") % {"category": names.get(category, category)}
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
