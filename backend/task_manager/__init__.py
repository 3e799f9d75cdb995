"""The platform: tracked executions of Celery tasks, their live events, control and cluster."""
