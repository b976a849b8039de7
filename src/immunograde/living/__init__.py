"""living layer."""
