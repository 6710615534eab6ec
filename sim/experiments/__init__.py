"""Experiments: many runs, planned, executed and analysed.

`specs` (experiment files), `runs` (the one run spec and the one `execute`, on
local cores or a Dask cluster via `executors`), `sweeps` (the resumable Parquet
store), and the
analyses built on them: `comparison` (strategies with paired CIs), `staffing`
(recommended staffing and trade-offs), `sensitivity` (Morris, Sobol) and
`calibration` (history matching to published targets).
"""

from sim.experiments.sweeps import load, load_daily, sweep

__all__ = ["load", "load_daily", "sweep"]
