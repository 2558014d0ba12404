"""The build's stages import only downward: edition -> script -> call plan -> speech ->
programme -> publication -> build. Read from the source, imports inside functions included,
so a stage can't reach up to a later one (the speech stage knows no file names, the programme
no tags or manifest) without this failing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "audiopaper"

# Each stage by the modules (or packages) that make it, in the order the build runs them.
STAGES = [
    ("script", ("audiopaper.script",)),
    ("call plan", ("audiopaper.tts.plan", "audiopaper.engine_choice")),
    ("speech", ("audiopaper.audio.speech", "audiopaper.audio.part")),  # part: what speech hands on
    ("programme", ("audiopaper.audio.programme",)),
    ("publication", ("audiopaper.publish",)),
    ("build", ("audiopaper.build",)),
]


def _stage(module: str) -> int | None:
    for n, (_, names) in enumerate(STAGES):
        if any(module == name or module.startswith(name + ".") for name in names):
            return n
    return None


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from audiopaper.audio import programme` imports the module audiopaper.audio.programme
            names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return {name for name in names if name.startswith("audiopaper")}


@pytest.mark.parametrize("module", sorted(m for m in _modules() if _stage(m) is not None))
def test_a_stage_imports_no_later_stage(module: str) -> None:
    stage = _stage(module)
    assert stage is not None
    later = sorted(name for name in _imports(_modules()[module]) if (_stage(name) or 0) > stage)
    assert not later, f"{module} ({STAGES[stage][0]}) imports a later stage: {later}"


def test_every_stage_is_found() -> None:
    """The check above reads real modules: a stage renamed away would pass it unread."""
    modules = _modules()
    for _, names in STAGES:
        assert all(any(m == name or m.startswith(name + ".") for m in modules) for name in names), names
