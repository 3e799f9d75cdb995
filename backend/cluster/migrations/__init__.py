"""Migrations of the cluster app: AuditRecord, taken over from task_manager with its table."""
