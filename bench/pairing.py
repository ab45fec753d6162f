"""The pairing solver at the size of a département, against the greedy pass.

    python -m bench.pairing --volunteers 5000 --requests 20000 [--runs 3] [--seed N]

A synthetic team over Loire-Atlantique (about 7,000 km²): volunteers and people drawn around
towns (Nantes holding about a third, the rest spread over eleven other towns and the
countryside), each with a weekly availability of a few slots out of 21, one to three
languages out of eight (French nearly always), what they offer or want (visits mostly, calls,
outings), a reach of 3 to 15 km, a capacity of one to three people, interests out of twenty;
90 % of volunteers fully vetted; priorities 0 to 3; waiting times up to two years. The solver
runs on one core (BLAS threads set to 1 before numpy loads). The greedy pass (the
longest-waiting first, each given the nearest feasible volunteer with room) runs on the same
instance. Printed as JSON: seconds of the solver (candidates found, weights, the matching, the
proposals) per run, then, for both, the people paired, the total compatibility, and the longest
wait among those left unpaired, of all and of those who had at least one feasible volunteer.
Writes are not included: the pairing is not stored yet.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from visiting.pairing import (  # noqa: E402
    CALL,
    OUTING,
    VISIT,
    Request,
    Volunteer,
    candidates,
    greedy,
    objective,
    pair,
)

TOWNS = [  # (lat, lng, weight): Nantes and eleven towns of Loire-Atlantique
    (47.218, -1.554, 34), (47.273, -2.214, 7), (47.212, -1.724, 3), (47.166, -1.471, 3),
    (47.286, -1.520, 3), (47.441, -1.836, 2), (47.366, -2.400, 2), (46.993, -1.731, 2),
    (47.718, -1.376, 2), (47.112, -2.102, 2), (47.378, -1.187, 2), (47.270, -2.340, 2),
]  # fmt: skip
COUNTRYSIDE = (46.86, 47.84, -2.56, -1.00)  # the rest: uniform over the département's box
INTERESTS = [f"interest-{n}" for n in range(20)]


def _place(rng: random.Random) -> tuple[float, float]:
    if rng.random() < 0.2:
        lat0, lat1, lng0, lng1 = COUNTRYSIDE
        return rng.uniform(lat0, lat1), rng.uniform(lng0, lng1)
    lat, lng, _ = rng.choices(TOWNS, weights=[w for *_, w in TOWNS])[0]
    return rng.gauss(lat, 0.03), rng.gauss(lng, 0.045)


def _slots(rng: random.Random, low: int, high: int) -> int:
    mask = 0
    for slot in rng.sample(range(21), rng.randint(low, high)):
        mask |= 1 << slot
    return mask


def _languages(rng: random.Random) -> int:
    mask = 1 if rng.random() < 0.97 else 0
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        mask |= 1 << rng.randint(1, 7)
    return mask or 1


def _kinds(rng: random.Random) -> int:
    return rng.choices([VISIT, VISIT | CALL, CALL, VISIT | OUTING, OUTING], [5, 3, 2, 2, 1])[0]


def instance(volunteers: int, requests: int, seed: int):
    rng = random.Random(seed)
    team = []
    for n in range(volunteers):
        lat, lng = _place(rng)
        team.append(
            Volunteer(
                id=n + 1, lat=lat, lng=lng, reach_km=rng.choice([3.0, 5.0, 8.0, 10.0, 15.0]),
                slots=_slots(rng, 2, 8), languages=_languages(rng), offers=_kinds(rng),
                capacity=rng.choice([1, 1, 2, 2, 3]), vetted=rng.random() < 0.9,
                interests=frozenset(rng.sample(INTERESTS, rng.randint(1, 4))),
                gender=rng.choice("fm"), wants_gender="",
            )
        )  # fmt: skip
    asked = []
    for n in range(requests):
        lat, lng = _place(rng)
        asked.append(
            Request(
                id=n + 1, lat=lat, lng=lng, slots=_slots(rng, 2, 10),
                languages=_languages(rng), wants=_kinds(rng),
                interests=frozenset(rng.sample(INTERESTS, rng.randint(0, 4))),
                priority=rng.choices([0, 1, 2, 3], [5, 3, 2, 1])[0],
                waiting_days=int(rng.expovariate(1 / 120)) % 730, gender=rng.choice("fm"),
                wants_gender=rng.choice(["", "", "", "", "f"]),
            )
        )  # fmt: skip
    return team, asked


def longest_wait_unpaired(proposals, requests, among=None) -> int:
    """The longest wait of the people left unpaired (among the ids `among`, if given)."""
    paired = {p.request for p in proposals}
    return max(
        (
            r.waiting_days
            for r in requests
            if r.id not in paired and (among is None or r.id in among)
        ),
        default=0,
    )


def run(volunteers: int, requests: int, runs: int, seed: int) -> dict:
    team, asked = instance(volunteers, requests, seed)
    seconds, proposals = [], []
    for _ in range(runs):
        started = time.process_time()
        proposals = pair(team, asked)
        seconds.append(time.process_time() - started)
    started = time.process_time()
    hand = greedy(team, asked)
    greedy_seconds = time.process_time() - started
    with_a_volunteer = {asked[i].id for i in candidates(team, asked, per_person=None).request}
    solved_count, _ = objective(proposals, team, asked)
    hand_count, _ = objective(hand, team, asked)
    return {
        "volunteers": volunteers,
        "requests": requests,
        "places": sum(v.capacity for v in team if v.vetted),
        "solver_cpu_seconds": [round(s, 2) for s in seconds],
        "solver_cpu_seconds_median": round(statistics.median(seconds), 2),
        "greedy_cpu_seconds": round(greedy_seconds, 2),
        "paired": {"solver": solved_count, "greedy": hand_count},
        "total_compatibility": {
            "solver": round(sum(p.score for p in proposals), 1),
            "greedy": round(sum(p.score for p in hand), 1),
        },
        "people_with_a_feasible_volunteer": len(with_a_volunteer),
        "longest_wait_unpaired_days": {
            "solver": longest_wait_unpaired(proposals, asked),
            "greedy": longest_wait_unpaired(hand, asked),
        },
        "longest_wait_unpaired_with_a_feasible_volunteer_days": {
            "solver": longest_wait_unpaired(proposals, asked, with_a_volunteer),
            "greedy": longest_wait_unpaired(hand, asked, with_a_volunteer),
        },
        "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.volunteers, args.requests, args.runs, args.seed), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
