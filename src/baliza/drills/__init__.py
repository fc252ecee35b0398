"""Crisis drills: scenarios replayed against the live system, marked as drills and scored against the plan.

- ``scenario``: the scenario file (``*.yaml``) as pydantic models, loaded with errors that name the file,
  line, path and value (``load_scenario``), and the bundled scenarios in ``scenarios/``.
- ``generator``: the mentions a scenario produces for a given T0 and seed (``generate``), and the
  availability changes and events in time order (``timeline``).
"""
