"""A synthetic directory of activities spread over metropolitan France.

Pure and deterministic: the same (n, seed, today) gives the same organizations, places,
activities and schedules, with no database and no Django. Activities sit in the real communes
of France (bench/data/communes-fr.csv) in proportion to their population, jittered around
each commune's centroid by a radius that grows with its size.

Organizations and places are materialized lists (about n/15 and n/7); activities are produced
one at a time by `FranceDataset.activities()`, so a million of them never sit in memory.
"""

from __future__ import annotations

import bisect
import csv
import datetime
import functools
import itertools
import math
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import vocabulary

# Bump when the generated data changes: stored datasets made by another version are reloaded.
GENERATOR_VERSION = 1

COMMUNES_CSV = Path(__file__).resolve().parent / "data" / "communes-fr.csv"
# Metropolitan France with Corsica, with a margin for the jitter around coastal centroids.
FRANCE_BBOX = (41.2, -5.4, 51.2, 9.8)  # min_lat, min_lng, max_lat, max_lng
TIMEZONE = "Europe/Paris"
ACTIVITIES_PER_ORGANIZATION = 15
# The places of an organization are scattered this far (at most) from its commune centroid.
MAX_JITTER_KM = 6.0
_KM_PER_DEGREE = 111.195

TAXONOMY_LEAVES: dict[str, str] = {}  # leaf slug -> top slug, filled from vocabulary order
_TOPS = (
    ("bouger-sport", 9), ("culture-arts", 8), ("loisirs-creatifs", 6), ("nature-jardinage", 5),
    ("apprendre-numerique", 6), ("jeux", 6), ("repas-cuisine", 4), ("convivialite", 5),
    ("entraide-groupes-de-parole", 7), ("amitie-visites", 5), ("benevolat-citoyennete", 5),
    ("intergenerationnel", 4),
)  # fmt: skip
_leaves = iter(vocabulary.LEAVES)
for _top, _count in _TOPS:
    for _leaf in itertools.islice(_leaves, _count):
        TAXONOMY_LEAVES[_leaf] = _top

# Local start times (hh, mm) and durations (minutes) by top category: (weight, times, durations).
_MORNING = ((9, 0), (9, 30), (10, 0), (10, 30))
_NOON = ((11, 30), (12, 0), (12, 0))
_AFTERNOON = ((14, 0), (14, 0), (14, 30), (15, 0), (16, 0))
_EVENING = ((18, 0), (18, 30), (19, 0), (20, 0), (20, 30))
_TIME_PROFILES: dict[str, tuple[tuple[int, tuple, tuple[int, ...]], ...]] = {
    "bouger-sport": ((5, _MORNING, (60, 90)), (3, _AFTERNOON, (60, 90)), (2, _EVENING, (60,))),
    "culture-arts": ((1, _MORNING, (120,)), (4, _AFTERNOON, (90, 120)), (5, _EVENING, (90, 120))),
    "loisirs-creatifs": (
        (25, _MORNING, (120,)),
        (60, _AFTERNOON, (120, 180)),
        (15, _EVENING, (120,)),
    ),
    "nature-jardinage": ((6, _MORNING, (120, 180)), (4, _AFTERNOON, (120,))),
    "apprendre-numerique": (
        (35, _MORNING, (90,)),
        (45, _AFTERNOON, (90, 120)),
        (20, _EVENING, (90,)),
    ),
    "jeux": ((8, _AFTERNOON, (180,)), (2, _EVENING, (150,))),
    "repas-cuisine": ((6, _NOON, (120,)), (25, ((15, 30), (16, 0)), (90,)), (15, _EVENING, (120,))),
    "convivialite": ((5, _MORNING, (90, 120)), (5, _AFTERNOON, (120, 180))),
    "entraide-groupes-de-parole": (
        (1, _MORNING, (90,)),
        (4, _AFTERNOON, (90, 120)),
        (5, _EVENING, (90, 120)),
    ),
    "amitie-visites": ((3, _MORNING, (60, 120)), (7, _AFTERNOON, (60, 120))),
    "benevolat-citoyennete": (
        (4, _MORNING, (120, 180)),
        (4, _AFTERNOON, (120, 180)),
        (2, _EVENING, (120,)),
    ),
    "intergenerationnel": ((3, _MORNING, (90,)), (7, _AFTERNOON, (90, 120))),
}

# Default kind of activity by top category, and the exceptions by sub-category.
_KIND_BY_TOP = {
    "bouger-sport": ("club", "class"), "culture-arts": ("club", "class"),
    "loisirs-creatifs": ("club", "class"), "nature-jardinage": ("club", "outing"),
    "apprendre-numerique": ("class",), "jeux": ("club",), "repas-cuisine": ("club", "event"),
    "convivialite": ("club", "friendship"), "entraide-groupes-de-parole": ("peer_support",),
    "amitie-visites": ("friendship", "visiting"), "benevolat-citoyennete": ("volunteering",),
    "intergenerationnel": ("club", "event"),
}  # fmt: skip
_KIND_BY_LEAF = {
    "musees-patrimoine": "outing", "balades-nature": "outing", "fetes-de-quartier": "event",
    "loto-quiz": "event", "visites-a-domicile": "visiting", "appels-convivialite": "visiting",
    "accompagnement-sorties": "visiting", "pique-niques": "event",
}  # fmt: skip
# Sub-categories that reach residents where they are.
_REMOTE_LEAVES = {
    "visites-a-domicile": "at_home", "appels-convivialite": "phone", "correspondance": "at_home",
    "parrainage-amical": "at_home",
}  # fmt: skip
_ONLINE_LEAVES = frozenset(
    {"aide-numerique", "langues-etrangeres", "conferences-universite-populaire", "sante-mentale",
     "aidants", "ateliers-memoire", "ateliers-ecriture", "deuil", "solitude-isolement"}
)  # fmt: skip
_WEEKDAY_WEIGHTS = (14, 17, 16, 17, 15, 9, 3)  # Monday .. Sunday
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True, slots=True)
class Commune:
    insee: str
    name: str
    departement: str
    population: int
    lat: float
    lng: float
    postal_code: str


@dataclass(frozen=True, slots=True)
class OrganizationSpec:
    index: int
    name: str
    slug: str
    kind: str
    commune: Commune
    email: str
    phone: str
    website: str
    rna: str
    verified: bool
    place_indexes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PlaceSpec:
    index: int
    organization: int
    name: str
    address: str
    commune: Commune
    lat: float
    lng: float
    wheelchair: str
    transport_access: str
    # OpenAgenda accessibility support flags, in choices.ACCESSIBILITY_FLAGS order.
    supports: tuple[bool, bool, bool, bool, bool]


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    rrule: str  # "" for one-off dates
    dates: tuple[datetime.date, ...]
    start_time: datetime.time
    end_time: datetime.time
    valid_from: datetime.date
    valid_to: datetime.date | None
    exdates: tuple[datetime.date, ...]
    timezone: str = TIMEZONE


@dataclass(frozen=True, slots=True)
class ActivitySpec:
    index: int
    organization: int
    place: int | None
    commune: Commune
    title: str
    summary: str
    description: str
    kind: str
    categories: tuple[str, ...]  # leaf slugs, the first is the main one
    audiences: tuple[str, ...]
    languages: tuple[str, ...]
    attendance_mode: str
    age_min: int | None
    age_max: int | None
    is_free: bool
    price_min: float | None
    price_max: float | None
    reduced_price: float | None
    registration: str
    registration_phone: str
    registration_email: str
    registration_url: str
    capacity: int | None
    intensity: str
    group_size: str
    service_radius_km: float | None
    featured: bool
    schedules: tuple[ScheduleSpec, ...]
    # Days of sessions cancelled on their own (an edit after publication), if any.
    cancelled_days: tuple[datetime.date, ...]
    # Age of the listing: created that many days before today, last edited after that.
    created_days_ago: float
    updated_days_ago: float


@functools.cache
def load_communes(path: Path = COMMUNES_CSV) -> tuple[Commune, ...]:
    with path.open(encoding="utf-8") as handle:
        return tuple(
            Commune(
                insee=row["insee"],
                name=row["name"],
                departement=row["departement"],
                population=int(row["population"]),
                lat=float(row["lat"]),
                lng=float(row["lng"]),
                postal_code=row["postal_code"],
            )
            for row in csv.DictReader(handle)
        )


def jitter_radius_km(population: int) -> float:
    """How far from its centroid a commune's venues spread: ~1 km in a village, 6 km in Paris."""
    return min(MAX_JITTER_KM, 1.0 + 0.004 * math.sqrt(max(population, 0)))


def in_france(lat: float, lng: float) -> bool:
    min_lat, min_lng, max_lat, max_lng = FRANCE_BBOX
    return min_lat <= lat <= max_lat and min_lng <= lng <= max_lng


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    return "-".join(words)


class _Picker:
    """Weighted choice in O(log n) from precomputed cumulative weights."""

    def __init__(self, items, weights) -> None:
        self.items = tuple(items)
        self.cumulative = tuple(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def jittered_point(rng: random.Random, commune: Commune) -> tuple[float, float]:
    """A point around the commune's centroid, denser towards the centre."""
    distance = jitter_radius_km(commune.population) * rng.random() ** 0.75
    bearing = rng.random() * 2 * math.pi
    dlat = distance * math.cos(bearing) / _KM_PER_DEGREE
    dlng = distance * math.sin(bearing) / (_KM_PER_DEGREE * math.cos(math.radians(commune.lat)))
    return round(commune.lat + dlat, 6), round(commune.lng + dlng, 6)


def population_picker(communes: tuple[Commune, ...]) -> _Picker:
    return _Picker(communes, (commune.population for commune in communes))


def sample_points(
    k: int, *, seed: int = 0, communes: tuple[Commune, ...] | None = None
) -> list[tuple[float, float]]:
    """Points where residents search from: drawn like the activities, by population."""
    communes = communes or load_communes()
    rng = random.Random(f"{seed}:points")
    pick = population_picker(communes)
    return [jittered_point(rng, pick(rng)) for _ in range(k)]


class FranceDataset:
    """n activities, their organizations, places and schedules (see module docstring)."""

    def __init__(
        self,
        n: int,
        *,
        seed: int = 0,
        today: datetime.date,
        communes: tuple[Commune, ...] | None = None,
    ) -> None:
        if n < 1:
            raise ValueError("n must be at least 1")
        self.n, self.seed, self.today = n, seed, today
        self.communes = communes or load_communes()
        self._pick_commune = population_picker(self.communes)
        self.organizations: list[OrganizationSpec] = []
        self.places: list[PlaceSpec] = []
        self._build_organizations()

    # --- organizations and places -------------------------------------------------------------

    def _build_organizations(self) -> None:
        rng = random.Random(f"{self.seed}:organizations")
        count = max(1, round(self.n / ACTIVITIES_PER_ORGANIZATION))
        pick_kind = _Picker(
            ("association", "municipality", "social_service", "health", "other"),
            (80, 7, 7, 3, 3),
        )
        weights = []
        for index in range(count):
            commune = self._pick_commune(rng)
            kind = pick_kind(rng)
            name = rng.choice(vocabulary.ORGANIZATION_NAMES[kind]).format(city=commune.name)
            slug = f"{slugify(name)[:60]}-{index + 1}"
            # Municipalities and social services run more activities than most associations.
            weight = rng.lognormvariate(0, 0.7) * (3 if kind != "association" else 1)
            weights.append(weight)
            place_count = 1 + (rng.random() < 0.6) + (rng.random() < 0.3) + (weight > 2.5)
            place_indexes = tuple(range(len(self.places), len(self.places) + place_count))
            for _ in range(place_count):
                self.places.append(self._place(rng, len(self.places), index, commune))
            self.organizations.append(
                OrganizationSpec(
                    index=index,
                    name=name,
                    slug=slug,
                    kind=kind,
                    commune=commune,
                    email=f"contact@{slug}.example.org",
                    phone=f"0{rng.randint(1, 5)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                    f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
                    website=f"https://{slug}.example.org" if rng.random() < 0.4 else "",
                    rna=f"W{rng.randrange(10**9):09d}" if kind == "association" else "",
                    verified=rng.random() < 0.7,
                    place_indexes=place_indexes,
                )
            )
        self._pick_organization = _Picker(range(count), weights)

    def _place(self, rng: random.Random, index: int, organization: int, commune: Commune):
        lat, lng = jittered_point(rng, commune)
        wheelchair = rng.choices(("none", "partial", "full"), (35, 30, 35))[0]
        return PlaceSpec(
            index=index,
            organization=organization,
            name=f"{rng.choice(vocabulary.VENUES)} {rng.choice(vocabulary.STREET_NAMES)}",
            address=f"{rng.randint(1, 120)} {rng.choice(vocabulary.STREET_TYPES)} "
            f"{rng.choice(vocabulary.STREET_NAMES)}",
            commune=commune,
            lat=lat,
            lng=lng,
            wheelchair=wheelchair,
            transport_access=f"Bus ligne {rng.randint(1, 40)}" if rng.random() < 0.5 else "",
            supports=tuple(rng.random() < 0.12 for _ in range(5)),
        )

    # --- activities ---------------------------------------------------------------------------

    def activities(self) -> Iterator[ActivitySpec]:
        rng = random.Random(f"{self.seed}:activities")
        pick_leaf = _Picker(vocabulary.LEAVES, (entry[0] for entry in vocabulary.LEAVES.values()))
        leaves_by_top: dict[str, list[str]] = {}
        for leaf, top in TAXONOMY_LEAVES.items():
            leaves_by_top.setdefault(top, []).append(leaf)
        for index in range(self.n):
            yield self._activity(rng, index, pick_leaf, leaves_by_top)

    def _activity(self, rng, index, pick_leaf, leaves_by_top) -> ActivitySpec:
        organization = self.organizations[self._pick_organization(rng)]
        leaf = pick_leaf(rng)
        top = TAXONOMY_LEAVES[leaf]
        categories = [leaf]
        extra = rng.random()
        if extra < 0.35:
            categories.append(rng.choice(leaves_by_top[top]))
        if extra < 0.10:
            categories.append(pick_leaf(rng))
        categories = list(dict.fromkeys(categories))

        mode = _REMOTE_LEAVES.get(leaf)
        if mode is None:
            draw = rng.random()
            if draw < 0.03 or (leaf in _ONLINE_LEAVES and draw < 0.25):
                mode = "online"
            elif draw < 0.07:
                mode = "mixed"
            else:
                mode = "in_person"
        remote = mode in ("online", "at_home", "phone")
        place = None if remote else rng.choice(organization.place_indexes)

        _, titles, summaries = vocabulary.LEAVES[leaf]
        title = rng.choice(titles)
        if rng.random() < 0.3:
            title = f"{title} à {organization.commune.name}"
        sentences = rng.sample(vocabulary.DESCRIPTION_SENTENCES, rng.randint(0, 3))
        kind = _KIND_BY_LEAF.get(leaf) or rng.choice(_KIND_BY_TOP[top])

        audiences = ["everyone"]
        draw = rng.random()
        if draw < 0.28:
            audiences = ["seniors"]
        elif draw < 0.33:
            audiences = ["families"]
        elif draw < 0.37:
            audiences = ["youth"]
        elif draw < 0.40:
            audiences = ["newcomers"]
        if top == "entraide-groupes-de-parole":
            audiences = [
                {"aidants": "caregivers", "cancer": "illness", "maladies-chroniques": "illness"}
                .get(leaf, "everyone")
            ]  # fmt: skip
        age_min = age_max = None
        if audiences == ["seniors"] and rng.random() < 0.5:
            age_min = 60
        elif audiences == ["youth"]:
            age_min, age_max = 11, 25

        languages = ["fr"]
        draw = rng.random()
        if leaf == "langues-etrangeres":
            languages.append(rng.choice(("en", "es", "it", "de")))
        elif draw < 0.04:
            languages.append("en")
        elif draw < 0.06:
            languages.append(rng.choice(("ar", "es", "pt", "uk")))
        if rng.random() < 0.01:
            languages.append("fcs")

        is_free = rng.random() < 0.6
        price_min = price_max = reduced_price = None
        if not is_free:
            price_min = float(rng.choice((2, 3, 5, 5, 8, 10, 15)))
            price_max = price_min + float(rng.choice((0, 0, 2, 5, 10)))
            if rng.random() < 0.3:
                reduced_price = round(price_min / 2, 2)

        registration = "required" if rng.random() < 0.3 else "none"
        capacity = None if rng.random() < 0.55 else rng.choice((6, 8, 10, 12, 15, 20, 25, 30, 40))
        group_size = (
            "one_to_one"
            if kind == "visiting"
            else rng.choices(("small", "medium", "large"), (55, 35, 10))[0]
        )
        intensity = "low"
        if top == "bouger-sport":
            intensity = rng.choices(("low", "medium", "high"), (50, 40, 10))[0]

        created_days_ago = rng.random() * 720
        return ActivitySpec(
            index=index,
            organization=organization.index,
            place=place,
            commune=organization.commune,
            title=title[:160],
            summary=rng.choice(summaries)[:200],
            description=" ".join(sentences),
            kind=kind,
            categories=tuple(categories),
            audiences=tuple(audiences),
            languages=tuple(languages),
            attendance_mode=mode,
            age_min=age_min,
            age_max=age_max,
            is_free=is_free,
            price_min=price_min,
            price_max=price_max,
            reduced_price=reduced_price,
            registration=registration,
            registration_phone=organization.phone if registration == "required" else "",
            registration_email=organization.email if registration == "required" else "",
            registration_url="",
            capacity=capacity,
            intensity=intensity,
            group_size=group_size,
            service_radius_km=(
                float(rng.choice((5, 10, 15, 20, 30))) if mode in ("at_home", "phone") else None
            ),
            featured=rng.random() < 0.01,
            schedules=self._schedules(rng, top),
            cancelled_days=self._cancellations(rng),
            created_days_ago=created_days_ago,
            updated_days_ago=created_days_ago * rng.random() ** 2,
        )

    def _cancellations(self, rng: random.Random) -> tuple[datetime.date, ...]:
        """Now and then an organizer cancels one upcoming session on its own."""
        if rng.random() >= 0.03:
            return ()
        return (self.today + datetime.timedelta(days=rng.randint(0, 20)),)

    def _schedules(self, rng: random.Random, top: str) -> tuple[ScheduleSpec, ...]:
        schedules = [self._schedule(rng, top)]
        if rng.random() < 0.08:
            schedules.append(self._schedule(rng, top))
        return tuple(schedules)

    def _schedule(self, rng: random.Random, top: str) -> ScheduleSpec:
        profile = _TIME_PROFILES[top]
        _, times, durations = rng.choices(profile, [entry[0] for entry in profile])[0]
        hour, minute = rng.choice(times)
        start = datetime.time(hour, minute)
        end_minutes = min(hour * 60 + minute + rng.choice(durations), 23 * 60 + 45)
        end = datetime.time(end_minutes // 60, end_minutes % 60)
        today = self.today
        # Few distinct season starts, as in real listings (and the expansion cache likes it).
        valid_from = today - datetime.timedelta(days=rng.choice((3, 10, 40, 75, 120, 200, 300)))
        valid_to = None
        if rng.random() < 0.12:
            valid_to = today + datetime.timedelta(days=rng.choice((30, 45, 60)))
        weekday = rng.choices(range(7), _WEEKDAY_WEIGHTS)[0]
        draw = rng.random()
        if draw < 0.56:
            rrule = f"FREQ=WEEKLY;BYDAY={_RRULE_DAYS[weekday]}"
        elif draw < 0.64:
            second = (weekday + rng.choice((2, 3))) % 7
            days = ",".join(_RRULE_DAYS[d] for d in sorted({weekday, second}))
            rrule = f"FREQ=WEEKLY;BYDAY={days}"
        elif draw < 0.70:
            rrule = f"FREQ=WEEKLY;INTERVAL=2;BYDAY={_RRULE_DAYS[weekday]}"
        elif draw < 0.72:
            rrule = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
        elif draw < 0.86:
            ordinal = rng.choice((1, 1, 2, 3, -1))
            rrule = f"FREQ=MONTHLY;BYDAY={ordinal}{_RRULE_DAYS[weekday]}"
        else:
            first = today + datetime.timedelta(days=rng.randint(-5, 70))
            weeks = {rng.randint(0, 3) for _ in range(rng.randint(1, 3))}
            dates = sorted(first + datetime.timedelta(weeks=week) for week in weeks)
            return ScheduleSpec(
                rrule="",
                dates=tuple(dates),
                start_time=start,
                end_time=end,
                valid_from=dates[0],
                valid_to=None,
                exdates=(),
            )
        exdates: tuple[datetime.date, ...] = ()
        if rng.random() < 0.08:
            # A session off during the holidays (ignored when no session falls on that day).
            exdates = (today + datetime.timedelta(days=rng.choice((14, 21, 28, 35))),)
        return ScheduleSpec(
            rrule=rrule,
            dates=(),
            start_time=start,
            end_time=end,
            valid_from=valid_from,
            valid_to=valid_to,
            exdates=exdates,
        )


def generate(n: int, *, seed: int = 0, today: datetime.date) -> FranceDataset:
    """The synthetic directory of n activities (see FranceDataset)."""
    return FranceDataset(n, seed=seed, today=today)
