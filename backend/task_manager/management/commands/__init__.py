"""ensure_admin: the `admin` superuser exists, with a password from the environment."""
