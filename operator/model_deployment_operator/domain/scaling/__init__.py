"""Autoscaling as data: what a variant's Application Auto Scaling setup should be
(model.py), rendered per hosting option (one small unit each: instance.py, ...), and
compared with what is there (domain/phases/scaling.py)."""
