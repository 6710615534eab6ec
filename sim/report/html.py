"""One self-contained HTML file a person can open and share: headings, prose, tables and
the job's plots embedded (base64), no scripts and nothing fetched from the network."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

STYLE = """
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; color: #222;
       line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f3f3; }
img { max-width: 100%; margin: 0.6em 0; }
dt { font-family: monospace; font-weight: bold; margin-top: 0.5em; }
.note { color: #555; font-size: 0.92em; }
pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
"""

# what each metric a report shows means, in its unit (docs/model.md, summary metrics);
# {currency} is the report's currency code
GLOSSARY: dict[str, str] = {
    "loyalty_mean_final": "mean loyalty of the customers at the end, 0 (none) to 1 (devoted)",
    "churn_rate": "customers lost over the run, as a share of the customers at the start",
    "relationship_value_total": (
        "revenue minus cost to serve over the run, undiscounted ({currency})"
    ),
    "relationship_value_horizon": (
        "the run's value discounted, plus the expected margins of the customers left at the "
        "end projected to the horizon (three years) with no further service or cost ({currency})"
    ),
    "customer_equity_final": "the projected margins of the customers left at the end ({currency})",
    "hub_utilisation": "hub busy hours over hub staffed hours",
    "cost_to_serve_total": "wages, tools, content, outreach, compensation and fixes ({currency})",
    "nps_like_final": "share of customers with loyalty >= 0.8 minus share <= 0.4; -1 to +1",
    "first_response_p90_h": "90th percentile of hours from a post to the brand's first reply",
    "unanswered_share": "share of inbound posts never answered",
    "complaints_total": "complaints and complaint mentions published",
    "attack_reach": "share of people who heard the accusation",
    "customers_final": "people buying from the brand at the end of the run",
    "revenue_total": "margin earned from customers over the run ({currency})",
    "spoke_utilisation": "liaison (spoke) busy hours over their reserved hours",
    "first_response_median_h": "median hours from a post to the brand's first reply",
    "sla_attainment": "share of inbound posts answered within the strategy's target hours",
    "attack_recovery_days": (
        "days from the attack's start until customers' mean loyalty is back to its level "
        "before it (n/a: not back within the run)"
    ),
}


def paragraph(text: str, css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return f"<p{klass}>{html.escape(text)}</p>"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def image(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def preformatted(text: str) -> str:
    return f"<pre>{html.escape(text)}</pre>"


def glossary(metrics: Sequence[str], currency: str = "USD") -> str:
    """What each of `metrics` means, money in `currency` (an ISO 4217 code)."""
    items = "".join(
        f"<dt>{html.escape(m)}</dt><dd>{html.escape(GLOSSARY[m].format(currency=currency))}</dd>"
        for m in metrics
        if m in GLOSSARY
    )
    return f"<dl>{items}</dl>"


def document(title: str, sections: Sequence[tuple[str, str]]) -> str:
    """A whole page: the title, then (heading, html fragment) sections in order."""
    parts = [f"<h1>{html.escape(title)}</h1>"]
    for heading, fragment in sections:
        parts.append((f"<h2>{html.escape(heading)}</h2>" if heading else "") + fragment)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>\n"
    )


def markdown_page(title: str, text: str, folder: Path) -> str:
    """A job's Markdown report as one page: its text (tables kept), every plot in `folder`
    embedded, and the folder's provenance.json when there is one."""
    import json

    import markdown

    sections = [("", markdown.markdown(text, extensions=["tables", "fenced_code"]))]
    plots = sorted(Path(folder).glob("*.png"))
    if plots:
        sections.append(("Plots", "".join(image(p, p.stem) for p in plots)))
    provenance = Path(folder) / "provenance.json"
    if provenance.is_file():
        record = json.loads(provenance.read_text())
        sections.append(("Provenance", preformatted(json.dumps(record, indent=2, sort_keys=True))))
    return document(title, sections)


def save_markdown_page(folder: Path, title: str, report: str) -> Path:
    """Write report.html next to the job's Markdown report `report` (a file in `folder`)."""
    from sim.report.io import atomic_write

    folder = Path(folder)
    page = markdown_page(title, (folder / report).read_text(), folder)
    atomic_write(folder / "report.html", lambda p: p.write_text(page))
    return folder / "report.html"
