"""The class report in the terminal: the matrix, what fails with its hint, the legend, the
summary."""

from __future__ import annotations

from classroom.report_cells import STATUS_MARKS, failures, leftover_cell, stack_cells
from classroom.report_model import ClassReport, State


def text(report: ClassReport) -> str:
    """The terminal view: the matrix, what fails with its hint, the legend, the summary."""
    now = report.taken_at
    extra = ["stack", "since", "expires", "cost"] + (["leftovers"] if report.swept else [])
    who = max([len("participant"), *(len(r.participant) for r in report.rows)])
    widths = [max(len(c.header), 4) for c in report.columns]
    area = sum(widths) + 2 * (len(widths) - 1)
    short = [len(f"{r.state}: {r.reason}") for r in report.rows if r.state is not State.ERROR]
    widths[-1] += max([area, *short]) - area  # room for "not deployed: no stack ..."
    area = max([area, *short])
    table = []
    for row in report.rows:
        cells = stack_cells(row, now) | {"leftovers": leftover_cell(row)}
        if row.state is State.CHECKED:
            judged = "  ".join(f"{r.status:<{w}}" for r, w in zip(row.results, widths, strict=True))
        else:
            judged = f"{row.state}: {row.reason}"
        table.append([row.participant, judged, *(cells[name] for name in extra)])
    head = "  ".join(f"{c.header:<{w}}" for c, w in zip(report.columns, widths, strict=True))
    rows = [["participant", head, *extra], *table]
    extra_widths = [max(len(r[2 + i]) for r in rows) for i in range(len(extra))]
    lines = [f"{report.lab_id} in {report.region}, taken {report.stamp()}"]
    for cells in rows:
        judged = cells[1]
        if len(judged) > area:  # a long reason: on a line of its own, under the row
            cells = [cells[0], "", *cells[2:]]
        line = f"{cells[0]:<{who}}  {cells[1]:<{area}}  " + "  ".join(
            f"{c:<{w}}" for c, w in zip(cells[2:], extra_widths, strict=True)
        )
        lines.append(line.rstrip())
        if len(judged) > area:
            lines.append(f"{'':<{who}}  {judged}")
    for index, found in failures(report):
        column = report.columns[index]
        lines += ["", f"{column.header}: {column.description}", f"  hint: {column.hint}"]
        lines += [f"  {STATUS_MARKS[r.status]} {who_}: {r.detail}" for who_, r in found]
    leftovers = [(r.participant, item) for r in report.rows for item in r.leftovers or ()]
    if leftovers:
        lines += ["", "leftovers:", *(f"  {who_}: {item}" for who_, item in leftovers)]
    legend = "; ".join(f"{c.header} = {c.description}" for c in report.columns)
    lines += ["", f"legend: {legend}", report.summary()]
    return "\n".join(lines)
