"""judge: the answers of every contestant (from the answers stage) -> per-answer scores (cosine
similarity, policy checks, truncation) and LLM-judge judgments with calibration, every judgment
kept as JSONL with its status."""
