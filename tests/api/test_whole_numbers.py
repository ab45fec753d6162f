"""JSON does not tell 3 from 3.0 (nor does the OpenAPI document's `integer`): an id or a count
written with a zero fraction is the whole number; any other fraction is refused."""

import pytest

from activities.models import Favorite
from tests.conftest import client_for
from tests.factories import UserFactory, listed_activity

pytestmark = pytest.mark.django_db


def test_a_whole_number_written_with_a_zero_fraction_is_that_number():
    activity = listed_activity(47.2, -1.55)
    resident = UserFactory()
    response = client_for(resident).post(
        "/api/v1/favorites/", {"activity": float(activity.pk)}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Favorite.objects.filter(user=resident, activity=activity).exists()


@pytest.mark.parametrize("value", [1.5, "7", True])
def test_anything_else_is_not_a_whole_number(value):
    resident = UserFactory()
    response = client_for(resident).post("/api/v1/favorites/", {"activity": value}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["activity"]
    assert not Favorite.objects.filter(user=resident).exists()
