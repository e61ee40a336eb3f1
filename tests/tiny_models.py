"""Tiny models built from a config in the test (a few layers, seconds to run), saved as local
Hugging Face folders so they go through the same model-source path as real ones."""

from __future__ import annotations

from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers
from transformers import (
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
    T5Config,
    T5ForConditionalGeneration,
)

from train import Recipe

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _tokenizer(special: dict[str, str]) -> PreTrainedTokenizerFast:
    """A character-level tokenizer: every printable ASCII character is a token."""
    vocab = {tok: i for i, tok in enumerate(special.values())}
    for c in (chr(i) for i in range(32, 127)):
        vocab.setdefault(c, len(vocab))
    vocab["\n"] = len(vocab)
    tok = Tokenizer(models.WordLevel(vocab, unk_token=special["unk_token"]))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    tok.decoder = decoders.Fuse()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, **special)
    fast.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    return fast


def make_tiny_llama(folder: Path, layers: int = 4, seed: int = 0) -> Path:
    tok = _tokenizer({"unk_token": "<unk>", "bos_token": "<s>", "eos_token": "<|im_end|>", "pad_token": "<pad>"})
    tok.chat_template = CHAT_TEMPLATE
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


def make_tiny_t5(folder: Path, seed: int = 0) -> Path:
    tok = _tokenizer({"unk_token": "<unk>", "eos_token": "</s>", "pad_token": "<pad>"})
    torch.manual_seed(seed)
    config = T5Config(
        vocab_size=len(tok),
        d_model=64,
        d_kv=16,
        d_ff=128,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=4,
        decoder_start_token_id=tok.pad_token_id,
        pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
    )
    T5ForConditionalGeneration(config).save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


def tiny_recipe(model: Path, **kw) -> Recipe:
    """A training recipe sized for the tiny models (seconds on a CPU); keyword arguments override it."""
    base = dict(
        base_model=str(model),
        sequence_len=1024,
        micro_batch_size=4,
        eval_batch_size=8,
        max_steps=6,
        eval_steps=3,
        logging_steps=1,
        learning_rate=5e-3,
        lora_r=4,
        max_eval_samples=8,
    )
    return Recipe(**{**base, **kw})
