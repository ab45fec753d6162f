"""Quality of the matcher on a synthetic city with planted truths (no database).

    python -m bench.matching_eval [--activities 3000] [--residents 5000] [--seed 2025]

The engine (`engine.recommend_batched`) scores the residents' DECLARED profiles; its lists are
judged against their hidden TRUE profiles (bench.matching_synth). An activity is relevant to
a resident when it is feasible under the resident's TRUE hard constraints and in a category
the resident truly likes; its grade is the weight of that interest, times 0.5..1 for the share
of its weekly sessions the resident is truly free for. Two baselines rank the same candidates
(those passing the declared hard constraints): nearest first, and most popular first. The
engine on the true profiles is shown as a reference (what a perfect declaration would give).

Metrics (all over the first 10 items, except violations and coverage):
- precision@10: share of the 10 slots holding a relevant activity (an empty slot counts 0);
- nDCG@10: graded gain, log2 discount, over residents with at least one relevant activity;
- violations: listed items (all 20) breaking a TRUE hard constraint the resident declared;
- coverage: share of residents with at least 5 recommendations that pass their declared hard
  constraints;
- diversity: mean number of distinct top categories among the first 10;
- social, lonely / others: share of the first 10 that are recurring small-group or peer /
  friendship activities (social value >= 0.5), for residents who report loneliness and others;
- truly infeasible: share of the first 10 breaking a TRUE constraint the resident did NOT
  declare (a declaration gap, not an engine fault).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time

import numpy as np

from activities.geo import EARTH_RADIUS_KM
from bench import matching_synth as synth
from matching import engine

TOP = 10
DECLARED_CONSTRAINTS = (
    "mode", "reach", "homebound", "step_free", "served", "age", "audience", "language",
    "budget", "availability",
)  # fmt: skip


def _haversine(lat1, lng1, lat2, lng2) -> np.ndarray:
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _serves(c: engine.Candidates) -> np.ndarray:
    """(M, T) bool: activity j serves territory t (service areas as a dense table)."""
    size = 1 + max((max(area) for area in c.service_territories if area), default=0)
    table = np.zeros((len(c), size), dtype=bool)
    for j, area in enumerate(c.service_territories):
        table[j, list(area)] = True
    return table


def constraint_checks(
    data: synth.Dataset, i: np.ndarray, j: np.ndarray, *, declared_only: bool
) -> dict[str, np.ndarray]:
    """For pairs (resident i, activity j) (broadcastable index arrays), whether each TRUE
    hard constraint holds, written independently of the engine. With `declared_only`, a
    constraint the resident did not declare always holds."""
    t, c = data.truth, data.candidates
    every = np.ones(np.broadcast_shapes(np.shape(i), np.shape(j)), dtype=bool)

    def active(flag: np.ndarray) -> np.ndarray:
        return flag[i] if declared_only else np.ones_like(flag[i])

    mode = c.mode[j].astype(np.int64)
    accepts = lambda m: (t.accepted_modes[i] >> m) & 1 == 1  # noqa: E731
    homebound_declared = ~t.homebound | t.declared_homebound
    mode_ok = accepts(mode) | ((mode == engine.MIXED) & accepts(engine.ONLINE))
    mode_ok |= ~active(homebound_declared)

    venue = (mode == engine.IN_PERSON) | (mode == engine.MIXED)
    online_instead = (mode == engine.MIXED) & accepts(engine.ONLINE)
    with np.errstate(invalid="ignore"):
        distance = _haversine(t.lat[i], t.lng[i], data.activity_lat[j], data.activity_lng[j])
        near = distance <= t.reach_km[i] + 1e-3
    on_venue = venue & ~online_instead
    reach_ok = ~on_venue | near
    homebound_ok = ~on_venue | ~(t.homebound[i] & active(t.declared_homebound))
    step_free_ok = ~on_venue | ~(t.step_free[i] & active(t.declared_step_free)) | c.step_free[j]

    remote = np.isin(c.mode[j], engine.REMOTE_REACH_MODES)
    served_ok = ~remote | _serves(c)[j, np.maximum(t.territory[i], 0)]
    served_ok &= ~remote | (t.territory[i] >= 0)

    age_ok = ~c.has_age_limits[j] | ((c.age_min[j] <= t.age[i]) & (t.age[i] <= c.age_max[j]))
    age_ok |= ~active(t.declared_age)
    audience_ok = ((c.audiences[j] & synth.EVERYONE_BIT) != 0) | (
        (c.audiences[j] & t.audiences[i]) != 0
    )
    language_ok = (c.languages[j] & t.languages[i]) != 0
    budget_ok = (c.price[j] <= t.budget[i]) | ~active(t.declared_budget)
    time_ok = (c.slots[j] == 0) | ((c.slots[j] & t.availability[i]) != 0)
    time_ok |= ~active(t.declared_availability)
    checks = {
        "mode": mode_ok,
        "reach": reach_ok,
        "homebound": homebound_ok,
        "step_free": step_free_ok,
        "served": served_ok,
        "age": age_ok,
        "audience": audience_ok,
        "language": language_ok,
        "budget": budget_ok,
        "availability": time_ok,
    }
    return {name: np.broadcast_to(ok, every.shape) & every for name, ok in checks.items()}


def relevance(data: synth.Dataset) -> np.ndarray:
    """(R, M) graded ground truth: truly feasible, truly liked; 0 otherwise."""
    t, c = data.truth, data.candidates
    r, m = len(t.lat), len(c)
    rows, cols = np.arange(r)[:, None], np.arange(m)[None, :]
    feasible = np.logical_and.reduce(
        list(constraint_checks(data, rows, cols, declared_only=False).values())
    )
    liked = t.interests[:, data.leaves[:, 0]]
    second = data.leaves[:, 1] >= 0
    liked[:, second] = np.maximum(liked[:, second], t.interests[:, data.leaves[second, 1]])
    offered = np.bitwise_count(c.slots.astype(np.uint64)).astype(np.float32)
    free = np.bitwise_count((t.availability[:, None] & c.slots[None, :]).astype(np.uint64))
    fit = np.where(offered > 0, free / np.maximum(offered, 1), 1.0).astype(np.float32)
    return np.where(feasible, liked * (0.5 + 0.5 * fit), 0.0).astype(np.float32)


def _padded(lists: list[list[int]], width: int) -> np.ndarray:
    out = np.full((len(lists), width), -1, dtype=np.int64)
    for n, row in enumerate(lists):
        out[n, : min(width, len(row))] = row[:width]
    return out


def engine_lists(data: synth.Dataset, residents: engine.Residents) -> np.ndarray:
    """(R, 20) activity rows (not ids), -1 padded."""
    lists = engine.recommend_batched(
        residents,
        data.candidates,
        everyone_bit=synth.EVERYONE_BIT,
        category_slugs=data.taxonomy.slugs,
    )
    row_of_id = {int(a): n for n, a in enumerate(data.candidates.ids)}
    return _padded([[row_of_id[i.activity_id] for i in items] for items in lists], engine.TOP_K)


def baseline_lists(data: synth.Dataset, key: str) -> np.ndarray:
    """The first 20 of the activities passing the declared hard constraints (the engine's
    own `pair_scores`), ordered nearest first or most popular first, ties by id."""
    c, residents = data.candidates, data.declared
    lookups = engine.Lookups.build(residents, c)
    venue = np.isin(c.mode, engine.VENUE_MODES)
    cols = np.arange(len(c))[None, :]
    lists = []
    for start in range(0, len(residents), 250):
        rows = np.arange(start, min(start + 250, len(residents)))[:, None]
        exact = engine.pair_scores(
            residents, c, rows, cols, everyone_bit=synth.EVERYONE_BIT, lookups=lookups
        )
        if key == "nearest":
            distance = exact.distance.astype(np.float32)
            order_key = np.where(venue[None, :], distance, np.float32(1e5))  # remote ones last
        else:
            order_key = np.broadcast_to(-c.popularity[None, :], exact.score.shape)
        order_key = np.where(exact.feasible, order_key, np.inf)
        for n in range(len(rows)):
            first = np.lexsort((c.ids, order_key[n]))[: engine.TOP_K]
            lists.append([int(j) for j in first if exact.feasible[n, j]])
    return _padded(lists, engine.TOP_K)


def true_residents(data: synth.Dataset) -> engine.Residents:
    t = data.truth
    interests = np.zeros_like(data.declared.interests)
    interests[:, data.taxonomy.n_top :] = t.interests
    return dataclasses.replace(
        data.declared,
        step_free=t.step_free,
        homebound=t.homebound,
        age=t.age,
        audiences=t.audiences,
        budget=t.budget,
        accepted_modes=t.accepted_modes,
        availability=t.availability,
        interests=interests,
    )


def metrics(data: synth.Dataset, lists: np.ndarray, rel: np.ndarray) -> dict[str, float]:
    c, declared = data.candidates, data.declared
    r = len(lists)
    listed = lists >= 0
    top = lists[:, :TOP]
    shown = top >= 0
    safe = np.where(shown, top, 0)
    rows = np.arange(r)[:, None]
    gains = np.where(shown, rel[rows, safe], 0.0)
    precision = (gains > 0).sum(axis=1) / TOP
    discount = 1.0 / np.log2(np.arange(TOP) + 2)
    dcg = (gains * discount).sum(axis=1)
    ideal = -np.sort(-rel, axis=1)[:, :TOP]
    idcg = (ideal * discount[: ideal.shape[1]]).sum(axis=1)
    judged = idcg > 0

    all_safe = np.where(listed, lists, 0)
    declared_ok = constraint_checks(data, rows, all_safe, declared_only=True)
    broken = ~np.logical_and.reduce(list(declared_ok.values())) & listed
    by_constraint = {name: int((~ok & listed).sum()) for name, ok in declared_ok.items()}
    true_ok = np.logical_and.reduce(
        list(constraint_checks(data, rows, safe, declared_only=False).values())
    )
    passing = (listed & ~broken).sum(axis=1)

    top_categories = np.where(shown, c.top_category[safe], -1)
    distinct = np.array([len(set(row[row >= 0].tolist())) for row in top_categories])
    has_items = shown.any(axis=1)
    social = np.where(shown, c.social[safe] >= 0.5, False).sum(axis=1) / np.maximum(
        shown.sum(axis=1), 1
    )
    lonely = declared.lonely & has_items
    others = ~declared.lonely & has_items
    return {
        "precision@10": float(precision.mean()),
        "nDCG@10": float((dcg[judged] / idcg[judged]).mean()) if judged.any() else 0.0,
        "violations": int(broken.sum()),
        "violations_by_constraint": by_constraint,
        "coverage": float((passing >= 5).mean()),
        "diversity": float(distinct[has_items].mean()) if has_items.any() else 0.0,
        "social_lonely": float(social[lonely].mean()) if lonely.any() else 0.0,
        "social_others": float(social[others].mean()) if others.any() else 0.0,
        "truly_infeasible": float((shown & ~true_ok).sum() / max(shown.sum(), 1)),
        "judged_residents": int(judged.sum()),
    }


@dataclasses.dataclass
class Evaluation:
    n_activities: int
    n_residents: int
    seed: int
    results: dict[str, dict]
    seconds: dict[str, float]


def evaluate(
    n_activities: int = 3_000, n_residents: int = 5_000, *, seed: int = 2025, reference=True
) -> Evaluation:
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    data = synth.city(n_activities, n_residents, seed=seed)
    rel = relevance(data)
    seconds["generate_and_judge"] = time.perf_counter() - started
    runs = {
        "engine": lambda: engine_lists(data, data.declared),
        "nearest first": lambda: baseline_lists(data, "nearest"),
        "most popular": lambda: baseline_lists(data, "popular"),
    }
    if reference:
        runs["engine, true profiles (reference)"] = lambda: engine_lists(data, true_residents(data))
    results = {}
    for name, run in runs.items():
        started = time.perf_counter()
        lists = run()
        seconds[name] = time.perf_counter() - started
        results[name] = metrics(data, lists, rel)
    return Evaluation(n_activities, n_residents, seed, results, seconds)


def markdown(evaluation: Evaluation) -> str:
    head = (
        "| ranking | precision@10 | nDCG@10 | violations | coverage | diversity "
        "| social, lonely | social, others | truly infeasible |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [
        f"Synthetic city: {evaluation.n_activities:,} activities, "
        f"{evaluation.n_residents:,} residents, seed {evaluation.seed}.",
        "",
        head,
    ]
    for name, m in evaluation.results.items():
        lines.append(
            f"| {name} | {m['precision@10']:.3f} | {m['nDCG@10']:.3f} | {m['violations']} "
            f"| {m['coverage']:.3f} | {m['diversity']:.2f} | {m['social_lonely']:.3f} "
            f"| {m['social_others']:.3f} | {m['truly_infeasible']:.3f} |"
        )
    engine = evaluation.results["engine"]
    lines += [
        "",
        f"Residents with at least one relevant activity (nDCG base): "
        f"{engine['judged_residents']:,}. Engine violations by constraint: "
        + ", ".join(f"{k} {v}" for k, v in engine["violations_by_constraint"].items())
        + ".",
        "Seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in evaluation.seconds.items()) + ".",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=3_000)
    parser.add_argument("--residents", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)
    evaluation = evaluate(args.activities, args.residents, seed=args.seed)
    print("## Matching quality\n")
    print(markdown(evaluation))
    return 1 if evaluation.results["engine"]["violations"] else 0


if __name__ == "__main__":
    sys.exit(main())
