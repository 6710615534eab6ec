"""hubspoke: an agent-based simulation of a company's hub-and-spoke social media team."""

from sim.config import ConfigError, load_config
from sim.results import Result
from sim.runner import run

__version__ = "0.1.0"
__all__ = ["ConfigError", "Result", "__version__", "load_config", "run"]
