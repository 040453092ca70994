"""One self-contained HTML page of a saved run: the summary's tables and the plots, inline.

The tables are the terminal summary as rich records it (inline styles, no
external CSS); the plots are PNGs embedded as data URLs. Nothing is fetched
when the page opens, so it can be mailed or attached to a review as is.

Example:
    >>> page = html_page(run_summary(results), line_plots(results), "run")   # doctest: +SKIP
"""

from __future__ import annotations

import base64
import html
import io

from fabsim.report.format import OneLine

WIDTH = 140
"""Columns the tables are laid out for (wide enough for every column)."""

# Counts the images the browser could draw, for a reader or a test to check.
_CHECK = """<script>
window.addEventListener("load", () => {
  const drawn = [...document.images].filter((i) => i.complete && i.naturalWidth > 0);
  document.body.dataset.plotsDrawn = String(drawn.length);
});
</script>"""


def html_page(renderables: list, figures: dict, kind: str) -> str:
    """The page's HTML text: the summary, then each plot with its file name as caption."""
    from rich.console import Console

    console = Console(record=True, width=WIDTH, file=io.StringIO(), color_system="truecolor")
    for renderable in renderables:
        console.print(renderable, soft_wrap=isinstance(renderable, OneLine))
    page = console.export_html(inline_styles=True)
    images = []
    for name, figure in figures.items():
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        from fabsim.report.plots import _pyplot

        _pyplot().close(figure)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        images.append(
            f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(name)}</figcaption></figure>"
        )
    title = f"<title>fabsim {html.escape(kind)} report</title>"
    body = "\n".join(images) + "\n" + _CHECK
    page = page.replace("<head>", f"<head>\n{title}", 1)
    return page.replace("</body>", f"{body}\n</body>", 1)
