"""One unit per hosting option: each turns its part of the spec into its part of the
rendered EndpointConfig."""
