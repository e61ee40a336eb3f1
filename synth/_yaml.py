"""Safe YAML loading that remembers where every value came from, so errors can name a line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ._errors import DomainError


@dataclass
class YamlDoc:
    path: Path
    data: Any
    node: yaml.Node | None

    def line_of(self, field_path: tuple | list) -> int | None:
        """1-based line of the value at `field_path` (keys and list indices), or of its nearest parent."""
        node, line = self.node, None
        for part in field_path:
            if node is None:
                break
            line = node.start_mark.line + 1
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if k.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
            else:
                node = None
        return node.start_mark.line + 1 if node is not None else line

    def error(self, field_path: tuple | list, message: str) -> DomainError:
        return DomainError(self.path, message, line=self.line_of(field_path), field=format_field(field_path))


def format_field(field_path: tuple | list) -> str:
    out = ""
    for part in field_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_yaml(path: Path) -> YamlDoc:
    """Parse one YAML file with the safe loader, keeping the node tree for line numbers."""
    if not path.is_file():
        raise DomainError(path, "file not found")
    text = path.read_text(encoding="utf-8")
    # yaml.safe_load drops positions; composing the node tree and constructing from it keeps them.
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise DomainError(path, f"malformed YAML: {problem}", line=mark.line + 1 if mark else None) from None
    finally:
        loader.dispose()
    return YamlDoc(path=path, data=data, node=node)
