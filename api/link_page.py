"""The page a referred person opens from their SMS, email or printed QR code: `/s/<token>`.

Server-rendered (Django templates, no JavaScript), mobile first, in French or English (the
`lang` switch, else Accept-Language). Public: the token is the key (`referrals.links`). An
unknown token is a 404, an expired or revoked link a 410, both on a page that says what to
do. The answers are plain form posts with a CSRF token; nothing is cached or indexed, and no
Referer carries the token to another site."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.errors import NotFound, ValidationFailed
from referrals import pages, selectors, services
from referrals.choices import PersonView
from referrals.errors import LinkGone

LANGUAGES = ("fr", "en")


def _language(request: HttpRequest) -> str:
    asked = request.POST.get("lang") or request.GET.get("lang")
    if asked in LANGUAGES:
        return asked
    current = (translation.get_language() or "fr")[:2]
    return current if current in LANGUAGES else "fr"


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store, private"
    # The token never leaves in a Referer to another site; the page's own form posts keep
    # theirs (with no-referrer a browser sends `Origin: null`, which CSRF checks refuse).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Language"] = response.get("Content-Language", "fr")
    return response


def _closed(request: HttpRequest, token: str, language: str, *, status: int) -> HttpResponse:
    link = selectors.link_by_token(token) if status == 410 else None
    if status == 410:
        heading = _("This link is no longer open")
        explanation = _(
            "Links to a list of activities stay open for a limited time, and can be closed "
            "by the person who sent them."
        )
    else:
        heading = _("This link does not exist")
        explanation = _("The address may be incomplete: check that it was copied whole.")
    response = render(
        request,
        "referrals/link_closed.html",
        {
            "language": language,
            "heading": heading,
            "explanation": explanation,
            "organization": link.shortlist.person.organization if link else None,
        },
        status=status,
    )
    response["Content-Language"] = language
    return _private(response)


def csrf_refused(request: HttpRequest) -> HttpResponse:
    """An answer posted without the page's CSRF cookie (cookies refused or cleared): a 403 on
    the page's look, saying what to do."""
    language = _language(request)
    with translation.override(language):
        response = render(
            request,
            "referrals/link_closed.html",
            {
                "language": language,
                "heading": _("Your answer could not be recorded"),
                "explanation": _(
                    "This page needs a cookie to send your answer, and your browser did not "
                    "send it. Open the link again and answer once more, or allow cookies for "
                    "this site."
                ),
                "organization": None,
            },
            status=403,
        )
    response["Content-Language"] = language
    return _private(response)


@require_http_methods(["GET", "HEAD"])
def link_page(request: HttpRequest, token: str) -> HttpResponse:
    language = _language(request)
    with translation.override(language):
        try:
            link = services.shortlist_link_open(token=token)
        except NotFound:
            return _closed(request, token, language, status=404)
        except LinkGone:
            return _closed(request, token, language, status=410)
        shortlist = link.shortlist
        # Whoever holds the link reads the person's first name and list: logged, no account.
        services.person_access_record(persons=[shortlist.person], by=None, view=PersonView.LINK)
        response = render(
            request,
            "referrals/link_page.html",
            {
                "language": language,
                "link": link,
                "shortlist": shortlist,
                "person": shortlist.person,
                "organization": shortlist.person.organization,
                "entries": pages.entries_for(shortlist),
                "answer_url": reverse("shortlist-link-answer", args=[token]),
            },
        )
    response["Content-Language"] = language
    return _private(response)


@require_http_methods(["POST"])
def link_answer(request: HttpRequest, token: str) -> HttpResponse:
    """ "I'd like to go" or "not for me" on one activity; back to the page, at that activity."""
    language = _language(request)
    with translation.override(language):
        link = selectors.link_by_token(token)
        if link is None:
            return _closed(request, token, language, status=404)
        try:
            activity_id = int(request.POST.get("activity", ""))
        except ValueError:
            activity_id = 0
        try:
            services.shortlist_link_answer(
                link=link, activity_id=activity_id, answer=request.POST.get("answer", "")
            )
        except LinkGone:
            return _closed(request, token, language, status=410)
        except (NotFound, ValidationFailed):
            return _private(
                HttpResponse(
                    _("Choose one of the activities of the list."),
                    status=400,
                    content_type="text/plain; charset=utf-8",
                )
            )
    page = reverse("shortlist-link-page", args=[token])
    return _private(
        HttpResponseRedirect(f"{page}?lang={language}#activity-{activity_id}", status=303)
    )
