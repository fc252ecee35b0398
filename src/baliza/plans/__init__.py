"""The crisis plan as code: ``plan.yaml`` parsed and checked, who is available, who gets paged, which route matches.

- ``values``: durations, HH:MM ranges, label matchers, time zones and contact URLs.
- ``refs``: names one part of a plan uses for another, checked while the plan validates.
- ``schema``: the pydantic models of the whole plan (``Plan`` and its parts).
- ``problems``: one problem at a path and line; pydantic's own errors in the reader's language.
- ``check``: ``load_plan`` and ``check_plan`` (errors with file, line and path; readiness warnings).
- ``availability``: working hours, out of office and on-call rotations at a moment.
- ``resolve``: who each escalation step would page, and who it skips and why (``page_plan``).
- ``routing``: the alertmanager-style route tree, group keys, inhibition and silences.
"""
