"""The only code that imports the `kubernetes` client: reads kopf does not make for us."""
