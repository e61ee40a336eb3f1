"""judge: answers of base and tuned on the held-out split -> similarity, policy checks and
LLM-judge scores, with every judgment kept as JSONL."""
