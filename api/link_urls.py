"""The public pages of shortlist links, outside /api/ (short addresses for SMS and QR codes)."""

from django.urls import path

from api import link_page

urlpatterns = [
    path("s/<str:token>", link_page.link_page, name="shortlist-link-page"),
    path("s/<str:token>/answer", link_page.link_answer, name="shortlist-link-answer"),
]
