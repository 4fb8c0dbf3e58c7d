"""The comparison's rows: their columns, defined once, and one renderer for every table.

:data:`COLUMNS` is the order of the keys of each row :func:`pipeline.compare`
returns; :data:`SHOWN` the columns a person reads, with their headings and
formats; :func:`render` lays them out for the terminal (``'text'``) or for
``report.md`` (``'markdown'``).
"""

#: The keys of a row of :func:`pipeline.compare`, in order.
COLUMNS = ("features", "loss", "best_alpha", "cv_score", "test_accuracy", "feature_seconds",
           "fit_seconds", "search_seconds", "n_features", "alphas", "cv_scores")

#: (key, heading in the terminal, heading in the report, format) of the shown columns.
SHOWN = (("features", "features", "features", "{}"),
         ("loss", "loss", "loss", "{}"),
         ("best_alpha", "best alpha", "best alpha", "{:g}"),
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
    body = [[fmt.format(row[key]) for key, _, _, fmt in SHOWN] for row in rows]
    if style == "markdown":
        lines = [head, ["---"] * len(head)] + body
        return "\n".join("| " + " | ".join(line) + " |" for line in lines)
    widths = [max(len(cell) for cell in column) for column in zip(head, *body)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths))
                     for line in [head] + body)
