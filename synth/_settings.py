"""Every knob of the synth stage, in one config object; its dict form keys the stage output."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from ._variation import VariationRates

if TYPE_CHECKING:
    from ._domain import Domain


@dataclass(frozen=True)
class FilterSettings:
    min_query_tokens: int = 2
    max_query_tokens: int = 64
    min_response_tokens: int = 5
    max_response_tokens: int = 320
    min_row_tokens: int = 0  # query and response together (seed system 2 dropped rows under 30 tokens)
    min_ascii_ratio: float = 0.9  # seed system 2's English-only heuristic
    near_duplicate_jaccard: float = 0.9  # MinHash estimate over character 5-grams of the query
    minhash_permutations: int = 112  # 14 bands x 8 rows, as in datatrove
    tokenizer: str | None = None  # a local Hugging Face tokenizer folder; whitespace words when None


@dataclass(frozen=True)
class SynthSettings:
    seed: int = 0
    train_size: int = 1000
    validation_size: int = 100
    test_size: int = 200
    test_template_fraction: float = 0.25  # of each intent's query templates, and of each slot's values
    oversample: float = 3.0  # candidates generated per kept row, before filtering
    decontamination_ngram: int = 8
    decontamination_threshold: float = 0.0  # a test query sharing more than this fraction of n-grams is dropped
    # A test query at least this similar (character 5-gram Jaccard) to a train query is dropped: catches
    # short queries, which have no 8-grams.
    decontamination_similarity: float = 0.8
    response_decontamination_ngram: int = 5  # test references vs train responses, facts masked (reported)
    variation: VariationRates = field(default_factory=VariationRates)
    filters: FilterSettings = field(default_factory=FilterSettings)

    @classmethod
    def sized(cls, train_size: int, seed: int = 0, **kw) -> SynthSettings:
        """Validation and test sized at 10% and 20% of train, as in the default 1000/100/200."""
        return cls(
            seed=seed,
            train_size=train_size,
            validation_size=max(1, train_size // 10),
            test_size=max(1, train_size // 5),
            **kw,
        )

    @classmethod
    def for_domain(cls, domain: Domain, size: int | None = None, seed: int = 0, **kw) -> SynthSettings:
        """`--size N` when given (`sized(N)`); else the domain's `sizes:` in domain.yaml; else 1000/100/200."""
        if size is None and domain.sizes:
            return cls(
                seed=seed,
                train_size=domain.sizes["train"],
                validation_size=domain.sizes["validation"],
                test_size=domain.sizes["test"],
                **kw,
            )
        return cls.sized(cls.train_size if size is None else size, seed=seed, **kw)

    @property
    def sizes(self) -> dict[str, int]:
        """The rows asked of each split."""
        return {"train": self.train_size, "validation": self.validation_size, "test": self.test_size}

    def to_dict(self) -> dict:
        return asdict(self)
