"""The audit trail: every mutation the service was asked for, who asked and what came of it."""
