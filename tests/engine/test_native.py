"""The compiled kernels (sim/engine/kernels.c) against their numpy twins, and their build.

The kernels change a run's speed, never its results: on the same machine both
paths must agree to the last bit, in the day's thinning and over whole runs.
In CI the library must have been built (the README's test command builds it);
elsewhere, without a C compiler, the comparisons skip and say why.
"""

from __future__ import annotations

import copy as copy_module
import ctypes
import math
import os
import shlex
import shutil
import subprocess
import sysconfig
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from support import kernels_as, needs_kernels, on_both_paths

import sim
from sim.config.schema import Posts
from sim.engine import native
from sim.engine.arrivals import Candidates, PostGenerator
from sim.engine.day_posts import CompiledDay
from sim.engine.model import HubspokeModel
from sim.engine.network import preferential_attachment
from sim.engine.population import COMPETITOR, CUSTOMER, LAPSED, PROSPECT
from sim.engine.posts import COMPLAINT, LEAD, PRAISE, QUESTION

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "sim" / "engine"


def test_ci_runs_with_the_compiled_kernels():
    if not os.environ.get("CI"):
        pytest.skip("outside CI the kernels may be missing (no C compiler)")
    assert native.KERNELS is not None, native.STATUS


def _day_inputs(seed: int, size: int = 3000):
    rng = np.random.default_rng(seed)
    state = rng.choice(np.array([PROSPECT, CUSTOMER, LAPSED], dtype=np.int8), size)
    loyalty = rng.random(size)
    voice = rng.random(size) * 0.05
    voice[:10] = 1.0  # some who always voice, some who never do
    voice[10:20] = 0.0
    return state, loyalty, voice


@needs_kernels
@pytest.mark.parametrize("with_voice", [True, False])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_compiled_thinning_keeps_the_same_candidates_with_the_same_draws(seed, with_voice):
    state, loyalty, voice = _day_inputs(seed)
    cfg = Posts()
    max_defect = np.linspace(1.0, 3.0, len(cfg.topics))
    generator = PostGenerator(cfg, len(state), max_defect)
    # levels from nothing to the bound: each acceptance branch is taken
    level = np.linspace(0.0, 1.0, len(cfg.topics)) * max_defect
    kinds = np.array([COMPLAINT, QUESTION, PRAISE, LEAD], dtype=np.int8)
    expected = np.array([20_000.0, 300.0, 2_000.0, 400.0])
    paths = []
    for thin in (generator._thin, generator._thin_compiled):
        candidates = Candidates(np.random.default_rng(seed), kinds, expected, len(state))
        thin(candidates, level, state, loyalty, voice if with_voice else None)
        paths.append(candidates)
    numpy_path, compiled = paths
    assert len(numpy_path.index) > 100
    assert set(np.unique(numpy_path.kind)) == set(kinds.tolist())
    for name in ("index", "author", "kind"):
        np.testing.assert_array_equal(getattr(compiled, name), getattr(numpy_path, name))
    assert compiled.extra.keys() == numpy_path.extra.keys()
    for name, values in numpy_path.extra.items():
        assert compiled.extra[name].dtype == values.dtype
        np.testing.assert_array_equal(compiled.extra[name], values)


@needs_kernels
def test_the_compiled_thinning_reads_the_runs_arrays_as_they_are_on_each_day():
    """The kernel keeps the addresses of the run's arrays between days: it must see
    their writes in place, an array replaced by another, and arrays it converts."""
    state, loyalty, voice = _day_inputs(7)
    cfg = Posts()
    generator = PostGenerator(cfg, len(state), np.ones(len(cfg.topics)))
    level = np.full(len(cfg.topics), 0.5)
    days = [
        lambda: None,
        lambda: state.__setitem__(slice(None), CUSTOMER),  # in place: everyone a customer
        lambda: voice.__setitem__(slice(None), 1.0),  # in place: everyone voices
        lambda: loyalty.__setitem__(slice(None), 0.0),  # in place: no praise accepted
    ]
    for day, change in enumerate(days):
        change()
        numpy_part, compiled = on_both_paths(
            lambda day=day: generator.day(
                np.random.default_rng(day), 0.0, 2000.0, level, state, loyalty, voice=voice
            )
        )
        assert len(numpy_part["author"]) > 0
        for name, values in numpy_part.items():
            np.testing.assert_array_equal(compiled[name], values, err_msg=f"day {day}: {name}")
    # a new array in place of the old, and one the kernel must convert (int64 states)
    for state_now in (np.full(len(state), PROSPECT, dtype=np.int8), state.astype(np.int64)):
        numpy_part, compiled = on_both_paths(
            lambda state_now=state_now: generator.day(
                np.random.default_rng(9), 0.0, 2000.0, level, state_now, loyalty, voice=voice
            )
        )
        for name, values in numpy_part.items():
            np.testing.assert_array_equal(compiled[name], values, err_msg=name)


@needs_kernels
@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copied_generator_reads_its_own_arrays_not_the_originals(how):
    """The kept addresses belong to one object in one process: a copy starts afresh."""
    import copy
    import pickle

    state, loyalty, voice = _day_inputs(11)
    cfg = Posts()
    original = PostGenerator(cfg, len(state), np.ones(len(cfg.topics)))
    level = np.full(len(cfg.topics), 0.5)

    def a_day(generator: PostGenerator, seed: int) -> dict:
        rng = np.random.default_rng(seed)
        return generator.day(rng, 0.0, 2000.0, level, state, loyalty, voice=voice)

    a_day(original, 0)
    copied = copy.deepcopy(original) if how == "deepcopy" else pickle.loads(pickle.dumps(original))
    assert copied._held == {} and copied._fixed_addresses != original._fixed_addresses
    expected = a_day(original, 1)
    del original  # its memory may be reused: the copy must not read it
    got = a_day(copied, 1)
    assert len(got["author"]) > 0
    for name, values in expected.items():
        np.testing.assert_array_equal(got[name], values, err_msg=name)


@needs_kernels
@pytest.mark.parametrize("seed", [1, 2])
def test_the_compiled_copying_model_builds_the_same_graph(seed):
    numpy_graph, compiled = on_both_paths(
        lambda: preferential_attachment(20_000, 8, 0.3, np.random.default_rng(seed))
    )
    assert numpy_graph.follows.nnz > 100_000
    _assert_same_graph(compiled, numpy_graph)


@needs_kernels
@pytest.mark.parametrize(
    ("size", "follows", "uniform_share"),
    [(3_000, 5, 0.0), (3_000, 5, 1.0), (9, 8, 0.5), (2, 8, 0.5), (500, 1, 0.7), (60, 30, 0.2)],
)
def test_the_compiled_copying_model_at_its_edges(size, follows, uniform_share):
    """Only copies, only uniform picks, a core and nobody else, one follow each, and a
    core as large as a third of everyone: the same graph and the same draws after it."""

    def build():
        rng = np.random.default_rng(size + follows)
        return preferential_attachment(size, follows, uniform_share, rng), rng.random()

    (numpy_graph, numpy_next), (compiled, compiled_next) = on_both_paths(build)
    _assert_same_graph(compiled, numpy_graph)
    assert compiled_next == numpy_next


def _assert_same_graph(compiled, numpy_graph) -> None:
    """Both matrices alike in every array, dtype and flag, and the counts read from them."""
    for matrix in ("follows", "followers"):
        ours, theirs = getattr(compiled, matrix), getattr(numpy_graph, matrix)
        for name in ("indptr", "indices", "data"):
            np.testing.assert_array_equal(getattr(ours, name), getattr(theirs, name))
            assert getattr(ours, name).dtype == getattr(theirs, name).dtype, (matrix, name)
        assert ours.has_canonical_format and theirs.has_canonical_format
    for counts in ("follower_counts", "following_counts"):
        np.testing.assert_array_equal(getattr(compiled, counts), getattr(numpy_graph, counts))


@needs_kernels
@pytest.mark.parametrize("rows", ["random", "small_world", "repeats_and_self", "few"])
def test_the_compiled_rows_build_scipys_matrices(rows):
    """The graph's two matrices from its edges by follower (`graph_rows`) are scipy's: the
    rows made canonical (sorted, each edge once, no self-follows) and the transpose."""
    from sim.engine.network import _from_rows, random_graph, small_world

    rng = np.random.default_rng(4)
    if rows == "random":
        build = lambda: random_graph(3_000, 12, np.random.default_rng(1))  # noqa: E731
    elif rows == "small_world":
        build = lambda: small_world(5_000, 6, 0.3, np.random.default_rng(2))  # noqa: E731
    else:
        size = 400 if rows == "repeats_and_self" else 7
        # rows of 0-60 follows with repeats and self-follows, some people following nobody
        lengths = rng.integers(0, 61 if rows == "repeats_and_self" else 3, size)
        follower = np.repeat(np.arange(size), lengths)
        followee = rng.integers(0, max(size // 8, 2), len(follower))
        followee[::5] = follower[::5]
        build = lambda: _from_rows(size, follower, followee)  # noqa: E731
    numpy_graph, compiled = on_both_paths(build)
    _assert_same_graph(compiled, numpy_graph)


@needs_kernels
def test_the_compiled_rows_refuse_edges_out_of_order_or_range():
    def rows(follower, followee, size=4, per_row=0):
        """`graph_rows` on these edges; `follower` None: everyone follows `per_row`."""
        followee = np.array(followee, np.int64)
        if follower is not None:
            follower = np.array(follower, np.int64)
        out = [np.empty(n, np.int32) for n in (size + 1, len(followee), size + 1, len(followee))]
        addresses = [values.ctypes.data for values in out]
        return native.KERNELS.graph_rows(
            size,
            len(followee),
            per_row,
            None if follower is None else follower.ctypes.data,
            followee.ctypes.data,
            *addresses,
        )

    assert rows([0, 1, 3], [1, 2, 0]) == 3
    assert rows([0, 2, 1], [1, 0, 0]) == -1  # followers out of order
    assert rows([0, 1, 4], [1, 2, 0]) == -1  # a follower beyond everyone
    assert rows([-1, 0, 1], [1, 2, 0]) == -1
    assert rows([0, 1, 2], [1, 4, 0]) == -1  # a followee beyond everyone
    # everyone following as many, unlisted: a repeat and a self-follow dropped
    assert rows(None, [1, 1, 0, 1], size=2, per_row=2) == 2
    assert rows(None, [1, 1, 0], size=2, per_row=2) == -1  # fewer edges than the rows hold
    assert rows(None, [1, 1, 0, 1, 0], size=2, per_row=2) == -1  # more
    assert rows(None, [0, 0, 0], size=1, per_row=5) == -1
    assert rows(None, [1, 0], size=2, per_row=-1) == -1
    assert rows(None, [1, 2], size=2, per_row=1) == -1  # a followee beyond everyone


@needs_kernels
@pytest.mark.parametrize("expected", [0.0, 1e-9])
def test_a_day_with_no_candidates_or_no_survivors_gives_an_empty_part(expected):
    state, loyalty, voice = _day_inputs(5)
    cfg = Posts()
    generator = PostGenerator(cfg, len(state), np.ones(len(cfg.topics)))
    level = np.ones(len(cfg.topics))
    numpy_part, compiled = on_both_paths(
        lambda: generator.day(
            np.random.default_rng(1), 0.0, expected, level, state, loyalty, voice=voice
        )
    )
    assert numpy_part.keys() == compiled.keys()
    for name, values in numpy_part.items():
        assert len(values) == 0
        assert compiled[name].dtype == values.dtype, name


def _a_run_after(days: int, size: int = 4_000):
    """A baseline run's population and graph after `days` days (on the numpy path)."""
    with kernels_as(None):
        cfg = sim.load_config("baseline", [f"population.size={size}", f"days={days}"])
        model = HubspokeModel(cfg, 2)
        model.run()
    return model.population, model.graph


@needs_kernels
@pytest.mark.parametrize("states", ["as_run", "all_four", "no_customers", "only_customers"])
def test_the_census_is_the_sameon_both_paths(states):
    """The day's counts by state, and the customers' loyalty and margins in order."""
    pop, _ = _a_run_after(5)
    if states == "all_four":
        pop.state[::7] = COMPETITOR
    elif states != "as_run":
        pop.state[:] = PROSPECT if states == "no_customers" else CUSTOMER
    (numpy_counts, *numpy_arrays), (counts, *arrays) = on_both_paths(pop.census)
    assert counts == numpy_counts == pop.counts()
    assert len(arrays[0]) == counts[1]
    for ours, theirs in zip(arrays, numpy_arrays, strict=True):
        np.testing.assert_array_equal(ours, theirs)


@needs_kernels
@pytest.mark.parametrize("seen", ["none", "small", "beyond_the_bounds"])
def test_the_loyalty_day_is_the_sameon_both_paths(seen):
    """What a few people saw (clipped to [0, 1]), then everyone's drift: the same loyalty
    to the last bit."""
    pop, _ = _a_run_after(3)
    rng = np.random.default_rng(3)
    people = np.sort(rng.choice(pop.size, 300, replace=False))
    shifts = {
        "none": None,
        "small": rng.normal(0.0, 0.01, len(people)),
        "beyond_the_bounds": rng.normal(0.0, 2.0, len(people)),
    }[seen]
    if shifts is not None:
        shifts[:3] = [-0.0, -5.0, 5.0]

    def day():
        copy = copy_module.deepcopy(pop)
        copy.drift(None if shifts is None else people, shifts)
        return copy.loyalty

    numpy_loyalty, compiled = on_both_paths(day)
    np.testing.assert_array_equal(compiled, numpy_loyalty)
    np.testing.assert_array_equal(np.signbit(compiled), np.signbit(numpy_loyalty))
    assert not np.array_equal(compiled, pop.loyalty)  # the day moved it


@needs_kernels
def test_followee_shares_are_the_same_on_both_paths_as_flags_change():
    """Counts kept from call to call: few changes (updated through the audiences), none,
    and many (recounted), with the flags of the day before kept apart from the caller's.
    (4,003 people: the kernel compares eight flags at a time, and the last three alone.)"""
    pop, graph = _a_run_after(1, size=4_003)
    rng = np.random.default_rng(5)
    flags = [pop.state == CUSTOMER]
    for changes in (30, 0, 1, graph.size // 2, 200):
        flag = flags[-1].copy()
        flag[rng.choice(graph.size, changes, replace=False)] ^= True
        flag[-1] ^= changes == 1  # one in the tail
        flags.append(flag)
    people = np.sort(rng.choice(graph.size, 500, replace=False))

    def shares():
        copy = copy_module.deepcopy(graph)
        out = []
        for flag in flags:
            out.append(copy.followee_share(flag, people))
            flag ^= True  # the caller's array changes after the call: the counts must not
            out.append(copy.followee_share(~flag, None))
            flag ^= True
        return out

    numpy_shares, compiled = on_both_paths(shares)
    for ours, theirs in zip(compiled, numpy_shares, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    full = graph.follows @ flags[-1].astype(np.float64) / np.maximum(graph.following_counts, 1)
    np.testing.assert_array_equal(compiled[-1], full)


def _run(
    scenario: str, overrides: tuple[str, ...], seed: int, kernels, compiled_day: bool = True
) -> dict:
    usable = CompiledDay.usable if compiled_day else staticmethod(lambda *_: False)
    with kernels_as(kernels), mock.patch.object(CompiledDay, "usable", usable):
        cfg = sim.load_config(scenario, ["population.size=3000", "days=60", *overrides])
        model = HubspokeModel(cfg, seed)
        model.run()
    result = sim.results.collect(model)
    posts, pop = model.posts, model.population
    return {
        "summary": result.summary,
        "daily": result.daily,
        "people": {
            name: getattr(pop, name) for name in ("loyalty", "voice", "state", "open_issues")
        },
        "posts": {name: getattr(posts, name) for name in POST_COLUMNS},
        "defects": (model.defects.level, model.defects.recognised_at),
        "type": type(model.team.hub).__name__,
        "compiled_day": model._compiled is not None,
    }


POST_COLUMNS = (
    "created",
    "queued",
    "outcome",
    "service_start",
    "first_response",
    "routed_to",
    "spoke_start",
    "resolved_at",
    "reply_uplift",
    "loyalty_after_fix",
)
# people who post in numbers: every callback's branch for simulated authors is taken
DENSE = (
    "population.reach=0",
    "posts.question_rate_per_day=0.005",
    "posts.lead_rate_per_day=0.002",
    "population.segments.basic.voice_propensity=0.30",
    "population.segments.standard.voice_propensity=0.35",
    "population.segments.premium.voice_propensity=0.45",
)
RUNS = {
    "baseline": ("baseline", ()),
    "attack_false": ("brand_attack_false", ()),
    "attack_true_enterprise": ("brand_attack_true", ("strategy=enterprise",)),
    "defect_enterprise_dense": ("product_defect", ("strategy=enterprise", *DENSE)),
    "hidden_fraud": ("hidden_fraud", ()),
    "pr_spin_exponential_dense": (
        "baseline",
        (
            "strategy=pr_spin",
            "posts.reply_speed_form=exponential",
            "posts.recovery_ceiling=false",
            *DENSE,
        ),
    ),
    "frozen_quiet_peak": (
        "seasonal_peak",
        ("population.freeze_loyalty=true", "population.squeaky_wheel=0"),
    ),
    "hub_closes_leads_dense": ("baseline", ("strategy=visibility_first", *DENSE)),
    "impatient_hub_and_spoke_dense": (
        "baseline",
        ("strategy=hub_and_spoke", "posts.patience_hours=3", *DENSE),
    ),
}


@needs_kernels
@pytest.mark.parametrize("case", sorted(RUNS))
def test_whole_runs_are_the_same_to_the_last_bit_with_or_without_the_kernels(case):
    scenario, overrides = RUNS[case]
    numpy_run = _run(scenario, overrides, 4, None)
    compiled_run = _run(scenario, overrides, 4, native.KERNELS)
    assert (numpy_run["type"], compiled_run["type"]) == ("ServerPool", "CompiledPool")
    assert (numpy_run["compiled_day"], compiled_run["compiled_day"]) == (False, True)
    assert numpy_run["summary"].keys() == compiled_run["summary"].keys()
    for name, value in numpy_run["summary"].items():
        other = compiled_run["summary"][name]
        assert other == value or (value != value and other != other), name  # NaN == NaN
    assert numpy_run["daily"].equals(compiled_run["daily"])
    for group in ("people", "posts"):
        for name, values in numpy_run[group].items():
            np.testing.assert_array_equal(compiled_run[group][name], values, err_msg=name)
    for numpy_values, compiled in zip(numpy_run["defects"], compiled_run["defects"], strict=True):
        np.testing.assert_array_equal(compiled, numpy_values)


# numpy's two ways of choice(n, count, replace=False): Floyd's algorithm up to n = 10,000 or
# count = n // 50, the tail shuffle above; their edges, count = 0 and count = n
SAMPLES = [
    (0, 0), (1, 1), (7, 3), (10_000, 0), (10_000, 9_999), (10_000, 10_000),
    (10_001, 200), (10_001, 201), (10_001, 10_001), (50_000, 900), (50_000, 1_001),
    (299_999, 5_999), (299_999, 6_000), (299_999, 150_000), (1 << 20, 1 << 20),
]  # fmt: skip


@needs_kernels
@pytest.mark.parametrize(("size", "count"), SAMPLES)
def test_the_compiled_sample_is_numpys_choice_sorted_with_the_same_draws(size, count):
    from sim.engine.streams import _kernel_agrees

    for seed in (1, 2):
        ours, theirs = np.random.default_rng([seed, size]), np.random.default_rng([seed, size])
        sample = np.empty(count, dtype=np.int64)
        bitgen = ours.bit_generator.ctypes.bit_generator
        assert native.KERNELS.sorted_sample(bitgen, size, count, sample.ctypes.data) == 0
        np.testing.assert_array_equal(sample, np.sort(theirs.choice(size, count, replace=False)))
        assert ours.bit_generator.state == theirs.bit_generator.state  # the same draws made
    assert _kernel_agrees()  # so the engine uses it


@needs_kernels
def test_the_day_uniforms_are_the_sameon_both_paths():
    from sim.engine.streams import LowUniforms

    def draw():
        out = []
        for seed, (size, base, bound) in enumerate(((8_000, 0.01, 0.03), (60_000, 0.03, 0.05))):
            rng, extra = np.random.default_rng([seed, 1]), np.random.default_rng([seed, 2])
            for _ in range(3):
                low = LowUniforms.layered(rng, extra, size, base, bound)
                out.append((low.people, low.values))
        return out

    numpy_draws, compiled_draws = on_both_paths(draw)
    for (people, values), (their_people, their_values) in zip(
        numpy_draws, compiled_draws, strict=True
    ):
        np.testing.assert_array_equal(people, their_people)
        np.testing.assert_array_equal(values, their_values)


def test_a_sample_kernel_that_disagrees_with_numpy_is_not_used(monkeypatch):
    """The kernel follows numpy 2's algorithm: checked against numpy once a process."""
    from sim.engine import streams

    class Wrong:
        @staticmethod
        def sorted_sample(bitgen, size, count, out):
            ctypes_out = np.ctypeslib.as_array((ctypes.c_int64 * count).from_address(out))
            ctypes_out[:] = np.arange(count)  # the first people: a sample, not numpy's
            return 0

    monkeypatch.setattr(native, "KERNELS", Wrong())
    streams._kernel_agrees.cache_clear()  # checked afresh against the wrong kernel
    try:
        rng, numpy_rng = np.random.default_rng(5), np.random.default_rng(5)
        sample = streams.sorted_sample(rng, 20_000, 2_000)
        assert streams._kernel_agrees() is False
    finally:
        streams._kernel_agrees.cache_clear()  # the real kernel's answer, next time asked
    np.testing.assert_array_equal(sample, np.sort(numpy_rng.choice(20_000, 2_000, replace=False)))


@needs_kernels
def test_a_library_built_from_another_source_is_refused(tmp_path):
    library = tmp_path / native._LIBRARY.name
    shutil.copy(native._LIBRARY, library)
    source = tmp_path / "kernels.c"
    source.write_text(native._SOURCE.read_text() + "\n/* edited */\n")
    loaded, status = native.load(library, source)
    assert loaded is None and status.startswith("stale")
    source.write_text(native._SOURCE.read_text())
    loaded, status = native.load(library, source)
    assert loaded is not None and status.startswith("compiled kernels in use")


def test_a_missing_library_or_the_switch_means_the_numpy_path(tmp_path, monkeypatch):
    monkeypatch.delenv("HUBSPOKE_NATIVE", raising=False)  # the suite may run with it set
    loaded, status = native.load(tmp_path / "absent.so", native._SOURCE)
    assert loaded is None and status.startswith("not built")
    monkeypatch.setenv("HUBSPOKE_NATIVE", "0")
    loaded, status = native.load(native._LIBRARY, native._SOURCE)
    assert loaded is None and status.startswith("off")


def _build_root(tmp_path: Path, source_text: str) -> Path:
    (tmp_path / "sim" / "engine").mkdir(parents=True)
    (tmp_path / "sim" / "engine" / "kernels.c").write_text(source_text)
    return tmp_path


def _compile_kernels():
    import importlib.util

    spec = importlib.util.spec_from_file_location("hatch_build", ROOT / "hatch_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.compile_kernels, module.LIBRARY


def test_a_failed_build_says_why_and_leaves_no_library(tmp_path, monkeypatch):
    compile_kernels, library = _compile_kernels()
    root = _build_root(tmp_path, "this is not C\n")
    reason = compile_kernels(root)
    assert reason is not None and "failed" in reason
    assert not (root / library).exists()
    assert list((root / "sim" / "engine").iterdir()) == [root / "sim" / "engine" / "kernels.c"]
    monkeypatch.setenv("CC", "no-such-compiler-hubspoke")
    reason = compile_kernels(root)
    assert reason is not None and reason.startswith("no C compiler")


@needs_kernels
def test_a_build_records_its_source(tmp_path):
    compile_kernels, library = _compile_kernels()
    root = _build_root(tmp_path, native._SOURCE.read_text())
    assert compile_kernels(root) is None
    loaded, status = native.load(root / library, root / "sim" / "engine" / "kernels.c")
    assert loaded is not None, status


@needs_kernels
def test_the_kernels_compile_without_a_warning(tmp_path):
    """Newer compilers turn some warnings into errors (GCC 14 refuses a pointer of another
    type): a warning today would be a build that fails there, and a slower engine. Compiled
    for real, with the build's optimisation: some warnings need the code generated."""
    compiler = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    done = subprocess.run(
        [
            *compiler,
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-c",
            "-o",
            str(tmp_path / "kernels.o"),
            str(native._SOURCE),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _loyalties(case: str) -> np.ndarray:
    """Customers' loyalty as a day's record sees it, and its edges."""
    from sim.engine.metrics import DETRACTOR, PROMOTER

    rng = np.random.default_rng(len(case))
    if case == "one":
        return np.array([0.3])
    if case == "two":
        return np.array([0.9, 0.1])
    if case == "all_equal":
        return np.full(5_000, 0.5)
    if case == "edges":  # 0, 1, the NPS cut-offs and bin edges, many repeated
        edges = np.array([0.0, 1.0, PROMOTER, DETRACTOR, 1 / 4096, 4095 / 4096, 0.5])
        return rng.choice(edges, 9_001)
    if case == "two_values":
        return rng.choice([0.25, 0.75], 12_345)
    size = {"small": 7, "below_selection": 7_999, "customers": 34_358}[case]
    return rng.beta(6.0, 4.0, size)


@needs_kernels
@pytest.mark.parametrize(
    "case",
    ["one", "two", "all_equal", "edges", "two_values", "small", "below_selection", "customers"],
)
def test_the_compiled_loyalty_summary_gives_the_same_stats(case):
    """The day's loyalty quantiles and NPS counts by the histogram kernel are numpy's
    order statistics and counts: every figure of `loyalty_stats` the same to the last bit."""
    from sim.engine.metrics import loyalty_stats

    loyalty = _loyalties(case)
    numpy_stats, compiled = on_both_paths(lambda: loyalty_stats(loyalty))
    assert compiled == numpy_stats


@needs_kernels
@pytest.mark.parametrize("odd", [math.nan, 1.0000000000000002, -1e-300, -0.0, 7.0])
def test_the_compiled_loyalty_summary_refuses_values_outside_the_unit_interval(odd):
    """A value outside [0, 1], NaN or -0: the kernel refuses and numpy's way is taken."""
    from sim.engine.metrics import _loyalty_summary_compiled, loyalty_stats

    loyalty = _loyalties("customers")
    loyalty[123] = odd
    assert _loyalty_summary_compiled(loyalty) is None
    numpy_stats, compiled = on_both_paths(lambda: loyalty_stats(loyalty))
    assert str(compiled) == str(numpy_stats)  # NaN == NaN as text


def _raw_parts(rng: np.random.Generator, sizes: tuple[int, ...], people: int) -> list[dict]:
    """Parts as the day's generator makes them (`raw`): kinds of every sort, times with
    ties across and within parts, one part with the authors' loyalty, one from outside."""
    parts = []
    for index, count in enumerate(sizes):
        part = {
            "kind": rng.integers(0, 6, count).astype(np.int8),
            "author": rng.integers(0, people, count),
            "created": np.round(rng.random(count) * 24, 1),  # ties
            "topic": rng.integers(0, 3, count),
            "u": rng.random((count, 7)),
        }
        if index == 0:
            part["loyalty_before"] = rng.random(count)
        else:
            part["background"] = np.ones(count, dtype=bool)
        parts.append(part)
    return parts


@needs_kernels
@pytest.mark.parametrize("patience_hours", [0.0, 4.0])
@pytest.mark.parametrize("sizes", [(0, 5), (1,), (40, 0, 300), (150, 700)])
def test_the_compiled_book_batch_writes_what_assemble_and_extend_write(sizes, patience_hours):
    from sim.engine.posts import PostBook

    people = 500
    rng = np.random.default_rng(sum(sizes))
    followers = rng.integers(0, 1000, people)
    platform = rng.integers(0, 3, people).astype(np.int8)
    cfg = Posts(patience_hours=patience_hours)

    def book_of_two_days() -> PostBook:
        book = PostBook(capacity=8)  # grows on the way
        for day in range(2):
            parts = _raw_parts(np.random.default_rng([day, *sizes]), sizes, people)
            ids = book.extend_parts(parts, followers, platform, cfg)
            np.testing.assert_array_equal(ids, np.arange(len(book) - sum(sizes), len(book)))
        return book

    numpy_book, compiled_book = on_both_paths(book_of_two_days)
    assert len(compiled_book) == 2 * sum(sizes)
    for name, values in numpy_book._columns.items():
        np.testing.assert_array_equal(compiled_book._columns[name], values, err_msg=name)


@needs_kernels
def test_the_compiled_book_batch_leaves_odd_authors_to_numpy_and_writes_a_copy_alone():
    """An author outside the people (numpy would wrap -1) takes numpy's way; a copied
    book (the app's what-if arms) writes its own columns, not the original's."""
    from sim.engine.posts import PostBook

    rng = np.random.default_rng(7)
    followers, platform = np.arange(50), np.zeros(50, dtype=np.int8)
    cfg = Posts()
    parts = _raw_parts(rng, (20,), 50)
    parts[0]["author"][3] = -1

    def book() -> PostBook:
        book = PostBook(capacity=64)
        book.extend_parts(parts, followers, platform, cfg)
        return book

    numpy_book, compiled_book = on_both_paths(book)
    for name, values in numpy_book._columns.items():
        np.testing.assert_array_equal(compiled_book._columns[name], values, err_msg=name)
    assert compiled_book.author.min() == -1 and compiled_book.followers.max() == 49

    original = PostBook(capacity=64)
    original.extend_parts(_raw_parts(rng, (10,), 50), followers, platform, cfg)
    before = {name: values.copy() for name, values in original._columns.items()}
    duplicate = copy_module.deepcopy(original)
    duplicate.extend_parts(_raw_parts(rng, (10,), 50), followers, platform, cfg)
    assert len(duplicate) == 20 and len(original) == 10
    for name, values in before.items():
        np.testing.assert_array_equal(original._columns[name], values, err_msg=name)


def _book_for_reading(rng: np.random.Generator, count: int):
    """A book of `count` posts of every kind, negativity of every kind's and odd ones
    (0, -0, below 0, NaN, just below and at NEGATIVE), some by the reach outside the sample."""
    from sim.engine.posts import NEGATIVE, POST_KINDS, PostBook

    book = PostBook(capacity=4)
    negativity = np.array(
        [0.0, -0.0, -0.25, math.nan, 0.1, 0.7, 1.0, NEGATIVE, np.nextafter(NEGATIVE, 0)]
    )
    book.extend(
        kind=rng.integers(0, len(POST_KINDS), count).astype(np.int8),
        negativity=rng.choice(negativity, count),
        background=rng.random(count) < 0.3,
        author=rng.integers(0, 1_000, count),
    )
    return book


@needs_kernels
@pytest.mark.parametrize(("first", "count"), [(0, 0), (0, 1), (0, 400), (150, 250), (399, 1)])
def test_the_compiled_day_reading_reads_what_numpy_reads(first, count):
    from sim.engine.posts import POST_KINDS, read_day

    def reading():
        book = _book_for_reading(np.random.default_rng(count), 400)
        by_kind = np.arange(len(POST_KINDS), dtype=np.int64)  # added to, not replaced
        return by_kind, read_day(book, first, count, by_kind)

    (numpy_kinds, numpy_day), (compiled_kinds, compiled_day) = on_both_paths(reading)
    np.testing.assert_array_equal(compiled_kinds, numpy_kinds)
    assert numpy_kinds.sum() == sum(range(len(POST_KINDS))) + count
    for name, values in vars(numpy_day).items():
        other = getattr(compiled_day, name)
        assert np.asarray(other).dtype == np.asarray(values).dtype, name
        np.testing.assert_array_equal(other, values, err_msg=name)
    if count == 400:  # the cases the reading tells apart are there
        assert 0 < len(numpy_day.spread_author) < count and numpy_day.spread_praise.any()
        assert numpy_day.spread_negative.any() and len(numpy_day.complaints)
        assert numpy_day.negative_mentions > 0


@needs_kernels
def test_the_compiled_day_reading_leaves_a_kind_outside_the_kinds_to_numpy():
    from sim.engine.posts import POST_KINDS, read_day

    book = _book_for_reading(np.random.default_rng(3), 20)
    book.kind[5] = len(POST_KINDS)  # numpy's bincount counts it in a longer array
    by_kind = np.zeros(len(POST_KINDS), dtype=np.int64)
    with pytest.raises(ValueError, match="broadcast"):
        read_day(book, 0, 20, by_kind)
    assert by_kind.sum() == 0  # the kernel counted nothing before it refused


@needs_kernels
@pytest.mark.parametrize("size", [1, 2, 3, 1_000, 65_537, 2**32 - 2])
def test_the_compiled_candidates_are_numpys_draws(size):
    """Counts, kinds, authors and key as numpy draws them, the stream left at the same
    place; Poisson means on both of numpy's methods (below 10 and from 10, where PTRS
    rejects now and then), and more candidates than the buffers' first room."""
    from sim.engine.arrivals import CandidateBuffers, _draws_agree

    kinds = np.array([0, 1, 2, 3, 4], dtype=np.int8)
    buffers = CandidateBuffers()
    assert buffers.usable(size) and _draws_agree()  # so the engine uses it
    for seed in range(40):
        ours, theirs = np.random.default_rng([seed, 3]), np.random.default_rng([seed, 3])
        expected = np.array([40.0, 0.0, 2_500.0 * (seed % 3), 3.0, 9.999])
        kind, author, key = buffers.draw(ours, kinds, expected, size)
        counts = theirs.poisson(expected)
        np.testing.assert_array_equal(kind, np.repeat(kinds, counts))
        np.testing.assert_array_equal(author, theirs.integers(0, size, counts.sum()))
        assert key == int(theirs.integers(0, 2**63))
        assert ours.bit_generator.state == theirs.bit_generator.state  # the same draws made
    assert not buffers.usable(2**32 - 1) and not buffers.usable(0)


@needs_kernels
def test_the_compiled_poisson_counts_are_numpys_over_many_means():
    """Thousands of PTRS draws (means from 10 up, its rejections and log-gamma among
    them) and of the multiplication method's: the counts numpy draws, each one."""
    from sim.engine.arrivals import CandidateBuffers

    buffers = CandidateBuffers()
    kinds = np.arange(100, dtype=np.int8)
    for seed in range(30):
        spread = np.random.default_rng(seed)
        expected = np.where(
            np.arange(100) < 70, 10.0 * np.exp(spread.random(100) * 7), spread.random(100) * 10
        )
        ours, theirs = np.random.default_rng([seed, 5]), np.random.default_rng([seed, 5])
        kind, _, _ = buffers.draw(ours, kinds, expected, 1_000)
        np.testing.assert_array_equal(buffers.counts, theirs.poisson(expected))
        np.testing.assert_array_equal(kind, np.repeat(kinds, buffers.counts))


@needs_kernels
@pytest.mark.parametrize("odd", [-1.0, math.nan, 1e19])
def test_the_compiled_candidates_leave_what_numpy_refuses_to_numpy(odd):
    """A mean numpy's Poisson refuses: the kernel draws nothing, numpy raises."""
    from sim.engine.arrivals import CandidateBuffers, Candidates

    rng = np.random.default_rng(1)
    state = rng.bit_generator.state
    kinds, expected = np.array([0, 1], dtype=np.int8), np.array([5.0, odd])
    assert CandidateBuffers().draw(rng, kinds, expected, 100) is None
    assert rng.bit_generator.state == state
    with pytest.raises(ValueError):
        Candidates(rng, kinds, expected, 100, CandidateBuffers())


def test_a_kernel_drawing_otherwise_than_numpy_is_not_used_for_candidates(monkeypatch):
    """Were numpy to change its integers, the check would find it and numpy would draw."""
    from sim.engine import arrivals

    class Shifted:
        """The real kernel but for its count, one more than it drew."""

        def __getattr__(self, name):
            return getattr(native.KERNELS_REAL, name)

        def draw_candidates(self, *arguments):
            return native.KERNELS_REAL.draw_candidates(*arguments) + 1

    if native.KERNELS is None:
        pytest.skip(f"compiled kernels: {native.STATUS}")
    monkeypatch.setattr(native, "KERNELS_REAL", native.KERNELS, raising=False)
    monkeypatch.setattr(native, "KERNELS", Shifted())
    arrivals._draws_agree.cache_clear()
    try:
        assert arrivals._draws_agree() is False
        kinds, expected = np.array([0, 2], dtype=np.int8), np.array([5.0, 50.0])
        buffers = arrivals.CandidateBuffers()
        ours = arrivals.Candidates(np.random.default_rng(9), kinds, expected, 100, buffers)
        theirs = arrivals.Candidates(np.random.default_rng(9), kinds, expected, 100)
        assert ours.addresses is None and ours.draws.key == theirs.draws.key
        np.testing.assert_array_equal(ours.author, theirs.author)
    finally:
        arrivals._draws_agree.cache_clear()


@needs_kernels
@pytest.mark.parametrize(
    ("posts", "top", "generations"),
    [(0, 0.3, 4), (1, 0.0, 4), (40, 1.0, 2), (300, 0.3, 10), (300, 0.05, 0), (500, 0.6, 6)],
)
def test_the_compiled_cascades_are_numpys_with_the_same_draws(posts, top, generations):
    """Reshares (post, person) in numpy's order from the same draws, the stream left at
    the same place; repeated authors and posts that do not spread included."""
    from sim.engine.diffusion import cascades

    graph = preferential_attachment(5_000, 8, 0.5, np.random.default_rng(2))
    setup = np.random.default_rng(posts)
    authors = setup.integers(0, 5_000, posts)
    authors[1::5] = authors[0] if posts else authors[1::5]  # one author, several posts
    prob = setup.random(posts) * top
    prob[::4] = 0.0

    def spread():
        rng = np.random.default_rng([posts, 9])
        reshares = cascades(graph, authors, prob, rng, generations)
        return reshares, rng.random()

    (numpy_reshares, numpy_next), (compiled, compiled_next) = on_both_paths(spread)
    for ours, theirs in zip(compiled, numpy_reshares, strict=True):
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)
    assert compiled_next == numpy_next
    if posts >= 300 and top > 0.1 and generations > 1:
        assert len(compiled[0]) > posts  # cascades of several generations were tested


@needs_kernels
@pytest.mark.parametrize(
    ("posts", "top", "generations"), [(0, 0.3, 4), (1, 0.0, 4), (40, 1.0, 2), (300, 0.2, 10)]
)
def test_the_compiled_spread_weighs_as_numpy_with_the_same_draws(posts, top, generations):
    """The kernel spread_day against its numpy twin: the same resharers, the same weights
    to the last bit (sums in order, one person weighed many times, onto weights already
    there), the stream left at the same place; share probabilities clipped at 0 and 1."""
    from sim.config.schema import Reshare
    from sim.engine.diffusion import cascades_weighed

    graph = preferential_attachment(5_000, 8, 0.5, np.random.default_rng(2))
    setup = np.random.default_rng(posts)
    authors = setup.integers(0, 5_000, posts)
    authors[1::5] = authors[0] if posts else authors[1::5]  # one author, several posts
    negativity = setup.uniform(-1.0, 2.0, posts)  # probabilities below 0 and above 1 too
    negative = setup.random(posts) < 0.6
    praise = ~negative & (setup.random(posts) < 0.5)
    cfg = Reshare(share_prob=top, negativity_boost=1.5, max_generations=generations)

    def spread():
        rng = np.random.default_rng([posts, 9])
        negative_weight, positive_weight = np.zeros(5_000), np.full(5_000, 0.1)
        resharer = cascades_weighed(
            graph, authors, negativity, negative, praise, cfg, rng, negative_weight, positive_weight
        )
        return resharer, negative_weight, positive_weight, rng.random()

    numpy_result, compiled = on_both_paths(spread)
    for ours, theirs in zip(compiled, numpy_result, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    assert compiled[0].dtype == numpy_result[0].dtype
    if posts >= 300:
        assert len(compiled[0]) > posts and compiled[1].any()  # cascades weighed


@needs_kernels
@pytest.mark.parametrize("case", ["baseline", "frozen_quiet_peak", "defect_enterprise_dense"])
def test_the_compiled_day_is_the_day_of_the_other_kernels(case):
    """The day's posts in one compiled pass (sim.engine.day_posts) against the same run
    with the other kernels and the day's numpy steps: the same to the last bit."""
    scenario, overrides = RUNS[case]
    steps = _run(scenario, overrides, 6, native.KERNELS, compiled_day=False)
    compiled = _run(scenario, overrides, 6, native.KERNELS)
    assert (steps["compiled_day"], compiled["compiled_day"]) == (False, True)
    assert steps["daily"].equals(compiled["daily"])
    for group in ("people", "posts"):
        for name, values in steps[group].items():
            np.testing.assert_array_equal(compiled[group][name], values, err_msg=name)


@needs_kernels
def test_a_copied_compiled_day_has_its_own_buffers_and_reads_its_own_generator():
    """Addresses belong to one process and one set of arrays: a copy (pickled, say, to
    another process) starts its own buffers and reads its own generator's arrays."""
    cfg = sim.load_config("baseline", ["population.size=3000", "days=3"])
    model = HubspokeModel(cfg, 8)
    model.run()
    day = model._compiled
    copy = copy_module.deepcopy(day)
    assert copy._day != day._day and copy.generator is not day.generator
    ours = ctypes.addressof(ctypes.c_char.from_buffer(copy.generator._kernel_inputs[0]))
    assert copy._constants.topic_bounds == ours != day._constants.topic_bounds


@needs_kernels
def test_rows_of_eight_follows_come_out_sorted_from_every_order():
    """The kernels sort a row of eight by a network of compare-exchanges: every one of
    the 40,320 orders of eight distinct followees comes out sorted, as scipy sorts it."""
    import itertools

    from sim.engine.network import _from_regular_rows

    orders = np.array(list(itertools.permutations(range(8))), dtype=np.int64)
    size = 8 + len(orders)
    followee = np.concatenate([np.tile(np.arange(8, 16), 8), orders.ravel()])
    graph = _from_regular_rows(size, 8, followee)
    assert graph.follows.nnz == 8 * size
    rows = graph.follows.indices.reshape(size, 8)
    np.testing.assert_array_equal(rows[8:], np.tile(np.arange(8), (len(orders), 1)))
    with kernels_as(None):
        scipy_graph = _from_regular_rows(size, 8, followee)
    np.testing.assert_array_equal(graph.follows.indices, scipy_graph.follows.indices)


@needs_kernels
@pytest.mark.parametrize("priority", ["fifo", "visibility", "severity", "deadline", "churn_risk"])
def test_the_compiled_intake_queues_as_numpy_under_every_order(priority):
    """The hub's intake of a day's posts (pool_take_up, all orders but churn_risk's, which
    stays in numpy) against the numpy path: the same runs to the last bit."""
    overrides = (f"strategy.priority={priority}", "strategy.listening=0.5", *DENSE)
    numpy_run = _run("baseline", overrides, 3, None)
    compiled_run = _run("baseline", overrides, 3, native.KERNELS)
    assert compiled_run["type"] == "CompiledPool"
    assert numpy_run["daily"].equals(compiled_run["daily"])
    for name, values in numpy_run["posts"].items():
        np.testing.assert_array_equal(compiled_run["posts"][name], values, err_msg=name)


def test_kept_addresses_answer_for_the_very_array_only():
    """`native.Addresses` keeps each array's address with the array itself, alive: an
    id it knows is never another array's (CPython reuses a freed one's id at once); past
    its limit it starts over."""
    addresses = native.Addresses(limit=3)
    first = np.arange(4.0)
    assert addresses.of(first) == first.ctypes.data == addresses.of(first)
    frozen = np.arange(3.0)
    frozen.flags.writeable = False
    assert addresses.of(frozen) == frozen.ctypes.data  # read-only: numpy's way, once
    for size in (5, 3000, 70, 50_000) * 3:  # new arrays at freed ones' ids, not memory
        values = np.arange(float(size))
        assert addresses.of(values) == values.ctypes.data
        del values
    assert len(addresses._known) <= 3


@needs_kernels
def test_the_compiled_day_reads_the_tagging_share_it_is_given_each_day():
    """The compiled day keeps what the book's kernel reads besides the posts; a share of
    tagged posts changed in place still reaches the next day's posts (at 1, every post
    is addressed to the brand; at 0 only attacks and those that could not be mentions)."""
    cfg = sim.load_config("baseline", ["population.size=3000", "days=6"])
    model = HubspokeModel(cfg, 3)
    model.run_until(model.time + 24.0)  # the first day's posts: some not tagged
    assert model._compiled is not None and not model.posts.addressed.all()
    model.post_config.addressed_share = 1.0
    before = len(model.posts)
    model.run_until(model.time + 48.0)
    assert len(model.posts) > before
    assert model.posts.addressed[before:].all()
