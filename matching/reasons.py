"""Stored reasons read back: reason keys decoded (the engine's `reason_keys`, with the
interest's category id named by the taxonomy's snapshot) and rendered in the reader's
language, at read time. The one place that turns a stored key into what a resident reads."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import override

from activities import taxonomy
from matching import engine


def decode(keys: list[int]) -> list[list[dict]]:
    """The reasons of each stored reason key (`engine.reason_keys`, interests by category id):
    [{"code", "params"}]."""
    parts = [engine.reason_parts(key) for key in keys]
    slugs = taxonomy.current().slug_of
    return [
        [
            {"code": reason["code"], "params": dict(reason["params"])}
            for reason in engine.reasons_of(slugs.get(interest), access, others)
        ]
        for interest, access, others in parts
    ]


def render(lists: list[list[dict]], *, language: str) -> list[list[dict]]:
    """Each list of stored reasons with their sentences: [{"code", "params", "text"}]. The
    categories' names come from the taxonomy's snapshot (activities.taxonomy)."""
    known = taxonomy.current()
    with override(language):
        return [
            [{**reason, "text": _text(reason, known, language)} for reason in reasons]
            for reasons in lists
        ]


def _text(reason: dict, known: taxonomy.Taxonomy, language: str) -> str:
    code, params = reason["code"], reason.get("params", {})
    if code == "interest":
        category = params.get("category", "")
        return _("You like: %(category)s") % {"category": known.name(category, language)}
    if code == "near":
        # Written as the reader's language writes decimals: "1,2 km" in French.
        distance = number_format(params.get("distance_km", 0), use_l10n=True)
        return _("%(distance)s km from home") % {"distance": distance}
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
