"""Hidden graders: one package per assignment, one test module per graded part.

`test_<part>.py` holds the checks for the notebook's test cell that calls
`grade("<assignment>", "<part>")`. Each package's `__init__` says which modules
the answer may not import (`BLOCKED_MODULES`), and `variants.py` holds the
buggy answers the graders must catch.
"""
