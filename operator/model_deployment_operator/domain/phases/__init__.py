"""The planner's phases, one concern each (cluster-api style): ownership, version selection,
endpoint transitions, scaling and garbage collection while reconciling; teardown on deletion.
`domain/planner.py` runs them in order."""
