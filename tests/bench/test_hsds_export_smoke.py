"""Smoke run of the HSDS export benchmark (bench/hsds_export.py): the stream it counts is the
export as a harvester reads it, every published service once, and nothing else."""

import json

import pytest
from django.test import Client

from bench.hsds_export import EXPORT_PATH, count_stream
from interop.exports import stream
from tests.factories import ActivityFactory


@pytest.mark.django_db
def test_the_counted_stream_is_every_published_service():
    published = ActivityFactory.create_batch(7)
    ActivityFactory(status="draft")
    response = Client().get(EXPORT_PATH)
    assert response.status_code == 200 and response.streaming
    result = count_stream(response.streaming_content)
    assert result["services"] == 7
    assert result["first"]["name"] == published[0].title
    assert result["bytes"] > 7 * 200
    assert result["services_per_second"] > 0


@pytest.mark.django_db
def test_chunks_do_not_change_the_export(django_assert_max_num_queries):
    ActivityFactory.create_batch(12)
    whole = b"".join(stream.services_ndjson(chunk_size=500))
    # Chunks of 5: the same lines; prefetches run per chunk, so the queries grow with the
    # chunks, not with the services.
    with django_assert_max_num_queries(3 * 6 + 2):
        small = b"".join(stream.services_ndjson(chunk_size=5))
    assert small == whole
    assert [json.loads(line)["status"] for line in whole.splitlines()] == ["active"] * 12
