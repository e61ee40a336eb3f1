"""Loading the shipped embedder leaves the process online for other hub models: the offline switch
is scoped to that one load (huggingface_hub reads HF_HUB_OFFLINE once, at import)."""

import os
import subprocess
import sys

from tests.conftest import REPO

SCRIPT = """
import os
from synth._embeddings import embed, load_embedder
model = load_embedder()
import huggingface_hub.constants as c
vectors = embed(model, ["freeze my card", "lock my card"])
print(os.environ.get("HF_HUB_OFFLINE"), c.HF_HUB_OFFLINE, round(float(vectors[0] @ vectors[1]), 2) > 0.5)
"""


def test_the_shipped_embedder_loads_without_switching_the_process_offline():
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    res = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split()[-3:] == ["None", "False", "True"]
