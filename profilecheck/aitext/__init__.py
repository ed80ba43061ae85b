"""Machine-written text detection: the corpus, features, heads and their artifacts."""
