"""hubspoke: an agent-based simulation of a company's hub-and-spoke social media team.

config = sim.load_config("baseline", ["strategy=enterprise"])
result = sim.run(config, seed=7)
comparison = sim.compare("brand_attack_false", ["silence", "enterprise"], replications=10)
folder = sim.sweep("baseline", grid={"team.hub.staff": [1, 2, 3]}, out="my_sweep")
"""

from sim.config import ConfigError, load_config

# the minor version changes whenever the default results change (CHANGELOG.md)
__version__ = "0.4.1"
__all__ = [
    "ConfigError",
    "Result",
    "__version__",
    "calibrate",
    "compare",
    "discover",
    "load_config",
    "run",
    "sensitivity",
    "staffing",
    "sweep",
]


# subpackages reachable as attributes after a plain `import sim` (sim.experiments.load(...));
# imported on first use, so `import sim` stays light. The app is left out: it needs its extra.
SUBPACKAGES = ("config", "engine", "experiments", "report", "validation", "ema")


def __getattr__(name: str):
    # the experiment layer pulls in more (scipy.stats, SALib, tqdm): import it on first use
    # the engine pulls in Mesa and pandas (~1.5 s): a command that fails on its input, or
    # only prints help, should not wait for them
    if name in ("Result", "run", "results"):
        import importlib

        results = importlib.import_module("sim.results")
        return results if name == "results" else getattr(results, name)
    if name in SUBPACKAGES:
        import importlib

        return importlib.import_module(f"sim.{name}")
    if name == "compare":
        from sim.experiments.comparison import compare

        return compare
    if name == "sweep":
        from sim.experiments.sweeps import sweep

        return sweep
    if name == "staffing":
        from sim.experiments.staffing import staffing

        return staffing
    if name == "calibrate":
        from sim.experiments.calibration import calibrate

        return calibrate
    if name == "discover":
        from sim.experiments.discovery import discover

        return discover
    if name == "sensitivity":
        from sim.experiments.sensitivity import sensitivity

        return sensitivity
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
