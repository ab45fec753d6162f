"""What every bad-input table of the suite shares: filling a case with the objects of its
world, sending it in a language, and checking the answer is the one error shape naming the
field."""

from typing import Any


def fill(value: Any, names: dict[str, Any]) -> Any:
    """`value` with `{name}` replaced from `names`; a value that is a whole `{name}` takes the
    named value itself, with its type (an id stays a number)."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return names[value[1:-1]]
    if isinstance(value, str):
        return value.format(**names) if "{" in value else value
    if isinstance(value, dict):
        return {key: fill(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, names) for item in value]
    return value


def send(client, method: str, url: str, body: Any, language: str | None):
    """A query (GET) or a JSON body, with `Accept-Language: language` when given."""
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    if method == "get":
        return client.get(url, body, **headers)
    return getattr(client, method)(url, body, format="json", **headers)


def error_of(response, field: str) -> dict:
    """The error of a 4xx in the one error shape, naming `field` with messages."""
    assert 400 <= response.status_code < 500, (response.status_code, response.content)
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert field in error["fields"], error
    assert all(isinstance(m, str) and m for m in error["fields"][field]), error
    return error
