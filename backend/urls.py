from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from api.errors import not_found
from api.health import healthz
from curation.admin import curator_site

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/v1/", include("api.urls", namespace="v1")),
    # Any other path under /api/ is a 404 in the error shape, whatever the method or DEBUG.
    re_path(r"^api/", not_found),
    # A referred person's shortlist page, from their SMS or printed QR code (api/link_page.py).
    path("", include("api.link_urls")),
    # The curator tool: the Django admin for the curators of a territory (curation/admin.py).
    path("curation/", curator_site.urls),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler400 = "api.errors.bad_request"
handler403 = "api.errors.permission_denied"
handler404 = "api.errors.not_found"
handler500 = "api.errors.server_error"
