"""The matcher's engine: each resident's top k feasible activities, diversified, with reasons.

Pure functions over numpy arrays, no ORM and no Django, split by reason to change:

- `tables`: the vocabulary (modes, weights) and the arrays both engines read;
- `reach`: distances on the sphere and the one reach test (`reach_cap`);
- `lookups`: what scoring pairs needs beyond the two tables;
- `reference`: the definition of the score and hard constraints (`pair_scores`), and
  `recommend`, every pair scored exactly, written to be read;
- `spatial` and `batch`: the production engine (`recommend_batched`, `lists_batched`), which
  gives the reference's lists for any number of residents;
- `lists`: diversity re-rank and the lists as arrays or objects;
- `reason_keys`: an item's reasons encoded as one integer, and decoded.

The names below are the engine's public surface.
"""

from matching.engine.batch import BATCH_SIZE, Prepared, lists_batched, recommend_batched
from matching.engine.lists import Lists, cycle_collector_paused, diversify, recommendations
from matching.engine.lookups import Lookups, ResidentTerms, ServiceAreas
from matching.engine.reach import arc_km, latlng, reach_cap, unit_vectors
from matching.engine.reason_keys import reason_parts, reasons_of
from matching.engine.reference import lists_among, pair_scores, recommend, recommend_among
from matching.engine.tables import (
    AT_HOME,
    DIVERSITY_DECAY,
    DIVERSITY_TOP,
    ENGINE_VERSION,
    IN_PERSON,
    LONELY_SCORE,
    MIN_DECAY_REACH_KM,
    MIXED,
    MODES,
    ONLINE,
    PHONE,
    REMOTE_REACH_MODES,
    TOP_K,
    VENUE_MODES,
    WEIGHTS,
    Candidates,
    PairScores,
    Recommendation,
    Residents,
)

__all__ = [
    "AT_HOME", "BATCH_SIZE", "DIVERSITY_DECAY", "DIVERSITY_TOP", "ENGINE_VERSION", "IN_PERSON",
    "LONELY_SCORE", "MIN_DECAY_REACH_KM", "MIXED", "MODES", "ONLINE", "PHONE",
    "REMOTE_REACH_MODES", "TOP_K", "VENUE_MODES", "WEIGHTS", "Candidates", "Lists", "Lookups",
    "PairScores", "Prepared", "Recommendation", "ResidentTerms", "Residents", "ServiceAreas",
    "arc_km", "cycle_collector_paused", "diversify", "latlng", "lists_among", "lists_batched",
    "pair_scores", "reach_cap", "reason_parts", "reasons_of", "recommend", "recommend_among",
    "recommend_batched", "recommendations", "unit_vectors",
]  # fmt: skip
