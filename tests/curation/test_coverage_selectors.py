"""A territory's coverage on a small hand-made territory, its map, and indicator uploads."""

import io
import math

import pytest
from django.utils import translation
from PIL import Image

from activities.models import Territory
from backend.errors import PermissionDenied, ValidationFailed
from curation.maps import territory_coverage_png
from curation.models import Indicator, IndicatorValue
from curation.selectors import coverage as coverage_selectors
from curation.selectors.coverage import territory_coverage
from curation.services.indicators import indicator_delete, indicator_upload
from tests.factories import ActivityFactory, OrganizationFactory, PlaceFactory, editor_of

pytestmark = pytest.mark.django_db

# Two square communes of 1.2 km a side, 20 km apart, and one without an outline.
CENTRE_A = (47.0, -1.0)
CENTRE_B = (47.0, -0.74)
HALF_LAT = 0.6 / 111.195
HALF_LNG = 0.6 / (111.195 * math.cos(math.radians(47.0)))


def square(lat: float, lng: float) -> dict:
    ring = [
        (lng - HALF_LNG, lat - HALF_LAT),
        (lng + HALF_LNG, lat - HALF_LAT),
        (lng + HALF_LNG, lat + HALF_LAT),
        (lng - HALF_LNG, lat + HALF_LAT),
        (lng - HALF_LNG, lat - HALF_LAT),
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def box(lat: float, lng: float) -> dict:
    return {
        "min_lat": lat - HALF_LAT,
        "max_lat": lat + HALF_LAT,
        "min_lng": lng - HALF_LNG,
        "max_lng": lng + HALF_LNG,
    }


@pytest.fixture(autouse=True)
def _fresh_cells():
    coverage_selectors.forget()
    yield
    coverage_selectors.forget()


@pytest.fixture
def land():
    """Département 98: commune A (1,000 people) and B (3,000), outlined; commune C (500
    people), whose outline is unknown, 0.5 km north of A's centre."""
    departement = Territory.objects.create(insee_code="98", name="Terre", kind="departement")
    a = Territory.objects.create(
        insee_code="98001", name="Aville", kind="commune", parent=departement, population=1000,
        boundary=square(*CENTRE_A), **box(*CENTRE_A),
    )  # fmt: skip
    b = Territory.objects.create(
        insee_code="98002", name="Bebourg", kind="commune", parent=departement, population=3000,
        boundary=square(*CENTRE_B), **box(*CENTRE_B),
    )  # fmt: skip
    c_centre = (CENTRE_A[0] + 0.5 / 111.195, CENTRE_A[1])
    c = Territory.objects.create(
        insee_code="98003", name="Cehameau", kind="commune", parent=departement, population=500,
        **box(*c_centre),
    )  # fmt: skip
    return {"98": departement, "A": a, "B": b, "C": c}


def venue_activity(territory, lat, lng, *, categories=("tricot-couture",), **fields):
    place = PlaceFactory(lat=lat, lng=lng, territory=territory, **fields.pop("place_fields", {}))
    return ActivityFactory(
        organization=place.organization,
        place=place,
        lat=lat,
        lng=lng,
        territory=territory,
        categories=list(categories),
        **fields,
    )


@pytest.fixture
def activities(land):
    """A sports club at A's centre (wheelchair partial, hearing support), for seniors; an
    online group serving B; a draft and a club of another département that do not count."""
    club = venue_activity(
        land["A"], *CENTRE_A, categories=("marche-randonnee",), audiences_mask=0b10,
        place_fields={"wheelchair": "partial", "hearing_support": True},
    )  # fmt: skip
    online = ActivityFactory(
        place=None, attendance_mode="online", categories=["aidants"], audiences_mask=1
    )
    online.service_area.set([land["B"]])
    venue_activity(land["A"], *CENTRE_A, status="draft")
    venue_activity(Territory.objects.get(insee_code="44109"), 47.2184, -1.5536)
    return {"club": club, "online": online}


def row(result, category):
    return next(item for item in result["coverage"] if item["category"] == category)


def test_the_figures_of_a_small_territory(land, activities):
    result = territory_coverage(territory=land["98"])
    assert result["population"] == 4500
    counts = result["activities"]
    assert counts["total"] == 2 and counts["with_venue"] == 1
    assert counts["by_category"]["bouger-sport"] == 1
    assert counts["by_category"]["entraide-groupes-de-parole"] == 1
    assert counts["by_category"]["jeux"] == 0
    assert counts["by_audience"]["seniors"] == 1 and counts["by_audience"]["everyone"] == 1
    assert counts["by_attendance_mode"] == {
        "in_person": 1, "online": 1, "mixed": 0, "at_home": 0, "phone": 0,
    }  # fmt: skip
    assert counts["accessibility"]["wheelchair"] == {"none": 0, "partial": 1, "full": 0}
    assert counts["accessibility"]["support"]["hearing"] == 1
    assert counts["accessibility"]["support"]["visual"] == 0

    # A's 1,000 people and C's 500 live within 1 km of the club; B's 3,000 live 20 km away.
    sport = row(result, "bouger-sport")
    assert sport["venues"] == 1
    assert sport["population_1km"] == 1500 and sport["share_1km"] == pytest.approx(1500 / 4500)
    assert sport["population_3km"] == 1500 and sport["share_3km"] == pytest.approx(1500 / 4500)
    assert sport["gap_population"] == 3000
    assert sport["weighted_share_1km"] is None
    # An online group reaches no one on foot.
    talk = row(result, "entraide-groupes-de-parole")
    assert talk["venues"] == 0 and talk["share_1km"] == 0 and talk["gap_population"] == 4500
    assert row(result, "any")["share_1km"] == pytest.approx(1500 / 4500)
    assert result["gaps"]["category"] == "any"
    gaps = territory_coverage(territory=land["98"], gap_category="bouger-sport")["gaps"]
    assert gaps["category"] == "bouger-sport" and gaps["population"] == 3000
    assert sum(cell["population"] for cell in gaps["cells"]) == pytest.approx(3000, abs=1)
    assert [item["category"] for item in result["coverage"]][-1] == "any"


def test_a_commune_is_its_own_territory(land, activities):
    result = territory_coverage(territory=land["B"])
    assert result["population"] == 3000
    assert result["activities"]["total"] == 1  # the online group serving B
    assert row(result, "any")["share_3km"] == 0


def test_the_shares_weighted_by_an_indicator(land, activities):
    curator = curator_of(land["98"])
    indicator = indicator_upload(
        organization=curator.memberships.get().organization,
        territory=land["98"],
        slug="seuls-75",
        title="Plus de 75 ans vivant seuls",
        source="INSEE RP 2021",
        csv_text="insee_code,value\n98001,0.5\n98002,0.1\n",
        by=curator,
    )
    result = territory_coverage(territory=land["98"], indicator=indicator)
    sport = row(result, "bouger-sport")
    # A: 1,000 x 0.5 reached, B: 3,000 x 0.1 not; C has no value and weighs nothing.
    assert sport["weighted_share_1km"] == pytest.approx(500 / 800)
    assert result["indicator"]["communes_with_value"] == 2
    assert result["indicator"]["communes_without_value"] == 1


def test_the_map_is_a_png_of_the_expected_size(land, activities):
    png = territory_coverage_png(territory=land["98"], category="bouger-sport")
    image = Image.open(io.BytesIO(png))
    image.verify()
    assert image.format == "PNG" and image.size == (1200, 1000)
    # Gaps are drawn: B is out of reach, so the map is not blank.
    pixels = Image.open(io.BytesIO(png)).convert("RGB")
    assert len(pixels.getcolors(1 << 20)) > 3


# --- indicators -------------------------------------------------------------------------------


def curator_of(territory):
    organization = OrganizationFactory(kind="municipality")
    organization.territories.set([territory])
    return editor_of(organization)


def upload(curator, territory, csv_text, slug="seuls-75"):
    return indicator_upload(
        organization=curator.memberships.get().organization,
        territory=territory,
        slug=slug,
        title="Plus de 75 ans vivant seuls",
        source="",
        csv_text=csv_text,
        by=curator,
    )


def test_an_upload_reads_decimal_commas_and_replaces_the_same_slug(land):
    curator = curator_of(land["98"])
    first = upload(curator, land["98"], 'insee_code,value\n98001,"0,5"\n98002,1\n')
    again = upload(curator, land["98"], "insee_code;value\n98002;0,25\n")
    assert again.pk == first.pk
    assert dict(again.values.values_list("territory__insee_code", "value")) == {"98002": 0.25}
    assert Indicator.objects.count() == 1


@pytest.mark.parametrize(
    ("csv_text", "expected"),
    [
        ("code,valeur\n98001,1\n", ["Line 1: the header must be insee_code,value."]),
        (
            "insee_code,value\n98001,1\n44109,2\n98002,-1\n98003,abc\n98001,2\n98002\n",
            [
                "Line 3: 44109 is not the INSEE code of a commune of this territory.",
                "Line 4: the value must be a number, 0 or more.",
                "Line 5: the value is not a number.",
                "Line 6: commune 98001 is already given on line 2.",
                "Line 7: give two columns, insee_code,value.",
            ],
        ),
        (
            "insee_code,value\n",
            ["The file has no value: give one line per commune after the header."],
        ),
    ],
)
def test_a_bad_file_names_its_lines_and_changes_nothing(land, csv_text, expected):
    curator = curator_of(land["98"])
    kept = upload(curator, land["98"], "insee_code,value\n98001,1\n")
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        upload(curator, land["98"], csv_text)
    assert refused.value.fields == {"csv": expected}
    assert dict(kept.values.values_list("territory__insee_code", "value")) == {"98001": 1}


def test_only_the_territory_curators_upload_and_delete(land):
    owner = curator_of(land["98"])
    indicator = upload(owner, land["98"], "insee_code,value\n98001,1\n")
    stranger = curator_of(land["A"])  # curates a commune, not the département
    with pytest.raises(PermissionDenied):
        indicator_upload(
            organization=owner.memberships.get().organization, territory=land["98"],
            slug="x", title="x", source="", csv_text="insee_code,value\n98001,1\n", by=stranger,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        indicator_delete(indicator=indicator, by=stranger)
    assert Indicator.objects.filter(pk=indicator.pk).exists()
    indicator_delete(indicator=indicator, by=owner)
    assert not Indicator.objects.exists()


def test_a_new_process_reads_the_cells_from_the_shared_cache(land, django_assert_num_queries):
    first = territory_coverage(territory=land["98"])
    coverage_selectors.forget()  # as a new process would start
    with django_assert_num_queries(4):  # no outline read again
        again = territory_coverage(territory=land["98"])
    assert again["coverage"] == first["coverage"]
    coverage_selectors.forget(shared=True)
    with django_assert_num_queries(5):  # the outlines, read once
        assert territory_coverage(territory=land["98"])["coverage"] == first["coverage"]


def test_an_upload_racing_another_of_the_same_slug_is_a_conflict(land, monkeypatch):
    from backend.errors import Conflict
    from curation.services import indicators

    curator = curator_of(land["98"])
    organization = curator.memberships.get().organization
    # The other upload commits between this one's look-up and its write.
    real_parse = indicators._parse

    def parse_while_another_commits(*args):
        values = real_parse(*args)
        Indicator.objects.create(
            organization=organization, territory=land["98"], slug="seuls-75", title="Autre"
        )
        return values

    monkeypatch.setattr(indicators, "_parse", parse_while_another_commits)
    with pytest.raises(Conflict):
        upload(curator, land["98"], "insee_code,value\n98001,1\n")
    # The refused upload stored nothing (here the other one, in the same transaction, is
    # rolled back with it).
    assert not IndicatorValue.objects.exists()
