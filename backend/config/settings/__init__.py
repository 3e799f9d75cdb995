"""Django settings: base, read from the environment, and one module per way of running."""
