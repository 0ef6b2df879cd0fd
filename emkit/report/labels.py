"""What a report says about the partial labels of a fit (``fit(X, labels=y)``, docs/semi_supervised.md)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from .._labels import UNLABELLED, as_labels


def labelled_rows(fit, labels, n_obs: int) -> pd.Series:
    """Rows labelled with each component: the labels given to the fit, checked against it.

    Parameters
    ----------
    fit : FitResult
        A mixture's fit.
    labels : array-like of shape (n,)
        The labels the fit was given (:meth:`emkit.Mixture.fit`), a missing
        value for an unlabelled row.
    n_obs : int
        Number of rows of the data.

    Returns
    -------
    pandas.Series
        The number of rows labelled with each component, indexed by the
        component names (``fit.components``), in their order; components
        without a labelled row count 0.

    Raises
    ------
    ValueError
        If the labels are not valid labels of the fit's components (see
        :func:`emkit._labels.as_labels`), or name other components than the
        fit's: named labels name the components of the fit they give, and
        integer labels leave them numbered.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.report.labels import labelled_rows
    >>> x = [[0.0], [0.2], [0.1], [5.0], [5.1], [4.9]]
    >>> labels = ["low", None, "low", "high", None, None]
    >>> fit = em.GaussianMixture(2).fit(x, labels=labels)
    >>> labelled_rows(fit, labels, n_obs=6).to_dict()
    {'high': 1, 'low': 2}
    >>> labelled_rows(fit, [1, -1, 1, 0, -1, -1], n_obs=6)
    Traceback (most recent call last):
    ...
    ValueError: the labels do not name the fit's components (high, low): give the labels the fit was given
    """
    known = as_labels(labels, n_obs, fit.n_components)
    given = None if known.names is None else [str(name) for name in known.names]
    named = None if fit.component_names is None else [str(name) for name in fit.components]
    if given != named:
        theirs = "numbered 0 .. K-1" if named is None else f"({', '.join(named)})"
        raise ValueError(f"the labels do not name the fit's components {theirs}: give the labels the fit was given")
    counts = np.bincount(known.codes[known.codes != UNLABELLED], minlength=fit.n_components)
    return pd.Series(counts, index=pd.Index(fit.components, name=fit.mixture.latent_dim), name="labelled rows")


def labels_sentence(fit, labels, n_obs: int) -> str:
    """The report's sentence (HTML) on the labels of a fit; empty for a fit without labels.

    Given the labels: how many of the ``n_obs`` rows were labelled, in all
    and per component (:func:`labelled_rows`), and that the likelihood and
    criteria include them. Without them, a fit whose components are named
    (which only labels do) is said to have used labels, uncounted.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.report.labels import labels_sentence
    >>> x = [[0.0], [0.2], [0.1], [5.0], [5.1], [4.9]]
    >>> fit = em.GaussianMixture(2).fit(x, labels=[0, -1, 0, 1, -1, -1])
    >>> sentence = labels_sentence(fit, [0, -1, 0, 1, -1, -1], n_obs=6)
    >>> "Semi-supervised fit: 3 of 6 rows labelled (component 0: 2, component 1: 1)" in sentence
    True
    >>> labels_sentence(em.GaussianMixture(2).fit(x, random_state=0), None, n_obs=6)
    ''
    """
    if labels is None:
        if fit.component_names is None:
            return ""
        return ("<p>Fitted with labels, which name the components; the report counts the labelled rows when "
                "given them too (<code>labels=</code>).</p>")
    counts = labelled_rows(fit, labels, n_obs)
    total = int(counts.sum())
    kind = "Supervised fit: all" if total == n_obs else f"Semi-supervised fit: {total} of"
    latent = fit.mixture.latent_dim
    by_component = ", ".join(f"{latent} {html.escape(str(name))}: {count}" for name, count in counts.items())
    return (
        f"<p>{kind} {n_obs} rows labelled ({by_component}), their {latent}s fixed in every E-step. The "
        f"log-likelihood and the criteria include the labels (each labelled row in its known {latent}): compare "
        "them only with fits given the same labels.</p>"
    )
