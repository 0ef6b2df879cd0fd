"""Model selection over a grid of covariance structures and numbers of components.

``em.select`` fits a Gaussian mixture for every ``(covariance, n_components)``
cell, as mclust's ``Mclust`` does, or, given a ``model`` (any family, an
:class:`~emkit.Independent` or a one-family :class:`~emkit.Mixture`), that
model with every number of components, under a single ``covariance`` label
naming the model. A :class:`~emkit.HiddenMarkovModel` as ``model`` is fitted
with every number of states (``n_components``); a list of models (say hidden
Markov models with different emission covariances) gives one label each.
It keeps the cell with the best
information criterion (lower is better on emkit's scale; see
:mod:`emkit.results.criteria`). A cell that cannot be fitted is recorded
with its reason and NaN criteria rather than stopping the grid. A cell with a
degenerate component (see :attr:`emkit.FitResult.degenerate_components`) is
never chosen: its likelihood is an artefact, so mclust reports such models as
missing, and so do :meth:`Selection.table`, the selection plot and the report.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from . import notices
from ._dask_input import is_dask_data
from ._input import as_observations
from .components.base import check_family
from .components.covariance import COVARIANCE_NAMES, covariance_structure
from .components.priors import MAP_STRUCTURES, check_prior_structure
from ._sequence_input import checked_bounds, split_sequences
from ._missing_input import check_missing
from .components.parametric import check_n_components
from .em.progress import progress_bar
from .estimators import GaussianMixture, Mixture
from .hidden_markov import HiddenMarkovModel
from .results.fit_result import FitResult

CRITERIA = ("bic", "aic", "icl")


@dataclass(repr=False)
class Selection:
    """The grid of fits and the chosen one.

    Attributes
    ----------
    grid : xarray.Dataset
        Over ``(covariance, n_components)``: ``log_likelihood``, ``n_params``,
        ``bic``, ``aic``, ``icl``, ``converged``, ``n_iter``, ``degenerate``
        (the cell's fit has a degenerate component: too few observations for
        its parameters, or a spread collapsed far below the data's; such
        cells are never chosen, as mclust reports them missing), ``error`` (why
        a cell failed; empty otherwise) and ``warning`` (the first warning a
        cell raised). Failed cells have NaN criteria. A selection over a
        ``model`` has a single ``covariance`` label naming it (one per model
        for a list), also in ``grid.attrs["model"]``; over hidden Markov
        models, ``n_components`` counts states and ``grid.attrs["latent"]``
        is ``"state"``.
    criterion : str
        The criterion used to choose: ``"bic"``, ``"aic"`` or ``"icl"``.
    fits : dict
        ``(covariance, n_components) -> FitResult`` for every fitted cell.

    Examples
    --------
    >>> import emkit as em
    >>> sel = em.select(em.datasets.load("faithful"), n_components=[1, 2], covariance=["VVV", "EII"], random_state=0)
    >>> sel.best_key
    ('VVV', 2)
    """

    grid: xr.Dataset
    criterion: str
    fits: dict = field(default_factory=dict)

    def chosen(self, criterion: str | None = None) -> tuple[str, int] | None:
        """``(covariance, n_components)`` of the fitted, non-degenerate cell with the lowest criterion.

        Parameters
        ----------
        criterion : {"bic", "aic", "icl"}, optional
            Defaults to the selection's criterion.

        Returns
        -------
        tuple (str, int) or None
            None when every cell failed or is degenerate.

        Examples
        --------
        >>> import emkit as em
        >>> sel = em.select(em.datasets.load("faithful"), n_components=[1, 2], covariance=["VVV", "EII"], random_state=0)
        >>> sel.chosen(), sel.chosen("aic")
        (('VVV', 2), ('VVV', 2))
        """
        values = self.grid[_check_criterion(criterion or self.criterion)].where(~self.grid.degenerate).values
        usable = np.isfinite(values)
        if not usable.any():
            return None
        i, j = np.unravel_index(np.argmin(np.where(usable, values, np.inf)), values.shape)
        return str(self.grid.covariance.values[i]), int(self.grid.n_components.values[j])

    def __repr__(self) -> str:
        """One line: the grid's size and the chosen cell.

        Examples
        --------
        >>> import emkit as em
        >>> em.select(em.datasets.load("faithful"), n_components=[1, 2], covariance=["VVV", "EII"], random_state=0)
        <Selection by BIC over 2 covariance structures x 2 numbers of components: VVV with 2 components>
        >>> em.select([0, 1, 1, 2, 5, 6, 7, 9], n_components=[1, 2], model=em.Poisson())
        <Selection by BIC of Poisson over 2 numbers of components: Poisson with 2 components>
        """
        latent = self.grid.attrs.get("latent", "component")
        try:
            covariance, k = self.best_key
            chosen = f"{covariance} with {k} {latent}s"
        except ValueError:
            chosen = "no cell could be chosen"
        if "model" in self.grid.attrs:
            scope = f"of {self.grid.attrs['model']} over"
        else:
            scope = f"over {self.grid.sizes['covariance']} covariance structures x"
        return (
            f"<Selection by {self.criterion.upper()} {scope} "
            f"{self.grid.sizes['n_components']} numbers of {latent}s: {chosen}>"
        )

    @property
    def best_key(self) -> tuple[str, int]:
        """``(covariance, n_components)`` of the chosen cell (see :meth:`chosen`).

        Raises
        ------
        ValueError
            If every cell failed or is degenerate.

        Examples
        --------
        >>> import emkit as em
        >>> em.select(em.datasets.load("faithful"), n_components=[1, 2], covariance=["VVV"], random_state=0).best_key
        ('VVV', 2)
        """
        key = self.chosen()
        if key is None:
            raise ValueError("no cell of the grid could be fitted without degenerate components; see grid.error")
        return key

    @property
    def best(self) -> FitResult:
        """The fit of :attr:`best_key`."""
        return self.fits[self.best_key]

    def table(self, criterion: str | None = None):
        """The criterion as a pandas DataFrame: one row per number of components, one column per covariance.

        Rows are headed ``n_components``, or ``n_states`` over hidden Markov
        models; columns ``covariance`` for the Gaussian grid, ``model`` for a
        grid over declarations (``select(model=...)``).

        Cells that failed or are degenerate are NaN (mclust shows them as
        missing): their value is still in :attr:`grid`. The lowest value of
        the table is the chosen cell's.

        Examples
        --------
        >>> import emkit as em
        >>> sel = em.select(em.datasets.load("faithful"), n_components=[1, 2], covariance=["VVV", "EII"], random_state=0)
        >>> sel.table().shape
        (2, 2)
        """
        values = self.grid[_check_criterion(criterion or self.criterion)].where(~self.grid.degenerate)
        table = values.transpose("n_components", "covariance").to_pandas()
        table.index.name = f"n_{self.grid.attrs.get('latent', 'component')}s"  # n_states over hidden Markov models
        table.columns.name = "model" if "model" in self.grid.attrs else "covariance"
        return table

    def marked_table(self, criterion: str | None = None, digits: int = 2):
        """:meth:`table` as text: values with ``digits`` decimals, ``"degenerate"`` or ``"failed"``.

        The columns are headed ``covariance`` for the Gaussian grid, ``model``
        for a grid over one declaration (``select(model=...)``).

        Examples
        --------
        >>> import numpy as np, emkit as em
        >>> x = np.random.default_rng(0).normal(size=(5, 2))
        >>> em.select(x, n_components=[1, 2, 6], covariance=["VII"], random_state=0).marked_table()
        covariance           VII
        n_components            
        1                  27.10
        2             degenerate
        6                 failed
        """
        table = self.table(criterion)
        status = xr.where(self.grid.degenerate, "degenerate", "failed").transpose("n_components", "covariance")
        marks = status.to_pandas()
        marked = table.apply(
            lambda column: [f"{v:.{digits}f}" if np.isfinite(v) else marks.loc[k, column.name]
                            for k, v in column.items()]
        )
        marked.columns.name = table.columns.name
        return marked

    def _repr_html_(self) -> str:
        """The criterion table for Jupyter, the chosen cell in bold, degenerate and failed cells marked."""
        best = self.chosen()
        table = self.marked_table()

        def cell(covariance, k):
            text = table.loc[k, covariance]
            return f"<b>{text}</b>" if (covariance, k) == best else text

        header = "".join(f"<th>{c}</th>" for c in table.columns)
        rows = "".join(
            f"<tr><th>{k}</th>" + "".join(f"<td>{cell(c, k)}</td>" for c in table.columns) + "</tr>"
            for k in table.index
        )
        chosen = f"{best[0]} with {best[1]} {self.grid.attrs.get('latent', 'component')}s" if best else "none"
        return (
            f"<div><p><b>emkit Selection</b> by {self.criterion.upper()} (lower is better): chosen {chosen}</p>"
            f"<table><tr><th>K</th>{header}</tr>{rows}</table></div>"
        )


def select(
    X,
    n_components=range(1, 10),
    covariance=None,
    *,
    model=None,
    lengths=None,
    sequence_column=None,
    criterion: str = "bic",
    n_init: int = 1,
    random_state=0,
    reg_covar: float | None = None,
    prior=None,
    progress: bool | None = None,
    **fit_options,
) -> Selection:
    """Fit mixtures over a grid and choose by an information criterion.

    Without ``model``, Gaussian mixtures over covariance structures and
    numbers of components; with ``model``, that model over numbers of
    components only (of states, for a hidden Markov model).

    Parameters
    ----------
    X : data
        As for :meth:`emkit.Mixture.fit` (categorical or text columns too
        when ``model`` takes categories); for hidden Markov models as for
        :meth:`emkit.HiddenMarkovModel.fit` (also a list with one item per
        sequence).
    n_components : iterable of int, default 1..9
        Numbers of components, or of states of a hidden Markov model.
    covariance : list of str, optional
        Covariance structures (mclust or scikit-learn names); by default all
        fourteen. Not with ``model``.
    model : Family or Mixture, optional
        The model to fit with every number of components: a family
        (:class:`~emkit.Poisson`, :class:`~emkit.Categorical`,
        :class:`~emkit.Independent`...) or a :class:`~emkit.Mixture` of one
        family, whose own number of components is ignored. The grid then
        has a single ``covariance`` label naming the family (:func:`family_name`). A
        mixture of several families has no single way to add a component
        and is refused.

        A :class:`~emkit.HiddenMarkovModel` of one emission family: the
        grid is over its number of states, labelled ``"HMM <family>"`` (with
        the covariance structure of a Gaussian emission, ``"HMM Gaussian
        VVV"``); its ``fixed`` parameters and priors are kept. A declared
        ``startprob`` or ``transmat`` (or a prior that differs across states)
        fits only its own number of states.

        A list of such models: one label each, all fitted over the same
        numbers; for instance hidden Markov models whose Gaussian emissions
        differ in covariance structure. Hidden Markov models and mixtures
        are not mixed in one list.
    lengths, sequence_column
        The sequences of ``X``, as :meth:`emkit.HiddenMarkovModel.fit`
        takes them; only with hidden Markov models.
    criterion : {"bic", "aic", "icl"}, default "bic"
        Lower is better.
    n_init : int, default 1
        Restarts per cell.
    random_state : int, Generator or None, default 0
        The same seed is used for every cell, so a cell's fit equals fitting
        that model alone with the same arguments.
    reg_covar : float, optional
        Passed to every Gaussian mixture; not with ``model`` (set it on
        the model's family).
    prior : GaussianPrior, optional
        Passed to every Gaussian mixture (mclust's ``prior =
        priorControl()``): MAP estimates, whose defaults are computed for
        each cell's number of components; with ``covariance=None`` the grid
        is then the structures that have a MAP M-step. Not with ``model``
        (set it on the model's family).
    progress : bool or None, default None
        Show a progress bar over the grid's cells, naming the model being
        fitted, on standard error (a widget in Jupyter). None shows it on a
        terminal or in Jupyter only, True always, False never.
    **fit_options
        Passed to ``fit`` (``init``, ``max_iter``, ``tol``, ``sample_weight``,
        ``labels``, ``missing``...). ``missing="marginalize"`` fits every
        cell on data with NaN by EM on the observed entries
        (docs/missing_values.md). With ``labels`` (partial labels, semi-supervised EM)
        every cell fits them; a cell whose number of components they do not
        fit (an integer label beyond it, named labels of another count)
        records the ``ValueError`` in ``grid.error``.

    Returns
    -------
    Selection

    Raises
    ------
    ValueError
        Before any fit, for arguments every cell would refuse: a bad
        ``criterion``, ``n_components`` or ``n_init``, a negative
        ``random_state``, data with missing or infinite values, ``model``
        together with ``covariance`` or ``reg_covar``, a mixture of
        several families, models whose labels clash, ``lengths`` without a
        hidden Markov model, or a hidden Markov model whose declared
        ``startprob``/``transmat`` does not fit some number of states.
    TypeError
        If ``model`` is neither a family nor a :class:`~emkit.Mixture`, or
        the data have non-numeric columns the model cannot take.

    Examples
    --------
    >>> import emkit as em
    >>> sel = em.select(em.datasets.load("faithful"), n_components=range(1, 4), random_state=0)
    >>> sel.best_key
    ('EEE', 3)
    >>> sel.grid.bic.sizes
    Frozen({'covariance': 14, 'n_components': 3})

    Any model, over the number of components only: a Poisson mixture.

    >>> import numpy as np
    >>> counts = np.random.default_rng(0).poisson(np.repeat([2, 15], 200))
    >>> em.select(counts, n_components=range(1, 4), model=em.Poisson()).best_key
    ('Poisson', 2)

    The number of states of a hidden Markov model: Old Faithful's waiting
    times in row order.

    >>> waiting = em.datasets.load("faithful")[["waiting"]]
    >>> em.select(waiting, n_components=range(1, 4), model=em.HiddenMarkovModel(em.Gaussian(), 2))
    <Selection by BIC of HMM Gaussian VVV over 3 numbers of states: HMM Gaussian VVV with 2 states>
    """
    criterion = _check_criterion(criterion)
    counts = [check_n_components(k) for k in n_components]
    models = _listed(model)
    X, lengths = _sequence_data(X, models, lengths, sequence_column)
    declarations = _declarations(models, covariance, reg_covar, counts, prior)
    names = list(declarations)
    if not names or not counts:
        raise ValueError("select needs at least one covariance and one number of components")
    for template in [None] if models is None else [_template_family(m) for m in models]:
        _check_shared_arguments(
            X, n_init, random_state, categorical=getattr(template, "accepts_categorical", False),
            columns=getattr(template, "used_columns", None), missing=fit_options.get("missing"),
        )
    if lengths is not None:
        fit_options["lengths"] = lengths
    shape = (len(names), len(counts))
    table = {name: np.full(shape, np.nan) for name in ("log_likelihood", "n_params", "bic", "aic", "icl", "n_iter")}
    converged = np.zeros(shape, dtype=bool)
    degenerate = np.zeros(shape, dtype=bool)
    errors = np.full(shape, "", dtype=object)
    first_warning = np.full(shape, "", dtype=object)
    fits = {}
    cells = itertools.product(enumerate(names), enumerate(counts))
    with progress_bar(cells, progress, total=len(names) * len(counts), desc="select", unit="model") as bar:
        for (i, name), (j, k) in bar:
            bar.set_postfix_str(f"{name} K={k}")
            with notices.collect() as caught:
                try:
                    fit = declarations[name](k).fit(
                        X, n_init=n_init, random_state=random_state, progress=False, **fit_options
                    )
                except (ValueError, np.linalg.LinAlgError) as err:
                    errors[i, j] = f"{type(err).__name__}: {err}"
                    continue
                finally:
                    if caught:
                        first_warning[i, j] = str(caught[0].message)
            fits[name, k] = fit
            degenerate[i, j] = bool(fit.degenerate_components)
            values = {"log_likelihood": fit.log_likelihood, "n_params": fit.n_params, "bic": fit.bic(),
                      "aic": fit.aic(), "icl": fit.icl(), "n_iter": fit.n_iter}
            for key, value in values.items():
                table[key][i, j] = value
            converged[i, j] = fit.converged
    dims = ("covariance", "n_components")
    grid = xr.Dataset(
        {name: (dims, values) for name, values in table.items()}
        | {
            "converged": (dims, converged),
            "degenerate": (dims, degenerate),
            "error": (dims, errors.astype(str)),
            "warning": (dims, first_warning.astype(str)),
        },
        coords={"covariance": names, "n_components": counts},
        attrs={"criterion": criterion, "note": "criteria on scikit-learn's scale: lower is better"}
        | ({} if models is None else {"model": ", ".join(names)})
        | ({"latent": "state"} if lengths is not None else {}),
    )
    return Selection(grid, criterion, fits)


def _listed(model) -> list | None:
    """``model`` as a list of models (None without one)."""
    if model is None:
        return None
    models = list(model) if isinstance(model, (list, tuple)) else [model]
    if not models:
        raise ValueError("model is an empty list: pass at least one model")
    return models


def _sequence_data(X, models, lengths, sequence_column):
    """``(X, lengths)``: the rows and sequence lengths for hidden Markov models, ``(X, None)`` for mixtures.

    Raises
    ------
    ValueError
        For hidden Markov models mixed with mixtures in ``model``,
        ``lengths``/``sequence_column`` without hidden Markov models, or
        lengths that do not cover the rows.
    """
    markov = [isinstance(m, HiddenMarkovModel) for m in models or []]
    if any(markov) and not all(markov):
        raise ValueError(
            "model mixes hidden Markov models with mixtures: select over one kind at a time (their data are read "
            "differently)"
        )
    if not any(markov):
        if lengths is not None or sequence_column is not None:
            raise ValueError(
                "select takes lengths and sequence_column only with model=em.HiddenMarkovModel(...): a mixture's "
                "rows are independent"
            )
        return X, None
    data, lengths = split_sequences(X, lengths, sequence_column)
    return data, np.diff(checked_bounds(lengths, len(data)))


def _declarations(models, covariance, reg_covar, counts, prior=None) -> dict:
    """The grid's covariance labels, each mapped to a function of K returning the model to fit.

    ``models`` is the list of models, None for the Gaussian grid; ``counts``
    the numbers of components (states) the grid fits.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.selection import _declarations
    >>> sorted(_declarations(None, ["EII", "full"], None, [1, 2]))
    ['EII', 'VVV']
    >>> _declarations([em.Poisson()], None, None, [3])["Poisson"](3).n_components
    3
    >>> sorted(_declarations([em.HiddenMarkovModel(em.Gaussian("EII"), 2), em.HiddenMarkovModel(em.Poisson(), 2)],
    ...                      None, None, [1, 2]))
    ['HMM Gaussian EII', 'HMM Poisson']
    >>> _declarations([em.Poisson()], ["VVV"], None, [1])
    Traceback (most recent call last):
    ...
    ValueError: select takes either model or covariance, not both: covariance structures are Gaussian (pass model=em.Gaussian("VVV") to fit one)
    """
    if models is None:
        options = ({} if reg_covar is None else {"reg_covar": reg_covar}) | ({} if prior is None else {"prior": prior})
        default = COVARIANCE_NAMES if prior is None else [name for name in COVARIANCE_NAMES if name in MAP_STRUCTURES]
        names = [covariance_structure(c).name for c in (default if covariance is None else covariance)]
        for name in names if prior is not None else []:
            check_prior_structure(name)
        return {name: functools.partial(GaussianMixture, covariance=name, **options) for name in names}
    if covariance is not None:
        raise ValueError(
            "select takes either model or covariance, not both: covariance structures are Gaussian "
            '(pass model=em.Gaussian("VVV") to fit one)'
        )
    for name, value in (("reg_covar", reg_covar), ("prior", prior)):
        if value is not None:
            raise ValueError(f"select takes {name} only without model: set it on the model's family")
    declarations = {}
    for model in models:
        template = _template_family(model)
        if isinstance(model, HiddenMarkovModel):
            name, declare = _hidden_markov_label(template), _hidden_markov_declaration(model, template, counts)
        else:
            name, declare = family_name(template), functools.partial(Mixture, template)
        if name in declarations:
            raise ValueError(
                f"two models are both labelled {name!r} in the grid: select over distinct models (a mixture of "
                "Gaussians over covariance structures is covariance=[...] without model)"
            )
        declarations[name] = declare
    return declarations


def _hidden_markov_label(template) -> str:
    """``"HMM <family>"``, with the covariance structure of a family that has one (``"HMM Gaussian VVV"``).

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.selection import _hidden_markov_label
    >>> _hidden_markov_label(em.Gaussian("diag")), _hidden_markov_label(em.Poisson())
    ('HMM Gaussian VVI', 'HMM Poisson')
    """
    structure = getattr(getattr(template, "covariance", None), "name", None)
    return " ".join(["HMM", family_name(template)] + ([structure] if isinstance(structure, str) else []))


def _hidden_markov_declaration(model: HiddenMarkovModel, template, counts):
    """A function of K returning ``model`` with K states: its emission family, fixed parameters and priors.

    A prior equal across states is passed as that number, so it fits any
    number of states.

    Raises
    ------
    ValueError
        If ``model`` declares a ``startprob`` or ``transmat`` (or a prior
        differing across states) and ``counts`` holds another number of
        states.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.selection import _hidden_markov_declaration
    >>> model = em.HiddenMarkovModel(em.Poisson(), 2, transition_prior=2.0, fixed="startprob")
    >>> hmm = _hidden_markov_declaration(model, em.Poisson(), [1, 3])(3)
    >>> hmm.n_states, hmm.latent_model.transition_prior.tolist()[0], hmm.latent_model.fixed
    (3, [2.0, 2.0, 2.0], ('startprob',))
    >>> lr = em.HiddenMarkovModel(em.Poisson(), 2, transmat=[[0.5, 0.5], [0, 1]])
    >>> _hidden_markov_declaration(lr, em.Poisson(), [2, 3])
    Traceback (most recent call last):
    ...
    ValueError: model declares transmat for 2 states, which cannot be used with 3 states: select over n_components=[2] only, or declare the model without it
    """
    chain = model.latent_model
    options = {"fixed": chain.fixed}
    for name in ("startprob", "transmat", "start_prior", "transition_prior"):
        value = getattr(chain, name)
        if value is None:
            continue
        same = name.endswith("prior") and np.all(value == value.flat[0])
        options[name] = float(value.flat[0]) if same else value
    sized = [name for name, value in options.items() if isinstance(value, np.ndarray)]
    others = [k for k in counts if k != model.n_states]
    if sized and others:
        raise ValueError(
            f"model declares {' and '.join(sized)} for {model.n_states} states, which cannot be used with "
            f"{others[0]} states: select over n_components=[{model.n_states}] only, or declare the model without "
            f"{'them' if len(sized) > 1 else 'it'}"
        )
    return functools.partial(HiddenMarkovModel, template, **options)


def family_name(family) -> str:
    """The grid's label of a family: its class name, or for :func:`emkit.from_scipy` the distribution's name.

    Examples
    --------
    >>> import scipy.stats, emkit as em
    >>> from emkit.selection import family_name
    >>> family_name(em.Poisson()), family_name(em.from_scipy(scipy.stats.gamma))
    ('Poisson', 'gamma')
    """
    distribution = getattr(family, "dist", None)
    return str(getattr(distribution, "name", "")) or type(family).__name__


def _template_family(model):
    """The single family that ``model`` (a family, or a one-family Mixture or hidden Markov model) declares.

    Examples
    --------
    >>> import emkit as em
    >>> from emkit.selection import _template_family
    >>> _template_family(em.Mixture(em.Poisson(), n_components=3))
    Poisson(n_components=3)
    >>> _template_family(em.Mixture([em.Poisson(), em.Gaussian()]))
    Traceback (most recent call last):
    ...
    ValueError: select scales the model's single family, but model mixes 2 families (Poisson, Gaussian): pass one family, or em.Independent for different columns
    >>> _template_family("Poisson")
    Traceback (most recent call last):
    ...
    TypeError: model must be a component family, an em.Mixture or an em.HiddenMarkovModel: str is not a component family: it lacks n_components, is_fitted, log_prob, stats, m_step, n_params, sample, with_components, to_dataset, from_dataset, spec (see docs/custom_components.md)
    """
    if not isinstance(model, (Mixture, HiddenMarkovModel)):
        try:
            check_family(model)
        except TypeError as err:
            raise TypeError(
                f"model must be a component family, an em.Mixture or an em.HiddenMarkovModel: {err}"
            ) from None
        return model
    families = model.families
    if len(families) != 1:
        kinds = ", ".join(type(f).__name__ for f in families)
        raise ValueError(
            f"select scales the model's single family, but model mixes {len(families)} families ({kinds}): "
            "pass one family, or em.Independent for different columns"
        )
    return families[0]


def _check_shared_arguments(X, n_init, random_state, categorical: bool = False, columns=None, missing=None) -> None:
    """Refuse, before any cell is fitted, the arguments every cell's fit would refuse.

    Without this, each cell would record the same error and the grid would
    only fail when a choice is asked for. ``categorical``: the model takes
    categorical or text columns, read as :meth:`emkit.Mixture.fit` reads them;
    ``columns``: the names the model uses (others are not read), or None for all;
    ``missing``: the fits' ``missing`` option (``"marginalize"`` accepts NaN).

    Examples
    --------
    >>> import numpy as np
    >>> from emkit.selection import _check_shared_arguments
    >>> _check_shared_arguments(np.zeros((3, 1)), 1, 0)
    >>> _check_shared_arguments(np.zeros((3, 1)), 1, -1)
    Traceback (most recent call last):
    ...
    ValueError: random_state must be None, a non-negative integer or a numpy Generator, got -1
    """
    if isinstance(n_init, bool) or not isinstance(n_init, (int, np.integer)) or n_init < 1:
        raise ValueError(f"n_init must be a positive integer, got {n_init!r}")
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool) and random_state < 0:
        raise ValueError(
            f"random_state must be None, a non-negative integer or a numpy Generator, got {random_state!r}"
        )
    if not is_dask_data(X):
        # raises on missing or infinite values, naming the rows
        as_observations(X, categories={} if categorical else None, columns=columns, missing=check_missing(missing))


def _check_criterion(criterion: str) -> str:
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {', '.join(CRITERIA)}, got {criterion!r}")
    return criterion
