"""Speed of the matcher's engine (no database): the batch engine against a plain Python loop,
then throughput at the scale of France.

    python -m bench.matching_perf [--loop-residents 1000] [--loop-candidates 20000]
                                  [--residents 100000] [--activities 200000] [--profile]

1. Loop vs batch: the same residents and candidates scored by the batch engine
   (`engine.lists_batched`: each list as arrays of ids, scores and reason keys, what a worker
   stores) and by `recommend_loop`, a straightforward per-resident loop that checks every hard
   constraint and computes the same soft score per candidate in Python, then sorts and
   applies the same diversity re-rank. Both must give the same top-20 ids; any difference is
   listed with the score gap that explains it. The engine is timed as a worker runs it,
   against candidates prepared once (`engine.Prepared`, kept with the worker's matrix for
   every call against it), and also with a preparation of its own on the call; the
   preparation alone is given. Engine times are the median of five calls; the loop runs once.
   1,000 residents by default: a worker scores chunks of 10,000 (`matching.chunks`), and the
   engine's costs per call (one block per category, per service area, per stream chunk), which
   the loop does not have, weigh more on fewer residents: the ratio is lower at 200.
2. Throughput: `lists_batched` for N residents against M activities placed over France in
   proportion to population (bench.matching_synth.france), one process, one BLAS thread;
   CPU and wall time, peak resident memory of the scoring (sampled every 10 ms), and how
   many (resident, activity) pairs the engine scored per resident.

Times are CPU seconds of this process (time.process_time) unless said otherwise: the machine
is shared, and CPU time is what one core spends whatever else runs.

Run it with OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=1 (the Makefile does; set here by default).
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import dataclasses  # noqa: E402
import io  # noqa: E402
import math  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from activities.geo import EARTH_RADIUS_KM  # noqa: E402
from bench import matching_synth as synth  # noqa: E402
from matching import engine  # noqa: E402
from matching.engine import batch  # noqa: E402

W = engine.WEIGHTS


def recommend_loop(
    residents: engine.Residents, candidates: engine.Candidates, *, everyone_bit: int, k=20
) -> tuple[list[list[int]], list[dict[int, float]]]:
    """The reference: one resident at a time, one candidate at a time, in plain Python.
    Returns each resident's top-k ids and the score of every feasible candidate."""
    c = candidates
    ids, modes = c.ids.tolist(), c.mode.tolist()
    cx, cy, cz = c.xyz[:, 0].tolist(), c.xyz[:, 1].tolist(), c.xyz[:, 2].tolist()
    step_free, has_age = c.step_free.tolist(), c.has_age_limits.tolist()
    age_min, age_max = c.age_min.tolist(), c.age_max.tolist()
    audiences, languages = c.audiences.tolist(), c.languages.tolist()
    price, slots = c.price.tolist(), c.slots.tolist()
    social, fresh, popular = c.social.tolist(), c.freshness.tolist(), c.popularity.tolist()
    low, tops = c.low_threshold.tolist(), c.top_category.tolist()
    categories = [np.flatnonzero(row).tolist() for row in c.categories]
    offered = [max(s.bit_count(), 1) for s in slots]
    venue_modes, remote_modes = (engine.IN_PERSON, engine.MIXED), engine.REMOTE_REACH_MODES
    lists, all_scores = [], []
    for i in range(len(residents)):
        x, y, z = residents.xyz[i].tolist()
        accepted = int(residents.accepted_modes[i])
        online_ok = accepted >> engine.ONLINE & 1 == 1
        has_home, homebound = bool(residents.has_home[i]), bool(residents.homebound[i])
        needs_step_free = bool(residents.step_free[i])
        reach = float(residents.reach_km[i])
        territory, age = int(residents.territory[i]), int(residents.age[i])
        r_audiences, r_languages = int(residents.audiences[i]), int(residents.languages[i])
        budget, availability = float(residents.budget[i]), int(residents.availability[i])
        weights = {n: float(w) for n, w in enumerate(residents.interests[i]) if w}
        norm = max(sum(weights.values()), 1e-6)
        cold = not weights
        social_factor = 1.0 if residents.lonely[i] else 0.5
        excluded, boosted = residents.excluded[i], residents.boosted[i]
        decay = 0.5 * max(reach, 0.2)
        scores: dict[int, float] = {}
        ranked = []
        for j in range(len(ids)):
            mode = modes[j]
            mixed_online = mode == engine.MIXED and online_ok
            if not (accepted >> mode & 1 or mixed_online):
                continue
            distance = EARTH_RADIUS_KM * math.acos(
                max(-1.0, min(1.0, x * cx[j] + y * cy[j] + z * cz[j]))
            )
            in_person = mode in venue_modes
            if in_person and not mixed_online:
                if not has_home or homebound or distance > reach:
                    continue
                if needs_step_free and not step_free[j]:
                    continue
            if mode in remote_modes and territory not in c.service_territories[j]:
                continue
            if has_age[j] if age < 0 else not age_min[j] <= age <= age_max[j]:
                continue
            if not (audiences[j] & everyone_bit or audiences[j] & r_audiences):
                continue
            if not languages[j] & r_languages or price[j] > budget:
                continue
            if slots[j] and not slots[j] & availability:
                continue
            if ids[j] in excluded:
                continue
            interest = min(2.0 * sum(weights.get(col, 0.0) for col in categories[j]) / norm, 1.0)
            nearness = math.exp(-distance / decay) if in_person else 0.5
            score = (
                W["interest"] * interest
                + W["distance"] * nearness
                + W["availability"] * (slots[j] & availability).bit_count() / offered[j]
                + W["social"] * social[j] * social_factor
                + W["freshness"] * fresh[j]
                + W["popularity"] * popular[j]
            )
            if cold:
                score += 0.3 * low[j] + 0.3 * popular[j]
            if ids[j] in boosted:
                score += 0.1
            scores[ids[j]] = score
            ranked.append((-score, ids[j], j))
        ranked.sort()
        best = [j for _score, _id, j in ranked[:k]]
        lists.append([ids[j] for j in _diversify(best, {j: -s for s, _i, j in ranked[:k]}, tops)])
        all_scores.append(scores)
    return lists, all_scores


def _diversify(row: list[int], score: dict[int, float], tops: list[int]) -> list[int]:
    remaining, picked, seen = list(row), [], {}
    while remaining and len(picked) < engine.DIVERSITY_TOP:
        best = max(
            remaining, key=lambda j: score[j] * engine.DIVERSITY_DECAY ** seen.get(tops[j], 0)
        )
        picked.append(best)
        remaining.remove(best)
        seen[tops[best]] = seen.get(tops[best], 0) + 1
    return picked + remaining


@dataclasses.dataclass
class LoopComparison:
    label: str
    residents: int
    candidates: int
    loop_seconds: float
    batch_seconds: float  # candidates prepared beforehand
    prepare_seconds: float  # their preparation
    unprepared_seconds: float  # the engine preparing them on the call
    single_matrix_seconds: float
    identical: int
    differences: list[dict]

    @property
    def ratio(self) -> float:
        return self.loop_seconds / self.batch_seconds


def _median_time(call, repeat: int):
    """The median CPU time of `repeat` calls (a call of the engine takes tens of
    milliseconds: one alone moves with the machine), and the last call's result."""
    times = []
    for _ in range(repeat):
        started = time.process_time()
        result = call()
        times.append(time.process_time() - started)
    return float(np.median(times)), result


def compare_loop_and_batch(
    residents: engine.Residents,
    candidates: engine.Candidates,
    slugs: list[str],
    label="",
    *,
    repeat: int = 5,
) -> LoopComparison:
    kwargs = {"everyone_bit": synth.EVERYONE_BIT}
    engine.lists_batched(residents, candidates, **kwargs)  # warm up (page faults, caches)
    prepare_seconds, prepared = _median_time(lambda: engine.Prepared.of(candidates), repeat)
    batch_seconds, lists = _median_time(
        lambda: engine.lists_batched(residents, candidates, prepared=prepared, **kwargs),
        repeat,
    )
    unprepared_seconds, unprepared = _median_time(
        lambda: engine.lists_batched(residents, candidates, **kwargs), repeat
    )
    assert all(np.array_equal(a, b) for a, b in zip(unprepared, lists, strict=True))
    batched = engine.recommendations(lists, slugs)
    started = time.process_time()
    engine.recommend(residents, candidates, category_slugs=slugs, **kwargs)
    single_seconds = time.process_time() - started
    started = time.process_time()
    looped, scores = recommend_loop(residents, candidates, everyone_bit=synth.EVERYONE_BIT)
    loop_seconds = time.process_time() - started
    identical, differences = 0, []
    for n, (items, reference) in enumerate(zip(batched, looped, strict=True)):
        listed = [item.activity_id for item in items]
        if listed == reference:
            identical += 1
            continue
        swapped = set(listed) ^ set(reference)
        gap = [scores[n].get(a, math.nan) for a in sorted(set(listed) | set(reference))]
        differences.append(
            {
                "resident": int(residents.ids[n]),
                "engine": listed,
                "loop": reference,
                "not_in_both": sorted(swapped),
                "score_spread_of_differing_items": float(np.nanmax(gap) - np.nanmin(gap))
                if swapped
                else None,
            }
        )
    return LoopComparison(
        label,
        len(residents),
        len(candidates),
        loop_seconds,
        batch_seconds,
        prepare_seconds,
        unprepared_seconds,
        single_seconds,
        identical,
        differences,
    )


class PeakMemory:
    """Peak resident set size of this process while the block runs, sampled every 10 ms."""

    def __init__(self) -> None:
        self.before = self.peak = 0
        self._stop = threading.Event()

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.rss())

    def __enter__(self) -> PeakMemory:
        self.before = self.peak = self.rss()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())


@dataclasses.dataclass
class Throughput:
    residents: int
    activities: int
    generate_seconds: float
    seconds: float
    cpu_seconds: float
    rss_before_mb: float
    rss_peak_mb: float
    pairs_per_resident: float
    profile: str = ""


def throughput(
    n_residents: int, n_activities: int, *, seed: int = 2025, profile: bool = False
) -> Throughput:
    started = time.perf_counter()
    _taxonomy, candidates, residents = synth.france(n_activities, n_residents, seed=seed)
    generate_seconds = time.perf_counter() - started
    pairs = []
    original = batch._block_scores

    def counting_block_scores(rows_m, columns, rows, cols, **options):
        pairs.append(len(rows) * len(cols))
        return original(rows_m, columns, rows, cols, **options)

    batch._block_scores = counting_block_scores  # observe the blocks; the engine is unchanged
    profiler = cProfile.Profile() if profile else None
    try:
        with PeakMemory() as memory:
            started, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            engine.lists_batched(residents, candidates, everyone_bit=synth.EVERYONE_BIT)
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - cpu
    finally:
        batch._block_scores = original
    report = ""
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        report = out.getvalue()
    return Throughput(
        n_residents,
        n_activities,
        generate_seconds,
        seconds,
        cpu_seconds,
        memory.before / 2**20,
        memory.peak / 2**20,
        sum(pairs) / max(n_residents, 1),
        report,
    )


def loop_samples(n_residents: int, n_candidates: int, *, seed: int = 2025):
    """The comparison's samples: a dense city (every candidate within most residents' reach)
    and a slice of France (most candidates out of reach)."""
    city = synth.city(n_candidates, n_residents, seed=seed)
    taxonomy, candidates, residents = synth.france(n_candidates, n_residents, seed=seed)
    return [
        ("city of 300 km²", city.declared, city.candidates, city.taxonomy.slugs),
        ("France", residents, candidates, taxonomy.slugs),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loop-residents", type=int, default=1000)
    parser.add_argument("--loop-candidates", type=int, default=20_000)
    parser.add_argument("--residents", type=int, action="append")
    parser.add_argument("--activities", type=int, action="append")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--profile", action="store_true", help="cProfile the throughput runs")
    parser.add_argument("--skip-loop", action="store_true")
    args = parser.parse_args(argv)
    sizes = list(zip(args.residents or [100_000], args.activities or [200_000], strict=True))
    status = 0
    print("## Matching performance\n")
    if not args.skip_loop:
        print("| sample | residents x candidates | loop CPU s | batched CPU s, prepared "
              "| preparation CPU s | batched CPU s, preparing | reference engine CPU s "
              "| loop / batched (preparing) | identical top-20 |")  # fmt: skip
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        notes = []
        for label, residents, candidates, slugs in loop_samples(
            args.loop_residents, args.loop_candidates, seed=args.seed
        ):
            result = compare_loop_and_batch(residents, candidates, slugs, label)
            print(
                f"| {label} | {result.residents:,} x {result.candidates:,} "
                f"| {result.loop_seconds:.2f} | {result.batch_seconds:.3f} "
                f"| {result.prepare_seconds:.3f} | {result.unprepared_seconds:.3f} "
                f"| {result.single_matrix_seconds:.3f} | {result.ratio:.0f}x "
                f"({result.loop_seconds / result.unprepared_seconds:.0f}x) "
                f"| {result.identical} / {result.residents} |"
            )
            notes += [f"- {label}: {d}" for d in result.differences[:5]]
            status |= bool(result.differences)
        print("\n".join(["", *notes]) if notes else "")
    print("| residents x activities | generate s | score CPU s | score wall s | residents/s (CPU) "
          "| RSS before MB | RSS peak MB | pairs scored per resident |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    profiles = []
    for n_residents, n_activities in sizes:
        result = throughput(n_residents, n_activities, seed=args.seed, profile=args.profile)
        print(
            f"| {n_residents:,} x {n_activities:,} | {result.generate_seconds:.1f} "
            f"| {result.cpu_seconds:.1f} | {result.seconds:.1f} "
            f"| {n_residents / result.cpu_seconds:,.0f} "
            f"| {result.rss_before_mb:,.0f} | {result.rss_peak_mb:,.0f} "
            f"| {result.pairs_per_resident:,.0f} |"
        )
        if result.profile:
            profiles.append(result.profile)
    for report in profiles:
        print("\n```\n" + report.strip() + "\n```")
    return status


if __name__ == "__main__":
    sys.exit(main())
