"""Node control: drain a node (no new job starts there) and resume it."""
