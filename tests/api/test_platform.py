import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_healthz_reports_dependencies(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["cache"]["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "workers"}
    assert body["status"] in {"ok", "degraded"}
    assert body["status"] == ("ok" if not body["degraded"] else "degraded")


def test_healthz_lists_a_broken_dependency(client, monkeypatch):
    from api import health

    def broken() -> str:
        raise ConnectionError("broker down")

    monkeypatch.setitem(health.CHECKS, "broker", broken)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "broker" in response.json()["degraded"]
    assert response.json()["status"] == "degraded"


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    from api import health

    def broken() -> str:
        raise OSError("database down")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "down"


def test_schema_is_valid_openapi_3(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate(schema)
    assert "/api/v1/auth/token/" in schema["paths"]
    assert "/api/v1/me/" in schema["paths"]


def test_every_operation_is_described(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary") or operation.get("description"), (method, path)


def test_docs_render_with_local_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr" not in html
