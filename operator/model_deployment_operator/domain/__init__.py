"""Pure domain logic: what to deploy, what to do next, and how to report it.

Nothing in this package performs I/O or reads the clock; time and observations are passed in.
"""
