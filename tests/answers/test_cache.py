"""The answers cache: keys differ across models, adapters, settings and prompts; a torn line from
a killed run is ignored and cut; failed endpoint answers are returned but never cached."""

from __future__ import annotations

from answers import GenerationSettings
from answers._cache import answer_key, append_answers, cached_answers, read_answers


def test_cache_keys_include_model_adapter_and_settings():
    s = GenerationSettings(max_new_tokens=32)
    base = answer_key("m1", None, s, "p")
    assert base == answer_key("m1", None, s, "p")
    keys = {
        base,
        answer_key("m2", None, s, "p"),
        answer_key("m1", "a1", s, "p"),
        answer_key("m1", "a2", s, "p"),
        answer_key("m1", None, GenerationSettings(max_new_tokens=64), "p"),
        answer_key("m1", None, s, "q"),
        answer_key("m1", None, s, [1, 2, 3]),
    }
    assert len(keys) == 7


def test_answers_file_survives_a_half_written_line(tmp_path):
    path = tmp_path / "answers.jsonl"
    append_answers(path, [{"key": "k1", "answer": "a"}, {"key": "k2", "answer": "b"}])
    with path.open("a") as fh:
        fh.write('{"key": "k3", "ans')
    assert set(read_answers(path)) == {"k1", "k2"}
    append_answers(path, [{"key": "k3", "answer": "c"}])  # the torn line is cut, not glued to
    assert read_answers(path)["k3"]["answer"] == "c" and len(path.read_text().splitlines()) == 3


def test_failed_answers_are_returned_but_asked_again(tmp_path):
    path = tmp_path / "answers.jsonl"
    asked = []

    def answer(todo, keep):
        asked.append(list(todo))
        made = [
            {"key": f"k{i}", "status": "error" if i == 1 else "ok", "answer": None if i == 1 else "x"} for i in todo
        ]
        keep(made[:1])  # the first is kept as soon as it is made, as a batch would be
        return made

    first = cached_answers(path, ["k0", "k1", "k2"], answer)
    assert [r["status"] for r in first] == ["ok", "error", "ok"]
    cached_answers(path, ["k0", "k1", "k2"], answer)
    assert asked == [[0, 1, 2], [1]]  # only the failed one is asked again


def test_answers_kept_on_the_way_survive_a_crash(tmp_path):
    path = tmp_path / "answers.jsonl"

    def crash_after_one(todo, keep):
        keep([{"key": "k0", "status": "ok", "answer": "x"}])
        raise KeyboardInterrupt  # killed before the rest

    try:
        cached_answers(path, ["k0", "k1"], crash_after_one)
    except KeyboardInterrupt:
        pass
    assert set(read_answers(path)) == {"k0"}
    asked = []
    cached_answers(path, ["k0", "k1"], lambda todo, keep: asked.append(todo) or [{"key": "k1", "answer": "y"}])
    assert asked == [[1]] and set(read_answers(path)) == {"k0", "k1"}
