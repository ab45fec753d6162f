"""Deterministic demo directory for Nantes Métropole.

`generate()` builds a believable set of organizations, venues and activities (clubs,
peer-support groups, visiting programmes...) for the 24 communes of Nantes Métropole. It is
pure: no ORM, no settings, no network, and the same arguments always give the same result,
so it can feed fixtures, seed commands, screenshots and benchmarks alike.

Everything here is invented: names, addresses, phone numbers (taken from the ranges the
French regulator keeps for fiction) and web addresses (under the reserved `.example` top
level domain). Only the geography is real: venues are sampled inside the actual commune
outlines of `data/communes-44.geojson`.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from random import Random

from dateutil.rrule import rrulestr
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

from activities import choices

DATA_DIR = Path(__file__).resolve().parent / "data"
TAXONOMY_PATH = DATA_DIR / "taxonomy.json"
COMMUNES_PATH = DATA_DIR / "communes-44.geojson"

# The 24 member communes of Nantes Métropole (INSEE codes, sorted).
NANTES_METROPOLE_INSEE: tuple[str, ...] = (
    "44009",  # Basse-Goulaine
    "44018",  # Bouaye
    "44020",  # Bouguenais
    "44024",  # Brains
    "44026",  # Carquefou
    "44035",  # La Chapelle-sur-Erdre
    "44047",  # Couëron
    "44074",  # Indre
    "44094",  # Mauves-sur-Loire
    "44101",  # La Montagne
    "44109",  # Nantes
    "44114",  # Orvault
    "44120",  # Le Pellerin
    "44143",  # Rezé
    "44150",  # Saint-Aignan-Grandlieu
    "44162",  # Saint-Herblain
    "44166",  # Saint-Jean-de-Boiseau
    "44171",  # Saint-Léger-les-Vignes
    "44172",  # Sainte-Luce-sur-Loire
    "44190",  # Saint-Sébastien-sur-Loire
    "44194",  # Sautron
    "44198",  # Les Sorinières
    "44204",  # Thouaré-sur-Loire
    "44215",  # Vertou
)
NANTES_INSEE = "44109"


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class DemoOrganization:
    slug: str
    name: str
    kind: str
    description: str
    email: str
    phone: str
    website: str
    verified: bool
    siren: str  # "" when none


@dataclass(frozen=True)
class DemoPlace:
    key: str
    organization_slug: str
    name: str
    address: str
    postal_code: str
    city: str
    insee: str
    lat: float
    lng: float
    wheelchair: str
    accessibility: tuple[str, ...]  # subset of choices.ACCESSIBILITY_FLAGS, in that order
    transport: str


@dataclass(frozen=True)
class DemoSchedule:
    rrule: str | None
    dates: tuple[date, ...]
    start_time: time
    end_time: time
    valid_from: date
    valid_to: date | None
    exdates: tuple[date, ...]
    timezone: str = "Europe/Paris"


@dataclass(frozen=True)
class DemoActivity:
    external_id: str
    organization_slug: str
    place_key: str | None  # None exactly when attendance_mode is a remote mode
    title: str
    summary: str
    description: str
    kind: str
    category_slugs: tuple[str, ...]
    audiences: tuple[str, ...]
    age_min: int | None
    age_max: int | None
    attendance_mode: str
    service_area_insee: tuple[str, ...]
    languages: tuple[str, ...]
    is_free: bool
    price_min: Decimal | None
    price_max: Decimal | None
    reduced_price: Decimal | None
    registration: str
    registration_url: str
    registration_phone: str
    registration_email: str
    capacity: int | None
    intensity: str
    group_size: str
    schedules: tuple[DemoSchedule, ...]
    status: str


@dataclass(frozen=True)
class DemoDirectory:
    organizations: tuple[DemoOrganization, ...]
    places: tuple[DemoPlace, ...]
    activities: tuple[DemoActivity, ...]


# --------------------------------------------------------------------------- reference data


def load_taxonomy() -> list[dict]:
    """The two-level interest taxonomy (a fresh copy each call)."""
    return json.loads(TAXONOMY_PATH.read_text(encoding="utf-8"))


@functools.cache
def _communes() -> dict[str, tuple[str, BaseGeometry]]:
    collection = json.loads(COMMUNES_PATH.read_text(encoding="utf-8"))
    return {
        feature["properties"]["code"]: (feature["properties"]["nom"], shape(feature["geometry"]))
        for feature in collection["features"]
    }


def load_communes() -> dict[str, tuple[str, BaseGeometry]]:
    """INSEE code -> (name, outline) for every commune of the bundled GeoJSON file.

    Names are given as the file spells them (IGN style, leading article dropped:
    "Chapelle-sur-Erdre"); `METROPOLE_COMMUNES` has the usual spelling for the métropole.
    """
    return dict(_communes())


@functools.cache
def _prepared(insee: str):
    return prep(_communes()[insee][1])


@functools.cache
def _neighbours() -> dict[str, tuple[str, ...]]:
    shapes = {code: _communes()[code][1] for code in NANTES_METROPOLE_INSEE}
    return {
        code: tuple(
            other
            for other in NANTES_METROPOLE_INSEE
            if other != code and shapes[code].buffer(0.002).intersects(shapes[other])
        )
        for code in NANTES_METROPOLE_INSEE
    }


# Usual spelling and main postal code of each member commune.
METROPOLE_COMMUNES: dict[str, tuple[str, str]] = {
    "44009": ("Basse-Goulaine", "44115"),
    "44018": ("Bouaye", "44830"),
    "44020": ("Bouguenais", "44340"),
    "44024": ("Brains", "44830"),
    "44026": ("Carquefou", "44470"),
    "44035": ("La Chapelle-sur-Erdre", "44240"),
    "44047": ("Couëron", "44220"),
    "44074": ("Indre", "44610"),
    "44094": ("Mauves-sur-Loire", "44470"),
    "44101": ("La Montagne", "44620"),
    "44109": ("Nantes", "44000"),
    "44114": ("Orvault", "44700"),
    "44120": ("Le Pellerin", "44640"),
    "44143": ("Rezé", "44400"),
    "44150": ("Saint-Aignan-Grandlieu", "44860"),
    "44162": ("Saint-Herblain", "44800"),
    "44166": ("Saint-Jean-de-Boiseau", "44640"),
    "44171": ("Saint-Léger-les-Vignes", "44710"),
    "44172": ("Sainte-Luce-sur-Loire", "44980"),
    "44190": ("Saint-Sébastien-sur-Loire", "44230"),
    "44194": ("Sautron", "44880"),
    "44198": ("Les Sorinières", "44840"),
    "44204": ("Thouaré-sur-Loire", "44470"),
    "44215": ("Vertou", "44120"),
}


@dataclass(frozen=True)
class _Zone:
    """A neighbourhood of Nantes, or a whole other commune."""

    key: str
    insee: str
    postal_code: str
    de: str  # "de la Bottière": completes "Jardin partagé ..."
    a: str  # "à la Bottière": completes "des activités ..."
    center: tuple[float, float] | None  # (lat, lng); None: around the commune's centroid
    spread: float  # standard deviation of the sampled latitude, in degrees
    transports: tuple[str, ...]
    walks: tuple[str, ...]  # completes "Marche douce ..."
    meeting_points: tuple[str, ...]


def _z(key, insee, de, a, transports, walks, meeting_points, center=None, spread=0.0, cp=None):
    postal = cp or METROPOLE_COMMUNES[insee][1]
    return _Zone(key, insee, postal, de, a, center, spread, transports, walks, meeting_points)


_N = NANTES_INSEE
ZONES: dict[str, _Zone] = {
    zone.key: zone
    for zone in (
        # Nantes, by neighbourhood.
        _z(
            "centre",
            _N,
            "du centre-ville",
            "en centre-ville",
            (
                "Tram 1, arrêt Commerce",
                "Tram 2, arrêt Place du Cirque",
                "Tram 3, arrêt Médiathèque",
            ),
            ("sur les bords de l'Erdre", "au fil de la Loire"),
            ("devant les grilles du jardin des Plantes", "parvis de la médiathèque"),
            (47.2150, -1.5580),
            0.0035,
            "44000",
        ),
        _z(
            "bouffay",
            _N,
            "du Bouffay",
            "au Bouffay",
            ("Tram 1, arrêt Bouffay", "Tram 1, arrêt Duchesse Anne"),
            ("le long de l'Erdre", "sur les quais de la Loire"),
            ("place du Bouffay", "pont de l'Erdre, côté quai"),
            (47.2148, -1.5520),
            0.0018,
            "44000",
        ),
        _z(
            "chantenay",
            _N,
            "de Chantenay",
            "à Chantenay",
            ("Tram 1, arrêt Gare Maritime", "Chronobus C3, arrêt Chantenay"),
            ("au bord de la Loire", "sur les coteaux de Chantenay"),
            ("place de l'église de Chantenay", "square au bord de la Loire"),
            (47.2020, -1.5950),
            0.0035,
            "44100",
        ),
        _z(
            "bellevue",
            _N,
            "de Bellevue",
            "à Bellevue",
            ("Tram 1, arrêt Bellevue", "Chronobus C3, arrêt Bellevue"),
            ("le long de la Chézine", "dans la vallée de la Chézine"),
            ("entrée du parc de la Chézine", "place de Bellevue"),
            (47.2140, -1.6100),
            0.0025,
            "44100",
        ),
        _z(
            "dervallieres",
            _N,
            "des Dervallières",
            "aux Dervallières",
            ("Chronobus C3, arrêt Dervallières", "Bus 11, arrêt Dervallières"),
            ("dans le parc de Procé", "le long de la Chézine"),
            ("entrée du parc des Dervallières", "place des Dervallières"),
            (47.2240, -1.5960),
            0.0025,
            "44100",
        ),
        _z(
            "zola",
            _N,
            "de Zola",
            "à Zola",
            ("Chronobus C3, arrêt Zola", "Bus 23, arrêt Procé"),
            ("dans le parc de Procé", "le long de la Chézine"),
            ("entrée du parc de Procé", "place Émile-Zola"),
            (47.2150, -1.5810),
            0.0025,
            "44100",
        ),
        _z(
            "breil",
            _N,
            "du Breil",
            "au Breil",
            ("Tram 3, arrêt Le Breil", "Tram 3, arrêt Rond-Point de Rennes"),
            ("au fil du Cens", "dans le parc du Breil"),
            ("entrée du parc du Breil", "place du marché du Breil"),
            (47.2390, -1.5850),
            0.0035,
            "44300",
        ),
        _z(
            "nantes-nord",
            _N,
            "de Nantes Nord",
            "à Nantes Nord",
            ("Tram 2, arrêt Boissière", "Tram 2, arrêt Bourgeonnière"),
            ("au fil du Cens", "le long de l'Erdre"),
            ("entrée du parc de la Boissière", "parking du stade de Nantes Nord"),
            (47.2570, -1.5640),
            0.0045,
            "44300",
        ),
        _z(
            "erdre",
            _N,
            "de Nantes Erdre",
            "à Nantes Erdre",
            ("Chronobus C6, arrêt Saint-Joseph de Porterie", "Tram 1, arrêt Haluchère"),
            ("le long de l'Erdre", "au parc de la Beaujoire"),
            ("entrée du parc de la Beaujoire", "place de Saint-Joseph de Porterie"),
            (47.2600, -1.5250),
            0.0050,
            "44300",
        ),
        _z(
            "doulon",
            _N,
            "de Doulon",
            "à Doulon",
            ("Tram 1, arrêt Mairie de Doulon", "Tram 1, arrêt Souillarderie"),
            ("au parc du Grand-Blottereau", "sur les bords de Loire à Doulon"),
            ("entrée du parc du Grand-Blottereau", "place de la mairie de Doulon"),
            (47.2270, -1.5130),
            0.0040,
            "44300",
        ),
        _z(
            "bottiere",
            _N,
            "de la Bottière",
            "à la Bottière",
            ("Tram 1, arrêt Pin Sec", "Bus 11, arrêt Bottière"),
            ("au parc du Grand-Blottereau", "dans la coulée verte de la Bottière"),
            ("square de la Bottière", "entrée du parc du Grand-Blottereau"),
            (47.2320, -1.5240),
            0.0025,
            "44300",
        ),
        _z(
            "malakoff",
            _N,
            "de Malakoff",
            "à Malakoff",
            ("Tram 1, arrêt Moutonnerie", "Chronobus C5, arrêt Malakoff"),
            ("au bord de la Loire", "dans le parc de la Roche"),
            ("parvis de la gare Sud", "square de Malakoff"),
            (47.2130, -1.5260),
            0.0025,
            "44000",
        ),
        _z(
            "st-donatien",
            _N,
            "de Saint-Donatien",
            "à Saint-Donatien",
            ("Bus 12, arrêt Saint-Donatien", "Chronobus C1, arrêt Coudray"),
            ("le long de l'Erdre", "au parc du Petit-Port"),
            ("parvis de la basilique Saint-Donatien", "entrée du parc du Petit-Port"),
            (47.2290, -1.5420),
            0.0025,
            "44000",
        ),
        _z(
            "hauts-paves",
            _N,
            "des Hauts-Pavés",
            "aux Hauts-Pavés",
            ("Chronobus C2, arrêt Saint-Félix", "Bus 23, arrêt Hauts-Pavés"),
            ("le long de l'Erdre", "dans le parc de Procé"),
            ("place Viarme", "entrée du parc de Procé"),
            (47.2300, -1.5650),
            0.0025,
            "44000",
        ),
        _z(
            "ile-de-nantes",
            _N,
            "de l'Île de Nantes",
            "sur l'Île de Nantes",
            ("Chronobus C5, arrêt Prairie au Duc", "Busway 4, arrêt Île de Nantes"),
            ("sur les quais de l'Île de Nantes", "au bord de la Loire"),
            ("parc des Chantiers, près des Nefs", "quai des Antilles"),
            (47.2040, -1.5500),
            0.0035,
            "44200",
        ),
        _z(
            "nantes-sud",
            _N,
            "de Nantes Sud",
            "à Nantes Sud",
            ("Busway 4, arrêt Bonne Garde", "Tram 2, arrêt Pirmil", "Busway 4, arrêt Clos Toreau"),
            ("au bord de la Sèvre", "sur les rives de la Loire"),
            ("place Pirmil", "parking de la Sèvre, côté Beautour"),
            (47.1935, -1.5320),
            0.0035,
            "44200",
        ),
        # The other communes of the métropole.
        _z(
            "reze",
            "44143",
            "de Rezé",
            "à Rezé",
            (
                "Tram 3, arrêt Trocardière",
                "Tram 2, arrêt Trois Moulins",
                "Chronobus C4, arrêt Rezé Hôtel de Ville",
            ),
            ("au bord de la Sèvre", "au bord de la Loire à Trentemoult"),
            ("parvis de l'hôtel de ville de Rezé", "quai de Trentemoult"),
        ),
        _z(
            "st-herblain",
            "44162",
            "de Saint-Herblain",
            "à Saint-Herblain",
            (
                "Tram 1, arrêt François Mitterrand",
                "Tram 3, arrêt Marcel Paul",
                "Chronobus C3, arrêt Saint-Herblain Bourg",
            ),
            ("le long de la Chézine", "au bord de la Loire"),
            ("parking du parc de la Bégraisière", "place de la mairie de Saint-Herblain"),
        ),
        _z(
            "orvault",
            "44114",
            "d'Orvault",
            "à Orvault",
            ("Tram 2, arrêt Orvault Grand Val", "Bus 59, arrêt Orvault Bourg"),
            ("le long du Cens", "dans la vallée du Cens"),
            ("place de la mairie d'Orvault", "parking du bois de Cens"),
        ),
        _z(
            "vertou",
            "44215",
            "de Vertou",
            "à Vertou",
            ("Busway 4, arrêt Porte de Vertou", "Bus 28, arrêt Vertou Centre"),
            ("au bord de la Sèvre", "sur les chemins des vignes de Vertou"),
            ("chaussée des Moines", "parvis de l'église de Vertou"),
        ),
        _z(
            "coueron",
            "44047",
            "de Couëron",
            "à Couëron",
            ("Bus 91, arrêt Couëron Centre", "TER, gare de Couëron"),
            ("au bord de la Loire", "le long des marais de Couëron"),
            ("place de la mairie de Couëron", "cale de Port-Launay"),
        ),
        _z(
            "carquefou",
            "44026",
            "de Carquefou",
            "à Carquefou",
            ("Bus 85, arrêt Carquefou Centre", "Bus 95, arrêt Carquefou Mairie"),
            ("le long de l'Erdre", "autour du bourg de Carquefou"),
            ("place de la mairie de Carquefou", "parking de l'Erdre, à Carquefou"),
        ),
        _z(
            "chapelle",
            "44035",
            "de La Chapelle-sur-Erdre",
            "à La Chapelle-sur-Erdre",
            ("Tram-train, gare de La Chapelle Centre", "Bus 96, arrêt La Chapelle Mairie"),
            ("le long de l'Erdre", "sur les bords de l'Erdre"),
            ("parking de la gare de La Chapelle", "parvis de la mairie de La Chapelle-sur-Erdre"),
        ),
        _z(
            "st-sebastien",
            "44190",
            "de Saint-Sébastien-sur-Loire",
            "à Saint-Sébastien-sur-Loire",
            ("Busway 4, arrêt Joliverie", "Bus 42, arrêt Saint-Sébastien Mairie"),
            ("au bord de la Loire", "sur les rives de la Sèvre"),
            ("parking de la Loire, à Saint-Sébastien", "place de la mairie de Saint-Sébastien"),
        ),
        _z(
            "bouguenais",
            "44020",
            "de Bouguenais",
            "à Bouguenais",
            ("Bus 98, arrêt Bouguenais Bourg", "Bus 38, arrêt Les Couëts"),
            ("au bord de la Loire", "sur les chemins du port de la Roche Ballue"),
            ("place de l'église de Bouguenais", "parking des Couëts"),
        ),
        _z(
            "ste-luce",
            "44172",
            "de Sainte-Luce-sur-Loire",
            "à Sainte-Luce-sur-Loire",
            ("Bus 75, arrêt Sainte-Luce Mairie", "Chronobus C7, arrêt Sainte-Luce"),
            ("au bord de la Loire",),
            ("parvis de la mairie de Sainte-Luce",),
        ),
        _z(
            "thouare",
            "44204",
            "de Thouaré-sur-Loire",
            "à Thouaré-sur-Loire",
            ("TER, gare de Thouaré", "Bus 77, arrêt Thouaré Mairie"),
            ("au bord de la Loire",),
            ("place de la mairie de Thouaré",),
        ),
        _z(
            "basse-goulaine",
            "44009",
            "de Basse-Goulaine",
            "à Basse-Goulaine",
            ("Bus 29, arrêt Basse-Goulaine Mairie",),
            ("dans le marais de Goulaine", "au bord de la Loire"),
            ("parking de la mairie de Basse-Goulaine",),
        ),
        _z(
            "sorinieres",
            "44198",
            "des Sorinières",
            "aux Sorinières",
            ("Bus 42, arrêt Les Sorinières Mairie", "Tram 2, arrêt Neustrie, puis bus 42"),
            ("dans la coulée verte des Sorinières",),
            ("place de la mairie des Sorinières",),
        ),
        _z(
            "sautron",
            "44194",
            "de Sautron",
            "à Sautron",
            ("Bus 89, arrêt Sautron Mairie",),
            ("le long du Cens",),
            ("place de la mairie de Sautron",),
        ),
        _z(
            "bouaye",
            "44018",
            "de Bouaye",
            "à Bouaye",
            ("TER, gare de Bouaye", "Bus 88, arrêt Bouaye Mairie"),
            ("au bord du lac de Grand-Lieu",),
            ("parking de la mairie de Bouaye",),
        ),
        _z(
            "la-montagne",
            "44101",
            "de La Montagne",
            "à La Montagne",
            ("Bus 81, arrêt La Montagne Mairie",),
            ("au bord de la Loire",),
            ("place de la mairie de La Montagne",),
        ),
        _z(
            "st-jean-boiseau",
            "44166",
            "de Saint-Jean-de-Boiseau",
            "à Saint-Jean-de-Boiseau",
            ("Bus 78, arrêt Saint-Jean-de-Boiseau Mairie",),
            ("au bord de la Loire",),
            ("parking de la mairie de Saint-Jean-de-Boiseau",),
        ),
        _z(
            "indre",
            "44074",
            "d'Indre",
            "à Indre",
            ("Bus 81, arrêt Basse-Indre", "Bac de Loire, cale de Basse-Indre"),
            ("au bord de la Loire",),
            ("cale du bac de Basse-Indre",),
        ),
        _z(
            "le-pellerin",
            "44120",
            "du Pellerin",
            "au Pellerin",
            ("Bus 78, arrêt Le Pellerin Centre", "Bac de Loire, cale du Pellerin"),
            ("au bord de la Loire", "le long du canal de la Martinière"),
            ("cale du bac du Pellerin", "parking du canal de la Martinière"),
        ),
        _z(
            "brains",
            "44024",
            "de Brains",
            "à Brains",
            ("Bus 88, arrêt Brains Mairie",),
            ("dans la campagne de Brains",),
            ("place de l'église de Brains",),
        ),
        _z(
            "mauves",
            "44094",
            "de Mauves-sur-Loire",
            "à Mauves-sur-Loire",
            ("TER, gare de Mauves-sur-Loire",),
            ("au bord de la Loire", "sur les coteaux de Mauves"),
            ("parking de la gare de Mauves",),
        ),
        _z(
            "st-aignan",
            "44150",
            "de Saint-Aignan-Grandlieu",
            "à Saint-Aignan-Grandlieu",
            ("Bus 38, arrêt Saint-Aignan Mairie",),
            ("autour du lac de Grand-Lieu",),
            ("parking de la mairie de Saint-Aignan",),
        ),
        _z(
            "st-leger",
            "44171",
            "de Saint-Léger-les-Vignes",
            "à Saint-Léger-les-Vignes",
            ("Bus 78, arrêt Saint-Léger Mairie",),
            ("au bord de l'Acheneau", "entre vignes et bocage"),
            ("place de la mairie de Saint-Léger",),
        ),
    )
}


# --------------------------------------------------------------------------- activity recipes

_Weighted = tuple[tuple[object, int], ...]

# Audience mixes.
_SENIORS: _Weighted = ((("seniors",), 6), (("everyone",), 2), (("seniors", "disability"), 1))
_ALL: _Weighted = (
    (("everyone",), 6),
    (("seniors",), 3),
    (("everyone", "newcomers"), 1),
    (("families",), 1),
)
_FAMILY: _Weighted = ((("families",), 3), (("everyone",), 2), (("families", "seniors"), 2))
_INTERGEN: _Weighted = (
    (("seniors", "youth"), 3),
    (("families", "seniors"), 3),
    (("everyone",), 1),
)
_ILL: _Weighted = ((("illness",), 5), (("illness", "caregivers"), 2), (("everyone",), 1))
_CARERS: _Weighted = ((("caregivers",), 5), (("caregivers", "seniors"), 2))
_NEWCOMERS: _Weighted = (
    (("newcomers",), 5),
    (("newcomers", "everyone"), 2),
    (("newcomers", "families"), 1),
)
_ISOLATED: _Weighted = (
    (("seniors",), 6),
    (("seniors", "disability"), 2),
    (("seniors", "illness"), 1),
    (("everyone",), 1),
)
_VOLUNTEERS: _Weighted = ((("everyone",), 4), (("seniors",), 3), (("youth", "everyone"), 1))

# Rhythms: how the activity recurs.
_R_USUAL: _Weighted = (
    ("weekly", 12),
    ("weekly2", 2),
    ("biweekly", 3),
    ("monthly_nth", 3),
    ("monthly_day", 1),
)
_R_MONTHLY: _Weighted = (("monthly_nth", 6), ("monthly_day", 2), ("biweekly", 3), ("weekly", 1))
_R_PHONE: _Weighted = (("daily", 3), ("weekly2", 3), ("weekly", 3))
_R_EVENT: _Weighted = (("oneoff", 4), ("monthly_nth", 4), ("biweekly", 1), ("weekly", 1))
_R_OUTING: _Weighted = (("oneoff", 3), ("monthly_nth", 3), ("biweekly", 2), ("weekly", 3))

_WEEKDAYS: _Weighted = (("MO", 3), ("TU", 4), ("WE", 3), ("TH", 4), ("FR", 3), ("SA", 1))
_WEEKEND: _Weighted = (("SA", 4), ("SU", 2), ("WE", 1))

_FR: _Weighted = ((("fr",), 1),)


@dataclass(frozen=True)
class _Leaf:
    """How to make up an activity of one taxonomy leaf.

    Titles may start with a marker restricting their use: "once:" (one-off events only),
    "monthly:" (monthly rhythms only) or "site:" (in person only). "{jour}" ("du mardi")
    is only filled for plain weekly schedules; at least one title has neither.
    """

    kinds: _Weighted
    titles: tuple[str, ...]
    summaries: tuple[str, ...]
    intros: tuple[str, ...]
    details: tuple[str, ...] = ()
    audiences: _Weighted = _ALL
    intensity: _Weighted = (("low", 3), ("medium", 1))
    groups: _Weighted = (("small", 2), ("medium", 1))
    modes: tuple[str, ...] = ()  # non in-person modes this kind of activity may take
    forced_mode: str | None = None
    place: str = "salle"
    slots: _Weighted = (("morning", 1), ("afternoon", 2))
    rhythm: _Weighted = _R_USUAL
    days: _Weighted = _WEEKDAYS
    durations: tuple[int, ...] = (90, 120)
    free: float = 0.6
    session_price: tuple[int, int] = (2, 6)  # euros per session
    membership: tuple[int, int] = (15, 60)  # euros per year
    languages: _Weighted = _FR
    ages: tuple[tuple[int | None, int | None], ...] = ()
    related: tuple[str, ...] = ()
    weight: int = 3
    # Titles for a non in-person mode, used as they are (no "en visio" suffix).
    mode_titles: tuple[tuple[str, tuple[str, ...]], ...] = ()


_ONLINE = ("online", "mixed")
_TALK = ("online", "mixed", "phone")

LEAVES: dict[str, _Leaf] = {
    # Movement and sport ----------------------------------------------------------------
    "gym-douce": _Leaf(
        kinds=(("class", 3), ("club", 2)),
        titles=(
            "Gym douce {jour}",
            "Gym douce {de}",
            "Gym sur chaise",
            "Gym d'entretien en douceur",
            "Réveil musculaire {jour}",
        ),
        summaries=(
            "Des exercices doux pour entretenir souplesse, équilibre et tonus, à son rythme.",
            "Une séance de gymnastique adaptée, assis ou debout, encadrée par une animatrice "
            "diplômée.",
        ),
        intros=(
            "Cette séance propose des mouvements simples pour entretenir les articulations, la "
            "respiration et l'équilibre.",
            "L'animatrice adapte chaque exercice aux possibilités de chacun : on peut rester "
            "assis sur une chaise si besoin.",
        ),
        details=(
            "Prévoir une tenue confortable et une bouteille d'eau.",
            "Un certificat médical de non contre-indication est demandé à l'inscription.",
        ),
        audiences=_SENIORS,
        intensity=(("low", 3), ("medium", 1)),
        modes=_ONLINE,
        place="gym",
        slots=(("morning", 3), ("afternoon", 2)),
        durations=(60, 60, 90),
        free=0.35,
        related=("equilibre-prevention-chutes",),
        weight=8,
    ),
    "marche-randonnee": _Leaf(
        kinds=(("club", 3), ("outing", 2)),
        titles=(
            "Marche douce {balade}",
            "Randonnée {jour}",
            "Marche nordique {de}",
            "Balade pédestre {balade}",
            "Les marcheurs {de}",
        ),
        summaries=(
            "Une marche conviviale de 5 à 8 km, à allure modérée, pour découvrir les chemins "
            "autour de chez soi.",
            "Sortie à pied encadrée par des bénévoles, avec des pauses régulières et retour au "
            "point de départ.",
        ),
        intros=(
            "Le groupe part à pied pour une boucle de 5 à 10 km, selon la météo et l'envie du "
            "jour.",
            "Les parcours alternent bords de rivière, parcs et petits chemins, sans difficulté "
            "particulière.",
        ),
        details=(
            "Prévoir de bonnes chaussures et un vêtement de pluie.",
            "Un covoiturage est organisé pour les sorties plus éloignées.",
        ),
        audiences=_ALL,
        intensity=(("medium", 3), ("low", 1), ("high", 1)),
        groups=(("medium", 2), ("small", 1)),
        place="nature",
        slots=(("morning", 3), ("afternoon", 2)),
        days=(("TU", 3), ("TH", 3), ("SU", 2), ("SA", 1)),
        durations=(120, 150, 180),
        free=0.55,
        related=("balades-nature",),
        weight=8,
    ),
    "danse": _Leaf(
        kinds=(("class", 3), ("club", 2)),
        titles=(
            "Danse en ligne {jour}",
            "Atelier danses de salon",
            "Danses bretonnes {de}",
            "Danse assise",
            "Country et danse en ligne",
        ),
        summaries=(
            "Apprendre des pas simples en musique, sans partenaire obligatoire, dans une ambiance "
            "détendue.",
            "Des danses accessibles à tous pour bouger, faire travailler sa mémoire et passer un "
            "bon moment.",
        ),
        intros=(
            "Chaque séance commence par un échauffement en musique avant d'apprendre une nouvelle "
            "chorégraphie.",
            "Valses, rondes ou danses en ligne : les pas sont décomposés lentement et répétés "
            "autant que nécessaire.",
        ),
        details=(
            "Aucun niveau requis : les débutants sont les bienvenus toute l'année.",
            "Des chaussures souples suffisent.",
        ),
        audiences=_ALL,
        intensity=(("medium", 2), ("low", 1)),
        groups=(("medium", 2), ("small", 1)),
        place="gym",
        slots=(("afternoon", 2), ("evening", 2)),
        free=0.3,
        weight=4,
    ),
    "yoga-relaxation": _Leaf(
        kinds=(("class", 4), ("club", 1)),
        titles=(
            "Yoga doux {jour}",
            "Yoga sur chaise",
            "Relaxation et sophrologie {de}",
            "Séance de relaxation {jour}",
            "Yoga pour le dos",
        ),
        summaries=(
            "Postures douces, respiration et relaxation pour relâcher les tensions et mieux "
            "dormir.",
            "Un moment calme pour apprendre à respirer, s'étirer et se détendre, quel que soit "
            "son âge.",
        ),
        intros=(
            "La séance enchaîne des postures simples, adaptées à chacun, et se termine par une "
            "relaxation guidée.",
            "On y apprend des exercices de respiration faciles à refaire chez soi pour apaiser le "
            "stress.",
        ),
        details=("Tapis fournis ; venir avec une tenue souple et un plaid.",),
        audiences=_ALL,
        intensity=(("low", 3), ("medium", 1)),
        modes=_ONLINE,
        place="gym",
        slots=(("morning", 2), ("evening", 2)),
        durations=(60, 75, 90),
        free=0.3,
        weight=4,
    ),
    "natation-aquagym": _Leaf(
        kinds=(("class", 3), ("club", 2)),
        titles=(
            "Aquagym seniors",
            "Aquagym douce {jour}",
            "Nage libre accompagnée",
            "Réapprendre à nager",
        ),
        summaries=(
            "Des exercices dans l'eau pour travailler le souffle et les articulations sans impact.",
            "Une séance en petit bassin, encadrée par un maître-nageur, pour reprendre confiance "
            "dans l'eau.",
        ),
        intros=(
            "Dans l'eau, les mouvements sont plus faciles et le corps est soulagé de son poids.",
            "Le maître-nageur propose une séance progressive, avec ou sans matériel.",
        ),
        details=(
            "Bonnet de bain obligatoire.",
            "Les vestiaires sont accessibles par un ascenseur.",
        ),
        audiences=_SENIORS,
        intensity=(("medium", 2), ("low", 1)),
        place="piscine",
        slots=(("morning", 2), ("afternoon", 1)),
        durations=(45, 60),
        free=0.1,
        session_price=(3, 7),
        membership=(60, 150),
        weight=3,
    ),
    "petanque-boules": _Leaf(
        kinds=(("club", 1),),
        titles=(
            "Pétanque {jour}",
            "Club de boules {de}",
            "Boule nantaise {de}",
            "Palet et pétanque",
            "Pétanque amicale {de}",
        ),
        summaries=(
            "Parties amicales de pétanque en doublettes et triplettes, ouvertes aux débutants.",
            "On joue, on discute et on partage le verre de l'amitié sur le terrain du quartier.",
        ),
        intros=(
            "Les équipes sont tirées au sort chaque après-midi pour que tout le monde joue avec "
            "tout le monde.",
            "Le club prête des boules à ceux qui n'en ont pas et explique les règles aux nouveaux "
            "venus.",
        ),
        details=("Par mauvais temps, les parties ont lieu sous le préau couvert.",),
        audiences=_SENIORS,
        intensity=(("low", 1),),
        groups=(("medium", 2), ("small", 1)),
        place="boulodrome",
        slots=(("afternoon", 1),),
        durations=(120, 150, 180),
        free=0.55,
        membership=(10, 25),
        weight=4,
    ),
    "tai-chi-qi-gong": _Leaf(
        kinds=(("class", 1),),
        titles=(
            "Tai-chi {jour}",
            "site:Qi gong au parc",
            "Qi gong des saisons {de}",
            "Initiation au tai-chi",
        ),
        summaries=(
            "Des enchaînements lents et fluides pour travailler l'équilibre, la concentration et "
            "le souffle.",
        ),
        intros=(
            "Le qi gong et le tai-chi sont des gymnastiques douces venues de Chine, accessibles à "
            "tout âge.",
            "Les mouvements, lents et répétés, améliorent l'équilibre et la mémoire corporelle.",
        ),
        details=("Les séances ont lieu en plein air quand le temps le permet.",),
        audiences=_ALL,
        intensity=(("low", 2), ("medium", 1)),
        modes=("online",),
        place="gym",
        slots=(("morning", 3), ("evening", 1)),
        durations=(60, 90),
        free=0.3,
        weight=3,
    ),
    "velo": _Leaf(
        kinds=(("club", 2), ("outing", 2)),
        titles=(
            "Balade à vélo {balade}",
            "Sortie vélo {jour}",
            "Remise en selle",
            "Vélo tranquille {de}",
        ),
        summaries=(
            "Des balades à vélo sur pistes cyclables, à allure douce, avec pauses et retour "
            "groupé.",
            "Reprendre le vélo en confiance : conseils, réglages et petites sorties accompagnées.",
        ),
        intros=(
            "Les sorties empruntent surtout des pistes cyclables et des chemins tranquilles, sur "
            "15 à 25 km.",
            "Les bénévoles vérifient les vélos avant le départ et ferment la marche.",
        ),
        details=("Casque conseillé ; des vélos peuvent être prêtés sur demande.",),
        audiences=_ALL,
        intensity=(("medium", 2), ("high", 1)),
        place="nature",
        slots=(("morning", 2), ("afternoon", 1)),
        days=(("WE", 2), ("SA", 2), ("SU", 2)),
        durations=(120, 150),
        free=0.7,
        weight=2,
    ),
    "equilibre-prevention-chutes": _Leaf(
        kinds=(("class", 1),),
        titles=(
            "Atelier équilibre {de}",
            "Prévention des chutes : cycle de dix séances",
            "Équilibre et bien vieillir",
            "Garder l'équilibre {jour}",
        ),
        summaries=(
            "Un cycle d'exercices pour prévenir les chutes, se relever et garder confiance en ses "
            "appuis.",
        ),
        intros=(
            "Animé par un éducateur en activité physique adaptée, l'atelier travaille "
            "l'équilibre, la marche et la force des jambes.",
            "On y apprend à se relever après une chute et à aménager son logement "
            "pour limiter les risques.",
        ),
        details=("Un bilan simple est proposé à la première et à la dernière séance.",),
        audiences=_SENIORS,
        intensity=(("low", 2), ("medium", 1)),
        groups=(("small", 1),),
        slots=(("morning", 2), ("afternoon", 1)),
        durations=(60, 90),
        free=0.6,
        ages=((60, None), (65, None), (None, None)),
        related=("gym-douce",),
        weight=3,
    ),
    # Culture and arts ------------------------------------------------------------------
    "chorale-chant": _Leaf(
        kinds=(("club", 3), ("class", 1)),
        titles=(
            "Chorale intergénérationnelle",
            "Chorale {jour}",
            "Atelier chant pour tous",
            "Chants de marins {de}",
            "Les voix {de}",
        ),
        summaries=(
            "Chanter ensemble un répertoire varié, de la chanson française aux chants du monde, "
            "sans lire la musique.",
            "Une chorale amicale où l'on apprend à l'oreille, dans la joie et la bonne humeur.",
        ),
        intros=(
            "La cheffe de chœur fait travailler la voix et le souffle avant d'aborder le "
            "répertoire.",
            "Pas besoin de savoir lire une partition : les chants s'apprennent par cœur, pupitre "
            "par pupitre.",
        ),
        details=(
            "Deux concerts sont donnés dans l'année, dont un dans une résidence pour personnes "
            "âgées.",
        ),
        audiences=_ALL,
        groups=(("medium", 2), ("large", 1)),
        slots=(("afternoon", 1), ("evening", 2)),
        free=0.3,
        languages=((("fr",), 8), (("fr", "fcs"), 1)),
        related=("ateliers-intergenerationnels", "musique"),
        weight=5,
    ),
    "theatre": _Leaf(
        kinds=(("club", 2), ("class", 2), ("event", 1)),
        titles=(
            "Théâtre d'improvisation",
            "Atelier théâtre seniors",
            "Troupe de théâtre amateur {de}",
            "Lecture théâtralisée",
            "Atelier théâtre {jour}",
        ),
        summaries=(
            "Jeux de scène, improvisation et travail de la voix pour prendre confiance et "
            "s'amuser en groupe.",
        ),
        intros=(
            "Chaque séance commence par des jeux d'échauffement puis des improvisations à deux ou "
            "à plusieurs.",
            "La troupe prépare une pièce courte, jouée en fin de saison devant les familles et "
            "les voisins.",
        ),
        details=("Aucune expérience n'est nécessaire.",),
        audiences=_ALL,
        slots=(("afternoon", 1), ("evening", 2)),
        free=0.35,
        weight=3,
    ),
    "peinture-dessin": _Leaf(
        kinds=(("club", 2), ("class", 2)),
        titles=(
            "Atelier aquarelle {jour}",
            "site:Dessin et croquis en plein air",
            "Peinture libre {de}",
            "Carnet de croquis urbain",
            "Atelier dessin {jour}",
        ),
        summaries=(
            "Aquarelle, pastel ou crayon : chacun avance sur ses projets avec les conseils d'une "
            "artiste.",
        ),
        intros=(
            "L'atelier accueille débutants et confirmés autour d'une grande table, chacun à son "
            "rythme.",
            "Un thème est proposé chaque mois, mais on peut aussi poursuivre ses propres travaux.",
        ),
        details=("Le matériel de base est fourni pour les premières séances.",),
        audiences=_ALL,
        slots=(("morning", 1), ("afternoon", 2)),
        durations=(120, 150),
        free=0.35,
        weight=3,
    ),
    "lecture-club-lecture": _Leaf(
        kinds=(("club", 3), ("event", 1)),
        titles=(
            "Club de lecture {de}",
            "Café littéraire {jour}",
            "Cercle des lecteurs",
            "Lecture à voix haute",
            "Coups de cœur de lecteurs",
        ),
        summaries=(
            "On échange sur ses lectures du moment autour d'un thé, sans obligation d'avoir tout "
            "lu.",
        ),
        intros=(
            "Chaque mois, les participants présentent un livre qu'ils ont aimé, ou moins aimé.",
            "Romans, récits, bandes dessinées : tous les genres ont leur place dans ce cercle de "
            "lecteurs.",
        ),
        details=("Des livres en gros caractères et des livres audio peuvent être prêtés.",),
        audiences=_ALL,
        modes=_ONLINE,
        rhythm=_R_MONTHLY,
        free=0.6,
        related=("cafe-rencontre",),
        weight=3,
    ),
    "cinema": _Leaf(
        kinds=(("club", 2), ("outing", 2), ("event", 2)),
        titles=(
            "Ciné-seniors {de}",
            "Ciné-débat",
            "Séance de cinéma suivie d'un goûter",
            "Ciné-club {jour}",
        ),
        summaries=(
            "Un film choisi ensemble, projeté en après-midi, suivi d'un échange autour d'une "
            "boisson chaude.",
        ),
        intros=(
            "Le film est présenté en quelques mots avant la projection, puis chacun peut partager "
            "ses impressions.",
            "La programmation mêle films récents et grands classiques, choisis avec les "
            "participants.",
        ),
        details=("Séance sous-titrée pour les personnes malentendantes.",),
        audiences=_ALL,
        groups=(("medium", 2), ("large", 1)),
        slots=(("afternoon", 1),),
        rhythm=_R_MONTHLY,
        free=0.3,
        session_price=(3, 6),
        related=("gouters",),
        weight=3,
    ),
    "musees-patrimoine": _Leaf(
        kinds=(("outing", 3), ("event", 1)),
        titles=(
            "Découverte du patrimoine {de}",
            "Sortie au musée",
            "once:Visite commentée du passage Pommeraye",
            "once:Visite du château des ducs de Bretagne",
            "once:Balade patrimoine sur l'Île de Nantes",
        ),
        summaries=(
            "Une visite guidée à petit pas, avec des pauses assises, pour redécouvrir l'histoire "
            "locale.",
        ),
        intros=(
            "Un guide bénévole raconte l'histoire des lieux et répond aux questions du groupe.",
            "La visite dure environ une heure et demie, à un rythme tranquille.",
        ),
        details=(
            "Rendez-vous quinze minutes avant le départ.",
            "Transport possible sur demande pour les personnes à mobilité réduite.",
        ),
        audiences=_ALL,
        groups=(("small", 1), ("medium", 2)),
        slots=(("morning", 1), ("afternoon", 2)),
        rhythm=_R_OUTING,
        free=0.5,
        session_price=(3, 9),
        weight=3,
    ),
    "musique": _Leaf(
        kinds=(("club", 2), ("class", 2)),
        titles=(
            "Atelier guitare débutants",
            "Orchestre amateur {de}",
            "Percussions pour tous",
            "Accordéon en groupe",
            "Musique d'ensemble {jour}",
        ),
        summaries=(
            "Jouer en groupe, même après une longue pause, avec un musicien qui adapte les "
            "morceaux au niveau de chacun.",
        ),
        intros=(
            "L'atelier est ouvert aux débutants comme aux musiciens qui reprennent un instrument.",
            "Le répertoire est choisi ensemble, des airs populaires aux standards de jazz.",
        ),
        details=("Quelques instruments peuvent être prêtés.",),
        audiences=_ALL,
        slots=(("afternoon", 1), ("evening", 2)),
        free=0.25,
        session_price=(4, 10),
        weight=2,
    ),
    "photographie": _Leaf(
        kinds=(("club", 2), ("class", 1), ("outing", 1)),
        titles=("Club photo {de}", "Balade photo {balade}", "Photo avec son smartphone"),
        summaries=(
            "Apprendre à cadrer, à jouer avec la lumière et à partager ses images, avec un "
            "appareil ou un téléphone.",
        ),
        intros=(
            "Les séances alternent sorties photo dans le quartier et retours en salle pour "
            "regarder les images ensemble.",
        ),
        details=("Une exposition des photos du groupe est organisée chaque printemps.",),
        audiences=_ALL,
        slots=(("afternoon", 2), ("evening", 1)),
        free=0.4,
        weight=2,
    ),
    # Crafts and making -----------------------------------------------------------------
    "tricot-couture": _Leaf(
        kinds=(("club", 3), ("class", 1)),
        titles=(
            "Atelier tricot {jour}",
            "Tricot-thé {de}",
            "Couture et retouches",
            "Cercle de tricot {de}",
            "Les aiguilles {jour}",
        ),
        summaries=(
            "Tricot, crochet ou couture : on vient avec son ouvrage, on apprend et on papote "
            "autour d'un thé.",
        ),
        intros=(
            "Les tricoteuses confirmées transmettent volontiers leurs astuces aux débutants.",
            "Une partie des ouvrages est offerte à des maternités et à des associations "
            "solidaires.",
        ),
        details=("Laine et aiguilles peuvent être prêtées pour commencer.",),
        audiences=_SENIORS,
        groups=(("small", 1),),
        slots=(("afternoon", 1),),
        free=0.55,
        related=("transmission-savoirs", "cafe-rencontre"),
        weight=5,
    ),
    "travail-du-bois": _Leaf(
        kinds=(("class", 2), ("club", 1)),
        titles=("Atelier menuiserie", "Initiation au travail du bois", "Sculpture sur bois {jour}"),
        summaries=(
            "Apprendre les gestes de base de la menuiserie et fabriquer de petits objets utiles.",
        ),
        intros=(
            "L'atelier est équipé d'établis et d'outils, manuels et électriques, utilisés sous "
            "l'œil d'un bénévole.",
            "Chacun repart avec ce qu'il a fabriqué : nichoir, boîte, étagère ou jouet.",
        ),
        details=("Chaussures fermées obligatoires.",),
        audiences=_ALL,
        intensity=(("low", 1), ("medium", 1)),
        groups=(("small", 1),),
        durations=(120, 150, 180),
        free=0.3,
        weight=2,
    ),
    "repair-cafe": _Leaf(
        kinds=(("event", 2), ("volunteering", 1), ("club", 1)),
        titles=(
            "Repair café {de}",
            "Atelier réparation : on répare ensemble",
            "Réparons nos objets {de}",
        ),
        summaries=(
            "Apportez votre grille-pain, votre vêtement ou votre lampe en panne : des bénévoles "
            "vous aident à les réparer.",
        ),
        intros=(
            "Des bénévoles bricoleurs, couturières et électriciens aident chacun à diagnostiquer "
            "et réparer ses objets.",
            "Le but est d'apprendre à réparer soi-même, autour d'un café, plutôt que de jeter.",
        ),
        details=("Les réparations sont gratuites ; une participation libre est bienvenue.",),
        audiences=_ALL,
        groups=(("medium", 1),),
        slots=(("morning", 1), ("afternoon", 2)),
        rhythm=_R_MONTHLY,
        days=(("SA", 4), ("WE", 1)),
        durations=(180,),
        free=0.85,
        related=("bricolage",),
        weight=3,
    ),
    "poterie-ceramique": _Leaf(
        kinds=(("class", 1),),
        titles=("Atelier poterie {jour}", "Modelage et céramique", "Initiation au tour de potier"),
        summaries=(
            "Modelage, estampage et émaillage pour créer ses propres pièces en terre, cuites au "
            "four de l'atelier.",
        ),
        intros=(
            "Une céramiste accompagne chaque participant, du façonnage à l'émaillage.",
            "Le toucher de la terre est apaisant et convient aussi aux mains un peu raides.",
        ),
        details=("Le prix comprend la terre et les cuissons.",),
        audiences=_ALL,
        groups=(("small", 1),),
        durations=(120, 150),
        free=0.15,
        session_price=(8, 15),
        membership=(90, 180),
        weight=2,
    ),
    "bricolage": _Leaf(
        kinds=(("class", 2), ("club", 1), ("volunteering", 1)),
        titles=(
            "Bricolage entre voisins",
            "Atelier bricolage {de}",
            "Petits travaux : les gestes de base",
        ),
        summaries=(
            "Percer, fixer, changer un joint : on apprend les petits travaux du quotidien en "
            "toute sécurité.",
        ),
        intros=(
            "Chaque séance porte sur un thème concret choisi par le groupe.",
            "Les bénévoles se déplacent aussi pour de petits dépannages chez les personnes qui ne "
            "peuvent pas les faire.",
        ),
        audiences=_ALL,
        groups=(("small", 1),),
        free=0.7,
        weight=2,
    ),
    "art-floral": _Leaf(
        kinds=(("class", 1),),
        titles=("Atelier art floral {jour}", "Bouquets de saison", "Composition florale {de}"),
        summaries=(
            "Réaliser une composition de fleurs de saison à rapporter chez soi, guidé par une "
            "fleuriste.",
        ),
        intros=(
            "Chaque mois, une composition différente est proposée selon les fleurs de saison.",
        ),
        details=("Apporter un sécateur et un sac pour emporter sa composition.",),
        audiences=_SENIORS,
        groups=(("small", 1),),
        rhythm=_R_MONTHLY,
        durations=(120,),
        free=0.2,
        session_price=(8, 15),
        weight=2,
    ),
    # Nature and gardening --------------------------------------------------------------
    "jardin-partage": _Leaf(
        kinds=(("club", 3), ("volunteering", 1)),
        titles=("Jardin partagé {de}", "Jardinons ensemble {jour}", "Potager collectif {de}"),
        summaries=(
            "Un jardin ouvert à tous les habitants : on sème, on récolte et on partage les "
            "légumes et les conseils.",
        ),
        intros=(
            "Les parcelles sont cultivées ensemble, sans produits chimiques, et les récoltes sont "
            "partagées.",
            "Des bacs surélevés permettent de jardiner sans se baisser, y compris en fauteuil.",
        ),
        details=("Outils et arrosoirs sont sur place.", "Un goûter clôt souvent la séance."),
        audiences=_ALL,
        intensity=(("low", 1), ("medium", 1)),
        place="jardin",
        slots=(("morning", 2), ("afternoon", 2)),
        days=(("WE", 3), ("SA", 3), ("TU", 1)),
        free=0.55,
        membership=(5, 15),
        related=("ateliers-jardinage", "compostage"),
        weight=5,
    ),
    "ateliers-jardinage": _Leaf(
        kinds=(("class", 1),),
        titles=("Atelier jardinage au naturel", "Semis et plantations", "Jardiner sur son balcon"),
        summaries=(
            "Des conseils pratiques pour jardiner sans pesticides, au potager, au jardin ou sur "
            "un balcon.",
        ),
        intros=(
            "Un jardinier bénévole présente une technique différente à chaque séance : semis, "
            "boutures, paillage.",
        ),
        details=("Chaque participant repart avec quelques plants ou graines.",),
        audiences=_ALL,
        place="jardin",
        rhythm=_R_MONTHLY,
        days=(("SA", 3), ("WE", 2)),
        free=0.8,
        weight=2,
    ),
    "balades-nature": _Leaf(
        kinds=(("outing", 3), ("club", 1)),
        titles=(
            "Balade nature {balade}",
            "À la découverte des plantes sauvages",
            "Promenade botanique {de}",
        ),
        summaries=(
            "Une promenade tranquille pour apprendre à reconnaître arbres, fleurs et petites "
            "bêtes de nos quartiers.",
        ),
        intros=(
            "Un animateur nature guide le groupe sur un parcours court et plat, avec de nombreux "
            "arrêts.",
            "On observe, on sent, on touche : la balade s'adapte au rythme des plus lents.",
        ),
        details=("Prévoir des chaussures de marche.",),
        audiences=_ALL,
        place="nature",
        slots=(("morning", 2), ("afternoon", 2)),
        rhythm=_R_OUTING,
        durations=(90, 120),
        free=0.7,
        related=("marche-randonnee",),
        weight=3,
    ),
    "observation-oiseaux": _Leaf(
        kinds=(("outing", 1),),
        titles=(
            "Observation des oiseaux {balade}",
            "Sortie ornithologique",
            "Reconnaître les oiseaux du quartier",
        ),
        summaries=(
            "Jumelles en main, on apprend à reconnaître les oiseaux à leur silhouette et à leur "
            "chant.",
        ),
        intros=(
            "Un ornithologue amateur partage ses connaissances et prête des jumelles.",
            "Hérons, aigrettes et martins-pêcheurs fréquentent les berges toute l'année.",
        ),
        audiences=_ALL,
        place="nature",
        slots=(("morning", 1),),
        rhythm=_R_OUTING,
        days=(("SA", 2), ("SU", 2), ("WE", 1)),
        durations=(120, 150),
        free=0.9,
        related=("balades-nature",),
        weight=2,
    ),
    "compostage": _Leaf(
        kinds=(("class", 2), ("volunteering", 1)),
        titles=(
            "Atelier compostage",
            "Permanence du composteur {de}",
            "Lombricompostage : mode d'emploi",
        ),
        summaries=("Apprendre à composter ses déchets de cuisine, au jardin ou en appartement.",),
        intros=(
            "Les guides composteurs expliquent quoi mettre au composteur et comment utiliser le "
            "compost obtenu.",
        ),
        audiences=_ALL,
        place="jardin",
        rhythm=_R_MONTHLY,
        days=(("SA", 3), ("WE", 2)),
        durations=(60, 90),
        free=0.85,
        weight=1,
    ),
    # Learning and digital skills -------------------------------------------------------
    "aide-numerique": _Leaf(
        kinds=(("class", 3), ("club", 1)),
        titles=(
            "Permanence numérique {de}",
            "Atelier tablette et smartphone",
            "Premiers pas sur internet",
            "Aide aux démarches en ligne",
            "Café numérique {jour}",
        ),
        summaries=(
            "Un accompagnement pas à pas pour utiliser son téléphone, envoyer des photos ou faire "
            "ses démarches en ligne.",
            "Des conseillers numériques répondent à vos questions, sans jargon et sans jugement.",
        ),
        intros=(
            "Chacun vient avec son appareil et ses questions : messagerie, appels vidéo, sites "
            "administratifs.",
            "Les conseillers prennent le temps d'expliquer et de faire refaire les gestes.",
        ),
        details=("Des tablettes sont prêtées pendant la séance à ceux qui n'en ont pas.",),
        audiences=_SENIORS,
        groups=(("small", 2), ("one_to_one", 1)),
        modes=("online", "phone", "at_home"),
        slots=(("morning", 1), ("afternoon", 2)),
        free=0.75,
        weight=6,
        mode_titles=(
            ("at_home", ("Aide numérique à domicile", "Un conseiller numérique chez vous")),
            (
                "phone",
                ("Assistance numérique par téléphone", "Allô numérique : une aide au bout du fil"),
            ),
        ),
    ),
    "langues-etrangeres": _Leaf(
        kinds=(("class", 1),),
        titles=(
            "Conversation en {langue} {jour}",
            "Atelier {de_langue} pour débutants",
            "Cours {de_langue} pour seniors",
            "Café polyglotte",
        ),
        summaries=(
            "Pratiquer {le_langue} à l'oral dans une ambiance bienveillante, sans notes ni "
            "examens.",
        ),
        intros=(
            "Les échanges portent sur la vie quotidienne, les voyages et l'actualité, à partir de "
            "petits supports.",
            "L'animatrice est de langue maternelle et adapte le niveau aux participants.",
        ),
        details=("Niveau débutant ou intermédiaire.",),
        audiences=_ALL,
        groups=(("small", 1),),
        modes=_ONLINE,
        slots=(("morning", 1), ("afternoon", 1), ("evening", 2)),
        free=0.3,
        session_price=(3, 8),
        membership=(60, 150),
        languages=(
            (("fr", "en"), 5),
            (("es", "fr"), 2),
            (("it", "fr"), 1),
            (("de", "fr"), 1),
            (("pt", "fr"), 1),
        ),
        weight=3,
    ),
    "conversation-francais": _Leaf(
        kinds=(("class", 2), ("club", 2)),
        titles=(
            "Conversation en français pour nouveaux arrivants",
            "Atelier sociolinguistique {de}",
            "Parlons français {jour}",
            "Café français langue étrangère",
        ),
        summaries=(
            "Pratiquer le français du quotidien pour faire ses courses, aller chez le médecin ou "
            "parler aux voisins.",
        ),
        intros=(
            "Ces ateliers aident les personnes arrivées récemment en France à gagner en aisance à "
            "l'oral.",
            "Les thèmes sont concrets : transports, santé, école, démarches.",
        ),
        details=(
            "Une garderie est proposée pendant l'atelier.",
            "Tous les niveaux sont accueillis.",
        ),
        audiences=_NEWCOMERS,
        groups=(("small", 2), ("medium", 1)),
        free=0.8,
        languages=(
            (("fr",), 4),
            (("fr", "ar"), 2),
            (("fr", "en"), 2),
            (("fr", "uk"), 1),
            (("fr", "es"), 1),
            (("fr", "tr"), 1),
        ),
        related=("cafe-rencontre",),
        weight=4,
    ),
    "conferences-universite-populaire": _Leaf(
        kinds=(("event", 2), ("class", 2)),
        titles=(
            "once:Conférence : {theme}",
            "Université populaire : {theme}",
            "Les rendez-vous du savoir {jour}",
        ),
        summaries=(
            "Une conférence accessible à tous sur {theme}, suivie d'un temps de questions.",
            "Un intervenant passionné partage ses connaissances dans un langage simple, sans "
            "prérequis.",
        ),
        intros=(
            "Chaque conférence dure une heure, suivie d'un échange avec la salle.",
            "Les intervenants sont des universitaires, des passionnés ou des professionnels du "
            "sujet.",
        ),
        details=("La salle est équipée d'une boucle magnétique.",),
        audiences=_ALL,
        groups=(("large", 2), ("medium", 1)),
        modes=_ONLINE,
        slots=(("afternoon", 2), ("evening", 2)),
        rhythm=_R_MONTHLY,
        free=0.45,
        session_price=(3, 6),
        membership=(20, 50),
        weight=3,
    ),
    "ateliers-ecriture": _Leaf(
        kinds=(("class", 2), ("club", 1)),
        titles=(
            "Atelier d'écriture {jour}",
            "Écrire sa vie : récits de souvenirs",
            "Atelier poésie {de}",
        ),
        summaries=(
            "Des jeux d'écriture pour se lancer, raconter ses souvenirs et partager ses textes "
            "dans la bienveillance.",
        ),
        intros=(
            "Une animatrice propose une consigne ludique, puis chacun écrit et lit, s'il le "
            "souhaite, son texte.",
            "Pas besoin d'être écrivain : l'important est le plaisir des mots.",
        ),
        audiences=_ALL,
        groups=(("small", 1),),
        modes=_ONLINE,
        rhythm=_R_MONTHLY,
        free=0.4,
        weight=2,
    ),
    "ateliers-memoire": _Leaf(
        kinds=(("class", 1),),
        titles=(
            "Atelier mémoire {de}",
            "Gym cerveau",
            "Entretenir sa mémoire : cycle de huit séances",
        ),
        summaries=(
            "Des exercices ludiques pour stimuler la mémoire, l'attention et le langage, en petit "
            "groupe.",
        ),
        intros=(
            "Jeux de mots, calcul, images : chaque séance fait travailler la mémoire de façon "
            "variée.",
            "L'atelier donne aussi des astuces pour le quotidien : ranger ses clés, retenir un "
            "nom.",
        ),
        audiences=_SENIORS,
        groups=(("small", 1),),
        modes=("online",),
        slots=(("morning", 1), ("afternoon", 2)),
        free=0.6,
        ages=((60, None), (None, None)),
        weight=3,
    ),
    # Games -----------------------------------------------------------------------------
    "jeux-de-societe": _Leaf(
        kinds=(("club", 3), ("event", 1)),
        titles=(
            "Après-midi jeux de société {de}",
            "Soirée jeux {jour}",
            "Ludothèque ouverte",
            "Jeux de société {jour}",
        ),
        summaries=(
            "Jeux de plateau, jeux d'ambiance et jeux de cartes : on apprend les règles sur place "
            "et on joue ensemble.",
        ),
        intros=(
            "Une centaine de jeux sont disponibles, des classiques aux nouveautés.",
            "Les animateurs expliquent les règles et forment les tables pour que personne ne "
            "reste seul.",
        ),
        audiences=_ALL,
        groups=(("medium", 2), ("small", 1)),
        slots=(("afternoon", 2), ("evening", 1)),
        free=0.6,
        related=("ateliers-intergenerationnels",),
        weight=5,
    ),
    "belote-tarot": _Leaf(
        kinds=(("club", 4), ("event", 1)),
        titles=(
            "Belote {jour}",
            "Tarot entre amis",
            "once:Concours de belote",
            "Cartes et belote {de}",
        ),
        summaries=(
            "Parties de belote et de tarot dans une ambiance conviviale, avec un café à la pause.",
        ),
        intros=(
            "Les tables se forment à l'arrivée ; les débutants sont associés à des joueurs "
            "expérimentés.",
            "Un concours amical est organisé chaque trimestre, avec de petits lots.",
        ),
        audiences=_SENIORS,
        groups=(("medium", 2), ("small", 1)),
        slots=(("afternoon", 1),),
        durations=(150, 180),
        free=0.45,
        membership=(10, 25),
        weight=4,
    ),
    "bridge": _Leaf(
        kinds=(("club", 3), ("class", 1)),
        titles=("Bridge {jour}", "Initiation au bridge", "once:Tournoi de bridge amical"),
        summaries=(
            "Un club de bridge accueillant, avec des cours pour débutants et des tournois amicaux.",
        ),
        intros=(
            "Le club propose des parties libres, des tournois de régularité et une initiation "
            "pour les nouveaux.",
        ),
        audiences=_SENIORS,
        groups=(("medium", 1),),
        modes=("online",),
        slots=(("afternoon", 1),),
        durations=(180,),
        free=0.2,
        session_price=(2, 4),
        membership=(30, 80),
        weight=2,
    ),
    "echecs": _Leaf(
        kinds=(("club", 2), ("class", 1)),
        titles=("Club d'échecs {de}", "Échecs pour tous {jour}", "Initiation aux échecs"),
        summaries=(
            "Apprendre ou se perfectionner aux échecs, du débutant au joueur confirmé, jeunes et "
            "moins jeunes.",
        ),
        intros=("Les parties sont suivies d'une analyse commentée par un joueur du club.",),
        audiences=_INTERGEN,
        modes=("online",),
        slots=(("afternoon", 1), ("evening", 2)),
        free=0.5,
        weight=2,
    ),
    "scrabble-jeux-de-lettres": _Leaf(
        kinds=(("club", 1),),
        titles=(
            "Scrabble duplicate {jour}",
            "Jeux de lettres et mots croisés",
            "Club de scrabble {de}",
        ),
        summaries=(
            "Parties de scrabble et jeux de lettres pour faire travailler son vocabulaire en "
            "s'amusant.",
        ),
        intros=(
            "Les parties se jouent en duplicate : tout le monde a le même tirage, ce qui permet "
            "de comparer les solutions.",
        ),
        audiences=_SENIORS,
        slots=(("afternoon", 1),),
        durations=(120, 150),
        free=0.6,
        weight=2,
    ),
    "loto-quiz": _Leaf(
        kinds=(("event", 3), ("club", 1)),
        titles=(
            "Loto des aînés",
            "Quiz musical",
            "Loto solidaire {de}",
            "Après-midi quiz et culture générale",
        ),
        summaries=(
            "Un après-midi de jeu dans la bonne humeur, avec des lots offerts par les commerçants "
            "du quartier.",
        ),
        intros=(
            "Les cartons sont distribués à l'entrée et les parties s'enchaînent avec une pause "
            "goûter.",
            "Le quiz mélange chansons, histoire locale et culture générale, par équipes.",
        ),
        audiences=_ALL,
        groups=(("large", 2), ("medium", 1)),
        slots=(("afternoon", 1),),
        rhythm=(("oneoff", 3), ("monthly_nth", 3), ("biweekly", 1)),
        days=(("SU", 2), ("SA", 2), ("TH", 1)),
        durations=(150, 180),
        free=0.5,
        session_price=(2, 5),
        weight=3,
    ),
    # Meals and cooking -----------------------------------------------------------------
    "repas-partages": _Leaf(
        kinds=(("club", 3), ("event", 1)),
        titles=(
            "Repas partagé {de}",
            "monthly:Déjeuner convivial du mois",
            "Table d'hôtes solidaire",
            "Auberge espagnole {de}",
        ),
        summaries=(
            "Un déjeuner pris ensemble, préparé par des bénévoles, pour partager un bon repas et "
            "faire connaissance.",
        ),
        intros=(
            "Le repas est cuisiné sur place avec des produits de saison.",
            "Chacun peut aussi apporter un plat ou un dessert à partager.",
        ),
        details=(
            "Merci de signaler toute allergie à l'inscription.",
            "Un transport peut être organisé pour les personnes qui ne conduisent pas.",
        ),
        audiences=_ISOLATED,
        groups=(("medium", 2), ("small", 1)),
        slots=(("midi", 1),),
        rhythm=_R_MONTHLY,
        durations=(120, 150),
        free=0.35,
        session_price=(4, 12),
        related=("cafe-rencontre", "solitude-isolement"),
        weight=5,
    ),
    "ateliers-cuisine": _Leaf(
        kinds=(("class", 3), ("club", 1)),
        titles=(
            "Atelier cuisine {jour}",
            "Cuisiner petit budget",
            "Cuisines du monde {de}",
            "Atelier cuisine santé",
        ),
        summaries=(
            "On cuisine ensemble des recettes simples et de saison, puis on partage ce qu'on a "
            "préparé.",
        ),
        intros=(
            "Les recettes sont choisies avec les participants et adaptées aux petits budgets.",
            "Une diététicienne intervient régulièrement pour parler équilibre alimentaire.",
        ),
        audiences=_ALL,
        groups=(("small", 1),),
        slots=(("morning", 2), ("afternoon", 1)),
        durations=(150, 180),
        free=0.5,
        session_price=(2, 6),
        related=("repas-partages",),
        weight=3,
    ),
    "gouters": _Leaf(
        kinds=(("event", 2), ("club", 2)),
        titles=("Goûter {jour}", "Goûter partagé {de}", "Thé et gâteaux entre voisins"),
        summaries=(
            "Un goûter convivial autour d'un thé et de gâteaux maison, pour se retrouver et "
            "bavarder.",
        ),
        intros=(
            "Les bénévoles préparent gâteaux et boissons chaudes ; chacun peut apporter une "
            "spécialité.",
        ),
        audiences=_ISOLATED,
        groups=(("medium", 1),),
        slots=(("afternoon", 1),),
        rhythm=_R_MONTHLY,
        durations=(90, 120),
        free=0.7,
        related=("cafe-rencontre",),
        weight=3,
    ),
    "pique-niques": _Leaf(
        kinds=(("event", 2), ("outing", 2)),
        titles=("Pique-nique {balade}", "Pique-nique partagé au parc", "Déjeuner sur l'herbe {de}"),
        summaries=(
            "Chacun apporte un plat à partager pour un pique-nique en plein air, suivi de jeux et "
            "de balades.",
        ),
        intros=(
            "Tables et chaises pliantes sont installées par les bénévoles pour le confort de tous.",
        ),
        details=("En cas de pluie, repli dans la salle la plus proche.",),
        audiences=_FAMILY,
        groups=(("large", 1), ("medium", 1)),
        place="nature",
        slots=(("midi", 1),),
        rhythm=(("oneoff", 3), ("monthly_nth", 1)),
        days=_WEEKEND,
        durations=(150, 180),
        free=1.0,
        weight=2,
    ),
    # Getting together ------------------------------------------------------------------
    "cafe-rencontre": _Leaf(
        kinds=(("club", 2), ("event", 1)),
        titles=("Café rencontre {de}", "Café papote {jour}", "Café-causette"),
        summaries=(
            "Un café offert et une table ouverte pour discuter, rencontrer ses voisins et sortir "
            "de chez soi.",
        ),
        intros=(
            "Pas de programme : on vient boire un café, lire le journal ou bavarder.",
            "Des bénévoles accueillent chaque personne et font les présentations.",
        ),
        audiences=_ALL,
        groups=(("medium", 1), ("small", 1)),
        slots=(("morning", 1), ("afternoon", 2)),
        free=0.85,
        related=("solitude-isolement",),
        weight=5,
    ),
    "cafe-du-matin": _Leaf(
        kinds=(("club", 1),),
        titles=(
            "Café du matin {jour}",
            "Petit-déjeuner convivial {de}",
            "Un café pour bien commencer la journée",
        ),
        summaries=(
            "Commencer la journée autour d'un café et d'une tartine avec les habitants du "
            "quartier.",
        ),
        intros=(
            "Le café et les viennoiseries sont offerts ; on discute des nouvelles du quartier.",
        ),
        audiences=_ALL,
        groups=(("small", 1), ("medium", 1)),
        slots=(("morning", 1),),
        durations=(90, 120),
        free=0.8,
        weight=3,
    ),
    "cafe-social": _Leaf(
        kinds=(("club", 2), ("friendship", 1)),
        titles=("Café social {de}", "Café social ouvert à tous", "Le café des anciens {de}"),
        summaries=(
            "Un lieu chaleureux pour les retraités, avec des boissons à petit prix, des "
            "animations et une écoute.",
        ),
        intros=(
            "Le café social accueille en particulier les retraités isolés, y compris les anciens "
            "travailleurs immigrés.",
            "On peut y trouver de l'aide pour un courrier, une démarche ou un rendez-vous médical.",
        ),
        audiences=_ISOLATED,
        groups=(("medium", 1),),
        rhythm=(("daily", 2), ("weekly2", 2), ("weekly", 1)),
        slots=(("afternoon", 1),),
        durations=(180,),
        free=0.7,
        languages=((("fr",), 3), (("fr", "ar"), 2), (("fr", "pt"), 1)),
        weight=2,
    ),
    "fetes-de-quartier": _Leaf(
        kinds=(("event", 1),),
        titles=(
            "Fête de quartier {de}",
            "Guinguette d'été {balade}",
            "Bal populaire {de}",
            "Fête de la rue",
        ),
        summaries=(
            "Musique, stands des associations, jeux et buvette : un moment festif pour toutes les "
            "générations.",
        ),
        intros=(
            "Les associations du quartier tiennent des stands et proposent des animations toute "
            "l'après-midi.",
            "La fête se termine par un bal et un repas partagé.",
        ),
        audiences=_FAMILY,
        groups=(("large", 1),),
        place="nature",
        slots=(("afternoon", 2), ("evening", 1)),
        rhythm=(("oneoff", 1),),
        days=_WEEKEND,
        durations=(240, 300),
        free=1.0,
        weight=3,
    ),
    "thes-dansants": _Leaf(
        kinds=(("event", 3), ("club", 1)),
        titles=("Thé dansant {de}", "Après-midi dansant", "Bal musette"),
        summaries=(
            "Valse, tango et paso doble avec un orchestre, pour danser ou simplement écouter.",
        ),
        intros=("Un orchestre ou un DJ anime l'après-midi avec les grands airs du bal musette.",),
        details=("Pâtisserie et boisson comprises dans l'entrée.",),
        audiences=_SENIORS,
        groups=(("large", 1),),
        intensity=(("low", 1), ("medium", 1)),
        slots=(("afternoon", 1),),
        rhythm=_R_EVENT,
        days=(("SU", 3), ("TH", 1)),
        durations=(180, 210),
        free=0.3,
        session_price=(5, 10),
        weight=3,
    ),
    # Peer support ----------------------------------------------------------------------
    "deuil": _Leaf(
        kinds=(("peer_support", 1),),
        titles=(
            "Groupe de parole deuil",
            "Groupe d'entraide pour personnes endeuillées",
            "Cercle d'écoute après un deuil",
            "Traverser le deuil ensemble",
        ),
        summaries=(
            "Un groupe fermé pour partager ce que l'on vit après la perte d'un proche, avec "
            "d'autres qui le vivent aussi.",
        ),
        intros=(
            "Le groupe est accompagné par deux bénévoles formés à l'écoute.",
            "Chacun parle s'il le souhaite ; ce qui est dit dans le groupe reste dans le groupe.",
        ),
        details=("Un entretien individuel précède l'entrée dans le groupe.",),
        audiences=((("everyone",), 3), (("seniors",), 1)),
        groups=(("small", 1),),
        modes=_TALK,
        slots=(("afternoon", 1), ("evening", 1)),
        rhythm=_R_MONTHLY,
        free=1.0,
        ages=((18, None), (None, None)),
        weight=3,
    ),
    "aidants": _Leaf(
        kinds=(("peer_support", 3), ("event", 1)),
        titles=(
            "Café des aidants {de}",
            "Groupe de parole des aidants",
            "La pause des aidants {jour}",
            "Prendre soin de soi quand on aide un proche",
        ),
        summaries=(
            "Un temps d'échange entre proches aidants, animé par une psychologue, pour souffler "
            "et partager.",
        ),
        intros=(
            "Vous accompagnez un parent, un conjoint ou un enfant malade ou handicapé : vous "
            "n'êtes pas seul.",
            "Chaque rencontre aborde un thème : la fatigue, la culpabilité, les aides existantes.",
        ),
        details=(
            "Une solution de relais auprès de votre proche peut être proposée pendant la "
            "rencontre.",
        ),
        audiences=_CARERS,
        groups=(("small", 1),),
        modes=_TALK,
        slots=(("morning", 1), ("afternoon", 2)),
        rhythm=_R_MONTHLY,
        free=1.0,
        related=("cafe-rencontre",),
        weight=4,
    ),
    "cancer": _Leaf(
        kinds=(("peer_support", 3), ("class", 1)),
        titles=(
            "Groupe de parole cancer",
            "Rencontres entre patients et anciens patients",
            "Activité physique adaptée après un cancer",
            "Atelier bien-être après un cancer",
        ),
        summaries=(
            "Un espace pour parler de la maladie, des traitements et de l'après, entre personnes "
            "concernées.",
        ),
        intros=(
            "Les rencontres sont animées par une psychologue et une bénévole ayant elle-même "
            "traversé la maladie.",
            "On y échange des conseils pratiques autant que des émotions.",
        ),
        audiences=_ILL,
        groups=(("small", 1),),
        modes=_ONLINE,
        rhythm=_R_MONTHLY,
        free=0.95,
        weight=2,
    ),
    "maladies-chroniques": _Leaf(
        kinds=(("peer_support", 1),),
        titles=(
            "Groupe d'entraide diabète",
            "Vivre avec une maladie chronique",
            "Groupe de parole Parkinson",
            "Rencontres douleur chronique",
        ),
        summaries=(
            "Se retrouver entre personnes touchées par une maladie au long cours pour échanger "
            "conseils et soutien.",
        ),
        intros=(
            "Les participants partagent leurs expériences du quotidien avec la maladie et les "
            "traitements.",
            "Un professionnel de santé intervient ponctuellement sur un thème choisi par le "
            "groupe.",
        ),
        audiences=_ILL,
        groups=(("small", 1),),
        modes=_ONLINE,
        rhythm=_R_MONTHLY,
        free=0.95,
        weight=2,
    ),
    "sante-mentale": _Leaf(
        kinds=(("peer_support", 3), ("club", 1)),
        titles=(
            "Groupe d'entraide santé mentale",
            "Groupe de parole anxiété et dépression",
            "Accueil du groupe d'entraide",
        ),
        summaries=(
            "Un lieu d'accueil et d'entraide entre personnes qui vivent ou ont vécu des troubles "
            "psychiques.",
        ),
        intros=(
            "Le groupe est géré par ses membres, avec l'appui d'une animatrice.",
            "On peut simplement venir prendre un café, participer aux activités ou parler de ce "
            "qui pèse.",
        ),
        audiences=((("everyone",), 3), (("illness",), 2), (("disability",), 1)),
        groups=(("small", 1),),
        modes=_TALK,
        slots=(("afternoon", 1),),
        free=1.0,
        ages=((18, None), (None, None)),
        weight=3,
    ),
    "addictions": _Leaf(
        kinds=(("peer_support", 1),),
        titles=(
            "Groupe de parole addictions",
            "Rencontres sans alcool {de}",
            "Groupe d'entraide pour l'entourage de personnes dépendantes",
        ),
        summaries=(
            "Des rencontres anonymes et sans jugement pour sortir de la dépendance ou soutenir un "
            "proche.",
        ),
        intros=(
            "Chaque réunion est ouverte, anonyme et gratuite.",
            "Les membres partagent leur parcours et s'entraident au quotidien.",
        ),
        audiences=((("everyone",), 3), (("illness",), 1), (("caregivers",), 1)),
        groups=(("small", 1),),
        modes=_TALK,
        slots=(("evening", 1),),
        free=1.0,
        ages=((18, None),),
        weight=2,
    ),
    "solitude-isolement": _Leaf(
        kinds=(("peer_support", 2), ("friendship", 2)),
        titles=(
            "Rompre la solitude : groupe d'échange",
            "Les rencontres du lien {de}",
            "Cercle de parole sur la solitude",
        ),
        summaries=(
            "Un petit groupe pour parler de la solitude, reprendre confiance et tisser de "
            "nouveaux liens.",
        ),
        intros=(
            "La solitude touche beaucoup de monde, à tout âge ; en parler est un premier pas.",
            "Le groupe propose aussi des sorties ensemble, choisies par les participants.",
        ),
        audiences=_ISOLATED,
        groups=(("small", 1),),
        modes=_TALK,
        free=1.0,
        related=("cafe-rencontre",),
        weight=3,
    ),
    # Friendship and visiting -----------------------------------------------------------
    "visites-a-domicile": _Leaf(
        kinds=(("visiting", 1),),
        titles=(
            "Visites de convivialité à domicile",
            "Un bénévole chez vous",
            "Visites à domicile {de}",
            "De la visite chaque semaine",
        ),
        summaries=(
            "Un bénévole vient vous rendre visite chez vous, chaque semaine, pour discuter, jouer "
            "ou se promener.",
        ),
        intros=(
            "Les visites sont régulières et assurées par le même bénévole, formé et accompagné "
            "par l'association.",
            "On discute, on joue aux cartes, on regarde des photos ou on sort faire un tour, "
            "selon vos envies.",
        ),
        details=("Une première rencontre permet de faire connaissance avant de commencer.",),
        audiences=_ISOLATED,
        groups=(("one_to_one", 1),),
        forced_mode="at_home",
        slots=(("afternoon", 1),),
        rhythm=(("weekly", 4), ("biweekly", 1)),
        free=1.0,
        weight=5,
    ),
    "appels-convivialite": _Leaf(
        kinds=(("friendship", 2), ("visiting", 1)),
        titles=(
            "Appels de convivialité",
            "Un coup de fil, un sourire",
            "Permanence d'écoute téléphonique",
            "Allô les voisins",
        ),
        summaries=(
            "Un bénévole vous appelle régulièrement pour prendre de vos nouvelles et discuter un "
            "moment.",
        ),
        intros=(
            "Les appels ont lieu aux jours et heures qui vous conviennent.",
            "Ces appels réguliers rassurent aussi les familles qui habitent loin.",
        ),
        audiences=_ISOLATED,
        groups=(("one_to_one", 1),),
        forced_mode="phone",
        slots=(("morning", 1), ("afternoon", 1)),
        rhythm=_R_PHONE,
        durations=(60, 120),
        free=1.0,
        weight=4,
    ),
    "parrainage-amical": _Leaf(
        kinds=(("friendship", 1),),
        titles=("Parrainage amical entre générations", "Binômes d'amitié {de}", "Tandem solidaire"),
        summaries=(
            "Un binôme entre un habitant isolé et un bénévole du quartier, pour partager des "
            "moments réguliers.",
        ),
        intros=(
            "L'association met en relation deux personnes qui partagent des centres d'intérêt.",
            "Le binôme choisit librement ses activités : promenade, café, cinéma, courses.",
        ),
        audiences=_ISOLATED,
        groups=(("one_to_one", 1),),
        modes=("at_home", "phone"),
        rhythm=(("weekly", 2), ("biweekly", 2)),
        free=1.0,
        related=("visites-a-domicile",),
        weight=3,
    ),
    "correspondance": _Leaf(
        kinds=(("friendship", 1),),
        titles=("Correspondance amicale", "Lettres aux aînés", "Club des correspondants {de}"),
        summaries=(
            "Écrire et recevoir des lettres : un lien régulier avec un correspondant, jeune ou "
            "moins jeune.",
        ),
        intros=(
            "L'association met en relation des correspondants et transmet les courriers si besoin.",
            "Les réunions permettent d'écrire ensemble et de lire les réponses reçues.",
        ),
        audiences=_INTERGEN,
        groups=(("one_to_one", 1), ("small", 1)),
        modes=("at_home", "online"),
        rhythm=_R_MONTHLY,
        free=1.0,
        related=("ateliers-ecriture",),
        weight=2,
    ),
    "accompagnement-sorties": _Leaf(
        kinds=(("outing", 2), ("friendship", 1), ("visiting", 1)),
        titles=("Accompagnement aux courses", "Sorties accompagnées", "Un bras pour sortir {de}"),
        summaries=(
            "Un bénévole vous accompagne pour vos courses, un rendez-vous ou une simple promenade.",
        ),
        intros=(
            "Les bénévoles accompagnent à pied ou en voiture les personnes qui n'osent plus "
            "sortir seules.",
        ),
        details=("Le service fonctionne sur rendez-vous, au moins deux jours à l'avance.",),
        audiences=_ISOLATED,
        groups=(("one_to_one", 1),),
        modes=("at_home",),
        slots=(("morning", 1), ("afternoon", 1)),
        free=0.7,
        session_price=(2, 4),
        weight=3,
    ),
    # Volunteering and citizenship -------------------------------------------------------
    "benevolat-solidaire": _Leaf(
        kinds=(("volunteering", 1),),
        titles=(
            "Devenir bénévole : réunion d'accueil",
            "Bénévolat à la friperie solidaire",
            "Rejoindre l'équipe de bénévoles {de}",
        ),
        summaries=(
            "Donner un peu de son temps dans une équipe conviviale : accueil, tri, accompagnement.",
        ),
        intros=(
            "L'association recherche des bénévoles pour quelques heures par semaine ou par mois.",
            "Chaque nouveau bénévole est accueilli et formé par un membre de l'équipe.",
        ),
        audiences=_VOLUNTEERS,
        groups=(("small", 1), ("medium", 1)),
        free=1.0,
        weight=3,
    ),
    "aide-alimentaire": _Leaf(
        kinds=(("volunteering", 3), ("club", 1)),
        titles=(
            "Distribution alimentaire {jour}",
            "Épicerie solidaire : équipe bénévole",
            "Collecte solidaire {de}",
        ),
        summaries=(
            "Préparer et distribuer des colis, tenir la caisse de l'épicerie solidaire : chaque "
            "coup de main compte.",
        ),
        intros=(
            "Les bénévoles réceptionnent les produits, préparent les colis et accueillent les "
            "familles.",
        ),
        audiences=_VOLUNTEERS,
        groups=(("medium", 1),),
        slots=(("morning", 1), ("afternoon", 1)),
        durations=(150, 180),
        free=1.0,
        related=("benevolat-solidaire",),
        weight=2,
    ),
    "aide-aux-devoirs": _Leaf(
        kinds=(("volunteering", 1),),
        titles=(
            "Aide aux devoirs {de}",
            "Accompagnement scolaire {jour}",
            "Bénévoles pour l'aide aux devoirs",
        ),
        summaries=(
            "Accompagner des écoliers et des collégiens dans leurs devoirs, une ou deux fois par "
            "semaine.",
        ),
        intros=(
            "L'association cherche des bénévoles, souvent retraités, pour aider des enfants du "
            "quartier après l'école.",
        ),
        details=(
            "Aucune compétence particulière n'est exigée : patience et bienveillance suffisent.",
        ),
        audiences=_VOLUNTEERS,
        groups=(("small", 1),),
        slots=(("afternoon", 1),),
        days=(("MO", 1), ("TU", 1), ("TH", 1), ("FR", 1)),
        durations=(90,),
        free=1.0,
        related=("ateliers-intergenerationnels",),
        weight=2,
    ),
    "ramassage-dechets": _Leaf(
        kinds=(("volunteering", 2), ("event", 1)),
        titles=(
            "Ramassage citoyen {balade}",
            "Nettoyons le quartier {de}",
            "once:Opération berges propres",
        ),
        summaries=(
            "Une matinée pour ramasser les déchets sur les berges et dans les parcs, dans la "
            "bonne humeur.",
        ),
        intros=("Gants, sacs et pinces sont fournis ; le tri des déchets est fait sur place.",),
        audiences=_FAMILY,
        groups=(("medium", 1), ("large", 1)),
        intensity=(("low", 1), ("medium", 1)),
        place="nature",
        slots=(("morning", 1),),
        rhythm=(("oneoff", 3), ("monthly_nth", 2)),
        days=_WEEKEND,
        durations=(120, 150),
        free=1.0,
        weight=2,
    ),
    "conseils-de-quartier": _Leaf(
        kinds=(("event", 2), ("volunteering", 1)),
        titles=(
            "Conseil de quartier {de}",
            "Réunion publique du conseil citoyen",
            "Atelier participatif {de}",
        ),
        summaries=(
            "Donner son avis sur les projets du quartier : aménagements, animations, vie locale.",
        ),
        intros=(
            "Les réunions sont ouvertes à tous les habitants, sans inscription.",
            "Les propositions des habitants sont discutées puis transmises aux élus du quartier.",
        ),
        audiences=_ALL,
        groups=(("large", 1), ("medium", 1)),
        modes=("mixed",),
        slots=(("evening", 1),),
        rhythm=_R_MONTHLY,
        free=1.0,
        weight=2,
    ),
    # Intergenerational -----------------------------------------------------------------
    "ateliers-intergenerationnels": _Leaf(
        kinds=(("club", 2), ("class", 1), ("event", 1)),
        titles=(
            "Atelier intergénérationnel {jour}",
            "Les rendez-vous des générations",
            "Jeux entre générations",
        ),
        summaries=(
            "Enfants, parents et grands-parents se retrouvent pour bricoler, jouer ou cuisiner "
            "ensemble.",
        ),
        intros=(
            "Chaque atelier réunit des enfants et des aînés autour d'une activité à faire à deux.",
        ),
        details=("Les enfants de moins de huit ans viennent accompagnés d'un adulte.",),
        audiences=_INTERGEN,
        slots=(("afternoon", 1),),
        days=(("WE", 4), ("SA", 1)),
        free=0.6,
        weight=3,
    ),
    "transmission-savoirs": _Leaf(
        kinds=(("club", 2), ("class", 2), ("volunteering", 1)),
        titles=(
            "Échange de savoirs {de}",
            "Réseau d'échanges de savoirs",
            "Apprenez-moi, je vous apprends",
        ),
        summaries=(
            "Chacun sait quelque chose et peut l'apprendre aux autres : cuisine, langue, "
            "informatique, couture...",
        ),
        intros=(
            "Le réseau met en relation des personnes qui veulent apprendre et d'autres qui "
            "veulent transmettre.",
        ),
        audiences=_INTERGEN,
        free=0.8,
        weight=2,
    ),
    "lecture-aux-enfants": _Leaf(
        kinds=(("volunteering", 3), ("event", 1)),
        titles=("Lecture aux enfants", "L'heure du conte {de}", "Grands-parents lecteurs"),
        summaries=(
            "Des bénévoles retraités lisent des histoires aux enfants à la médiathèque et dans "
            "les écoles.",
        ),
        intros=("Les lecteurs bénévoles choisissent les albums avec les bibliothécaires.",),
        audiences=((("seniors",), 3), (("families",), 2), (("seniors", "families"), 2)),
        slots=(("morning", 1), ("afternoon", 1)),
        days=(("WE", 4), ("SA", 2)),
        durations=(60,),
        free=1.0,
        weight=2,
    ),
    "rencontres-ecoles-residences": _Leaf(
        kinds=(("event", 2), ("club", 1)),
        titles=(
            "Rencontres école et résidence",
            "Goûter partagé avec les écoliers",
            "Jardinage avec les enfants",
        ),
        summaries=(
            "Les élèves de l'école voisine rendent visite aux résidents pour un atelier ou un "
            "goûter partagé.",
        ),
        intros=("Ces rencontres régulières créent de vrais liens entre enfants et aînés.",),
        audiences=_INTERGEN,
        slots=(("afternoon", 1),),
        rhythm=_R_MONTHLY,
        days=(("TU", 1), ("TH", 1), ("FR", 1)),
        durations=(60, 90),
        free=1.0,
        weight=2,
    ),
}

# Language code -> (name, "de" form, "le" form), for titles such as "Atelier d'anglais".
LANGUAGE_FORMS = {
    "en": ("anglais", "d'anglais", "l'anglais"),
    "es": ("espagnol", "d'espagnol", "l'espagnol"),
    "it": ("italien", "d'italien", "l'italien"),
    "de": ("allemand", "d'allemand", "l'allemand"),
    "pt": ("portugais", "de portugais", "le portugais"),
}

CONFERENCE_THEMES = (
    "l'histoire de la Loire et de ses bateliers",
    "Jules Verne et Nantes",
    "les oiseaux de l'estuaire",
    "bien dormir après soixante ans",
    "l'histoire des chantiers navals",
    "les grandes découvertes de l'astronomie",
    "l'alimentation et la santé",
    "les peintres impressionnistes",
    "l'architecture de l'Île de Nantes",
    "la mémoire et le cerveau",
    "l'histoire du quartier",
    "les plantes médicinales",
)

WEEKDAY_NAMES = {
    "MO": "lundi",
    "TU": "mardi",
    "WE": "mercredi",
    "TH": "jeudi",
    "FR": "vendredi",
    "SA": "samedi",
    "SU": "dimanche",
}


# --------------------------------------------------------------------------- organizations


@dataclass(frozen=True)
class _Org:
    name: str
    kind: str
    zones: tuple[str, ...]  # first one is the home zone
    focus: tuple[str, ...]  # taxonomy leaves it runs activities in
    weight: int = 2  # relative share of the activities
    blurb: str = ""  # what the organization is, completed by a generic sentence


_M, _S, _H, _A, _O = "municipality", "social_service", "health", "association", "other"

# Ordered so that the first 70 give a balanced directory; later ones are used when more
# organizations are asked for.
ORGANIZATIONS: tuple[_Org, ...] = (
    _Org(
        "Ville de Nantes",
        _M,
        ("centre", "ile-de-nantes", "bottiere", "nantes-nord"),
        (
            "fetes-de-quartier",
            "conseils-de-quartier",
            "musees-patrimoine",
            "conferences-universite-populaire",
            "aide-numerique",
            "thes-dansants",
            "balades-nature",
            "loto-quiz",
            "pique-niques",
            "gym-douce",
        ),
        6,
        "La direction des solidarités et de la vie des quartiers anime des rendez-vous ouverts à "
        "tous les Nantais.",
    ),
    _Org(
        "CCAS de Nantes",
        _M,
        ("centre", "malakoff", "breil"),
        (
            "appels-convivialite",
            "visites-a-domicile",
            "repas-partages",
            "ateliers-memoire",
            "equilibre-prevention-chutes",
            "aide-numerique",
            "solitude-isolement",
            "accompagnement-sorties",
            "gouters",
        ),
        6,
        "Le centre communal d'action sociale accompagne les Nantais âgés ou fragiles et lutte "
        "contre l'isolement.",
    ),
    _Org(
        "Amicale des retraités de Chantenay",
        _A,
        ("chantenay",),
        (
            "belote-tarot",
            "loto-quiz",
            "repas-partages",
            "marche-randonnee",
            "thes-dansants",
            "petanque-boules",
            "gouters",
        ),
        5,
        "Fondée par d'anciens ouvriers des chantiers, l'amicale rassemble aujourd'hui plus de "
        "deux cents retraités.",
    ),
    _Org(
        "Ville de Rezé",
        _M,
        ("reze",),
        (
            "fetes-de-quartier",
            "conseils-de-quartier",
            "gym-douce",
            "aide-numerique",
            "thes-dansants",
            "cinema",
            "repas-partages",
        ),
        4,
        "Le service retraités et le pôle vie associative de la ville proposent des activités "
        "toute l'année.",
    ),
    _Org(
        "Les Visiteurs du Lien",
        _A,
        ("centre",),
        ("visites-a-domicile", "parrainage-amical", "correspondance", "appels-convivialite"),
        4,
        "Des bénévoles formés rendent visite aux personnes âgées isolées de l'agglomération "
        "nantaise.",
    ),
    _Org(
        "Maison de santé de la Bottière",
        _H,
        ("bottiere",),
        (
            "equilibre-prevention-chutes",
            "maladies-chroniques",
            "gym-douce",
            "marche-randonnee",
            "ateliers-cuisine",
        ),
        3,
        "Médecins, infirmières et kinésithérapeutes y proposent aussi des ateliers de prévention.",
    ),
    _Org(
        "Club de l'Amitié de Doulon",
        _A,
        ("doulon",),
        (
            "belote-tarot",
            "jeux-de-societe",
            "gouters",
            "scrabble-jeux-de-lettres",
            "repas-partages",
            "danse",
        ),
        4,
        "Le club accueille les retraités du quartier plusieurs après-midi par semaine.",
    ),
    _Org(
        "Ville de Saint-Herblain",
        _M,
        ("st-herblain",),
        (
            "fetes-de-quartier",
            "equilibre-prevention-chutes",
            "conferences-universite-populaire",
            "aide-numerique",
            "ateliers-intergenerationnels",
            "loto-quiz",
        ),
        4,
        "La ville coordonne un programme d'animations pour les seniors avec les associations "
        "herblinoises.",
    ),
    _Org(
        "Les Sorinières Solidaires",
        _A,
        ("sorinieres", "vertou"),
        ("visites-a-domicile", "appels-convivialite", "repas-partages"),
        2,
        "Une association de solidarité de proximité aux Sorinières.",
    ),
    _Org(
        "Les Voisins de la Bottière",
        _A,
        ("bottiere",),
        ("fetes-de-quartier", "cafe-du-matin", "jardin-partage", "pique-niques", "repas-partages"),
        3,
        "Une association d'habitants qui fait vivre la solidarité entre voisins.",
    ),
    _Org(
        "Entraide et Amitié Nantes Nord",
        _A,
        ("nantes-nord",),
        (
            "visites-a-domicile",
            "appels-convivialite",
            "accompagnement-sorties",
            "cafe-rencontre",
            "parrainage-amical",
        ),
        4,
        "Des bénévoles du quartier gardent le contact avec les habitants seuls ou en perte "
        "d'autonomie.",
    ),
    _Org(
        "Relais Info Seniors Nantes Est",
        _S,
        ("doulon",),
        (
            "aide-numerique",
            "accompagnement-sorties",
            "aidants",
            "ateliers-memoire",
            "solitude-isolement",
        ),
        3,
        "Un guichet d'information et d'orientation pour les plus de soixante ans et leur "
        "entourage.",
    ),
    _Org(
        "Chorale Les Voix de l'Erdre",
        _A,
        ("erdre",),
        ("chorale-chant",),
        2,
        "Une chorale amateur de soixante choristes, ouverte à tous, sans audition.",
    ),
    _Org(
        "Compagnie Le Grand Rideau",
        _A,
        ("ile-de-nantes",),
        ("theatre",),
        2,
        "Une compagnie de théâtre amateur qui fait monter sur scène des comédiens de tous âges.",
    ),
    _Org(
        "Atelier des Arts de Sainte-Anne",
        _A,
        ("chantenay",),
        ("peinture-dessin", "photographie", "poterie-ceramique"),
        3,
        "Un atelier associatif d'arts plastiques installé dans une ancienne conserverie.",
    ),
    _Org(
        "Amicale laïque de Bouaye",
        _A,
        ("bouaye", "brains", "st-aignan"),
        ("belote-tarot", "theatre", "marche-randonnee", "danse"),
        2,
        "L'amicale propose sport, culture et loisirs aux habitants de Bouaye et de Brains.",
    ),
    _Org(
        "Cercle de lecture Les Pages Tournées",
        _A,
        ("st-donatien",),
        ("lecture-club-lecture", "lecture-aux-enfants", "ateliers-ecriture"),
        2,
        "Des passionnés de lecture qui aiment partager leurs découvertes.",
    ),
    _Org(
        "Les Amis du Patrimoine nantais",
        _A,
        ("bouffay",),
        ("musees-patrimoine", "conferences-universite-populaire"),
        3,
        "Des guides bénévoles font découvrir l'histoire de Nantes, de ses rues et de ses "
        "monuments.",
    ),
    _Org(
        "Les Aiguilles Nantaises",
        _A,
        ("hauts-paves",),
        ("tricot-couture",),
        2,
        "Un collectif de tricoteuses et de couturières qui se retrouvent pour créer et "
        "transmettre.",
    ),
    _Org(
        "L'Établi Solidaire",
        _A,
        ("ile-de-nantes",),
        ("travail-du-bois", "bricolage", "repair-cafe"),
        3,
        "Un atelier partagé où l'on apprend à fabriquer et à réparer plutôt qu'à jeter.",
    ),
    _Org(
        "Jardins partagés de la Bottière",
        _A,
        ("bottiere",),
        ("jardin-partage", "compostage", "ateliers-jardinage"),
        3,
        "L'association cultive un jardin collectif de deux mille mètres carrés au pied des "
        "immeubles.",
    ),
    _Org(
        "Estuaire Nature et Oiseaux",
        _A,
        ("le-pellerin", "coueron", "bouguenais", "indre"),
        ("observation-oiseaux", "balades-nature"),
        2,
        "Des naturalistes amateurs qui font découvrir la faune et la flore de l'estuaire de la "
        "Loire.",
    ),
    _Org(
        "Club des retraités de La Montagne",
        _A,
        ("la-montagne",),
        ("belote-tarot", "petanque-boules", "repas-partages"),
        1,
        "Le club des retraités de La Montagne se retrouve chaque semaine.",
    ),
    _Org(
        "Randonneurs de l'Erdre",
        _A,
        ("chapelle", "carquefou", "sautron"),
        ("marche-randonnee", "balades-nature"),
        3,
        "Le club organise des randonnées de tous niveaux le long de l'Erdre et alentour.",
    ),
    _Org(
        "Amicale bouliste de la Trocardière",
        _A,
        ("reze",),
        ("petanque-boules",),
        2,
        "Le club dispose de douze terrains, dont quatre couverts.",
    ),
    _Org(
        "Danse et Vous",
        _A,
        ("vertou", "st-sebastien", "basse-goulaine"),
        ("danse", "thes-dansants"),
        2,
        "Une école de danse associative qui fait danser petits et grands depuis trente ans.",
    ),
    _Org(
        "Souffle et Harmonie",
        _A,
        ("orvault", "sautron"),
        ("yoga-relaxation", "tai-chi-qi-gong"),
        3,
        "Des enseignantes diplômées proposent yoga, qi gong et relaxation.",
    ),
    _Org(
        "Les Dauphins sébastiennais",
        _A,
        ("st-sebastien",),
        ("natation-aquagym",),
        2,
        "Un club de natation loisir qui réserve plusieurs créneaux aux seniors.",
    ),
    _Org(
        "Les Connectés de Saint-Herblain",
        _A,
        ("st-herblain", "coueron"),
        ("aide-numerique",),
        3,
        "Des bénévoles passionnés d'informatique aident chacun à se servir de ses outils "
        "numériques.",
    ),
    _Org(
        "Bienvenue à Couëron",
        _A,
        ("coueron", "indre"),
        ("conversation-francais", "cafe-rencontre", "balades-nature"),
        1,
        "L'association accueille les nouveaux habitants et les aide à découvrir la ville.",
    ),
    _Org(
        "Maison des langues Babel",
        _A,
        ("centre",),
        ("langues-etrangeres", "conversation-francais"),
        3,
        "Une maison des langues et des cultures où l'on apprend en échangeant.",
    ),
    _Org(
        "Parlons Ensemble",
        _A,
        ("dervallieres",),
        ("conversation-francais", "cafe-rencontre", "aide-aux-devoirs"),
        3,
        "L'association accueille les personnes nouvellement arrivées et les accompagne dans "
        "l'apprentissage du français.",
    ),
    _Org(
        "Université populaire de l'Estuaire",
        _A,
        ("centre",),
        ("conferences-universite-populaire", "langues-etrangeres", "ateliers-ecriture"),
        3,
        "Des conférences et des cours ouverts à tous, sans condition de diplôme.",
    ),
    _Org(
        "Le Repaire des Joueurs",
        _A,
        ("malakoff",),
        ("jeux-de-societe", "loto-quiz", "echecs"),
        3,
        "Une ludothèque associative qui prête des jeux et anime des après-midi et soirées de jeu.",
    ),
    _Org(
        "Bridge Club de l'Erdre",
        _A,
        ("erdre",),
        ("bridge",),
        2,
        "Un club affilié qui accueille joueurs débutants et confirmés.",
    ),
    _Org(
        "Échiquier rezéen",
        _A,
        ("reze",),
        ("echecs",),
        1,
        "Le club d'échecs de Rezé, ouvert aux jeunes comme aux retraités.",
    ),
    _Org(
        "Comité des fêtes de Thouaré",
        _A,
        ("thouare", "mauves"),
        ("fetes-de-quartier", "thes-dansants", "loto-quiz"),
        2,
        "Le comité organise les fêtes et animations de Thouaré-sur-Loire.",
    ),
    _Org(
        "Club Les Mots Croisés",
        _A,
        ("st-sebastien",),
        ("scrabble-jeux-de-lettres",),
        1,
        "Des amoureux des mots qui se retrouvent pour jouer au scrabble et aux jeux de lettres.",
    ),
    _Org(
        "La Table Partagée",
        _A,
        ("nantes-sud",),
        ("repas-partages", "ateliers-cuisine", "gouters"),
        3,
        "Une association qui fait de la cuisine et des repas un prétexte pour créer du lien.",
    ),
    _Org(
        "Le Café des Liens",
        _A,
        ("bouffay",),
        ("cafe-social", "cafe-rencontre", "cafe-du-matin"),
        3,
        "Un café associatif où chacun peut entrer, s'asseoir et discuter, même sans consommer.",
    ),
    _Org(
        "Traverser le Deuil 44",
        _A,
        ("st-donatien",),
        ("deuil",),
        2,
        "Des bénévoles formés à l'écoute accompagnent les personnes en deuil.",
    ),
    _Org(
        "Rose et Roseaux",
        _A,
        ("hauts-paves",),
        ("cancer", "yoga-relaxation"),
        2,
        "Une association d'entraide entre personnes touchées par un cancer et leurs proches.",
    ),
    _Org(
        "GEM Le Phare",
        _A,
        ("chantenay",),
        ("sante-mentale", "cafe-social", "jeux-de-societe"),
        2,
        "Un groupe d'entraide mutuelle géré par et pour des personnes concernées par les troubles "
        "psychiques.",
    ),
    _Org(
        "Ville de Sainte-Luce-sur-Loire",
        _M,
        ("ste-luce",),
        ("fetes-de-quartier", "loto-quiz", "pique-niques", "thes-dansants"),
        1,
        "La ville organise des animations pour ses habitants, en lien avec les associations "
        "lucéennes.",
    ),
    _Org(
        "Horizon Libre",
        _A,
        ("bellevue",),
        ("addictions",),
        2,
        "Une association d'entraide entre personnes confrontées à une addiction et leurs proches.",
    ),
    _Org(
        "Les Liens d'Ici",
        _A,
        ("ste-luce", "thouare"),
        ("solitude-isolement", "cafe-rencontre", "accompagnement-sorties"),
        2,
        "Une association de voisins qui agit contre l'isolement des habitants de Sainte-Luce.",
    ),
    _Org(
        "Coup de Pouce Scolaire",
        _A,
        ("reze", "bouguenais"),
        ("aide-aux-devoirs",),
        1,
        "Des bénévoles accompagnent la scolarité des enfants des quartiers de Rezé.",
    ),
    _Org(
        "Loire Propre et Belle",
        _A,
        ("indre", "la-montagne", "coueron", "st-jean-boiseau"),
        ("ramassage-dechets", "benevolat-solidaire"),
        1,
        "Des riverains mobilisés pour garder les bords de Loire propres.",
    ),
    _Org(
        "Passerelle des Âges",
        _A,
        ("basse-goulaine", "st-sebastien"),
        ("ateliers-intergenerationnels", "transmission-savoirs", "rencontres-ecoles-residences"),
        2,
        "L'association crée des occasions de rencontre entre enfants, parents et aînés.",
    ),
    _Org(
        "Centre socioculturel du Breil",
        _A,
        ("breil",),
        (
            "cafe-du-matin",
            "aide-numerique",
            "ateliers-cuisine",
            "tricot-couture",
            "conversation-francais",
            "ateliers-intergenerationnels",
        ),
        4,
        "Le centre socioculturel du quartier, animé par des habitants et des professionnels.",
    ),
    _Org(
        "Résidence seniors Le Clos des Tilleuls",
        _O,
        ("orvault",),
        ("rencontres-ecoles-residences", "jeux-de-societe", "ateliers-memoire", "thes-dansants"),
        2,
        "Une résidence services qui ouvre ses animations aux retraités du voisinage.",
    ),
    _Org(
        "Maison de quartier des Dervallières",
        _A,
        ("dervallieres",),
        ("gym-douce", "jeux-de-societe", "cafe-du-matin", "fetes-de-quartier", "art-floral"),
        3,
        "Un lieu d'accueil, d'animation et de services au cœur des Dervallières.",
    ),
    _Org(
        "Résidence autonomie Les Glycines",
        _O,
        ("dervallieres",),
        (
            "gouters",
            "loto-quiz",
            "rencontres-ecoles-residences",
            "gym-douce",
            "belote-tarot",
            "chorale-chant",
        ),
        3,
        "Une résidence pour personnes âgées autonomes dont les animations sont ouvertes aux "
        "retraités du quartier.",
    ),
    _Org(
        "Maison des solidarités de Rezé",
        _S,
        ("reze",),
        ("aide-alimentaire", "conversation-francais", "cafe-social", "ateliers-cuisine"),
        2,
        "Un lieu d'accueil pour les habitants en difficulté, géré par le département et la ville.",
    ),
    _Org(
        "Plateforme de répit des aidants",
        _S,
        ("st-donatien",),
        ("aidants", "cafe-rencontre", "yoga-relaxation", "accompagnement-sorties"),
        3,
        "La plateforme soutient les proches aidants de personnes âgées ou malades de "
        "l'agglomération.",
    ),
    _Org(
        "Espace des solidarités de Nantes Nord",
        _S,
        ("nantes-nord",),
        ("conversation-francais", "aide-numerique", "cafe-social", "aide-aux-devoirs"),
        2,
        "Travailleurs sociaux et bénévoles y accueillent les habitants pour leurs démarches et "
        "des ateliers.",
    ),
    _Org(
        "Maison de santé du Breil",
        _H,
        ("breil",),
        ("maladies-chroniques", "ateliers-memoire", "yoga-relaxation", "sante-mentale"),
        2,
        "Une équipe de soins de proximité qui organise aussi des ateliers d'éducation à la santé.",
    ),
    _Org(
        "Les Amis de Mauves",
        _A,
        ("mauves", "thouare"),
        ("balades-nature", "musees-patrimoine"),
        1,
        "L'association fait découvrir le patrimoine naturel et bâti des coteaux de Mauves.",
    ),
    _Org(
        "Espace ressources cancer de l'Estuaire",
        _H,
        ("hauts-paves",),
        ("cancer", "yoga-relaxation", "art-floral", "ateliers-ecriture"),
        2,
        "Un lieu d'accueil et de soins de support pour les personnes touchées par un cancer.",
    ),
    _Org(
        "Centre d'accueil en santé mentale de l'Erdre",
        _H,
        ("erdre",),
        ("sante-mentale", "peinture-dessin"),
        2,
        "Une équipe de soignants qui propose accueil, écoute et activités thérapeutiques.",
    ),
    _Org(
        "CCAS de Saint-Sébastien-sur-Loire",
        _M,
        ("st-sebastien",),
        (
            "appels-convivialite",
            "repas-partages",
            "gym-douce",
            "ateliers-memoire",
            "gouters",
            "visites-a-domicile",
        ),
        3,
        "Le service seniors du CCAS anime des activités et veille sur les personnes isolées.",
    ),
    _Org(
        "Ville d'Orvault",
        _M,
        ("orvault",),
        (
            "fetes-de-quartier",
            "balades-nature",
            "conferences-universite-populaire",
            "velo",
            "pique-niques",
        ),
        2,
        "La ville soutient la vie associative et organise des animations tout au long de l'année.",
    ),
    _Org(
        "Ville de Vertou",
        _M,
        ("vertou",),
        (
            "ramassage-dechets",
            "fetes-de-quartier",
            "thes-dansants",
            "marche-randonnee",
            "compostage",
        ),
        2,
        "La ville anime des rendez-vous pour tous les âges, au bord de la Sèvre.",
    ),
    _Org(
        "Ville de Couëron",
        _M,
        ("coueron",),
        ("musees-patrimoine", "cinema", "gouters", "fetes-de-quartier", "aide-numerique"),
        2,
        "La ville et son service seniors proposent sorties, animations et accompagnement "
        "numérique.",
    ),
    _Org(
        "CCAS de Carquefou",
        _M,
        ("carquefou",),
        (
            "repas-partages",
            "visites-a-domicile",
            "appels-convivialite",
            "gym-douce",
            "aide-numerique",
        ),
        2,
        "Le CCAS accompagne les seniors carquefolliens et lutte contre l'isolement.",
    ),
    _Org(
        "Les Aînés Rezéens",
        _A,
        ("reze",),
        ("belote-tarot", "petanque-boules", "marche-randonnee", "loto-quiz", "repas-partages"),
        3,
        "Un club de retraités très actif qui propose jeux, sorties et repas.",
    ),
    _Org(
        "École de musique La Clé des Champs",
        _A,
        ("sautron",),
        ("musique", "chorale-chant"),
        2,
        "Une école de musique associative ouverte aux adultes débutants.",
    ),
    _Org(
        "Photo-club de la Chézine",
        _A,
        ("st-herblain", "orvault"),
        ("photographie",),
        1,
        "Un club photo qui réunit amateurs débutants et passionnés.",
    ),
    _Org(
        "Atelier céramique Terre et Feu",
        _A,
        ("coueron",),
        ("poterie-ceramique",),
        1,
        "Un atelier de céramique associatif équipé de tours et d'un four.",
    ),
    _Org(
        "Cyclo-club de Sautron",
        _A,
        ("sautron", "orvault", "chapelle"),
        ("velo", "marche-randonnee"),
        1,
        "Un club de cyclotourisme pour rouler sans esprit de compétition.",
    ),
    _Org(
        "Point Écoute Addictions",
        _H,
        ("centre",),
        ("addictions",),
        1,
        "Une consultation gratuite et anonyme pour les personnes concernées par une addiction.",
    ),
    _Org(
        "Vivre Avec",
        _A,
        ("zola",),
        ("maladies-chroniques",),
        2,
        "Une association d'entraide pour les personnes vivant avec une maladie chronique.",
    ),
    _Org(
        "Les Jardiniers du Breil",
        _A,
        ("breil",),
        ("jardin-partage", "ateliers-jardinage", "compostage"),
        2,
        "Des habitants qui cultivent ensemble un jardin partagé au cœur du quartier.",
    ),
    _Org(
        "Ciné-club Les Lanternes",
        _A,
        ("zola",),
        ("cinema",),
        2,
        "Le ciné-club programme des films en après-midi à des tarifs doux.",
    ),
    _Org(
        "Aidants en Lien",
        _A,
        ("malakoff",),
        ("aidants",),
        2,
        "L'association soutient les proches aidants et leur offre des temps de répit.",
    ),
    _Org(
        "Le Panier Solidaire",
        _A,
        ("nantes-nord",),
        ("aide-alimentaire", "benevolat-solidaire"),
        2,
        "Une épicerie solidaire tenue par des bénévoles.",
    ),
    _Org(
        "Fil d'Argent 44",
        _A,
        ("malakoff",),
        ("appels-convivialite", "correspondance", "parrainage-amical"),
        2,
        "Des bénévoles gardent un lien régulier, par téléphone ou par courrier, avec des "
        "personnes âgées isolées.",
    ),
    _Org(
        "Gym Douce Saint-Félix",
        _A,
        ("hauts-paves",),
        ("gym-douce", "equilibre-prevention-chutes"),
        3,
        "Une association sportive dédiée à l'activité physique douce des plus de cinquante-cinq "
        "ans.",
    ),
    _Org(
        "Les Toques Solidaires",
        _A,
        ("bellevue",),
        ("ateliers-cuisine", "aide-alimentaire", "pique-niques"),
        2,
        "Des cuisiniers bénévoles qui partagent savoir-faire et bons repas.",
    ),
    _Org(
        "Librairie-café La Page Blanche",
        _O,
        ("bouffay",),
        ("lecture-club-lecture", "ateliers-ecriture", "cafe-rencontre"),
        2,
        "Une librairie indépendante avec un coin café et des rencontres régulières.",
    ),
    _Org(
        "Bénévoles en Action 44",
        _A,
        ("centre",),
        ("benevolat-solidaire", "accompagnement-sorties"),
        2,
        "L'association met en relation des bénévoles et des structures solidaires de "
        "l'agglomération.",
    ),
    _Org(
        "Les Conteurs de Malakoff",
        _A,
        ("malakoff",),
        ("lecture-aux-enfants",),
        1,
        "Des lecteurs bénévoles qui font vivre les histoires auprès des enfants du quartier.",
    ),
    _Org(
        "Art floral de la Sèvre",
        _A,
        ("vertou",),
        ("art-floral",),
        1,
        "Des passionnées de fleurs qui partagent leur savoir-faire.",
    ),
    _Org(
        "Tricot-Thé de Saint-Jean",
        _A,
        ("st-jean-boiseau",),
        ("tricot-couture",),
        1,
        "Un petit groupe de tricoteuses qui se retrouve autour d'un thé.",
    ),
    _Org(
        "Mémoire et Traditions de Saint-Léger",
        _A,
        ("st-leger",),
        ("transmission-savoirs", "musees-patrimoine"),
        1,
        "L'association recueille et transmet la mémoire du pays de Retz.",
    ),
    _Org(
        "Saint-Aignan Loisirs",
        _A,
        ("st-aignan",),
        ("gym-douce", "jeux-de-societe"),
        1,
        "Une association de loisirs pour tous les âges à Saint-Aignan-Grandlieu.",
    ),
    _Org(
        "Foyer des anciens de Brains",
        _A,
        ("brains",),
        ("gouters", "belote-tarot"),
        1,
        "Le foyer accueille les aînés de Brains pour des après-midi conviviaux.",
    ),
)

# Organizations whose own premises carry their name.
_OWN_VENUE = frozenset(
    {
        "Centre socioculturel du Breil",
        "Maison de quartier des Dervallières",
        "Le Café des Liens",
        "L'Établi Solidaire",
        "Le Repaire des Joueurs",
        "Librairie-café La Page Blanche",
    }
)

# --------------------------------------------------------------------------- venues

_STREETS = (
    "rue Jean-Jaurès",
    "rue Victor-Hugo",
    "avenue de la Libération",
    "rue des Lilas",
    "rue du Stade",
    "rue de la Mairie",
    "place de l'Église",
    "rue des Écoles",
    "allée des Tilleuls",
    "rue Pasteur",
    "rue du Général-de-Gaulle",
    "impasse des Peupliers",
    "rue des Acacias",
    "boulevard de la Loire",
    "rue de la Poste",
    "rue des Vignes",
    "chemin du Moulin",
    "rue Jules-Ferry",
    "rue Aristide-Briand",
    "rue de la Fontaine",
    "rue des Jardins",
    "rue du Château",
    "rue des Mimosas",
    "allée des Hortensias",
    "rue Anatole-France",
    "rue de Bretagne",
    "rue des Forges",
    "rue du Port",
    "place du Marché",
    "rue des Charmes",
    "rue Louis-Pasteur",
    "rue Émile-Zola",
    "rue des Roseaux",
    "avenue des Sports",
    "rue de la Gare",
    "rue des Coquelicots",
    "rue du Bois-Joli",
    "rue des Chênes",
    "rue de la République",
    "rue Paul-Bert",
)
_PEOPLE = (
    "Jules-Verne",
    "Anne-de-Bretagne",
    "Louise-Michel",
    "Simone-Veil",
    "Olympe-de-Gouges",
    "Jacques-Prévert",
    "Marie-Curie",
    "Jean-Moulin",
    "Colette",
    "Aristide-Briand",
    "George-Sand",
    "Victor-Schœlcher",
    "Lucie-Aubrac",
    "Pierre-de-Coubertin",
    "Jean-Zay",
    "Rosa-Parks",
    "Paul-Éluard",
    "Camille-Claudel",
    "Germaine-Tillion",
    "Léo-Lagrange",
    "Joséphine-Baker",
    "Albert-Camus",
)
_GARDENS = ("Quatre Saisons", "Lilas", "Capucines", "Simples", "Tournesols", "Potirons")

_ACCESS: dict[str, _Weighted] = {
    "default": (("full", 40), ("partial", 31), ("none", 29)),
    "public": (("full", 52), ("partial", 33), ("none", 15)),
    "nature": (("full", 30), ("partial", 35), ("none", 35)),
    "piscine": (("full", 75), ("partial", 20), ("none", 5)),
}

_SLOT_TIMES = {
    "morning": (((9, 0), (9, 30), (10, 0), (10, 30)), (12, 30)),
    "midi": (((11, 45), (12, 0), (12, 15), (12, 30)), (15, 0)),
    "afternoon": (((14, 0), (14, 15), (14, 30), (15, 0), (15, 30), (16, 0)), (18, 30)),
    "evening": (((18, 0), (18, 30), (19, 0), (19, 30), (20, 0)), (22, 0)),
}
_DAY_ORDER = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_MONTH_ORDINALS: _Weighted = ((1, 3), (2, 2), (3, 2), (4, 1), (-1, 2))

_WELCOMES = (
    "Les nouveaux venus sont toujours bien accueillis.",
    "Vous pouvez venir une première fois sans engagement.",
    "L'ambiance est chaleureuse et bienveillante.",
)

_TITLE_SUFFIXES = {
    "online": (" en visio", " (en ligne)"),
    "mixed": (" (sur place et en visio)",),
    "phone": (" par téléphone",),
    "at_home": (" à domicile",),
}


def _pick(rng: Random, weighted: _Weighted):
    values = [value for value, _ in weighted]
    return rng.choices(values, weights=[weight for _, weight in weighted])[0]


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_text.lower()).split()
    return "-".join(words)


def _euros(amount: Decimal) -> str:
    if amount == amount.to_integral_value():
        return f"{int(amount)} €"
    return f"{amount:.2f} €".replace(".", ",")


def _luhn_complete(digits: str) -> str:
    """Append the Luhn check digit used by SIREN numbers."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled, as the check digit will shift everything by one
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return digits + str((10 - total % 10) % 10)


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month = (h + m - 7 * n + 114) // 31
    day = (h + m - 7 * n + 114) % 31 + 1
    return date(year, month, day)


@functools.cache
def _closed_days(year: int) -> frozenset[date]:
    """French public holidays of `year` and the Christmas break around it."""
    easter = _easter(year)
    days = {
        date(year, 1, 1),
        easter + timedelta(days=1),
        date(year, 5, 1),
        date(year, 5, 8),
        easter + timedelta(days=39),
        easter + timedelta(days=50),
        date(year, 7, 14),
        date(year, 8, 15),
        date(year, 11, 1),
        date(year, 11, 11),
        date(year, 12, 25),
    }
    days.update(date(year, 12, 22) + timedelta(days=offset) for offset in range(10))
    days.update(date(year, 1, 1) + timedelta(days=offset) for offset in range(3))
    return frozenset(days)


@functools.cache
def _zone_geometry(zone_key: str) -> tuple[tuple[float, float], float]:
    """Sampling centre (lat, lng) and latitude spread for a zone."""
    zone = ZONES[zone_key]
    if zone.center is not None:
        return zone.center, zone.spread
    outline = _communes()[zone.insee][1]
    centre = outline.centroid
    if not outline.contains(centre):
        centre = outline.representative_point()
    min_x, min_y, max_x, max_y = outline.bounds
    return (centre.y, centre.x), 0.18 * min(max_y - min_y, (max_x - min_x) * 0.68)


def _sample_point(rng: Random, zone_key: str) -> tuple[float, float]:
    """A point strictly inside the zone's commune, near the zone's centre."""
    insee = ZONES[zone_key].insee
    inside = _prepared(insee)
    (lat0, lng0), spread = _zone_geometry(zone_key)
    for attempt in range(400):
        scale = spread * (1 + attempt // 100)
        lat = round(rng.gauss(lat0, scale), 6)
        lng = round(rng.gauss(lng0, scale * 1.47), 6)
        if inside.contains(Point(lng, lat)):
            return lat, lng
    min_x, min_y, max_x, max_y = _communes()[insee][1].bounds
    while True:
        lat, lng = round(rng.uniform(min_y, max_y), 6), round(rng.uniform(min_x, max_x), 6)
        if inside.contains(Point(lng, lat)):
            return lat, lng


# --------------------------------------------------------------------------- generator


def _org_specs(count: int) -> list[_Org]:
    specs = list(ORGANIZATIONS[:count])
    zone_keys = list(ZONES)
    for index in range(count - len(specs)):  # more than the pool: neighbourhood friendly societies
        zone = ZONES[zone_keys[index % len(zone_keys)]]
        round_ = index // len(zone_keys)
        suffix = f" ({round_ + 1})" if round_ else ""
        specs.append(
            _Org(
                f"Amicale des habitants {zone.de}{suffix}",
                "association",
                (zone.key,),
                (
                    "cafe-rencontre",
                    "jeux-de-societe",
                    "gouters",
                    "marche-randonnee",
                    "repas-partages",
                ),
                2,
                "Une association d'habitants qui organise des rendez-vous conviviaux dans le "
                "quartier.",
            )
        )
    return specs


class _Builder:
    def __init__(self, rng: Random, today: date, leaf_names: dict[str, str]):
        self.rng = rng
        self.today = today
        self.leaf_names = leaf_names
        self.places: dict[str, DemoPlace] = {}
        self.venues: dict[tuple[str, str], DemoPlace] = {}  # (zone, name) -> first place there
        self.venue_zones: dict[tuple[str, str], str] = {}  # (commune, name) -> its zone
        self.used_phones: set[str] = set()
        self.used_sirens: set[str] = set()
        self.slugs: set[str] = set()

    # -- organizations ---------------------------------------------------------------

    def _phone(self, mobile: bool) -> str:
        prefix = "06 39 98" if mobile else "02 61 91"
        while True:
            number = f"{prefix} {self.rng.randrange(100):02d} {self.rng.randrange(100):02d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def _siren(self, prefix: str) -> str:
        while True:
            body = prefix + "".join(str(self.rng.randrange(10)) for _ in range(8 - len(prefix)))
            siren = _luhn_complete(body)
            if siren not in self.used_sirens:
                self.used_sirens.add(siren)
                return siren

    def organization(self, spec: _Org) -> DemoOrganization:
        rng = self.rng
        slug = base = _slugify(spec.name)
        counter = 2
        while slug in self.slugs:
            slug, counter = f"{base}-{counter}", counter + 1
        self.slugs.add(slug)

        is_public = spec.kind in ("municipality", "social_service", "health")
        mailbox = {"municipality": "seniors", "social_service": "accueil", "health": "secretariat"}
        email = f"{mailbox.get(spec.kind, 'contact')}@{slug}.example"
        has_site = is_public or spec.kind == "other" or rng.random() < 0.75
        website = f"https://www.{slug}.example" if has_site else ""
        phone = self._phone(mobile=spec.kind == "association" and rng.random() < 0.35)
        if spec.kind == "association":
            verified = rng.random() < 0.35
            siren = self._siren(rng.choice("7845")) if rng.random() < 0.65 else ""
        else:
            verified = is_public or rng.random() < 0.6
            prefix = {
                "municipality": "2144",
                "social_service": "2644",
                "health": "77",
                "other": "4",
            }
            siren = self._siren(prefix[spec.kind])

        activities = ", ".join(self.leaf_names[leaf].lower() for leaf in spec.focus[:4])
        sentences = [spec.blurb, f"Au programme : {activities}."]
        if spec.kind == "association" and rng.random() < 0.5:
            sentences.append(
                rng.choice(
                    (
                        "On peut adhérer à tout moment de l'année.",
                        "L'association vit grâce à ses bénévoles : toute aide est bienvenue.",
                        "Les activités sont ouvertes aux non-adhérents pour une première "
                        "découverte.",
                    )
                )
            )
        return DemoOrganization(
            slug=slug,
            name=spec.name,
            kind=spec.kind,
            description=" ".join(s for s in sentences if s),
            email=email,
            phone=phone,
            website=website,
            verified=verified,
            siren=siren,
        )

    # -- places ----------------------------------------------------------------------

    def _venue_name(self, spec: _Org, zone: _Zone, place_type: str, home: bool) -> str:
        rng = self.rng
        in_nantes = zone.insee == NANTES_INSEE
        person = rng.choice(_PEOPLE)
        if place_type == "nature":
            return "Rendez-vous : " + rng.choice(zone.meeting_points)
        if place_type == "gym":
            options = ("Gymnase {p}", "Salle de sport {de}", "Complexe sportif {p}", "Dojo {de}")
        elif place_type == "piscine":
            options = ("Piscine {p}", "Centre aquatique {de}", "Piscine municipale {de}")
        elif place_type == "jardin":
            options = ("Jardin partagé {de}", "Jardin des {g}", "Potager collectif {de}")
        elif place_type == "boulodrome":
            options = ("Boulodrome {de}", "Boulodrome {p}", "Terrain de boules {de}")
        elif home and (
            spec.kind in ("health", "social_service", "other") or spec.name in _OWN_VENUE
        ):
            return spec.name
        elif spec.kind == "municipality" and in_nantes:
            options = (
                "Maison de quartier {de}",
                "Espace seniors {de}",
                "Salle municipale {p}",
                "Médiathèque {p}",
                "Pôle associatif {de}",
            )
        elif spec.kind == "municipality":
            options = (
                "Salle des fêtes {de}",
                "Espace culturel {p}",
                "Maison des associations {de}",
                "Médiathèque {p}",
                "Espace seniors {de}",
            )
        elif in_nantes:
            options = (
                "Maison de quartier {de}",
                "Salle {p}",
                "Local associatif {de}",
                "Maison des associations {de}",
                "Salle {p}",
            )
        else:
            options = (
                "Salle des fêtes {de}",
                "Salle {p}",
                "Maison des associations {de}",
                "Foyer municipal {de}",
                "Salle polyvalente {p}",
            )
        return rng.choice(options).format(de=zone.de, p=person, g=rng.choice(_GARDENS))

    def place(
        self, org: DemoOrganization, spec: _Org, zone_key: str, place_type: str, variant: int = 1
    ) -> str:
        """Key of the organization's venue of this type in this zone, created on first use."""
        key = f"{org.slug}-{place_type}-{zone_key}" + (f"-{variant}" if variant > 1 else "")
        if key in self.places:
            return key
        rng = self.rng
        zone = ZONES[zone_key]
        home = zone_key == spec.zones[0] and variant == 1
        taken = {p.name for p in self.places.values() if p.organization_slug == org.slug}
        name = self._venue_name(spec, zone, place_type, home=home)
        for _ in range(20):
            # An organization's venues have distinct names, and a name denotes one venue
            # per commune (shared by the organizations of that neighbourhood).
            elsewhere = self.venue_zones.get((zone.insee, name), zone_key) != zone_key
            if name not in taken and not elsewhere:
                break
            name = self._venue_name(spec, zone, place_type, home=False)
        else:
            name = f"{name} ({org.name})"
        self.venue_zones.setdefault((zone.insee, name), zone_key)
        shared = self.venues.get((zone_key, name))
        if shared is not None:  # the same hall, used by another organization
            place = replace(shared, key=key, organization_slug=org.slug)
        else:
            if place_type in ("nature", "piscine"):
                access = _ACCESS[place_type]
            elif spec.kind in ("municipality", "social_service", "health"):
                access = _ACCESS["public"]
            else:
                access = _ACCESS["default"]
            wheelchair = _pick(rng, access)
            motor_chance = {"full": 0.9, "partial": 0.4, "none": 0.0}[wheelchair]
            chances = {
                "hearing": 0.35,
                "visual": 0.2,
                "psychic": 0.25,
                "motor": motor_chance,
                "intellectual": 0.25,
            }
            flags = tuple(f for f in choices.ACCESSIBILITY_FLAGS if rng.random() < chances[f])
            lat, lng = _sample_point(rng, zone_key)
            number = rng.randint(1, 120)
            number_text = f"{number} bis" if rng.random() < 0.05 else str(number)
            place = DemoPlace(
                key=key,
                organization_slug=org.slug,
                name=name,
                address=f"{number_text} {rng.choice(_STREETS)}",
                postal_code=zone.postal_code,
                city=METROPOLE_COMMUNES[zone.insee][0],
                insee=zone.insee,
                lat=lat,
                lng=lng,
                wheelchair=wheelchair,
                accessibility=flags,
                transport=rng.choice(zone.transports),
            )
            self.venues[(zone_key, name)] = place
        self.places[key] = place
        return key

    # -- schedules -------------------------------------------------------------------

    def _times(self, leaf: _Leaf, slot: str | None = None) -> tuple[time, time]:
        rng = self.rng
        slot = slot or _pick(rng, leaf.slots)
        starts, (latest_h, latest_m) = _SLOT_TIMES[slot]
        latest = latest_h * 60 + latest_m
        duration = rng.choice(leaf.durations)
        fitting = [s for s in starts if s[0] * 60 + s[1] + duration <= latest] or [starts[0]]
        start_h, start_m = rng.choice(fitting)
        end = min(start_h * 60 + start_m + duration, latest)
        return time(start_h, start_m), time(end // 60, end % 60)

    def _days(self, leaf: _Leaf, count: int) -> list[str]:
        weighted = leaf.days if len(leaf.days) >= count else _WEEKDAYS
        days: list[str] = []
        while len(days) < count:
            day = _pick(self.rng, weighted)
            if day not in days:
                days.append(day)
        return sorted(days, key=_DAY_ORDER.index)

    def _valid_to(self, valid_from: date) -> date | None:
        rng = self.rng
        if rng.random() >= 0.25:
            return None
        floor = self.today + timedelta(days=100)
        if rng.random() < 0.6:  # until the end of the school year
            end = date(floor.year, 6, 30)
            return end if end >= floor else date(floor.year + 1, 6, 30)
        return max(valid_from + timedelta(days=rng.randint(240, 420)), floor)

    def _exdates(
        self, rrule: str, valid_from: date, valid_to: date | None, start: time
    ) -> tuple[date, ...]:
        horizon = min(
            valid_to or date.max, valid_from + timedelta(days=400), self.today + timedelta(days=365)
        )
        rule = rrulestr(rrule, dtstart=datetime.combine(valid_from, start))
        occurrences = [
            d.date()
            for d in rule.between(
                datetime.combine(valid_from, time.min),
                datetime.combine(horizon, time.max),
                inc=True,
            )
        ]
        closed = [d for d in occurrences if d in _closed_days(d.year)]
        if not closed:  # one session cancelled in the coming weeks
            soon = [d for d in occurrences if self.today < d <= self.today + timedelta(days=84)]
            closed = [self.rng.choice(soon)] if soon else []
        return tuple(closed[:12])

    def schedule(
        self, leaf: _Leaf, rhythm: str, slot: str | None = None, days_taken: tuple[str, ...] = ()
    ) -> tuple[DemoSchedule, str | None]:
        """A schedule and, for a plain weekly one, its day (for "du mardi" titles)."""
        rng, today = self.rng, self.today
        start, end = self._times(leaf, slot)
        if rhythm == "oneoff":
            wanted = set(self._days(leaf, 1) if rng.random() < 0.7 else _DAY_ORDER)
            candidates = [today + timedelta(days=n) for n in range(3, 84)]
            candidates = [d for d in candidates if _DAY_ORDER[d.weekday()] in wanted]
            count = min(_pick(rng, ((1, 7), (2, 2), (3, 1))), len(candidates))
            dates = tuple(sorted(rng.sample(candidates, count)))
            sched = DemoSchedule(None, dates, start, end, dates[0], dates[-1], ())
            return sched, None

        day = None
        if rhythm in ("weekly", "biweekly", "monthly_nth"):
            day = self._days(leaf, 1)[0]
            if day in days_taken:
                day = next(d for d in ("TU", "TH", "MO", "WE", "FR") if d not in days_taken)
        if rhythm == "weekly":
            rrule = f"FREQ=WEEKLY;BYDAY={day}"
        elif rhythm == "weekly2":
            rrule = "FREQ=WEEKLY;BYDAY=" + ",".join(self._days(leaf, 2))
        elif rhythm == "biweekly":
            rrule = f"FREQ=WEEKLY;INTERVAL=2;BYDAY={day}"
        elif rhythm == "monthly_nth":
            rrule = f"FREQ=MONTHLY;BYDAY={_pick(rng, _MONTH_ORDINALS)}{day}"
        elif rhythm == "monthly_day":
            rrule = (
                f"FREQ=MONTHLY;BYMONTHDAY={rng.choice((1, 5, 8, 10, 12, 15, 18, 20, 22, 25, 28))}"
            )
        else:  # daily
            rrule = rng.choice(("FREQ=DAILY", "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"))

        if rng.random() < 0.72:
            valid_from = today - timedelta(days=rng.randint(7, 150))
        else:
            valid_from = today + timedelta(days=rng.randint(0, 35))
        valid_to = self._valid_to(valid_from)
        exdates = self._exdates(rrule, valid_from, valid_to, start) if rng.random() < 0.35 else ()
        sched = DemoSchedule(rrule, (), start, end, valid_from, valid_to, exdates)
        if not _has_upcoming(sched, today):
            sched = DemoSchedule(rrule, (), start, end, valid_from, valid_to, ())
        return sched, day if rhythm == "weekly" else None


def _has_upcoming(sched: DemoSchedule, today: date, weeks: int = 12) -> bool:
    """Whether the schedule has an occurrence after today and within `weeks` weeks."""
    horizon = today + timedelta(weeks=weeks)
    if sched.rrule is None:
        return any(today < d <= horizon for d in sched.dates)
    rule = rrulestr(sched.rrule, dtstart=datetime.combine(sched.valid_from, sched.start_time))
    last = min(horizon, sched.valid_to or horizon)
    found = rule.between(
        datetime.combine(today + timedelta(days=1), time.min),
        datetime.combine(last, time.max),
        inc=True,
    )
    return any(d.date() not in sched.exdates for d in found)


def _activity_text(rng: Random, leaf_slug: str, leaf: _Leaf, mode: str, price_sentence: str) -> str:
    sentences = [rng.choice(leaf.intros)]
    if mode == "online":
        sentences.append(
            "Les rencontres ont lieu en visioconférence ; le lien de connexion est envoyé après "
            "inscription."
        )
    elif mode == "mixed":
        sentences.append(
            "On peut participer sur place ou suivre la séance en visio depuis chez soi."
        )
    elif mode == "phone" and leaf.forced_mode != "phone":
        sentences.append("Tout se passe par téléphone, aux jours et heures convenus ensemble.")
    elif mode == "at_home" and leaf.forced_mode != "at_home":
        sentences.append("Un bénévole se déplace à votre domicile, sur rendez-vous.")
    on_site = mode in ("in_person", "mixed") or leaf.forced_mode is not None
    if leaf.details and on_site and rng.random() < 0.7:
        sentences.append(rng.choice(leaf.details))
    sentences.append(price_sentence)
    if len(sentences) < 4 and rng.random() < 0.35:
        sentences.append(rng.choice(_WELCOMES))
    return " ".join(sentences[:4])


def _plan(rng: Random, specs: list[_Org], leaves: list[str], count: int) -> list[tuple[int, str]]:
    """(organization index, leaf) per activity.

    Every leaf comes first, then every organization gets at least one activity.
    """
    slot_leaves = leaves[:count]
    weights = [LEAVES[leaf].weight for leaf in leaves]
    while len(slot_leaves) < count:
        slot_leaves.append(rng.choices(leaves, weights=weights)[0])
    owner: list[int | None] = [None] * count
    for index, spec in enumerate(specs):
        free_slots = [i for i in range(count) if owner[i] is None and slot_leaves[i] in spec.focus]
        if not free_slots:  # take a spare slot and give it one of this organization's themes
            free_slots = [i for i in range(len(leaves), count) if owner[i] is None]
            if not free_slots:
                continue
            chosen = rng.choice(free_slots)
            slot_leaves[chosen] = rng.choice(spec.focus)
        else:
            chosen = rng.choice(free_slots)
        owner[chosen] = index
    fallback = [i for i, spec in enumerate(specs) if spec.kind == "municipality"] or list(
        range(len(specs))
    )
    for i in range(count):
        if owner[i] is None:
            candidates = [
                j for j, spec in enumerate(specs) if slot_leaves[i] in spec.focus
            ] or fallback
            owner[i] = rng.choices(candidates, weights=[specs[j].weight for j in candidates])[0]
    order = sorted(range(count), key=lambda i: (owner[i], i))
    return [(owner[i], slot_leaves[i]) for i in order]


# Share of activities by attendance mode (the rest are in person).
_MODE_SHARES = (("at_home", 0.05), ("phone", 0.04), ("online", 0.08), ("mixed", 0.05))


def _modes(rng: Random, leaves: list[str]) -> list[str]:
    modes: list[str | None] = [LEAVES[leaf].forced_mode for leaf in leaves]
    for mode, share in _MODE_SHARES:
        wanted = round(len(leaves) * share) - modes.count(mode)
        candidates = [
            i for i, leaf in enumerate(leaves) if modes[i] is None and mode in LEAVES[leaf].modes
        ]
        rng.shuffle(candidates)
        for i in candidates[: max(wanted, 0)]:
            modes[i] = mode
    return [mode or "in_person" for mode in modes]


_TITLE_MARKERS = ("once:", "monthly:", "site:")


def _title_usable(pattern: str, weekday: str | None, rhythm: str, mode: str) -> bool:
    if pattern.startswith("once:"):
        return rhythm == "oneoff"
    if pattern.startswith("monthly:"):
        return rhythm.startswith("monthly")
    if pattern.startswith("site:"):
        return mode == "in_person"
    return weekday is not None or "{jour}" not in pattern


def _title(
    rng: Random,
    leaf_slug: str,
    leaf: _Leaf,
    weekday: str | None,
    rhythm: str,
    mode: str,
    fields: dict[str, str],
    taster: bool,
) -> str:
    mode_titles = dict(leaf.mode_titles)
    if mode in mode_titles:
        return rng.choice(mode_titles[mode])
    patterns = [t for t in leaf.titles if _title_usable(t, weekday, rhythm, mode)]
    pattern = rng.choice(patterns)
    for marker in _TITLE_MARKERS:
        pattern = pattern.removeprefix(marker)
    title = pattern.format(**fields)
    if taster:
        title = (
            rng.choice(("Portes ouvertes : ", "Séance découverte : "))
            + title[0].lower()
            + title[1:]
        )
    visiting = leaf.forced_mode or leaf_slug in _VISITING_LEAVES
    if mode != "in_person" and not visiting:
        title += rng.choice(_TITLE_SUFFIXES[mode])
    return title


# Leaves whose titles already say how the resident is reached.
_VISITING_LEAVES = ("parrainage-amical", "correspondance", "accompagnement-sorties")


def _check_recipes(leaf_slugs: list[str]) -> None:
    if sorted(LEAVES) != sorted(leaf_slugs):
        missing = sorted(set(leaf_slugs) ^ set(LEAVES))
        raise ValueError(f"LEAVES and taxonomy.json disagree on: {missing}")
    kinds = set(choices.ActivityKind.values)
    for slug, leaf in LEAVES.items():
        if not {kind for kind, _ in leaf.kinds} <= kinds:
            raise ValueError(f"unknown kind in {slug}")
        if not any(_title_usable(t, None, "monthly_nth", "online") for t in leaf.titles):
            raise ValueError(f"{slug} needs a title usable anywhere, any time")
        if not set(leaf.related) <= set(LEAVES):
            raise ValueError(f"unknown related leaf in {slug}")


def generate(
    *, today: date, seed: int = 44109, n_organizations: int = 70, n_activities: int = 340
) -> DemoDirectory:
    """Build the demo directory. Same arguments, same directory."""
    if n_organizations < 1 or n_activities < 1:
        raise ValueError("n_organizations and n_activities must be positive")
    rng = Random(seed)
    taxonomy = load_taxonomy()
    leaf_names = {child["slug"]: child["name_fr"] for top in taxonomy for child in top["children"]}
    leaf_slugs = list(leaf_names)
    _check_recipes(leaf_slugs)

    builder = _Builder(rng, today, leaf_names)
    specs = _org_specs(n_organizations)
    organizations = [builder.organization(spec) for spec in specs]
    plan = _plan(rng, specs, leaf_slugs, n_activities)
    modes = _modes(rng, [leaf for _, leaf in plan])

    covered: set[str] = set()
    activities = []
    for number, ((org_index, leaf_slug), mode) in enumerate(zip(plan, modes, strict=True), start=1):
        first_of_leaf = leaf_slug not in covered
        covered.add(leaf_slug)
        activities.append(
            _activity(
                builder,
                number,
                specs[org_index],
                organizations[org_index],
                leaf_slug,
                mode,
                first_of_leaf,
            )
        )
    return DemoDirectory(
        organizations=tuple(organizations),
        places=tuple(builder.places.values()),
        activities=tuple(activities),
    )


def _activity(
    builder: _Builder,
    number: int,
    spec: _Org,
    org: DemoOrganization,
    leaf_slug: str,
    mode: str,
    must_publish: bool,
) -> DemoActivity:
    rng = builder.rng
    leaf = LEAVES[leaf_slug]
    kind = _pick(rng, leaf.kinds)
    zone_key = spec.zones[0] if rng.random() < 0.5 else rng.choice(spec.zones)
    zone = ZONES[zone_key]
    remote = mode in ("online", "at_home", "phone")
    variant = 1
    if leaf.place == "salle" and spec.kind == "municipality" and len(spec.zones) == 1:
        variant = rng.choice((1, 1, 2, 3))  # a town hall runs several venues
    elif leaf.place == "salle" and spec.weight >= 3 and rng.random() < 0.3:
        variant = 2
    place_key = None if remote else builder.place(org, spec, zone_key, leaf.place, variant)

    # When and how often.
    rhythms = leaf.rhythm
    has_oneoff = any(r == "oneoff" for r, _ in rhythms)
    if kind == "event" and not has_oneoff:
        rhythms = _R_EVENT
    elif kind == "outing" and not has_oneoff:
        rhythms = _R_OUTING
    rhythm = _pick(rng, rhythms)
    taster = rhythm != "oneoff" and kind in ("club", "class") and not remote and rng.random() < 0.03
    if taster:
        rhythm = "oneoff"  # an open day, a taster session
    if mode in ("at_home", "phone") and rhythm == "oneoff":
        rhythm = "weekly"
    if kind == "event" and rhythm in ("weekly", "weekly2", "daily"):
        kind = next((k for k, _ in leaf.kinds if k in ("club", "class")), kind)
    first, weekday = builder.schedule(leaf, rhythm)
    schedules = [first]
    if rhythm in ("weekly", "biweekly") and kind in ("club", "class") and rng.random() < 0.12:
        taken = tuple(first.rrule.rsplit("=", 1)[1].split(","))
        second, _ = builder.schedule(leaf, rhythm, days_taken=taken)
        schedules.append(
            replace(
                second,
                valid_from=first.valid_from,
                valid_to=first.valid_to,
                exdates=tuple(d for d in second.exdates if d >= first.valid_from),
            )
        )
        weekday = None

    # Who it is for.
    audiences = _pick(rng, leaf.audiences)
    if leaf.ages:
        age_min, age_max = rng.choice(leaf.ages)
    elif "youth" in audiences:
        age_min, age_max = rng.choice((11, 12, 14, 15)), rng.choice((17, 18, 25))
    elif "seniors" in audiences and rng.random() < 0.35:
        age_min, age_max = rng.choice((55, 60, 60, 65)), None
    elif "families" not in audiences and rng.random() < 0.12:
        age_min, age_max = 18, None
    else:
        age_min = age_max = None
    languages = _pick(rng, leaf.languages)
    if leaf.languages is _FR:
        languages = _pick(
            rng,
            (
                (("fr",), 90),
                (("fr", "en"), 6),
                (("fr", "fcs"), 2),
                (("fr", "ar"), 1),
                (("fr", "es"), 1),
            ),
        )

    # Title and summary.
    foreign = next((code for code in languages if code in LANGUAGE_FORMS), "en")
    fields = {
        "jour": f"du {WEEKDAY_NAMES[weekday]}" if weekday else "",
        "de": zone.de,
        "a": zone.a,
        "balade": rng.choice(zone.walks),
        "theme": rng.choice(CONFERENCE_THEMES),
        "langue": LANGUAGE_FORMS[foreign][0],
        "de_langue": LANGUAGE_FORMS[foreign][1],
        "le_langue": LANGUAGE_FORMS[foreign][2],
    }
    title = _title(rng, leaf_slug, leaf, weekday, rhythm, mode, fields, taster)
    summary = rng.choice(leaf.summaries).format(**fields)
    if len(summary) > 200:
        raise ValueError(f"summary too long for {leaf_slug}: {summary!r}")

    # Categories.
    categories = [leaf_slug]
    extra = [slug for slug in leaf.related if slug != leaf_slug]
    roll = rng.random()
    if extra and roll < 0.3:
        categories += rng.sample(extra, 2 if roll < 0.08 and len(extra) >= 2 else 1)

    # Size and effort.
    group_size = "one_to_one" if mode in ("at_home", "phone") else _pick(rng, leaf.groups)
    if group_size == "one_to_one" or rng.random() < (0.4 if group_size == "large" else 0.15):
        capacity = None
    else:
        low, high = {"small": (6, 12), "medium": (13, 30), "large": (31, 120)}[group_size]
        capacity = rng.randint(low, high)
    intensity = _pick(rng, leaf.intensity)

    # Cost.
    is_free = rng.random() < leaf.free
    price_min = price_max = reduced = None
    if is_free:
        price_text = "Gratuit"
    elif rng.random() < 0.35:  # yearly membership
        low, high = leaf.membership
        price_min = Decimal(rng.randrange(low, high + 1, 5) if high - low >= 5 else low)
        price_max = price_min + (Decimal(rng.choice((10, 15, 20))) if rng.random() < 0.3 else 0)
        price_text = f"Adhésion annuelle : {_euros(price_min)}"
        if price_max != price_min:
            price_text = (
                f"Adhésion annuelle de {_euros(price_min)} à {_euros(price_max)} selon les revenus"
            )
    else:  # per session
        low, high = leaf.session_price
        price_min = Decimal(rng.randint(low * 2, high * 2)) / 2
        price_max = price_min + (Decimal(rng.choice((1, 2, 3))) if rng.random() < 0.25 else 0)
        price_text = f"Participation : {_euros(price_min)} la séance"
        if price_max != price_min:
            price_text = (
                f"Participation de {_euros(price_min)} à {_euros(price_max)} "
                "la séance selon les revenus"
            )
    if price_min is not None:
        price_min, price_max = (
            price_min.quantize(Decimal("0.01")),
            price_max.quantize(Decimal("0.01")),
        )
        if rng.random() < 0.35:
            reduced = (Decimal(int(price_min)) / 2).quantize(Decimal("0.01"))  # half, whole euros
            if reduced <= 0 or reduced >= price_min:
                reduced = None
            else:
                price_text += f" ({_euros(reduced)} en tarif réduit)"

    # Registration.
    if remote or group_size == "one_to_one":
        required = rng.random() < 0.9
    elif capacity is not None:
        required = rng.random() < 0.6
    else:
        required = rng.random() < (0.2 if kind == "event" else 0.3)
    reg_url = reg_phone = reg_email = ""
    if required:
        channel = _pick(rng, (("phone", 4), ("email", 2), ("url", 2), ("both", 3)))
        if channel == "url" and org.website:
            reg_url = f"{org.website}/inscription"
        elif channel == "email":
            reg_email = org.email
        elif channel == "both":
            reg_phone, reg_email = org.phone, org.email
        else:
            reg_phone = org.phone
        contact = reg_phone or reg_email or reg_url
        how = f"inscription au {contact}" if reg_phone else f"inscription : {contact}"
        price_sentence = f"{price_text}, {how}."
    else:
        price_sentence = f"{price_text}, sans inscription."
    description = _activity_text(rng, leaf_slug, leaf, mode, price_sentence)

    # Communes reached at home or by phone.
    service_area: tuple[str, ...] = ()
    if mode in ("at_home", "phone"):
        if spec.kind == "municipality":
            service_area = (zone.insee,)
        elif mode == "phone" and rng.random() < 0.4:
            service_area = NANTES_METROPOLE_INSEE
        else:
            neighbours = _neighbours()[zone.insee]
            picked = rng.sample(neighbours, min(len(neighbours), rng.randint(0, 4)))
            service_area = tuple(sorted({zone.insee, *picked}))

    if must_publish:
        status = "published"
    else:
        status = _pick(rng, (("published", 90), ("draft", 5), ("pending", 5)))

    return DemoActivity(
        external_id=f"nantes-demo-{number:04d}",
        organization_slug=org.slug,
        place_key=place_key,
        title=title,
        summary=summary,
        description=description,
        kind=kind,
        category_slugs=tuple(categories),
        audiences=tuple(audiences),
        age_min=age_min,
        age_max=age_max,
        attendance_mode=mode,
        service_area_insee=service_area,
        languages=tuple(languages),
        is_free=is_free,
        price_min=price_min,
        price_max=price_max,
        reduced_price=reduced,
        registration="required" if required else "none",
        registration_url=reg_url,
        registration_phone=reg_phone,
        registration_email=reg_email,
        capacity=capacity,
        intensity=intensity,
        group_size=group_size,
        schedules=tuple(schedules),
        status=status,
    )
