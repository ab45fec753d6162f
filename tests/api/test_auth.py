import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/me/"
PASSWORD = "/api/v1/auth/password/"
STRONG = "un mot de passe solide"


def assert_error_shape(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code
    return error


def sign_in(client, email: str, password: str = STRONG) -> dict:
    response = client.post(TOKEN, {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_urls_are_the_documented_ones():
    assert reverse("v1:auth-register") == REGISTER
    assert reverse("v1:me") == ME


def test_register_then_token_then_me(api_client):
    response = api_client.post(
        REGISTER,
        {"email": "Camille@Example.org", "password": STRONG, "display_name": "Camille"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"]["email"] == "camille@example.org"
    assert body["tokens"]["access"] and body["tokens"]["refresh"]

    tokens = sign_in(api_client, "CAMILLE@example.org")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = api_client.get(ME)
    assert me.status_code == 200
    assert me.json()["display_name"] == "Camille"
    assert me.json()["preferred_language"] == "fr"


def test_register_takes_the_language_of_the_request(api_client):
    response = api_client.post(
        REGISTER, {"email": "sam@example.org", "password": STRONG}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 201
    assert User.objects.get(email="sam@example.org").preferred_language == "en"


def test_me_needs_a_token(api_client):
    error = assert_error_shape(api_client.get(ME), 401)
    assert error["code"] == "not_authenticated"


def test_me_patch_changes_only_the_given_fields(user, user_client):
    response = user_client.patch(ME, {"preferred_language": "en"}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.preferred_language == "en"
    assert response.json()["display_name"] == user.display_name


def test_me_patch_refuses_an_unknown_language(user, user_client):
    error = assert_error_shape(user_client.patch(ME, {"preferred_language": "xx"}), 400)
    assert "preferred_language" in error["fields"]
    user.refresh_from_db()
    assert user.preferred_language == "fr"


def test_refresh_rotates_and_the_old_refresh_token_dies(api_client):
    UserFactory(email="a@example.org", password=STRONG)
    tokens = sign_in(api_client, "a@example.org")
    rotated = api_client.post(REFRESH, {"refresh": tokens["refresh"]})
    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != tokens["refresh"]
    assert rotated.json()["access"]
    replay = api_client.post(REFRESH, {"refresh": tokens["refresh"]})
    assert_error_shape(replay, 401, "token_not_valid")


def test_logout_revokes_the_refresh_token(api_client):
    UserFactory(email="b@example.org", password=STRONG)
    tokens = sign_in(api_client, "b@example.org")
    assert api_client.post(LOGOUT, {"refresh": tokens["refresh"]}).status_code == 204
    assert_error_shape(api_client.post(REFRESH, {"refresh": tokens["refresh"]}), 401)
    assert_error_shape(api_client.post(LOGOUT, {"refresh": tokens["refresh"]}), 401)


def test_logout_with_garbage_is_401(api_client):
    assert_error_shape(api_client.post(LOGOUT, {"refresh": "not-a-token"}), 401)


def test_duplicate_email_is_a_field_error_and_keeps_the_first_account(api_client):
    first = UserFactory(email="taken@example.org")
    response = api_client.post(REGISTER, {"email": "TAKEN@example.org", "password": STRONG})
    error = assert_error_shape(response, 400, "email_taken")
    assert "email" in error["fields"]
    assert User.objects.filter(email__iexact="taken@example.org").count() == 1
    first.refresh_from_db()
    assert first.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize("password", ["short", "1234567890123", "password123", "motdepasse"])
def test_weak_password_is_refused(api_client, password):
    response = api_client.post(REGISTER, {"email": "w@example.org", "password": password})
    error = assert_error_shape(response, 400)
    assert "password" in error["fields"]
    assert not User.objects.filter(email="w@example.org").exists()


def test_malformed_json_is_400(api_client):
    response = api_client.generic(
        "POST", REGISTER, '{"email": "x@example.org", ', content_type="application/json"
    )
    assert_error_shape(response, 400, "parse_error")


def test_missing_fields_are_listed(api_client):
    error = assert_error_shape(api_client.post(REGISTER, {}, format="json"), 400, "required")
    assert set(error["fields"]) == {"email", "password"}


def test_unknown_path_is_404_in_the_error_shape(api_client):
    assert_error_shape(api_client.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error_shape(api_client.get("/nowhere"), 404, "not_found")


def test_wrong_method_is_405_in_the_error_shape(user_client):
    assert_error_shape(user_client.delete(REGISTER), 405, "method_not_allowed")


def test_wrong_password_is_401(api_client):
    UserFactory(email="c@example.org")
    response = api_client.post(TOKEN, {"email": "c@example.org", "password": "nope nope nope"})
    assert_error_shape(response, 401)


def test_twenty_wrong_passwords_in_a_minute_are_throttled(api_client):
    UserFactory(email="d@example.org")
    statuses = [
        api_client.post(TOKEN, {"email": "d@example.org", "password": f"guess-{i}"}).status_code
        for i in range(20)
    ]
    assert statuses[0] == 401
    assert statuses[-1] == 429
    last = api_client.post(TOKEN, {"email": "d@example.org", "password": DEFAULT_PASSWORD})
    assert_error_shape(last, 429, "throttled")
    assert 1 <= int(last["Retry-After"]) <= 60


def test_register_attempts_are_throttled(api_client):
    statuses = [
        api_client.post(REGISTER, {"email": f"r{i}@example.org", "password": "weak"}).status_code
        for i in range(20)
    ]
    assert statuses[0] == 400
    assert 429 in statuses


def test_errors_follow_accept_language(api_client):
    fr = api_client.get(ME, HTTP_ACCEPT_LANGUAGE="fr").json()["error"]["message"]
    en = api_client.get(ME, HTTP_ACCEPT_LANGUAGE="en").json()["error"]["message"]
    assert en == "Authentication credentials were not provided."
    assert fr != en


def test_password_change_revokes_other_sessions(api_client):
    user = UserFactory(email="e@example.org", password=STRONG)
    other_device = sign_in(api_client, "e@example.org")
    this_device = sign_in(api_client, "e@example.org")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {this_device['access']}")
    response = api_client.post(
        PASSWORD, {"current_password": STRONG, "new_password": "un autre mot de passe"}
    )
    assert response.status_code == 204
    user.refresh_from_db()
    assert user.check_password("un autre mot de passe")
    api_client.credentials()
    assert_error_shape(api_client.post(REFRESH, {"refresh": other_device["refresh"]}), 401)


def test_password_change_needs_the_current_password(user, user_client):
    response = user_client.post(
        PASSWORD, {"current_password": "wrong one", "new_password": "un autre mot de passe"}
    )
    error = assert_error_shape(response, 400, "wrong_password")
    assert "current_password" in error["fields"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_password_change_needs_authentication(api_client):
    assert_error_shape(api_client.post(PASSWORD, {}), 401)


def test_our_own_messages_are_translated(api_client):
    UserFactory(email="f@example.org")
    body = {"email": "f@example.org", "password": STRONG}
    fr = api_client.post(REGISTER, body, HTTP_ACCEPT_LANGUAGE="fr").json()["error"]
    en = api_client.post(REGISTER, body, HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    assert en["message"] == "An account already exists with this email address."
    assert fr["message"] != en["message"]
    assert "compte" in fr["message"]
