"""The training step, top to bottom: data -> tokens -> model -> Trainer -> adapter and records.
Everything is written into `out`; checkpoints there let a killed run resume."""

from __future__ import annotations

import json
import resource
import shutil
import time
from pathlib import Path

import torch
from transformers.trainer_pt_utils import LengthGroupedSampler

from ._checkpoints import last_complete_checkpoint
from ._collate import PadCollator
from ._errors import TrainError
from ._head import completion_only, supports_completion_logits
from ._layers import last_layers, select_layers, snr_scores
from ._log import JsonlLogCallback, read_log
from ._merge import merge_adapter
from ._model import device, load_tokenizer, prepare
from ._packing import packable, packing_collator, real_tokens
from ._plot import plot_loss
from ._precision import mixed_bf16, training_precision
from ._progress import StepProgress
from ._recipe import Recipe
from ._shared_prefix import SharedPrefixCollator, tokenize_branches
from ._sources import resolve_model
from ._tokenize import has_target, tokenize_row


def canonical_adapter_config(path: Path) -> None:
    """peft writes target_modules from a Python set, so its order changes with the process's string
    hashing: the same training gave adapter_config.json files (and adapter hashes, which key the
    answers stage) that differ between runs. Sorted, the file is the same bytes every run."""
    config = json.loads(path.read_text())
    if isinstance(config.get("target_modules"), list):
        config["target_modules"] = sorted(config["target_modules"])
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


def load_splits(dataset_dir: Path):
    from datasets import load_from_disk

    folder = Path(dataset_dir) / "dataset"
    if not (folder / "dataset_dict.json").is_file():
        raise TrainError(f"no dataset at {folder} (run `bench synth` first, or pass its --out folder)")
    dd = load_from_disk(str(folder))
    for split in ("train", "validation"):
        if split not in dd or len(dd[split]) == 0:
            raise TrainError(f"dataset {folder} has no {split} rows")
    return dd


def optimizer_for_device(name: str) -> tuple[str, str | None]:
    """Paged and 8-bit optimizers are CUDA features; on a CPU the recipe's choice is replaced, and said so."""
    if device() == "cpu" and ("paged" in name or "8bit" in name):
        return "adamw_torch", f"optimizer {name} needs CUDA; adamw_torch used on CPU"
    return name, None


class EpochSeededLengthGroupedSampler(LengthGroupedSampler):
    """transformers' LengthGroupedSampler shuffles with the global torch RNG when an epoch begins, so the
    data order depends on what drew random numbers before it (a base evaluation, dropout), and a run
    resumed in epoch k draws epoch k's order from another state than an uninterrupted run does.
    This one shuffles epoch k with a generator seeded by seed + k (the Trainer calls set_epoch each
    epoch), as accelerate's SeedableRandomSampler does for random sampling; every rank agrees too."""

    def __init__(self, batch_size: int, lengths: list[int], seed: int):
        super().__init__(batch_size, lengths=lengths)
        self.seed, self.epoch = seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self):
        self.generator = torch.Generator().manual_seed(self.seed + self.epoch)
        return super().__iter__()


def run(dataset_dir: Path, recipe: Recipe, out: Path, merge: bool = False, progress=True) -> dict:
    """Train a LoRA/QLoRA adapter for `recipe` on the dataset; resume from checkpoints in `out`.
    `progress`: True for the Trainer's own bar, False for none, or a callable
    `progress(description, total) -> advance(n)` feeding the caller's display."""
    from transformers import Trainer, TrainingArguments, set_seed

    start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    dd = load_splits(dataset_dir)
    source = resolve_model(recipe.base_model)
    fmt = source.prompt_format if recipe.prompt_format == "auto" else recipe.prompt_format
    seq2seq = source.model_type == "seq2seq"
    notes = []

    layers, scores = recipe.lora_layers_to_transform, None
    if recipe.layer_selection and recipe.layer_selection["method"] == "last":
        layers = last_layers(source.path, recipe.layer_selection.get("fraction", 0.5))
    elif recipe.layer_selection:
        scores = snr_scores(source.path)
        layers = select_layers(scores, recipe.layer_selection.get("fraction", 0.5))
        (out / "layer_scores.json").write_text(json.dumps({"scores": scores, "selected": layers}, indent=2) + "\n")

    tok = load_tokenizer(source)

    # rows with `branches` (several completions of one shared prompt prefix): train/_shared_prefix.py
    branched = "branches" in dd["train"].column_names
    if branched and (seq2seq or recipe.sample_packing):
        raise TrainError("rows with `branches` need a decoder-only model and sample_packing: false")

    def tokenized(split: str, cap: int | None):
        ds = dd[split]
        if cap:
            ds = ds.shuffle(seed=recipe.seed).select(range(min(cap, len(ds))))
        if branched:
            tokenize = lambda row: tokenize_branches(row, tok, fmt, recipe.sequence_len, recipe.train_on_inputs)  # noqa: E731
        else:
            tokenize = lambda row: tokenize_row(row, tok, fmt, recipe.sequence_len, recipe.train_on_inputs, seq2seq)  # noqa: E731
        ds = ds.map(
            tokenize,
            remove_columns=ds.column_names,
            desc=f"tokenising {split}",
        )
        kept = ds.filter(has_target)
        if len(kept) < len(ds):
            notes.append(f"{len(ds) - len(kept)} {split} rows dropped: prompt longer than sequence_len")
        return kept

    train_ds = tokenized("train", recipe.max_train_samples)
    eval_ds = tokenized("validation", recipe.max_eval_samples)
    if len(train_ds) == 0:
        raise TrainError("no training rows left after tokenising (is sequence_len too short?)")

    set_seed(recipe.seed)  # the LoRA matrices' initial values: from the seed, whatever ran before in this process
    model, targets = prepare(source, recipe, layers)
    if recipe.sample_packing or branched:
        packable(model.base_model.model)
    if branched and model.base_model.model.config._attn_implementation != "sdpa":
        raise TrainError("rows with `branches` need sdpa attention (a boolean 4D mask)")
    optim, note = optimizer_for_device(recipe.optimizer)
    if note:
        notes.append(note)
    counts = {"tokens": 0, "slots": 0}

    class CountingTrainer(Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            if head_on_labels_only:
                inputs = completion_only(inputs)
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)

        def training_step(self, model, inputs, num_items_in_batch=None):
            tokens, slots = real_tokens(inputs)
            counts["tokens"] += tokens
            counts["slots"] += slots
            return super().training_step(model, inputs, num_items_in_batch)

        def _track_num_input_tokens(self, inputs):  # real tokens of padded, packed and shared-prefix batches
            tokens = torch.as_tensor(real_tokens(inputs)[0], device=self.args.device, dtype=torch.int64)
            self.state.num_input_tokens_seen += self.accelerator.gather(tokens).sum().item()

        def _get_train_sampler(self, train_dataset=None):
            sampler = super()._get_train_sampler(train_dataset)
            if type(sampler) is LengthGroupedSampler:  # random sampling is seeded by accelerate (data_seed + epoch)
                return EpochSeededLengthGroupedSampler(sampler.batch_size, sampler.lengths, recipe.seed)
            return sampler

    args = TrainingArguments(
        output_dir=str(out / "checkpoints"),
        per_device_train_batch_size=recipe.micro_batch_size,
        per_device_eval_batch_size=recipe.eval_batch_size,
        gradient_accumulation_steps=recipe.gradient_accumulation_steps,
        num_train_epochs=recipe.num_epochs,
        max_steps=recipe.max_steps or -1,
        learning_rate=recipe.learning_rate,
        lr_scheduler_type=recipe.lr_scheduler,
        warmup_steps=recipe.warmup_ratio,  # a float under 1 is a ratio of the total steps
        weight_decay=recipe.weight_decay,
        max_grad_norm=recipe.max_grad_norm,
        optim=optim,
        eval_strategy="steps",
        eval_steps=recipe.eval_steps,
        save_strategy="steps",
        save_steps=recipe.eval_steps,
        save_total_limit=2,
        load_best_model_at_end=True,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        logging_steps=recipe.logging_steps,
        train_sampling_strategy="group_by_length" if recipe.group_by_length else "random",
        length_column_name="length",
        remove_unused_columns=False,
        # Otherwise evaluation keeps every batch's logits (vocab x tokens) in memory.
        prediction_loss_only=True,
        report_to=[],
        # Counted into the checkpoints' trainer state, so a resumed run's log continues the token count.
        include_num_input_tokens_seen="non_padding",
        seed=recipe.seed,
        data_seed=recipe.seed,
        use_cpu=device() == "cpu",
        bf16=mixed_bf16(recipe),
        disable_tqdm=progress is not True,
        dataloader_num_workers=0,
    )
    # train/_head.py; not under nn.DataParallel (one process driving several GPUs), which would split the
    # kept positions too. One flag for the loss and for what metrics.json records.
    head_on_labels_only = supports_completion_logits(model) and args.n_gpu <= 1
    log_path = out / "train_log.jsonl"
    trainer = CountingTrainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        data_collator=(
            SharedPrefixCollator(tok.pad_token_id)
            if branched
            else packing_collator(source.model_type)
            if recipe.sample_packing
            else PadCollator(tok.pad_token_id)
        ),
        callbacks=[JsonlLogCallback(log_path)] + ([StepProgress(progress)] if callable(progress) else []),
    )
    if progress is not True:  # the Trainer prints every log dict when its bar is off; train_log.jsonl has them
        from transformers import PrinterCallback

        trainer.remove_callback(PrinterCallback)
    resume = last_complete_checkpoint(out / "checkpoints")
    base_file = out / "base_eval.json"
    if base_file.is_file():
        base_eval = json.loads(base_file.read_text())["eval_loss"]
    else:
        if resume is None and trainer.is_world_process_zero():
            log_path.unlink(missing_ok=True)  # a new base evaluation starts a new log with its step-0 record
        # LoRA's B matrices start at zero, so before step one the model is exactly the base model.
        base_eval = trainer.evaluate()["eval_loss"]
        if trainer.is_world_process_zero():
            base_file.write_text(json.dumps({"eval_loss": base_eval}) + "\n")
    # Training's random streams (dropout; the data order's own generators are seeded by epoch) start
    # from the seed here, not from whatever ran before: the base evaluation above consumes random
    # numbers, and it runs only when base_eval.json is not there yet. A resume restores the RNG state
    # saved in its checkpoint on top of this, so every start point continues the same stream.
    set_seed(recipe.seed)
    train_start = time.perf_counter()
    trainer.train(resume_from_checkpoint=resume)
    train_seconds = time.perf_counter() - train_start
    tuned_eval = trainer.state.best_metric  # validation loss of the best checkpoint, loaded at the end
    if not trainer.is_world_process_zero():
        return {}

    adapter_dir = out / "adapter"
    trainer.model.save_pretrained(adapter_dir, safe_serialization=True)
    tok.save_pretrained(adapter_dir)
    canonical_adapter_config(adapter_dir / "adapter_config.json")
    log = read_log(log_path)
    plot_loss(log, base_eval, out / "loss_curve.png", f"{source.spec} / recipe {recipe.name}")
    shutil.rmtree(out / "checkpoints", ignore_errors=True)
    merged = merge_adapter(source, adapter_dir, out / "merged") if merge else None

    state = trainer.state
    metrics = {
        "base_eval_loss": base_eval,
        "tuned_eval_loss": tuned_eval,
        "best_step": int(state.best_global_step or state.global_step),
        "steps": state.global_step,
        "resumed_from": resume,
        "merged": merged,
        "train_rows": len(train_ds),
        "eval_rows": len(eval_ds),
        "train_tokens_this_process": counts["tokens"],
        "effective_tokens_per_s": round(counts["tokens"] / train_seconds, 1) if train_seconds else None,
        "padding_fraction": round(1 - counts["tokens"] / counts["slots"], 4) if counts["slots"] else None,
        "train_seconds": round(train_seconds, 1),
        "wall_seconds": round(time.perf_counter() - start, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "model": source.record(),
        "prompt_format": fmt,
        "lora_targets": targets,
        "lora_layers": layers,
        "trainable_parameters": sum(p.numel() for p in trainer.model.parameters() if p.requires_grad),
        "device": device(),
        "world_size": trainer.args.world_size,
        "effective_batch": recipe.micro_batch_size * recipe.gradient_accumulation_steps * trainer.args.world_size,
        "sample_packing": recipe.sample_packing,
        "logits": "label positions only" if head_on_labels_only else "every position",
        "precision": training_precision(recipe),
        "notes": notes,
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str) + "\n")
    return metrics
