"""The cluster's REST endpoints: /api/health/, and for staff the workers, admin actions and
their audit under /api/tasks/."""
