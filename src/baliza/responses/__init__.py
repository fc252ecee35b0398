"""Response desk helpers: the tone and guideline check of reply drafts, and bilingual reply templates.

``tone.check_draft`` reads a draft (Spanish or English) against the team's crisis guidelines
(empathy, apology, no blame, no legal admissions, no exaggeration or promises that cannot be kept,
no promotion during a crisis, a clear next step, never deleting posts) and explains each problem.
``templates`` renders reply templates in a Jinja2 sandbox and ships a small bundled set.
"""
