"""The only code that imports kopf: handler registration, status writing, events, probes."""
