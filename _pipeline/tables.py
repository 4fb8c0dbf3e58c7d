"""The comparison's rows: their columns, defined once, and one renderer for every table.

:data:`COLUMNS` is the order of the keys of each row :func:`pipeline.compare`
returns; :data:`SHOWN` the columns a person reads, with their headings and
formats; :func:`render` lays them out for the terminal (``'text'``) or for
``report.md`` (``'markdown'``).
"""

#: The keys of a row of :func:`pipeline.compare`, in order.
COLUMNS = ("features", "loss", "best_alpha", "refit_alpha", "cv_score", "test_accuracy",
           "feature_seconds", "fit_seconds", "search_seconds", "n_features", "alphas",
           "cv_scores", "grid", "extended", "at_edge")


def searched(row):
    """The alphas a row searched, as ``0.001..10`` with what the search added:
    ``0.0001..10 (grid 0.001..10, +0.0001)``."""
    def span(alphas):
        return f"{min(alphas):g}..{max(alphas):g}" if len(alphas) > 1 else f"{alphas[0]:g}"
    if not row["extended"]:
        return span(row["alphas"])
    added = ", ".join(f"{alpha:g}" for alpha in row["extended"])
    return f"{span(row['alphas'])} (grid {span(row['grid'])}, +{added})"


def best_alpha(row):
    """The best alpha, marked ``(low edge!)`` or ``(high edge!)`` when the search ended
    with it at an edge of the alphas searched: the peak may lie beyond."""
    mark = f" ({row['at_edge']} edge!)" if row["at_edge"] else ""
    return f"{row['best_alpha']:g}{mark}"


def _added(row, side):
    """The alphas the search added below (``'low'``) or above (``'high'``) the grid."""
    if side == "low":
        return [alpha for alpha in row["extended"] if alpha < min(row["grid"])]
    return [alpha for alpha in row["extended"] if alpha > max(row["grid"])]


def edge_warning(row):
    """Why a row's best alpha still at an edge of the alphas searched deserves a look."""
    side = row["at_edge"]
    added = len(_added(row, side))
    grown = (f"{added} decade(s) added beyond the grid, the most allowed (extend)" if added
             else "the grid not extended (extend=0)")
    beyond = "smaller" if side == "low" else "larger"
    return (f"{row['features']} / {row['loss']}: the best alpha {row['best_alpha']:g} is still "
            f"at the {side} edge of the alphas searched ({min(row['alphas']):g}.."
            f"{max(row['alphas']):g}), {grown}; the peak "
            f"may lie at a {beyond} alpha: search there with alphas=[...] (--alphas) or a "
            "larger extend (--extend).")


def grid_notes(rows):
    """One line per row whose grid the search extended or whose best alpha is still at
    an edge (``warning:`` lines), for the terminal and the report."""
    lines = []
    for row in rows:
        for side in ("low", "high"):
            added = _added(row, side)
            if added:
                lines.append(
                    f"{row['features']} / {row['loss']}: the best alpha lay at the {side} edge "
                    f"of the grid {min(row['grid']):g}..{max(row['grid']):g}; the search "
                    f"added {', '.join(f'{a:g}' for a in added)}.")
        if row["at_edge"] is not None:
            lines.append(f"warning: {edge_warning(row)}")
    return lines


#: (key, heading in the terminal, heading in the report, format) of the shown
#: columns; a format is a format string of the value or a function of the row.
SHOWN = (("features", "features", "features", "{}"),
         ("loss", "loss", "loss", "{}"),
         ("best_alpha", "best alpha", "best alpha", best_alpha),
         ("alphas", "alphas searched", "alphas searched", searched),
         ("refit_alpha", "refit alpha", "refit alpha", "{:g}"),
         ("cv_score", "CV acc", "CV accuracy", "{:.4f}"),
         ("test_accuracy", "test acc", "test accuracy", "{:.4f}"),
         ("feature_seconds", "feature s", "feature s", "{:.1f}"),
         ("fit_seconds", "fit s", "fit s", "{:.1f}"),
         ("search_seconds", "search s", "search s", "{:.1f}"))


def render(rows, style="text"):
    """The comparison table as aligned plain text or as a Markdown table.

    Parameters
    ----------
    rows : list of dict
        Rows of :func:`pipeline.compare`.
    style : {'text', 'markdown'}, default='text'

    Returns
    -------
    table : str
    """
    if style not in ("text", "markdown"):
        raise ValueError(f"style must be 'text' or 'markdown', got {style!r}.")
    head = [text if style == "text" else markdown for _, text, markdown, _ in SHOWN]
    body = [[fmt(row) if callable(fmt) else fmt.format(row[key]) for key, _, _, fmt in SHOWN]
            for row in rows]
    if style == "markdown":
        lines = [head, ["---"] * len(head)] + body
        return "\n".join("| " + " | ".join(line) + " |" for line in lines)
    widths = [max(len(cell) for cell in column) for column in zip(head, *body)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths))
                     for line in [head] + body)
