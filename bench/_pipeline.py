"""`bench run`: synth -> train -> answers -> judge -> results for each model, every stage reused
when its key matches, then the domain's leaderboard. One results folder per run under
results/DOMAIN/RUN_ID/: results.json plus the per-sample files it was computed from."""

from __future__ import annotations

import contextlib
import json
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

import answers
import retrieval
import synth
import train
from judge._run import JudgeSettings
from leaderboard import REAL_FOLDER, SAMPLE_FILES, results_record
from leaderboard._seeds import seed_name

from ._answers_stage import run_answers_stage
from ._judge_stage import run_judge_stage
from ._judges import JudgeChoice
from ._provenance import provenance
from ._store import read_manifest, stable_hash, swap_in
from ._synth_stage import StageOutput, run_synth_stage
from ._train_stage import recipe_path, run_train_stage


@dataclass(frozen=True)
class RunPlan:
    domain_dir: Path
    recipe: str = "default"
    models: tuple[str, ...] = ()  # empty: the recipe's base_model
    seed: int = 0
    size: int | None = None  # train rows (validation and test get 10% and 20% of them); None: the domain's sizes
    max_steps: int | None = None
    max_items: int | None = None  # answer and score a seeded spread of N test items (all when None)
    generation: answers.GenerationSettings = field(default_factory=answers.GenerationSettings)
    contestants: tuple[answers.RemoteContestant, ...] = ()  # endpoints answering beside base and tuned
    judge: JudgeSettings = field(default_factory=JudgeSettings)
    results_dir: Path = Path("results")
    # "transformers" (batched generate, the default: measured faster on 2 cores) or "llama.cpp":
    # base and tuned served by one llama.cpp server (base GGUF + the adapter as a LoRA GGUF)
    answers_engine: str = "transformers"
    real_queries: Path | None = None  # a text,category CSV of real queries, answered and judged without references
    real_items: int | None = answers.DEFAULT_REAL_ITEMS  # a seeded sample of this many of them (all when None)
    rag_k: int | None = None  # add base+rag and tuned+rag, with this many retrieved passages (None: none)
    # train this many adapters per model, seeds recipe.seed, +1, ...: `tuned` and `tuned-seed<S>` answer the
    # synthetic test beside one base, and results get the pooled effect and the spread between seeds
    train_seeds: int = 1
    library_log: Path | None = None  # where the libraries' output goes (bench/cli); copied into each results folder
    source: str | None = None  # a domain made from existing data: another file or hub id of the same columns


ANSWER_ENGINES = ("transformers", "llama.cpp")


def check_engine(engine: str, models: tuple[str, ...]) -> None:
    """Raise now, before any stage runs, if `engine` cannot answer for every model."""
    if engine not in ANSWER_ENGINES:
        raise train.TrainError(f"answers engine '{engine}' is not one of {', '.join(ANSWER_ENGINES)}")
    if engine == "llama.cpp":
        from train._lora_gguf import check_convertible
        from train._sources import gguf_path

        for model in models:
            gguf_path(model)  # only a built-in model ships the GGUF the server needs
            check_convertible(train.resolve_model(model).path / "config.json")


def run_id(model: str, recipe: str, run_key: str) -> str:
    slug = "".join(c if c.isalnum() or c in "-." else "-" for c in Path(model).name if c)
    return f"{slug}__{recipe}__{run_key[:8]}"


def run_key(trained: StageOutput, outputs: dict[str, StageOutput], judge_identity: dict, plan: RunPlan) -> str:
    """Names a run's results folder: the training, the answers stages and the judge with its settings,
    but not the answers' content, so a rerun that completes an unfinished run replaces its folder."""
    answer_keys = {name: out.key for name, out in outputs.items()}
    return stable_hash([trained.key, answer_keys, judge_identity, plan.judge.__dict__])


def stage_record(out: StageOutput, seconds: float) -> dict:
    manifest = read_manifest(out.path) or {}
    summary = manifest.get("summary", {})
    if not out.complete and isinstance(out.result, dict):  # a partial folder has no manifest yet
        summary = {k: v for k, v in out.result.items() if k != "records"}
    return {
        "key": out.key,
        "path": str(out.path),
        "reused": out.reused,
        "complete": out.complete,
        "seconds_this_invocation": round(seconds, 1),
        "summary": summary,
        **({"shipped_from": manifest["shipped_from"]} if manifest.get("shipped_from") else {}),
    }


@dataclass
class Judged:
    """What `answer_and_judge` made: the answers stages and judge stage of the synthetic test, and,
    with real queries, theirs (`real_rows` the sampled queries)."""

    outputs: dict[str, StageOutput]
    judged: StageOutput
    records: dict[str, dict]
    real_rows: list[dict] = field(default_factory=list)
    real_outputs: dict[str, StageOutput] = field(default_factory=dict)
    real_judged: StageOutput | None = None
    retrieval: dict | None = None  # with retrieval contestants: the index, k, prompt and recall@k
    retrieved: list[dict] = field(default_factory=list)  # which passages each test item's prompt held
    rows: list[dict] = field(default_factory=list)  # the test items answered

    @property
    def complete(self) -> bool:
        stages = [self.judged, *self.outputs.values(), *self.real_outputs.values()]
        return all(s.complete for s in stages + ([self.real_judged] if self.real_judged else []))


def _answer(domain: str, name: str, answer_plan, records: dict, label: str, track, report) -> StageOutput:
    t = time.perf_counter()
    out = run_answers_stage(domain, f"{name}{label}", answer_plan, progress=track)
    key = f"answers{'-real' if label else ''}:{name}"
    records[key] = stage_record(out, time.perf_counter() - t)
    res = out.result
    records[key]["generated_this_invocation"] = 0 if out.reused else res["answered_now"]
    state = "reused, 0 generated" if out.reused else f"{res['answered_now']} generated"
    failed = f", {res['failed']} FAILED (rerun to retry)" if res["failed"] else ""
    loops = f", loop guard fired in {res['loop_blocked']}" if res.get("loop_blocked") else ""
    report(
        f"answers {name}{label}: {out.path} ({state}, {res['truncated']} of {res['items']} cut at "
        f"{res['max_new_tokens']} tokens{loops}{failed})"
    )
    return out


def answer_and_judge(
    domain: synth.Domain,
    dataset: StageOutput,
    trained: StageOutput,
    recipe: train.Recipe,
    plan: RunPlan,
    endpoint_factory,
    judge_identity: dict,
    track=None,
    report=print,
    seed_adapters: dict[str, StageOutput] | None = None,
) -> Judged:
    """Answers of base, tuned and every endpoint contestant (each its own stage), then the judge
    stage over them; with `plan.real_queries`, the same for the sampled real queries (answered
    with the synthetic test's answer cap, judged without references). `seed_adapters`: the other
    training seeds' train stages (contestant name -> output), answering the synthetic test only."""
    seed_adapters = seed_adapters or {}
    metrics = json.loads((trained.path / "metrics.json").read_text())
    rows = answers.test_items(dataset.path, plan.max_items, plan.seed)
    real_rows = (
        answers.real_query_items(plan.real_queries, domain, plan.real_items, plan.seed) if plan.real_queries else []
    )
    local = answers.LocalContestant(
        model=metrics["model"]["spec"], prompt_format=metrics["prompt_format"], sequence_len=recipe.sequence_len
    )
    # the local base plan is made whatever engine answers: its tokenizer counts the answer cap
    base_plan = answers.plan_local(local, rows, plan.generation)
    cap = base_plan.cap
    endpoint_cap = {**cap, "rule": f"{cap['rule']}, counted with {local.model}'s tokenizer"}
    endpoint_settings = plan.generation.with_cap(cap["max_new_tokens"])
    sets = {"": rows, " (real queries)": real_rows} if real_rows else {"": rows}
    made: dict[str, dict[str, StageOutput]] = {label: {} for label in sets}
    records: dict[str, dict] = {}
    rag, retrieved, rag_rows = None, None, []
    if plan.rag_k:  # the retrieval contestants: base and tuned with the top-k policy passages in the prompt
        from ._index_stage import run_index_stage

        t = time.perf_counter()
        index = run_index_stage(domain)
        records["index"] = stage_record(index, time.perf_counter() - t)
        report(f"index: {index.path} ({'reused' if index.reused else 'built'}, {index.result['passages']} passages)")
        rag = retrieval.Retriever(index.path)
    with contextlib.ExitStack() as stack:  # a served engine lives until every answer is in
        adapters = {"tuned": trained, **seed_adapters}
        remote = _served(stack, local.model, trained, adapters) if plan.answers_engine == "llama.cpp" else {}
        remote.update({c.name: c for c in plan.contestants})
        adapted = {n: answers.LocalContestant(**{**local.__dict__, "adapter_dir": o.path / "adapter"})
                   for n, o in adapters.items()}  # fmt: skip
        tuned = adapted["tuned"]
        merged = _merged_contestant(local, trained)
        for label, items in sets.items():
            plans = {"base": base_plan if not label else answers.plan_local(local, items, plan.generation, cap)}
            if plan.answers_engine != "llama.cpp":
                for name, contestant in adapted.items():
                    if name == "tuned" or not label:  # the other seeds answer the synthetic test only
                        plans[name] = answers.plan_local(contestant, items, plan.generation, None if not label else cap)
            if merged:  # a plain model folder: answered by transformers whatever the engine
                plans["merged"] = answers.plan_local(merged, items, plan.generation, cap)
            if rag:
                hits = rag.top_k([r["query"] for r in items], plan.rag_k)
                if not label:
                    retrieved = retrieval.recall_at_k(items, hits, plan.rag_k)
                fits = _prompt_fits(local, recipe) if plan.answers_engine != "llama.cpp" else None
                rag_items = [retrieval.rag_row(domain, r, h, fits) for r, h in zip(items, hits, strict=True)]
                if not label:
                    rag_rows = rag_items
                for name, contestant in (("base", local), ("tuned", tuned)):
                    plans[f"{name}+rag"] = (
                        answers.plan_endpoint(remote[name], rag_items, endpoint_settings, endpoint_cap)
                        if plan.answers_engine == "llama.cpp"
                        else answers.plan_local(contestant, rag_items, plan.generation, cap)
                    )
            for name, contestant in remote.items():
                if label and name in seed_adapters:
                    continue  # the other seeds answer the synthetic test only
                plans[name] = answers.plan_endpoint(contestant, items, endpoint_settings, endpoint_cap)
            for name, answer_plan in plans.items():
                made[label][name] = _answer(domain.name, name, answer_plan, records, label, track, report)
    outputs = made[""]
    t = time.perf_counter()
    judged = run_judge_stage(domain, rows, outputs, endpoint_factory, judge_identity, plan.judge, None, track)
    records["judge"] = stage_record(judged, time.perf_counter() - t)
    state = "reused" if judged.reused else ("judged" if judged.complete else "judged, with FAILED requests")
    report(f"judge: {judged.path} ({state}{_reused(judged)})")
    result = Judged(outputs, judged, records, rows=rows)
    if rag:
        result.retrieval = {
            "index": {"key": index.key, "path": str(index.path), **index.result},
            "k": plan.rag_k,
            "k_effective": min(plan.rag_k, index.result["passages"]),
            "prompt": {
                "name": retrieval.PROMPT_NAME,
                "rule": retrieval.PROMPT_DESCRIPTION,
                "template": domain.grounded_prompt,
            },
            "query": "the customer's query (the row's query field)",
            "prompts_with_passages_dropped": sum(bool(r["passages_dropped"]) for r in rag_rows),
            **{k: v for k, v in retrieved.items() if k != "k"},
        }
        result.retrieved = [{"question_id": r["id"], "passages": r["retrieved"],
                             "passages_dropped": r["passages_dropped"]} for r in rag_rows]  # fmt: skip
        report(f"retrieval: recall@{plan.rag_k} {retrieved['recall_at_k']} over {retrieved['items']} test items")
    if real_rows:
        from ._real_stage import run_real_judge_stage

        t = time.perf_counter()
        result.real_rows, result.real_outputs = real_rows, made[" (real queries)"]
        result.real_judged = run_real_judge_stage(
            domain, real_rows, result.real_outputs, dataset, endpoint_factory, judge_identity, plan.judge, track
        )
        records["real-judge"] = stage_record(result.real_judged, time.perf_counter() - t)
        real = result.real_judged
        state = "reused" if real.reused else ("judged" if real.complete else "judged, with FAILED requests")
        report(f"judge (real queries): {real.path} ({state}{_reused(real)})")
    return result


def _merged_contestant(local: answers.LocalContestant, trained: StageOutput) -> answers.LocalContestant | None:
    """The base with the tuned adapter merged into it (a recipe with `merge: true`, or `--merge`), as
    the contestant `merged`: the same prompts as base and tuned, no adapter."""
    folder = trained.path / "merged"
    if not (folder / "config.json").is_file():
        return None
    return answers.LocalContestant(model=str(folder), prompt_format=local.prompt_format,
                                   sequence_len=local.sequence_len)  # fmt: skip


def _reused(judged: StageOutput) -> str:
    """', N of M judgments reused from earlier judge stages' for a stage that was judged now."""
    got = judged.result if isinstance(judged.result, dict) else {}
    n, total = (
        got.get("reused_judgments"),
        sum((got.get("judge_requests") or {}).get(k, 0) for k in ("ok", "unscored", "error")),
    )
    return f", {n} of {total} judgments reused from earlier judge stages" if n else ""


def _prompt_fits(local: answers.LocalContestant, recipe: train.Recipe):
    """For an encoder-decoder model, whether a row's prompt fits its sequence_len (its prompt is cut
    from the end, where the question is); None for a causal model, whose prompt is never cut."""
    from train._model import load_tokenizer
    from train._tokenize import prompt_ids

    source = train.resolve_model(local.model)
    if source.model_type != "seq2seq" or not recipe.sequence_len:
        return None
    tok = load_tokenizer(source)
    return lambda row: len(prompt_ids(row, tok, local.prompt_format, True)) <= recipe.sequence_len


def _served(stack: contextlib.ExitStack, model: str, trained: StageOutput, adapters: dict[str, StageOutput]) -> dict:
    """{"base", and one per adapter (name -> train stage)} contestants on one llama.cpp server that
    lives as long as `stack`."""
    from answers._served import served_contestants
    from train._sources import gguf_path

    config = train.resolve_model(model).path / "config.json"
    work = trained.path.parent / f".lora-gguf-{trained.key[:12]}"
    return dict(stack.enter_context(
        served_contestants(gguf_path(model), {n: o.path / "adapter" for n, o in adapters.items()}, config, work)
    ))  # fmt: skip


def run_pipeline(plan: RunPlan, judge: JudgeChoice, track=None, report=print) -> list[Path]:
    """Every model through every stage; returns the results.json paths written. The judge is made
    ready once the dataset exists (the domain verifier is trained from its train split, once)."""
    domain = synth.load_domain(plan.domain_dir)
    spec = train.load_recipe(recipe_path(plan.domain_dir, plan.recipe)).with_overrides(max_steps=plan.max_steps)
    models = plan.models or (spec.base_model,)
    check_engine(plan.answers_engine, models)
    began = time.perf_counter()
    t = time.perf_counter()
    settings = synth.SynthSettings.for_domain(domain, plan.size, seed=plan.seed)
    dataset = run_synth_stage(plan.domain_dir, settings, source=plan.source)
    synth_record = stage_record(dataset, time.perf_counter() - t)
    report(f"synth: {dataset.path} ({'reused' if dataset.reused else 'built'})")
    t = time.perf_counter()
    endpoint_factory, judge_identity = judge.resolve(domain, dataset, progress=track or False)
    judge_records = {}
    if judge.stage is not None:
        from ._verifier_stage import verifier_line

        judge_records["verifier"] = stage_record(judge.stage, time.perf_counter() - t)
        report(f"verifier: {judge.stage.path} ({verifier_line(judge.stage, plan.domain_dir)})")
    written = []
    for model in models:
        recipe = spec.with_overrides(base_model=model)
        t = time.perf_counter()
        trained = run_train_stage(domain.name, dataset, recipe, progress=track or False)
        train_record = stage_record(trained, time.perf_counter() - t)
        report(f"train {model}: {trained.path} ({'reused' if trained.reused else 'trained'})")
        seed_adapters, seed_records = {}, {}
        for offset in range(1, plan.train_seeds):
            name = seed_name(recipe.seed + offset)
            t = time.perf_counter()
            # another seed's adapter answers as tuned-seedN; a merged copy of it would never be judged
            seeded = recipe.with_overrides(seed=recipe.seed + offset, merge=False)
            out = run_train_stage(domain.name, dataset, seeded, progress=track or False)
            seed_records[f"train:{name}"] = stage_record(out, time.perf_counter() - t)
            seed_adapters[name] = out
            report(f"train {model} (seed {recipe.seed + offset}): {out.path} ({'reused' if out.reused else 'trained'})")
        made = answer_and_judge(
            domain, dataset, trained, recipe, plan, endpoint_factory, judge_identity, track, report, seed_adapters
        )
        outputs, judged, records = made.outputs, made.judged, made.records
        folder = (
            Path(plan.results_dir)
            / domain.name
            / run_id(model, recipe.name, run_key(trained, outputs, judge_identity, plan))
        )
        complete = made.complete
        real_key = made.real_judged.key if made.real_judged else None
        kept = _unchanged(folder, dataset.key, trained.key, judged.key, real_key) if complete else None
        if kept:  # the same stages: keep the record of the invocation that did the work
            written.append(kept)
            report(f"results: {kept} (unchanged)")
            continue
        stages = {"synth": synth_record, **judge_records, "train": train_record, **seed_records, **records}
        results = results_record(
            domain=plan.domain_dir.name,
            judge_dir=judged.path,
            train_dir=trained.path,
            recipe=recipe.to_dict(),
            answers={name: o.result for name, o in outputs.items()},
            stages=stages,
            settings={
                "generation": plan.generation.to_dict(),
                "max_items": plan.max_items,
                "judge_settings": plan.judge.__dict__,
                "seeds": {"data": plan.seed, "train": recipe.seed, "judge": plan.judge.seed},
                "dataset": {"sizes": None if domain.source else settings.sizes, "key": dataset.key},
            },
            judge_identity=judge_identity,
            task_hashes={"dataset": dataset.key, "train": trained.key, "judge": judged.key}
            | {f"train:{n}": o.key for n, o in seed_adapters.items()}
            | {f"answers:{n}": o.key for n, o in outputs.items()}
            | ({"real-judge": real_key} if real_key else {})
            | {f"answers-real:{n}": o.key for n, o in made.real_outputs.items()},
            real=_real_input(plan, made),
            retrieval=made.retrieval,
            train_seeds=_seed_training({"tuned": trained, **seed_adapters}, recipe.seed) if seed_adapters else None,
        )
        results["complete"] = complete
        # this process's peak (ru_maxrss, KiB on Linux); the local judge server is a separate, small process
        results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        results["total_seconds_this_invocation"] = round(time.perf_counter() - began, 1)
        results.update(provenance())
        real_dir = made.real_judged.path if made.real_judged else None
        written.append(
            _write_results(folder, results, judged.path, real_dir, made.retrieved, made.rows, plan.library_log)
        )
        report(f"results: {written[-1]}")
    return written


def _seed_training(trained: dict[str, StageOutput], first_seed: int) -> dict:
    """Each training seed's adapter: its seed, train stage key, eval loss and training time."""
    out = {}
    for offset, (name, stage) in enumerate(trained.items()):
        metrics = json.loads((stage.path / "metrics.json").read_text())
        out[name] = {
            "seed": first_seed + offset,
            "train_key": stage.key,
            "path": str(stage.path),
            **{k: metrics.get(k) for k in ("base_eval_loss", "tuned_eval_loss", "steps", "train_seconds")},
        }
    return out


def _unchanged(folder: Path, *keys: str) -> Path | None:
    path = folder / "results.json"
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    hashes = record.get("task_hashes", {})
    same = tuple(hashes.get(k) for k in ("dataset", "train", "judge", "real-judge")) == keys
    return path if same and record.get("complete", True) else None


def _real_input(plan: RunPlan, made: Judged) -> dict | None:
    """What the results need of a real-query evaluation: its judge folder and where the queries came from."""
    if not made.real_judged:
        return None
    from train._hashing import sha256_file

    return {
        "judge_dir": made.real_judged.path,
        "answers": {name: o.result for name, o in made.real_outputs.items()},
        "source": {
            "file": str(plan.real_queries),
            "sha256": sha256_file(plan.real_queries),
            "sampled": len(made.real_rows),
            "requested": plan.real_items,
            "seed": plan.seed,
            "sample": "simple random sample of the file's rows, seeded (answers/_real_queries.py)",
            "mapping": str(plan.domain_dir / "real_queries.yaml"),
            "mapped_items": sum(bool(r["serving_intents"]) for r in made.real_rows),
        },
    }


LIBRARY_LOG = "library.log"  # the libraries' own output (progress bars, warnings) during the run
RETRIEVED_FILE = "retrieved.jsonl"  # with retrieval contestants: the passages each test item's prompt held


def _write_results(
    folder: Path,
    results: dict,
    judge_dir: Path,
    real_dir: Path | None = None,
    retrieved: list[dict] = (),
    rows: list[dict] = (),
    library_log: Path | None = None,
) -> Path:
    """Write the run's folder under a temporary name and swap it in, so it is never half-written."""
    import shutil

    tmp = folder.parent / f".{folder.name}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name in SAMPLE_FILES:
        if (judge_dir / name).is_file():
            shutil.copy2(judge_dir / name, tmp / name)
        if real_dir and (real_dir / name).is_file():
            (tmp / REAL_FOLDER).mkdir(exist_ok=True)
            shutil.copy2(real_dir / name, tmp / REAL_FOLDER / name)
    if rows:  # the questions and references, for the report's answers browser
        from judge._requests import rubric_question
        from report import ITEMS_FILE

        items = [{"id": r["id"], "intent": r["intent"], "category": r["category"], "question": rubric_question(r),
                  "reference": r["response"]} for r in rows]  # fmt: skip
        (tmp / ITEMS_FILE).write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items))
        results["samples"]["items"] = ITEMS_FILE
    if library_log and Path(library_log).is_file():  # the libraries' output up to now (bench run without -v)
        shutil.copy2(library_log, tmp / LIBRARY_LOG)
        results["library_log"] = LIBRARY_LOG
    if retrieved:
        (tmp / RETRIEVED_FILE).write_text("".join(json.dumps(r) + "\n" for r in retrieved))
        results["samples"]["retrieved"] = RETRIEVED_FILE
    optional = tuple(k for k in ("real_queries", "retrieval") if results.get(k))
    hashed = ("results", "comparisons", "pairwise", *optional)
    results["results_hash"] = stable_hash({k: results[k] for k in hashed})
    (tmp / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    swap_in(tmp, folder)
    return folder / "results.json"
