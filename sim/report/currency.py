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
        """An axis tick: $3.40B, $1.25M, €500k, £20; the sign before the currency (-$500k)."""
        sign, size = ("-" if value < 0 else ""), abs(value)
        if size >= 1e9:
            return f"{sign}{self.symbol}{size / 1e9:,.2f}B"
        if size >= 1e6:
            return f"{sign}{self.symbol}{size / 1e6:,.2f}M"
        if size >= 1e3:
            return f"{sign}{self.symbol}{size / 1e3:,.{1 if size < 1e4 else 0}f}k"
        return f"{sign}{self.symbol}{size:,.0f}"

    @property
    def formatter(self):
        """The tick formatter of a money axis (matplotlib imported only when plotting)."""
        from matplotlib.ticker import FuncFormatter

        return FuncFormatter(self.tick)

    def label(self, quantity: str) -> str:
        """An axis label with the currency as the unit: 'cost to serve (EUR)'."""
        return f"{quantity} ({self.code})"


USD = Currency()


def currency_of(config) -> Currency:
    """The currency a config's reports use."""
    return Currency(config.output.currency)
