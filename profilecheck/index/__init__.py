"""Cross-profile lookups over hashes and sketches (no store access here)."""
