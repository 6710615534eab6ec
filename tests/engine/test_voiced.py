"""sim.engine.voiced: the reach's voiced incidents below a voice bound and above it.

The split must give the voiced incidents the law of the plain thinning (every
candidate drawn), keep a person's incidents the same whoever else is loud
(common random numbers), give the same posts on both paths of the engine, and
the population must keep everyone above the bound among its loud people.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from support import kernels_as, needs_kernels, on_both_paths

import sim
from sim.config.schema import Posts
from sim.engine import arrivals, native
from sim.engine.arrivals import PostGenerator
from sim.engine.model import HubspokeModel
from sim.engine.population import CUSTOMER, PROSPECT
from sim.engine.posts import COMPLAINT
from sim.engine.voiced import MAX_POINTS_MEAN, loud_points, poisson_cdf, voice_bound

SIZE = 20_000
REACH = 50  # the reach outside the sample, in samples: 0.5 candidates a person a day
RATE = 0.01


def _voices(seed: int = 0) -> np.ndarray:
    """Skewed voices as the population's Beta draws (mean ~0.25 %), with some people
    who always voice and some between."""
    voice = np.random.default_rng(seed).beta(0.01, 4.0, SIZE)
    voice[:20] = 1.0
    voice[20:40] = 0.3
    return voice


def _state() -> np.ndarray:
    state = np.full(SIZE, CUSTOMER, dtype=np.int8)
    state[::5] = PROSPECT
    return state


def _generator(bound: float | None = None) -> PostGenerator:
    """Incidents alone, every one accepted at the topics' bound; `bound` forces the
    voice bound (None: chosen from the voices)."""
    cfg = Posts(incident_rate_per_day=RATE)
    gen = PostGenerator(cfg, SIZE, np.ones(len(cfg.topics)))
    chosen = gen.bound_voice(_voices(), REACH * SIZE)
    if bound is not None:
        gen.voice_bound = bound
    assert gen.voice_bound == (chosen if bound is None else bound)
    return gen


def _day(gen, rng, voice, *, loud=None, state=None):
    level = np.ones(len(gen.topic_p))
    state = _state() if state is None else state
    return gen.day(
        rng,
        0.0,
        1.0,
        level,
        state,
        np.zeros(SIZE),
        people=REACH * SIZE,
        voice=voice,
        loud=loud,
        kinds=(COMPLAINT,),
    )


def test_the_bound_follows_the_voices():
    rng = np.random.default_rng(1)
    skewed = rng.beta(0.0023 * 4, (1 - 0.0023) * 4, 50_000)
    assert voice_bound(skewed, 33_000.0) < 0.1  # a few loud people: a narrow strip
    assert voice_bound(rng.random(50_000), 33_000.0) == 1.0  # everyone loud: no split
    assert voice_bound(skewed, 0.0) == 1.0
    # a person's points a day may not pass MAX_POINTS_MEAN: a tiny sample keeps them all
    assert voice_bound(skewed[:100], 100 * MAX_POINTS_MEAN / 0.69) == 1.0
    assert voice_bound(skewed[:100], 100 * MAX_POINTS_MEAN / 0.71) == 0.3


@pytest.mark.parametrize("mean", [0.0, 0.01, 0.6, 3.3, 30.0])
def test_the_poisson_table_is_the_poisson_cdf(mean):
    table = poisson_cdf(mean)
    k = np.arange(len(table))
    np.testing.assert_allclose(table, stats.poisson.cdf(k, mean), rtol=0, atol=1e-14)
    assert 1.0 - table[-1] < 1e-15  # a count beyond the table: less than 1e-15 a person
    with pytest.raises(ValueError, match="mean"):
        poisson_cdf(MAX_POINTS_MEAN * 1.01)


def test_a_loud_persons_points_are_keyed_by_the_person():
    cdf = poisson_cdf(3.0)
    author, index = loud_points(7, np.array([5, 9, 100]), cdf)
    alone, alone_index = loud_points(7, np.array([9]), cdf)
    np.testing.assert_array_equal(index[author == 9], alone_index)
    assert (alone == 9).all()
    # point j of person p: (p + 1) << 28 | j, counted up from 0
    for person in (5, 9, 100):
        j = index[author == person] - ((person + 1) << 28)
        np.testing.assert_array_equal(j, np.arange(len(j)))


@pytest.mark.parametrize("bound", [None, 1.0, 0.003])
def test_voiced_incidents_have_the_law_of_the_plain_thinning(bound):
    """Each customer voices Poisson(0.5 x voice) incidents a day, with or without the
    split: counts by group against that expectation, within four standard errors."""
    gen = _generator(bound)
    voice, state = _voices(), _state()
    days = 40
    per_day = RATE * REACH * gen.rhythm.day_factor(0.0)  # a person's candidates a day
    rng = np.random.default_rng(11)
    counts = np.zeros(SIZE)
    for _ in range(days):
        np.add.at(counts, _day(gen, rng, voice)["author"], 1)
    customer = state == CUSTOMER
    assert counts[~customer].sum() == 0
    loud = voice > 0.05
    for group in (customer & loud, customer & ~loud, customer & (voice == 1.0)):
        expected = days * per_day * voice[group].sum()
        assert expected > 100
        assert abs(counts[group].sum() - expected) < 4 * math.sqrt(expected), (bound, expected)


def test_a_persons_incidents_do_not_depend_on_whos_loud():
    """Two arms that differ in one person's voice (below the bound in one, above it in
    the other) share everyone else's incidents, value for value, and the louder arm
    keeps every incident of the quieter one."""
    gen = _generator()
    bound = gen.voice_bound
    assert bound < 1.0
    quiet = _voices()
    person = int(np.flatnonzero(quiet < bound / 2)[0])
    loud = quiet.copy()
    loud[person] = 0.9
    # the louder arm's loud people: a superset, listed in another order
    superset = np.concatenate([[person], np.flatnonzero(loud > bound / 10)[::-1]])
    for seed in range(5):
        a = _day(gen, np.random.default_rng(seed), quiet)
        b = _day(gen, np.random.default_rng(seed), loud, loud=superset)
        mine_a, mine_b = a["author"] == person, b["author"] == person
        order_a = np.argsort(a["created"][~mine_a])
        order_b = np.argsort(b["created"][~mine_b])
        for name in a:
            np.testing.assert_array_equal(a[name][~mine_a][order_a], b[name][~mine_b][order_b])
        assert set(a["created"][mine_a]) <= set(b["created"][mine_b])


@needs_kernels
@pytest.mark.parametrize("room", [None, 0])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_both_paths_give_the_same_split_day(seed, room, monkeypatch):
    """The compiled thinning draws the strip and the loud people's points in one pass;
    numpy, one after the other: the same posts in the same order. With no room for the
    points, the kernel makes room and runs again."""
    if room is not None:
        monkeypatch.setattr(arrivals, "_LOUD_ROOM", room)
    gen = _generator(0.01)
    voice = _voices(seed)
    superset = np.flatnonzero(voice > 0.001)  # some who cannot pass the band's test

    def five_days():
        rng = np.random.default_rng(seed)
        days = [_day(gen, rng, voice, loud=superset) for _ in range(5)]
        return {name: np.concatenate([day[name] for day in days]) for name in days[0]}

    numpy_days, compiled_days = on_both_paths(five_days)
    authors = numpy_days["author"]
    assert len(authors) > 100
    assert (voice[authors] > 0.01).any() and (voice[authors] < 0.01).any()
    assert numpy_days.keys() == compiled_days.keys()
    for name, values in numpy_days.items():
        assert compiled_days[name].dtype == values.dtype, name
        np.testing.assert_array_equal(compiled_days[name], values, err_msg=name)


@pytest.mark.parametrize("kernels", ["numpy", pytest.param("compiled", marks=needs_kernels)])
def test_the_population_keeps_everyone_above_the_bound_among_its_loud(kernels, monkeypatch):
    """Voices rise when complaints are answered (the team's compiled callbacks raise them
    in place) and newcomers bring their own: whoever is above the bound is listed, on
    every day the reach is drawn."""
    config = sim.load_config(
        "baseline",
        [
            "population.size=4000",
            "days=40",
            "population.squeaky_wheel=3.0",
            "population.turnover_per_day=0.02",
            *[
                f"population.segments.{segment}.voice_propensity=0.02"
                for segment in ("basic", "standard", "premium")
            ],
        ],
    )

    original_plan = PostGenerator.plan
    days_checked = []

    # both ways of making a day (PostGenerator.day, the compiled day) plan it thus
    def checked_plan(generator, *args, voice=None, loud=None, **kwargs):
        if loud is not None:  # every day the reach is drawn: no one above is missing
            above = set(np.flatnonzero(voice > generator.voice_bound).tolist())
            assert above <= set(loud.tolist()), above - set(loud.tolist())
            days_checked.append(len(above))
        return original_plan(generator, *args, voice=voice, loud=loud, **kwargs)

    monkeypatch.setattr(PostGenerator, "plan", checked_plan)
    with kernels_as(None if kernels == "numpy" else native.KERNELS):
        model = HubspokeModel(config, 5)
        pop = model.population
        assert pop.loud_bound < 1.0
        assert pop.loud_bound == model.generator.voice_bound
        first = set(pop.loud.tolist())
        model.run()
    assert len(days_checked) == config.days
    above = set(np.flatnonzero(pop.voice > pop.loud_bound).tolist())
    assert above <= set(pop.loud.tolist())
    assert len(above - first) > 0  # some became loud during the run
    assert len(pop.loud) == len(set(pop.loud.tolist()))  # each listed once
