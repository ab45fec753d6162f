"""The framework's floor: the cheapest useful DRF read, to compare the search endpoint with.

Twenty activities by primary key through a plain ModelSerializer: no authentication, no
throttling, no pagination, one indexed query. Served at /bench/floor/ only by
the benchmark's own URLconf (bench/urls.py, through bench/settings.py); never in production.
"""

from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities.models import Activity

FLOOR_ROWS = 20


class FloorActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = ["id", "title", "summary", "kind", "lat", "lng", "updated_at"]


class FloorApi(APIView):
    """`?after=<id>`: the 20 activities with the next primary keys (from the first one)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def get(self, request: Request) -> Response:
        try:
            after = int(request.query_params.get("after", 0))
        except ValueError:
            after = 0
        rows = (
            Activity.objects.filter(pk__gt=after)
            .order_by("pk")
            .only(*FloorActivitySerializer.Meta.fields)[:FLOOR_ROWS]
        )
        return Response(FloorActivitySerializer(rows, many=True).data)
