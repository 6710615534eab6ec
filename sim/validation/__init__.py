"""Validation: the engine in limiting cases against queueing, diffusion, rumour and CLV theory."""

from sim.validation.checks import bass, cascade, clv, queue, rumour

__all__ = ["bass", "cascade", "clv", "queue", "rumour"]
