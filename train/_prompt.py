"""Prompt formats: how a dataset row becomes (prompt, completion) for a model. The judge uses the
same prompt to generate, so training and evaluation see identical text."""

from __future__ import annotations

FORMATS = ("chat", "plain", "alpaca", "instruction")

ALPACA_HEADER = (
    "Below is an instruction that describes a task{ctx}. Write a response that appropriately completes the request."
)


def _turns(row: dict) -> tuple[str, str]:
    messages = row["messages"]
    system = next((m["content"] for m in messages if m["role"] == "system"), "")
    user = next(m["content"] for m in messages if m["role"] == "user")
    return system, user


def build_prompt(row: dict, tokenizer, fmt: str) -> str:
    """The text a model sees before its answer."""
    system, user = _turns(row)
    if fmt == "chat":
        # The system turn is always explicit: some templates insert their own default otherwise.
        msgs = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        return tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
    if fmt == "plain":
        return f"{system}\n\nUser: {user}\nAssistant:"
    if fmt == "alpaca":
        if row.get("input"):
            return (
                ALPACA_HEADER.format(ctx=", paired with an input that provides further context")
                + f"\n\n### Instruction:\n{row['instruction']}\n\n### Input:\n{row['input']}\n\n### Response:\n"
            )
        return ALPACA_HEADER.format(ctx="") + f"\n\n### Instruction:\n{row['instruction']}\n\n### Response:\n"
    if fmt == "instruction":  # seed system 3's "Instruction: <query> Response:"
        return f"Instruction: {user} Response:"
    raise ValueError(f"unknown prompt format '{fmt}' (one of {', '.join(FORMATS)})")


def build_completion(row: dict, tokenizer, fmt: str, seq2seq: bool = False) -> str:
    """The target text; causal models get the end-of-sequence token so they learn to stop."""
    answer = row["messages"][-1]["content"] if fmt != "alpaca" else row["output"]
    if fmt in ("plain", "instruction") and not seq2seq:
        answer = " " + answer
    return answer if seq2seq else answer + (tokenizer.eos_token or "")
