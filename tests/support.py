"""Constants shared by the test modules (imported as `support`; pytest puts tests/ on sys.path)."""

from __future__ import annotations

# a small, fast population for everything that does not need the full baseline
SMALL_SIZE = 2000
SMALL_DAYS = 30
SMALL = (f"population.size={SMALL_SIZE}", f"days={SMALL_DAYS}", "output.plots=false")


def full(strategy: str) -> tuple[str, ...]:
    """Overrides of a full-size baseline run (25,000 people, 90 days) under `strategy`."""
    return ("output.plots=false", f"strategy={strategy}")


# the columns of posts.parquet the engine issue names
POST_COLUMNS = (
    "kind",
    "topic",
    "platform",
    "author_followers",
    "created_h",
    "first_response_h",
    "routed_to",
    "resolved",
    "outcome",
)
