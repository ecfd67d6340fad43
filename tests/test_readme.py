"""The README's quickstart runs as written (with fewer epochs)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_quickstart_runs():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README.md has no python block"
    source = blocks[0].replace("epochs=30", "epochs=1")
    assert "epochs=1" in source
    namespace: dict = {}
    exec(compile(source, "README.md:quickstart", "exec"), namespace)
    assert namespace["logits"].shape == (namespace["data"].test.x.shape[0], 10)
    assert float(namespace["metrics"]["loss"]) > 0
