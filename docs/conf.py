"""Sphinx configuration of the emkit documentation site.

Build (warnings are errors): ``sphinx-build -W -b html docs docs/_build/html``.
Nothing here reaches the network at build time.
"""

import pathlib

import emkit

DOCS = pathlib.Path(__file__).resolve().parent

project = "emkit"
author = "the emkit developers"
copyright = "the emkit developers"
release = version = emkit.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "sg_execution_times.rst"]

# -- API reference -----------------------------------------------------------
autosummary_generate = True
autodoc_member_order = "groupwise"
autodoc_typehints = "none"  # the numpydoc Parameters sections say the types
numpydoc_show_class_members = False  # autodoc's :members: lists them once
numpydoc_class_members_toctree = False

# -- Markdown pages (MyST) ----------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 4  # `page.md#section` links resolve as on GitHub

# -- Example gallery ------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(DOCS.parent / "examples"),
    "gallery_dirs": str(DOCS / "auto_examples"),
    "filename_pattern": r".*\.py$",  # execute every script
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "ignore_repr_types": r"matplotlib\.(axes|figure|text)",  # a plot's return value is not output
}

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"emkit {release}"
html_static_path = ["_static"]
templates_path = ["_templates"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_align": "left",
    "header_links_before_dropdown": 4,
}
html_css_files = ["emkit.css"]
# The user-guide pages sit at the top level and have no section to list.
html_sidebars = {"*": []}
html_show_sourcelink = False


#: scikit-learn machinery every estimator inherits (metadata routing, pandas output),
#: documented by scikit-learn with references into its own site.
SKLEARN_MACHINERY = {"get_metadata_routing", "set_output"}


def skip_sklearn_machinery(app, what, name, obj, skip, options):
    """Leave out scikit-learn's routing and output methods from the estimators' pages."""
    if name in SKLEARN_MACHINERY or (name.startswith("set_") and name.endswith("_request")):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", skip_sklearn_machinery)
