"""The only code that talks to AWS: client construction, the gateway, error translation."""
