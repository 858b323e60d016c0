"""Sphinx configuration: `make docs` builds the site into build/docs with warnings as errors."""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path[:0] = [str(DOCS.parent), str(DOCS / "_ext")]

import taskhawk  # noqa: E402 - after the path set-up above

project = "taskhawk"
author = "taskhawk contributors"
copyright = "taskhawk contributors"
release = taskhawk.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "taskhawk_docs",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "examples/README.md"]
root_doc = "index"

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# Docstrings write `name` for code, as Markdown does.
default_role = "literal"
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
nitpicky = False

html_theme = "alabaster"
html_title = f"taskhawk {release}"
html_theme_options = {
    "description": "Asynchronous tasks over AWS SQS, SNS and Lambda",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "240px",
}
html_static_path: list[str] = []
pygments_style = "sphinx"
