from django.urls import path, re_path

from api import accounts
from api.errors import not_found

app_name = "api"

urlpatterns = [
    path("auth/register/", accounts.RegisterApi.as_view(), name="auth-register"),
    path("auth/token/", accounts.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/token/refresh/", accounts.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/logout/", accounts.LogoutApi.as_view(), name="auth-logout"),
    path("auth/password/", accounts.PasswordChangeApi.as_view(), name="auth-password"),
    path("me/", accounts.MeApi.as_view(), name="me"),
    # Last: any other path under /api/v1/ is a 404 in the error shape, whatever DEBUG says.
    re_path(r"^.*$", not_found, name="not-found"),
]
