"""Money as a person reads it, in the run's currency (`output.currency`, an ISO 4217 code).

Amounts are in whatever currency the money inputs were given in; the code only
labels them, nothing is converted. Reports take a :class:`Currency` so that the
headline, the tables, the axis ticks and the axis labels all say the same one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.schema import CURRENCIES


@dataclass(frozen=True)
class Currency:
    code: str = "USD"

    @property
    def symbol(self) -> str:
        return CURRENCIES[self.code]

    def amount(self, value: float) -> str:
        """$3.15 B, €349.7 M, £168,600, -$12,300: three significant figures above a million."""
        sign, size = ("-" if value < 0 else ""), abs(value)
        if size >= 1e9:
            return f"{sign}{self.symbol}{size / 1e9:,.2f} B"
        if size >= 1e6:
            return f"{sign}{self.symbol}{size / 1e6:,.1f} M"
        return f"{sign}{self.symbol}{size:,.0f}"

    def tick(self, value: float, _position=None) -> str:
        """An axis tick: $3.4B, $1.25M, $350M, €500k, £20; the sign before the currency."""
        sign = "-" if value < 0 else ""
        return f"{sign}{self.symbol}{compact(abs(value))}"

    @property
    def formatter(self):
        """The tick formatter of a money axis (matplotlib imported only when plotting)."""
        from matplotlib.ticker import FuncFormatter

        return FuncFormatter(self.tick)

    def label(self, quantity: str) -> str:
        """An axis label with the currency as the unit: 'cost to serve (EUR)'."""
        return f"{quantity} ({self.code})"


def compact(size: float) -> str:
    """A non-negative amount or count in three significant figures at most (thousands in
    two): 3.40B, 1.25M, 350M, 2.5k, 20 (ticks of a money or people axis, with no offset
    like 1e6 above the axis)."""
    for scale, suffix, most in ((1e9, "B", 2), (1e6, "M", 2), (1e3, "k", 1)):
        if size >= scale:
            scaled = size / scale
            decimals = min(most, 2 if scaled < 10 else (1 if scaled < 100 else 0))
            return f"{scaled:,.{decimals}f}{suffix}"
    return f"{size:,.0f}"


USD = Currency()


def currency_of(config) -> Currency:
    """The currency a config's reports use."""
    return Currency(config.output.currency)
