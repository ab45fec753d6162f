"""Synthetic directories and populations for the matching benchmarks, built straight as the
engine's numpy arrays (`engine.Candidates`, `engine.Residents`): no database.

Two generators:

- `city()`: one city of about 300 km² with planted truths. Every resident has a hidden TRUE
  profile (interests with weights, reach, step-free need, homebound, weekly availability,
  languages, budget, age, audiences, accepted modes) and a DECLARED profile derived from it:
  some interests missing, some wrong, some declared only as their top category; a few hard
  constraints left undeclared (step-free need, homebound, age, budget, availability), the
  declared ones always true. Activities get a latent quality, and their popularity is planted
  as a noisy function of their true appeal.
- `france()`: activities and residents placed in French communes in proportion to their
  population (bench/data/communes-fr.csv), for throughput at scale.

Everything is drawn from `numpy.random.default_rng(seed)`: the same seed gives the same arrays.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import numpy as np

from matching import engine

COMMUNES_CSV = Path(__file__).resolve().parent / "data" / "communes-fr.csv"
KM_PER_DEGREE = 111.195
ALL_SLOTS = (1 << 21) - 1  # bit (weekday * 3 + part of day): morning, afternoon, evening

# activities.choices.AUDIENCES and LANGUAGES, in that order (bit n = n-th value).
EVERYONE_BIT = 1
SENIORS, YOUTH, FAMILIES, CAREGIVERS, DISABILITY, ILLNESS, NEWCOMERS = (1 << n for n in range(1, 8))
FRENCH, ENGLISH = 1, 2
OTHER_LANGUAGES = tuple(1 << n for n in range(2, 12))  # ar, es, pt, de, it, tr, ro, ru, uk, zh

# Two-level taxonomy: 12 top categories, 70 leaves (sizes as in the seeded taxonomy).
LEAVES_PER_TOP = (9, 8, 6, 5, 6, 6, 4, 5, 7, 5, 5, 4)
# Share of residents who truly like each top category (also the supply of activities).
TOP_APPEAL = (0.16, 0.13, 0.10, 0.08, 0.07, 0.07, 0.07, 0.07, 0.06, 0.06, 0.07, 0.06)
SOCIAL_KINDS_SHARE = 0.55  # club, peer support, friendship, visiting
MODE_SHARES = (0.72, 0.08, 0.08, 0.06, 0.06)  # in the order of engine.MODES
WEEKDAY_WEIGHTS = np.array([14, 17, 16, 17, 15, 9, 3], dtype=float)
PART_WEIGHTS = np.array([0.35, 0.45, 0.20])  # morning, afternoon, evening


@dataclasses.dataclass(frozen=True)
class Taxonomy:
    """Columns 0..11 are the top categories, then the leaves."""

    slugs: list[str]
    leaf_top: np.ndarray  # for each leaf column (index - n_top): its top column
    n_top: int

    @property
    def n_leaves(self) -> int:
        return len(self.leaf_top)

    @classmethod
    def build(cls) -> Taxonomy:
        n_top = len(LEAVES_PER_TOP)
        slugs = [f"top-{t}" for t in range(n_top)]
        leaf_top = []
        for t, count in enumerate(LEAVES_PER_TOP):
            for n in range(count):
                slugs.append(f"top-{t}-leaf-{n}")
                leaf_top.append(t)
        return cls(slugs=slugs, leaf_top=np.array(leaf_top, dtype=np.int32), n_top=n_top)

    def random_leaves(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Leaf indices (0-based among leaves), their top drawn with TOP_APPEAL."""
        appeal = np.array(TOP_APPEAL) / sum(TOP_APPEAL)
        tops = rng.choice(self.n_top, size=size, p=appeal)
        starts = np.concatenate([[0], np.cumsum(LEAVES_PER_TOP)[:-1]])
        return starts[tops] + (rng.random(size) * np.array(LEAVES_PER_TOP)[tops]).astype(np.int64)


@dataclasses.dataclass
class TrueProfiles:
    """What residents really are. `interests` is (R, C) over leaf columns only."""

    lat: np.ndarray
    lng: np.ndarray
    territory: np.ndarray
    reach_km: np.ndarray
    step_free: np.ndarray
    homebound: np.ndarray
    age: np.ndarray
    audiences: np.ndarray
    languages: np.ndarray
    budget: np.ndarray
    accepted_modes: np.ndarray
    availability: np.ndarray
    interests: np.ndarray
    loneliness: np.ndarray  # UCLA 3-item score 3..9
    # Which hard constraints the declared profile states (the others keep their default).
    declared_step_free: np.ndarray
    declared_homebound: np.ndarray
    declared_age: np.ndarray
    declared_budget: np.ndarray
    declared_availability: np.ndarray


@dataclasses.dataclass
class Dataset:
    taxonomy: Taxonomy
    candidates: engine.Candidates
    activity_lat: np.ndarray  # NaN for activities without a venue
    activity_lng: np.ndarray
    leaves: np.ndarray  # (M, 2) leaf columns of each activity, -1 when it has one only
    quality: np.ndarray  # latent quality 0..1
    declared: engine.Residents
    truth: TrueProfiles | None


def _bits(matrix: np.ndarray) -> np.ndarray:
    """(N, 21) bool -> int64 masks."""
    return (matrix.astype(np.int64) << np.arange(matrix.shape[1], dtype=np.int64)).sum(axis=1)


def _to_latlng(lat0: float, lng0: float, x_km: np.ndarray, y_km: np.ndarray):
    lat = lat0 + y_km / KM_PER_DEGREE
    lng = lng0 + x_km / (KM_PER_DEGREE * np.cos(np.radians(lat0)))
    return lat, lng


def _activity_slots(rng: np.random.Generator, m: int) -> np.ndarray:
    """Weekly slots of upcoming sessions: 1-3 slots, 8% with none (on demand, ongoing)."""
    slots = np.zeros(m, dtype=np.int64)
    count = rng.choice([1, 2, 3], size=m, p=[0.6, 0.3, 0.1])
    for n in range(3):
        day = rng.choice(7, size=m, p=WEEKDAY_WEIGHTS / WEEKDAY_WEIGHTS.sum())
        part = rng.choice(3, size=m, p=PART_WEIGHTS)
        slots |= np.where(count > n, np.int64(1) << (day * 3 + part), 0)
    slots[rng.random(m) < 0.08] = 0
    return slots


def _activities(
    rng: np.random.Generator,
    taxonomy: Taxonomy,
    lat: np.ndarray,
    lng: np.ndarray,
    mode: np.ndarray,
    service_territories: list[frozenset[int]],
) -> tuple[engine.Candidates, np.ndarray, np.ndarray]:
    """Everything but the places and the service areas, drawn the same way everywhere.
    Returns the candidates (popularity still zero), the leaves and the latent quality."""
    m = len(mode)
    venue = np.isin(mode, (engine.IN_PERSON, engine.MIXED))
    leaves = np.full((m, 2), -1, dtype=np.int64)
    leaves[:, 0] = taxonomy.random_leaves(rng, m)
    second = rng.random(m) < 0.2
    leaves[second, 1] = taxonomy.random_leaves(rng, int(second.sum()))
    leaves[leaves[:, 1] == leaves[:, 0], 1] = -1
    categories = np.zeros((m, len(taxonomy.slugs)), dtype=np.float32)
    rows = np.arange(m)
    for n in range(2):
        has = leaves[:, n] >= 0
        categories[rows[has], taxonomy.n_top + leaves[has, n]] = 1.0
        categories[rows[has], taxonomy.leaf_top[leaves[has, n]]] = 1.0

    ages = rng.choice(3, size=m, p=[0.80, 0.12, 0.08])  # none, seniors (60+), youth (12-25)
    age_min = np.select([ages == 1, ages == 2], [60, 12], 0).astype(np.int16)
    age_max = np.where(ages == 2, 25, 200).astype(np.int16)
    targeted = rng.random(m) < 0.15
    target = rng.choice([SENIORS, CAREGIVERS, DISABILITY, ILLNESS, NEWCOMERS], size=m)
    audiences = np.where(targeted, target, EVERYONE_BIT).astype(np.int64)
    language_kind = rng.choice(3, size=m, p=[0.88, 0.05, 0.07])
    other = rng.choice(OTHER_LANGUAGES, size=m)
    languages = np.select([language_kind == 1, language_kind == 2], [FRENCH | ENGLISH, other], 1)
    free = rng.random(m) < 0.45
    price = np.where(free, 0.0, np.clip(np.round(rng.lognormal(np.log(5), 0.7, m)), 1, 40))
    slots = _activity_slots(rng, m)
    social_kind = rng.random(m) < SOCIAL_KINDS_SHARE
    small_group = rng.random(m) < 0.5
    one_off = rng.random(m) < 0.1  # events: not recurring
    recurring = (slots != 0) & ~one_off
    social = 0.4 * social_kind + 0.3 * small_group + 0.3 * recurring
    with np.errstate(invalid="ignore"):
        xyz = np.nan_to_num(engine.unit_vectors(lat, lng))
    candidates = engine.Candidates(
        ids=np.arange(1, m + 1, dtype=np.int64),
        xyz=xyz,
        mode=mode.astype(np.int8),
        step_free=venue & (rng.random(m) < 0.55),
        age_min=age_min,
        age_max=age_max,
        has_age_limits=ages > 0,
        audiences=audiences,
        languages=languages.astype(np.int64),
        price=price.astype(np.float32),
        slots=slots,
        categories=categories,
        top_category=taxonomy.leaf_top[leaves[:, 0]].astype(np.int32),
        social=social.astype(np.float32),
        freshness=rng.random(m).astype(np.float32),
        popularity=np.zeros(m, dtype=np.float32),
        low_threshold=free & (rng.random(m) < 0.5),
        service_territories=service_territories,
        free=free,
    )
    return candidates, leaves, rng.beta(2, 2, m)


def _plant_popularity(
    rng: np.random.Generator, candidates: engine.Candidates, leaves, quality, interests
) -> None:
    """Popularity: a noisy function of true appeal (how many residents truly like the
    activity's categories, times its latent quality), scaled to 0..1."""
    liked = (interests > 0).sum(axis=0).astype(float)
    appeal = liked[leaves[:, 0]] + np.where(leaves[:, 1] >= 0, liked[leaves[:, 1]], 0)
    raw = (appeal / max(appeal.max(), 1.0)) * quality * rng.lognormal(0, 0.5, len(quality))
    candidates.popularity = (raw / raw.max()).astype(np.float32)


def _true_residents(rng: np.random.Generator, taxonomy: Taxonomy, r: int) -> dict:
    """Hidden truths that do not depend on geography."""
    age = np.clip(rng.normal(58, 19, r), 18, 97).astype(np.int16)
    mobility = rng.random(r)
    homebound = mobility < 0.08
    wheelchair = (mobility >= 0.08) & (mobility < 0.14)
    reach = np.exp(rng.uniform(np.log(0.5), np.log(15), r))
    reach = np.where(wheelchair, rng.uniform(0.5, 5, r), reach)
    reach = np.where(homebound, 0.5, reach).astype(np.float32)

    interests = np.zeros((r, taxonomy.n_leaves), dtype=np.float32)
    count = rng.choice([1, 2, 3, 4], size=r, p=[0.2, 0.35, 0.3, 0.15])
    for n in range(4):
        leaf = taxonomy.random_leaves(rng, r)
        weight = rng.uniform(0.4, 1.0, r).astype(np.float32)
        rows = np.flatnonzero(count > n)
        interests[rows, leaf[rows]] = np.maximum(interests[rows, leaf[rows]], weight[rows])

    # Availability by way of life: retired, working, irregular.
    life = np.where(age >= 65, 0, rng.choice([1, 2], size=r, p=[0.6, 0.4]))
    weekday = np.arange(21) // 3 < 5
    part = np.arange(21) % 3
    p_retired = np.where(part == 2, 0.3, 0.8)
    p_working = np.where(weekday, np.where(part == 2, 0.6, 0.05), 0.7)
    p_irregular = np.full(21, 0.4)
    p = np.stack([p_retired, p_working, p_irregular])[life]
    availability = _bits(rng.random((r, 21)) < p)
    availability[availability == 0] = 1 << 19  # everyone is free some time

    language_kind = rng.choice(3, size=r, p=[0.85, 0.08, 0.07])
    other = rng.choice(OTHER_LANGUAGES, size=r)
    languages = np.select(
        [language_kind == 1, language_kind == 2], [FRENCH | other, other], FRENCH
    ).astype(np.int64)
    audiences = (
        np.where(age >= 60, SENIORS, 0)
        | np.where(rng.random(r) < 0.08, CAREGIVERS, 0)
        | np.where(wheelchair, DISABILITY, 0)
        | np.where(rng.random(r) < 0.05, ILLNESS, 0)
        | np.where(language_kind == 2, NEWCOMERS, 0)
    ).astype(np.int64)
    budget_kind = rng.choice(3, size=r, p=[0.3, 0.4, 0.3])
    budget = np.select(
        [budget_kind == 0, budget_kind == 1], [0.0, rng.choice([5.0, 10.0, 15.0], size=r)], np.inf
    ).astype(np.float32)
    everything = (1 << len(engine.MODES)) - 1
    in_person_only = (1 << engine.IN_PERSON) | (1 << engine.MIXED)
    remote_only = (1 << engine.ONLINE) | (1 << engine.AT_HOME) | (1 << engine.PHONE)
    modes = np.where(rng.random(r) < 0.7, everything, in_person_only)
    modes = np.where(homebound, remote_only, modes).astype(np.int64)
    loneliness = rng.choice(np.arange(3, 10), size=r, p=[0.2, 0.2, 0.2, 0.15, 0.1, 0.1, 0.05])
    return {
        "age": age,
        "homebound": homebound,
        "step_free": wheelchair,
        "reach_km": reach,
        "interests": interests,
        "availability": availability,
        "languages": languages,
        "audiences": audiences,
        "budget": budget,
        "accepted_modes": modes,
        "loneliness": loneliness,
    }


def _declare(rng: np.random.Generator, taxonomy: Taxonomy, true_interests: np.ndarray):
    """A partial, noisy statement of the true interests: 70% of them declared with a noisy
    weight (15% of those only as their top category), 25% of residents add a wrong one, 4%
    declare nothing."""
    r = len(true_interests)
    declared = np.zeros((r, len(taxonomy.slugs)), dtype=np.float32)
    rows, leaves = np.nonzero(true_interests)
    weights = true_interests[rows, leaves]
    keep = rng.random(len(rows)) < 0.7
    noisy = np.clip(weights + rng.normal(0, 0.15, len(rows)), 0.1, 1.0).astype(np.float32)
    as_top = rng.random(len(rows)) < 0.15
    column = np.where(as_top, taxonomy.leaf_top[leaves], taxonomy.n_top + leaves)
    declared[rows[keep], column[keep]] = noisy[keep]
    wrong = np.flatnonzero(rng.random(r) < 0.25)
    wrong_leaf = taxonomy.random_leaves(rng, len(wrong))
    wrong_weight = rng.uniform(0.3, 0.7, len(wrong)).astype(np.float32)
    declared[wrong, taxonomy.n_top + wrong_leaf] = np.maximum(
        declared[wrong, taxonomy.n_top + wrong_leaf], wrong_weight
    )
    declared[rng.random(r) < 0.04] = 0.0
    return declared


def city(
    n_activities: int = 3_000, n_residents: int = 5_000, *, seed: int = 2025, area_km2=300.0
) -> Dataset:
    """One city with planted truths (see the module docstring)."""
    rng = np.random.default_rng(seed)
    taxonomy = Taxonomy.build()
    side = float(np.sqrt(area_km2))
    lat0, lng0 = 47.218, -1.554
    grid = 5  # the city's territories: a 5 x 5 grid of districts, ids 1..25

    def points(n: int) -> tuple[np.ndarray, np.ndarray]:
        central = rng.random(n) < 0.5
        x = np.where(central, rng.normal(0, side / 6, n), rng.uniform(-side / 2, side / 2, n))
        y = np.where(central, rng.normal(0, side / 6, n), rng.uniform(-side / 2, side / 2, n))
        return np.clip(x, -side / 2, side / 2), np.clip(y, -side / 2, side / 2)

    def district(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        col = np.clip(((x + side / 2) / side * grid).astype(int), 0, grid - 1)
        row = np.clip(((y + side / 2) / side * grid).astype(int), 0, grid - 1)
        return (row * grid + col + 1).astype(np.int64)

    m = n_activities
    mode = rng.choice(len(engine.MODES), size=m, p=MODE_SHARES)
    venue = np.isin(mode, (engine.IN_PERSON, engine.MIXED))
    x, y = points(m)
    lat, lng = _to_latlng(lat0, lng0, x, y)
    lat, lng = np.where(venue, lat, np.nan), np.where(venue, lng, np.nan)
    # At home and by phone: a block of districts around the provider's.
    home_district = district(x, y)
    areas = []
    for j in range(m):
        if mode[j] in engine.REMOTE_REACH_MODES:
            d = home_district[j] - 1
            span = int(rng.integers(0, 3))
            rows = range(max(0, d // grid - span), min(grid, d // grid + span + 1))
            cols = range(max(0, d % grid - span), min(grid, d % grid + span + 1))
            areas.append(frozenset(rw * grid + c + 1 for rw in rows for c in cols))
        else:
            areas.append(frozenset())
    candidates, leaves, quality = _activities(rng, taxonomy, lat, lng, mode, areas)

    r = n_residents
    truth = _true_residents(rng, taxonomy, r)
    hx, hy = points(r)
    home_lat, home_lng = _to_latlng(lat0, lng0, hx, hy)
    territory = district(hx, hy)
    _plant_popularity(rng, candidates, leaves, quality, truth["interests"])

    declared_step_free = truth["step_free"] & (rng.random(r) < 0.9)
    declared_homebound = truth["homebound"] & (rng.random(r) < 0.95)
    declared_age = rng.random(r) < 0.85
    declared_budget = np.isfinite(truth["budget"]) & (rng.random(r) < 0.75)
    declared_availability = rng.random(r) < 0.7
    consent = rng.random(r) < 0.6  # sensitive data: audiences, loneliness
    everything = (1 << len(engine.MODES)) - 1
    declared_modes = np.where(
        truth["homebound"] & ~declared_homebound, everything, truth["accepted_modes"]
    )
    declared = engine.Residents(
        ids=np.arange(1, r + 1, dtype=np.int64),
        xyz=engine.unit_vectors(home_lat, home_lng),
        has_home=np.ones(r, dtype=bool),
        territory=territory,
        reach_km=truth["reach_km"],
        step_free=declared_step_free,
        homebound=declared_homebound,
        age=np.where(declared_age, truth["age"], -1).astype(np.int16),
        audiences=np.where(consent, truth["audiences"], 0).astype(np.int64),
        languages=truth["languages"],
        budget=np.where(declared_budget, truth["budget"], np.inf).astype(np.float32),
        accepted_modes=declared_modes.astype(np.int64),
        availability=np.where(declared_availability, truth["availability"], ALL_SLOTS),
        interests=_declare(rng, taxonomy, truth["interests"]),
        lonely=consent & (truth["loneliness"] >= engine.LONELY_SCORE),
        excluded=[frozenset() for _ in range(r)],
        boosted=[frozenset() for _ in range(r)],
    )
    true_profiles = TrueProfiles(
        lat=home_lat,
        lng=home_lng,
        territory=territory,
        declared_step_free=declared_step_free,
        declared_homebound=declared_homebound,
        declared_age=declared_age,
        declared_budget=declared_budget,
        declared_availability=declared_availability,
        **truth,
    )
    return Dataset(taxonomy, candidates, lat, lng, leaves, quality, declared, true_profiles)


# --- France, for throughput ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Communes:
    insee: np.ndarray
    departement: np.ndarray
    population: np.ndarray
    lat: np.ndarray
    lng: np.ndarray

    @classmethod
    def load(cls, path: Path = COMMUNES_CSV) -> Communes:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if int(r["population"] or 0) > 0]
        return cls(
            insee=np.array([r["insee"] for r in rows]),
            departement=np.array([r["departement"] for r in rows]),
            population=np.array([int(r["population"]) for r in rows], dtype=np.int64),
            lat=np.array([float(r["lat"]) for r in rows]),
            lng=np.array([float(r["lng"]) for r in rows]),
        )

    def radius_km(self) -> np.ndarray:
        """How far from its centre a point of the commune may fall."""
        return np.clip(0.8 + 0.003 * np.sqrt(self.population), 0.5, 6.0)

    def sample(self, rng: np.random.Generator, n: int):
        """n points in communes drawn in proportion to population: (commune, lat, lng)."""
        weights = self.population / self.population.sum()
        commune = rng.choice(len(weights), size=n, p=weights)
        angle = rng.uniform(0, 2 * np.pi, n)
        dist = self.radius_km()[commune] * np.sqrt(rng.random(n))
        lat = self.lat[commune] + dist * np.sin(angle) / KM_PER_DEGREE
        lng = self.lng[commune] + dist * np.cos(angle) / (
            KM_PER_DEGREE * np.cos(np.radians(self.lat[commune]))
        )
        return commune, lat, lng


FRANCE_MODE_SHARES = (0.86, 0.05, 0.05, 0.02, 0.02)


def france(
    n_activities: int, n_residents: int, *, seed: int = 2025, communes: Communes | None = None
) -> tuple[Taxonomy, engine.Candidates, engine.Residents]:
    """Activities and residents over France, in proportion to population. Territory ids are
    commune row numbers; at-home and phone activities serve their commune's département.
    Residents' reach is 1-15 km (log-uniform); the declared profile is the true one."""
    rng = np.random.default_rng(seed)
    taxonomy = Taxonomy.build()
    communes = communes or Communes.load()
    m = n_activities
    mode = rng.choice(len(engine.MODES), size=m, p=FRANCE_MODE_SHARES)
    venue = np.isin(mode, (engine.IN_PERSON, engine.MIXED))
    commune, lat, lng = communes.sample(rng, m)
    lat, lng = np.where(venue, lat, np.nan), np.where(venue, lng, np.nan)
    by_departement: dict[str, frozenset[int]] = {}
    for n, dep in enumerate(communes.departement):
        by_departement.setdefault(dep, set()).add(n)
    by_departement = {dep: frozenset(ids) for dep, ids in by_departement.items()}
    remote = np.isin(mode, engine.REMOTE_REACH_MODES)
    areas = [
        by_departement[communes.departement[commune[j]]] if remote[j] else frozenset()
        for j in range(m)
    ]
    candidates, leaves, quality = _activities(rng, taxonomy, lat, lng, mode, areas)

    r = n_residents
    truth = _true_residents(rng, taxonomy, r)
    home, home_lat, home_lng = communes.sample(rng, r)
    _plant_popularity(rng, candidates, leaves, quality, truth["interests"])
    interests = np.zeros((r, len(taxonomy.slugs)), dtype=np.float32)
    interests[:, taxonomy.n_top :] = truth["interests"]
    residents = engine.Residents(
        ids=np.arange(1, r + 1, dtype=np.int64),
        xyz=engine.unit_vectors(home_lat, home_lng),
        has_home=np.ones(r, dtype=bool),
        territory=home.astype(np.int64),
        reach_km=np.exp(rng.uniform(0, np.log(15), r)).astype(np.float32),
        step_free=truth["step_free"],
        homebound=truth["homebound"],
        age=truth["age"],
        audiences=truth["audiences"],
        languages=truth["languages"],
        budget=truth["budget"],
        accepted_modes=truth["accepted_modes"],
        availability=truth["availability"],
        interests=interests,
        lonely=truth["loneliness"] >= engine.LONELY_SCORE,
        excluded=[frozenset() for _ in range(r)],
        boosted=[frozenset() for _ in range(r)],
    )
    return taxonomy, candidates, residents
