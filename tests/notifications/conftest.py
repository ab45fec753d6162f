import json

import pytest

from notifications import backends
from tests.notifications.fakes import FakeApns, FakeFcm, apns_key, service_account


@pytest.fixture(autouse=True)
def _fresh_backends():
    backends.forget()
    yield
    backends.forget()


@pytest.fixture
def fcm(settings, tmp_path):
    fake = FakeFcm()
    fake.start()
    info, public_key = service_account(f"{fake.url}/token", fake.project_id)
    fake.public_key = public_key
    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps(info))
    settings.NOTIFICATIONS_PUSH_BACKEND = "native"
    settings.NOTIFICATIONS_FCM_CREDENTIALS_FILE = str(key_file)
    settings.NOTIFICATIONS_FCM_URL = fake.url
    yield fake
    fake.stop()


@pytest.fixture
def apns(settings, tmp_path):
    fake = FakeApns()
    pem, public_key = apns_key()
    fake.public_key = public_key
    fake.start(tmp_path)
    key_file = tmp_path / "AuthKey.p8"
    key_file.write_text(pem)
    settings.NOTIFICATIONS_PUSH_BACKEND = "native"
    settings.NOTIFICATIONS_APNS_URL = fake.url
    settings.NOTIFICATIONS_APNS_CA_FILE = fake.ca_file
    settings.NOTIFICATIONS_APNS_KEY_FILE = str(key_file)
    settings.NOTIFICATIONS_APNS_KEY_ID = fake.key_id
    settings.NOTIFICATIONS_APNS_TEAM_ID = fake.team_id
    settings.NOTIFICATIONS_APNS_TOPIC = fake.topic
    yield fake
    fake.stop()
