"""appraise layer: the use cases (question -> data -> stats -> grade)."""
