"""Promotion between environments through the model registry: the records each environment
writes on the model packages it serves (records.py), the requirements a version must meet
before it serves (gates.py), and the choice among versions (selection.py). Pure: no I/O."""
