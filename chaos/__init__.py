"""`make chaos`: a bounded fault-injection suite against a real TaskPulse stack (chaos/README)."""
