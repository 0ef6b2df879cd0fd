"""What a report says about the partial labels of a fit (``fit(X, labels=y)``, docs/semi_supervised.md)."""

from __future__ import annotations

import html


def labels_sentence(fit, n_obs: int) -> str:
    """The report's sentence (HTML) on the labels of a fit; empty for a fit without labels.

    How many of the ``n_obs`` rows were labelled, in all and per component
    (:attr:`emkit.FitResult.labelled_rows`), and that the likelihood and the
    criteria include them.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.report.labels import labels_sentence
    >>> x = [[0.0], [0.2], [0.1], [5.0], [5.1], [4.9]]
    >>> fit = em.GaussianMixture(2).fit(x, labels=[0, -1, 0, 1, -1, -1])
    >>> "Semi-supervised fit: 3 of 6 rows labelled (component 0: 2, component 1: 1)" in labels_sentence(fit, 6)
    True
    >>> labels_sentence(em.GaussianMixture(2).fit(x, random_state=0), 6)
    ''
    """
    counts = fit.labelled_rows
    if counts is None:
        return ""
    total = int(counts.sum())
    kind = "Supervised fit: all" if total == n_obs else f"Semi-supervised fit: {total} of"
    latent = fit.mixture.latent_dim
    by_component = ", ".join(f"{latent} {html.escape(str(name))}: {count}" for name, count in counts.items())
    return (
        f"<p>{kind} {n_obs} rows labelled ({by_component}), their {latent}s fixed in every E-step. The "
        f"log-likelihood and the criteria include the labels (each labelled row in its known {latent}): compare "
        "them only with fits given the same labels.</p>"
    )
