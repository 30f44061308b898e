"""Checkpoints: save a model's state at the end of a month and restore it bit for bit.

A checkpoint is one NumPy ``.npz`` archive, read with ``allow_pickle=False`` (nothing in it
is ever unpickled), holding

* ``header.json``: a UTF-8 JSON header (a uint8 array) with the format and its version,
  the package version, the scenario's path and sha256, seed, month, scale, the parameters,
  the scalar state and the layout of everything else;
* ``workers/<column>`` and ``firms/<column>``: the live rows of every agent column;
* ``state/...``: the arrays of the model attributes in :data:`MODEL_STATE`;
* ``collector/<reporter>``: the reporters collected so far (the rows of ``model.csv``);
* ``regions/<column>``: the region table of every month so far (``regions.csv``).

Restoring rebuilds the model from its scenario, seed, scale and parameters (everything
derived from them at construction, such as the migration graph, is recomputed) and then
overwrites the state that ``step()`` changes. A run restored at month k and continued to
month n therefore writes the same outputs as the uninterrupted run.

**Adding state.** An attribute that ``step()`` changes must be listed in
:data:`MODEL_STATE`; one computed at construction and never changed goes in
:data:`REBUILT_AT_CONSTRUCTION`. ``tests/test_checkpoint.py`` fails on an attribute in
neither list, and on any attribute that differs after a restored run.

Example:
    >>> import tempfile, pathlib
    >>> from sim.model import LaborMarketModel
    >>> model = LaborMarketModel(scale=0.001, rng=7)
    >>> model.run(1)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "run.npz"
    >>> save(model, path)
    >>> restored = load(path)
    >>> restored.month, restored.seed, len(restored.workers) == len(model.workers)
    (1, 7, True)
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .errors import ScenarioError
from .invariants import InvariantError
from .invariants import check_invariants as _check_state
from .policies import PARAMETERS

__all__ = ["FORMAT", "FORMAT_VERSION", "MODEL_STATE", "REBUILT_AT_CONSTRUCTION", "CHECKPOINT_NAME",
           "save", "load", "read_header", "resume"]

FORMAT = "labsim-checkpoint"
#: Version of the layout. A reader refuses files with a higher version.
FORMAT_VERSION = 1

#: Model attributes that change during ``step()``: saved and restored as they are.
#: Values may be NumPy arrays, Python or NumPy scalars, strings, and dicts or lists of these.
MODEL_STATE: tuple[str, ...] = (
    # Mesa's own (its clock, ``steps`` and in Mesa 3.5 ``time``, is advanced on loading)
    "running",
    # time and identities
    "month", "next_worker_id",
    # cumulative flows (agents)
    "displaced_total", "retrained_total", "migrants_total", "job_led_migrants_total",
    "entrants_total", "retirees_total", "separations_total", "layoffs_total", "hires_total",
    "adoptions_total", "enrolments_total", "dropouts_total", "firms_entered_total",
    "new_jobs_total", "enrolments_this_month", "platform_entries_total",
    # fractional flows carried to the next month
    "_entry_carry", "_seat_carry",
    # market state
    "wage_level", "bargaining_factor", "migration_counts", "ever_automated",
    # this month's derived tables (read by the next month's stages and by the outputs)
    "market", "reporters", "accounts", "month_accounts", "vacancy_table",
)

#: Model attributes computed at construction from the scenario, seed, scale and parameters
#: and never changed by ``step()`` (or caches and timings): rebuilt, not saved.
REBUILT_AT_CONSTRUCTION: tuple[str, ...] = (
    # Mesa internals and generators (the stages draw from hashed streams, never from these;
    # the generators' states are nevertheless saved in the header)
    "_seed", "_rng", "rng", "random", "_user_step", "step", "_agents", "_agents_by_type",
    "_all_agents", "agent_id_counter", "_event_list", "_simulator", "_scenario", "scenario",
    "_default_schedule", "_event_generators", "data_registry", "subscribers", "_suppress",
    "_batch_context",
    # Mesa's clock: rebuilt by stepping it, with the model's step off, to the saved month
    "steps", "time", "_time",
    # run identity and parameters
    "scenario_data", "seed", "scale", "persons_per_agent", "parameters", "mechanisms",
    "check_invariants", "kernels", *PARAMETERS,
    # geography and economy
    "economy", "region_names", "n_regions", "graph", "distance_km", "space", "regions",
    "region_wage_index", "cost_of_living", "population_cdf", "retirement_age_months",
    "skill_premium", "initial_labour_force_agents", "self_employed_target",
    "exposed_positions_initial", "channel_exposure", "channel_of_occupation",
    "complementary_cdf", "entrant_occupation_cdf", "retraining_target_cdf",
    "application_region_cdf", "initial_unemployment_rs",
    # agents and outputs: saved by their own sections of the file
    "workers", "firms", "datacollector", "region_history",
    # caches and timings
    "_occupation_cdf", "_occupation_cdf_month", "stage_seconds",
    "_not_working_rows", "_not_working_ids",   # None between steps: nothing to save
)

_HEADER = "header.json"
_REGION_LABELS = ("region",)  # string columns of the region table


# -- encoding --------------------------------------------------------------------------------

def _encode(value, prefix: str, arrays: dict[str, np.ndarray]):
    """JSON description of ``value``; arrays go to ``arrays`` under ``prefix``."""
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise TypeError(f"{prefix}: object arrays cannot be checkpointed without pickle")
        arrays[prefix] = value
        return {"array": prefix}
    if isinstance(value, (bool, np.bool_)):
        return {"bool": bool(value)} if isinstance(value, bool) else {"np": "bool", "value": bool(value)}
    if isinstance(value, np.generic):
        return {"np": value.dtype.str, "value": value.item()}
    if isinstance(value, int):
        return {"int": value}
    if isinstance(value, float):
        return {"float": value}     # JSON writes the shortest repr: exact for float64
    if isinstance(value, str):
        return {"str": value}
    if value is None:
        return {"none": True}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError(f"{prefix}: only dicts with string keys can be checkpointed")
        return {"dict": {k: _encode(v, f"{prefix}/{k}", arrays) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        items = [_encode(v, f"{prefix}/{i}", arrays) for i, v in enumerate(value)]
        return {"list" if isinstance(value, list) else "tuple": items}
    raise TypeError(f"{prefix}: cannot checkpoint a {type(value).__name__}")


def _decode(spec, arrays, file: str, key: str):
    if not isinstance(spec, dict) or len(spec) not in (1, 2):
        raise ScenarioError(file, key, spec, "a checkpoint value description")
    try:
        if "array" in spec:
            return arrays[spec["array"]].copy()
        if "np" in spec:
            return np.dtype(spec["np"]).type(spec["value"])
        if "bool" in spec:
            return bool(spec["bool"])
        if "int" in spec and isinstance(spec["int"], int):
            return spec["int"]
        if "float" in spec and isinstance(spec["float"], (int, float)):
            return float(spec["float"])
        if "str" in spec:
            return str(spec["str"])
        if "none" in spec:
            return None
        if "dict" in spec:
            return {k: _decode(v, arrays, file, f"{key}.{k}") for k, v in spec["dict"].items()}
        if "list" in spec:
            return [_decode(v, arrays, file, f"{key}[{i}]") for i, v in enumerate(spec["list"])]
        if "tuple" in spec:
            return tuple(_decode(v, arrays, file, f"{key}[{i}]") for i, v in enumerate(spec["tuple"]))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ScenarioError(file, key, spec, f"a valid checkpoint value ({exc})") from None
    raise ScenarioError(file, key, spec, "a checkpoint value description")


def _random_state(model) -> dict:
    version, internal, gauss = model.random.getstate()
    return {"python": [version, list(internal), gauss],
            "numpy": model.rng.bit_generator.state}


def _set_random_state(model, state: dict) -> None:
    version, internal, gauss = state["python"]
    model.random.setstate((version, tuple(internal), gauss))
    model.rng.bit_generator.state = state["numpy"]


# -- saving ----------------------------------------------------------------------------------

def save(model, path) -> None:
    """Write ``model``'s state to ``path`` (an ``.npz`` file), atomically.

    The file is written to a temporary name and renamed, so a checkpoint that exists is
    whole even if the process is killed while writing.

    Args:
        model: a :class:`~sim.model.LaborMarketModel` between two steps.
        path: the file to write.
    """
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    for name, column in model.workers.column_arrays().items():
        arrays[f"workers/{name}"] = column
    for name, column in model.firms.column_arrays().items():
        arrays[f"firms/{name}"] = column
    state = {name: _encode(getattr(model, name), f"state/{name}", arrays)
             for name in MODEL_STATE if hasattr(model, name)}
    collected = model.datacollector.model_vars
    collector = {name: _encode(list(values), f"collector/{name}", arrays)
                 for name, values in collected.items()}
    history = pd.concat(model.region_history, ignore_index=True)
    region_columns = {}
    for column in history.columns:
        values = history[column].to_numpy()
        if column in _REGION_LABELS or values.dtype == object:
            values = values.astype(str)
        arrays[f"regions/{column}"] = values
        region_columns[column] = str(history[column].dtype)
    scenario = model.scenario_data
    header = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "package_version": __version__,
        "scenario": {"name": scenario.name, "path": str(Path(scenario.path).resolve()),
                     "sha256": scenario.sha256},
        "seed": model.seed, "month": model.month, "scale": model.scale,
        "parameters": model.parameters, "check_invariants": model.check_invariants,
        "workers": {"rows": len(model.workers), "capacity": model.workers.capacity},
        "firms": {"rows": len(model.firms), "capacity": model.firms.capacity},
        "state": state, "collector": collector,
        "region_history": {"months": len(model.region_history), "columns": region_columns},
        "random": _random_state(model),
    }
    arrays[_HEADER] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        np.savez(handle, **arrays)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


# -- loading ---------------------------------------------------------------------------------

def _read(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """Header and arrays of a checkpoint, every member read (and CRC-checked) now."""
    file = str(path)
    if not path.is_file():
        raise ScenarioError(file, "(file)", str(path), "an existing checkpoint file")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, io.UnsupportedOperation) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ScenarioError(file, "(file)", "unreadable", f"a whole labsim checkpoint .npz ({reason})") from None
    raw = arrays.pop(_HEADER, None)
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        raise ScenarioError(file, _HEADER, None, "a labsim checkpoint header")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(file, _HEADER, "malformed", f"a JSON header ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ScenarioError(file, "format", header.get("format") if isinstance(header, dict) else header,
                            f"{FORMAT!r}")
    version = header.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ScenarioError(file, "format_version", version, "a positive whole number")
    if version > FORMAT_VERSION:
        raise ScenarioError(file, "format_version", version,
                            f"at most {FORMAT_VERSION}: written by a newer labsim "
                            f"({header.get('package_version')}); this is {__version__}")
    return header, arrays


def read_header(path) -> dict:
    """The validated JSON header of a checkpoint (format, versions, scenario, seed, month)."""
    return _read(Path(path))[0]


def _require(header: dict, key: str, kind, file: str):
    value = header.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ScenarioError(file, key, value, f"a {getattr(kind, '__name__', kind)} in the header")
    return value


def _restore_columns(agent_set, arrays: dict, section: str, layout: dict, file: str) -> None:
    rows = layout.get("rows") if isinstance(layout, dict) else None
    capacity = layout.get("capacity") if isinstance(layout, dict) else None
    if not isinstance(rows, int) or not isinstance(capacity, int) or not 0 <= rows <= capacity:
        raise ScenarioError(file, section, layout, "rows and capacity, 0 <= rows <= capacity")
    columns = {}
    for name, (dtype, fill) in agent_set.SCHEMA.items():
        key = f"{section}/{name}"
        values = arrays.get(key)
        if values is None:
            raise ScenarioError(file, key, None, "a column of the checkpoint (missing)")
        if values.dtype != np.dtype(dtype) or values.shape != (rows,):
            raise ScenarioError(file, key, f"{values.dtype}{list(values.shape)}",
                                f"{np.dtype(dtype)}[{rows}]")
        column = np.full(capacity, fill, dtype=dtype)
        column[:rows] = values
        columns[name] = column
    extra = sorted(k for k in arrays if k.startswith(section + "/")
                   and k.split("/", 1)[1] not in agent_set.SCHEMA)
    if extra:
        raise ScenarioError(file, extra[0], None, f"only the columns of {type(agent_set).__name__}")
    agent_set._columns = columns
    agent_set._n = rows


def load(path, cls=None, check_invariants: bool | None = None):
    """Restore a model saved by :func:`save`.

    Args:
        path: the checkpoint file.
        cls: the model class to build (default :class:`~sim.model.LaborMarketModel`).
        check_invariants: override the saved ``check_invariants`` setting.

    Returns:
        The model at the saved month; stepping it continues the run exactly.

    Raises:
        ScenarioError: a missing, truncated or corrupt file, a newer format version, a
            different package version, or a scenario that changed since it was saved.
    """
    path = Path(path)
    file = str(path)
    header, arrays = _read(path)
    if header.get("package_version") != __version__:
        raise ScenarioError(file, "package_version", header.get("package_version"),
                            f"{__version__} (this labsim): a run continues only with the code that began it")
    if cls is None:
        from .model import LaborMarketModel as cls
    scenario = _require(header, "scenario", dict, file)
    parameters = _require(header, "parameters", dict, file)
    unknown = sorted(set(parameters) - set(PARAMETERS))
    if unknown:
        raise ScenarioError(file, f"parameters.{unknown[0]}", parameters[unknown[0]],
                            "one of the parameters of this labsim")
    source = Path(str(scenario.get("path", "")))
    if not source.is_file():
        source = scenario.get("name")
    if not isinstance(source, (str, Path)):
        raise ScenarioError(file, "scenario", scenario, "the scenario's path or name")
    if check_invariants is None:
        check_invariants = bool(header.get("check_invariants", False))
    model = cls(scenario=source, scale=_require(header, "scale", float, file),
                rng=_require(header, "seed", int, file), check_invariants=check_invariants,
                **parameters)
    if model.scenario_data.sha256 != scenario.get("sha256"):
        raise ScenarioError(file, "scenario.sha256", scenario.get("sha256"),
                            f"the hash of {model.scenario_data.path} ({model.scenario_data.sha256}): "
                            "the scenario changed since the checkpoint was written")

    _restore_columns(model.workers, arrays, "workers", header.get("workers"), file)
    _restore_columns(model.firms, arrays, "firms", header.get("firms"), file)
    state = _require(header, "state", dict, file)
    missing = [name for name in MODEL_STATE if name in model.__dict__ and name not in state]
    if missing:
        raise ScenarioError(file, f"state.{missing[0]}", None, "every state attribute (missing)")
    for name, spec in state.items():
        if name not in MODEL_STATE:
            raise ScenarioError(file, f"state.{name}", None, "one of the model's state attributes")
        setattr(model, name, _decode(spec, arrays, file, f"state.{name}"))
    if model.month != header.get("month"):
        raise ScenarioError(file, "month", header.get("month"), f"the state's month {model.month}")

    collector = _require(header, "collector", dict, file)
    model_vars = {name: _decode(spec, arrays, file, f"collector.{name}") for name, spec in collector.items()}
    if set(model_vars) != set(model.datacollector.model_vars) or any(
            not isinstance(v, list) or len(v) != model.month + 1 for v in model_vars.values()):
        raise ScenarioError(file, "collector", sorted(model_vars),
                            f"the reporters of this model, {model.month + 1} rows each")
    for name, values in model_vars.items():
        model.datacollector.model_vars[name] = values

    _restore_region_history(model, arrays, header.get("region_history"), file)
    _set_random_state(model, _require(header, "random", dict, file))
    model.workers.labels["month"] = model.month
    model._occupation_cdf_month = -1
    model._not_working_rows = model._not_working_ids = None
    _advance_mesa_clock(model, model.month)
    try:
        _check_state(model)
    except InvariantError as exc:
        raise ScenarioError(file, "(state)", str(exc), "a consistent model state") from None
    return model


def _advance_mesa_clock(model, months: int) -> None:
    """Bring Mesa's clock (``steps``; ``time`` and its event schedule in Mesa 3.5) to
    ``months`` by stepping it with the model's own step switched off."""
    user_step = model.__dict__["_user_step"]
    model._user_step = lambda *args, **kwargs: None
    try:
        for _ in range(months - model.steps):
            model.step()
    finally:
        model._user_step = user_step


def _restore_region_history(model, arrays: dict, layout, file: str) -> None:
    if not isinstance(layout, dict) or not isinstance(layout.get("columns"), dict):
        raise ScenarioError(file, "region_history", layout, "the region table layout")
    months = layout.get("months")
    if not isinstance(months, int) or isinstance(months, bool) or months < 1:
        raise ScenarioError(file, "region_history.months", months, "a whole number >= 1")
    n_regions = model.n_regions
    columns = {}
    for column, dtype in layout["columns"].items():
        values = arrays.get(f"regions/{column}")
        if values is None or values.shape != (months * n_regions,):
            raise ScenarioError(file, f"regions/{column}", None if values is None else values.shape,
                                f"{months} x {n_regions} rows")
        columns[column] = values.astype(object) if dtype == "object" else values.astype(dtype)
    table = pd.DataFrame(columns)
    model.region_history = [table.iloc[i * n_regions:(i + 1) * n_regions].reset_index(drop=True)
                            for i in range(months)]
    if months != model.month + 1:
        raise ScenarioError(file, "region_history.months", months, f"{model.month + 1}")
    last = model.region_history[-1]
    for region, row in zip(model.regions, last.itertuples(index=False)):
        region.labour_force = row.labour_force
        region.employed = row.employed
        region.unemployment_rate = row.unemployment_rate
        region.mean_wage = row.mean_wage


# -- resuming a command-line run -------------------------------------------------------------

#: File name of the rolling checkpoint that ``labsim run --checkpoint-every`` keeps in ``--out``.
CHECKPOINT_NAME = "checkpoint.npz"


def resume(path, scenario, scale: float, seed: int, overrides: dict, check_invariants: bool):
    """Load the checkpoint of an interrupted ``labsim run`` and check it is the same run.

    Args:
        path: the checkpoint.
        scenario, scale, seed, overrides: the run's command-line arguments.
        check_invariants: whether the continued run checks invariants.

    Raises:
        ScenarioError: the checkpoint is unreadable or belongs to a different run.
    """
    from .scenario import load_scenario

    model = load(path, check_invariants=check_invariants)
    file = str(path)
    expected_scenario = load_scenario(scenario)
    expected = dict(expected_scenario.policies)
    expected.update(overrides)
    for key, have, want in (("scenario.sha256", model.scenario_data.sha256, expected_scenario.sha256),
                            ("seed", model.seed, seed), ("scale", model.scale, float(scale)),
                            *((f"parameters.{k}", model.parameters.get(k), v) for k, v in expected.items())):
        if have != want:
            raise ScenarioError(file, key, have, f"{want!r}, as on this command line (another run's "
                                "checkpoint: use another --out or drop --resume)")
    return model
