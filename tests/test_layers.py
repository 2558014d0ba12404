"""No module imports one above its layer (docs/developing.md, "Architecture").

The layers, bottom to top, follow the pipeline:

- core: what every stage shares. audiopaper.core (speech types, loudness profiles, Chinese
  text helpers, the one ffmpeg wrapper), the package root (its version), errors, fsutil,
  resources, and edition (the data model the normalizer makes and everything after reads).
- normalize: raw page to edition; ingest (reading input files) belongs to it.
- script: edition to what the newsreader says, cut into engine calls.
- tts: the engines and the speech cache.
- settings: the declared configuration. It sits above tts and below the stages that are
  handed a section of it (audio, publish, deliver): the settings name the engines and hold
  their voices, and ten publish modules and deliver take `Settings` or its checks. The issue
  had it at the top with the app; the code shows it is data the upper stages read, so it sits
  where they can read it.
- audio: the programme: clips and the edition's audio (assembly, loudness, chime).
- publish: the edition folder and the site (tags, transcripts, manifest, feeds, pages).
- deliver: to stations, from a published edition folder.
- app: build (the stages in order), cli, __main__.

Every import counts: at the top of a module, inside a function (a lazy import is still a
dependency), under `if TYPE_CHECKING`, and relative ones. A module may import its own layer
and any below it. KNOWN_UPWARD lists the few imports that still go up, each with its reason;
one that is no longer made must be taken off the list, so that the list only shrinks.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "audiopaper"

# Bottom to top. A name is a module or a package (and so everything in it); the package root
# "audiopaper" stands for itself only, so that a new top-level module must be given a layer.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "core",
        (
            "audiopaper",
            "audiopaper.core",
            "audiopaper.errors",
            "audiopaper.fsutil",
            "audiopaper.resources",
            "audiopaper.edition",
        ),
    ),
    ("normalize", ("audiopaper.normalize", "audiopaper.ingest")),
    ("script", ("audiopaper.script",)),
    ("tts", ("audiopaper.tts",)),
    ("settings", ("audiopaper.settings",)),
    ("audio", ("audiopaper.audio",)),
    ("publish", ("audiopaper.publish",)),
    ("deliver", ("audiopaper.deliver",)),
    ("app", ("audiopaper.build", "audiopaper.engine_choice", "audiopaper.cli", "audiopaper.__main__")),
]

# (importing module, imported module): why it still goes up.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    target: str  # the module it names (the submodule, when `from X import sub` names one)
    file: str  # relative to the folder holding the package
    line: int


@dataclass(frozen=True)
class Violation:
    found: Import
    importer_layer: str
    target_layer: str

    def __str__(self) -> str:
        return (
            f"{self.found.file}:{self.found.line}: {self.found.importer} ({self.importer_layer}) imports "
            f"{self.found.target} ({self.target_layer}), a layer above it"
        )


def modules(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package under `root`, by dotted name (a package by its own name)."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(root: Path, package: str) -> list[Import]:
    """Every import of a module of the package by a module of the package, wherever it is made."""
    known = modules(root, package)
    found = []
    for name, path in known.items():
        own_package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from . import x, from ..y import z
                    anchor = own_package.split(".")[: len(own_package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from pkg import sub` imports the module pkg.sub when there is one.
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
            else:
                continue
            for target in dict.fromkeys(targets):
                if target == package or target.startswith(package + "."):
                    found.append(Import(name, target, path.relative_to(root).as_posix(), node.lineno))
    return found


def layer_of(module: str, layers: list[tuple[str, tuple[str, ...]]], package: str) -> tuple[int, str] | None:
    best: tuple[int, int, str] | None = None  # (length of the matching name, layer index, layer)
    for index, (layer, names) in enumerate(layers):
        for name in names:
            inside = module.startswith(name + ".") and name != package
            if (module == name or inside) and (best is None or len(name) > best[0]):
                best = (len(name), index, layer)
    return (best[1], best[2]) if best else None


def violations(
    root: Path, package: str, layers: list[tuple[str, tuple[str, ...]]]
) -> tuple[list[Violation], list[str]]:
    """Imports that go up a layer, and the modules no layer holds."""
    unplaced = [m for m in modules(root, package) if layer_of(m, layers, package) is None]
    found = []
    for imp in imports(root, package):
        mine, theirs = layer_of(imp.importer, layers, package), layer_of(imp.target, layers, package)
        if mine and theirs and theirs[0] > mine[0]:
            found.append(Violation(imp, mine[1], theirs[1]))
    return found, unplaced


def layer_root(module: str) -> str:
    """The name in LAYERS that places `module` (audiopaper.deliver for audiopaper.deliver.base)."""
    names = [n for _, ns in LAYERS for n in ns if module == n or (n != PACKAGE and module.startswith(n + "."))]
    return max(names, key=len)


def test_no_module_imports_a_layer_above_its_own() -> None:
    found, unplaced = violations(ROOT, PACKAGE, LAYERS)
    assert not unplaced, "modules with no layer (add them to LAYERS in tests/test_layers.py): " + ", ".join(unplaced)
    upward = [v for v in found if (v.found.importer, layer_root(v.found.target)) not in KNOWN_UPWARD]
    assert not upward, "imports that go up a layer:\n" + "\n".join(map(str, upward))
    used = {(v.found.importer, layer_root(v.found.target)) for v in found}
    stale = [f"{a} -> {b}" for a, b in KNOWN_UPWARD if (a, b) not in used]
    assert not stale, "no longer imported: take these off KNOWN_UPWARD in tests/test_layers.py: " + ", ".join(stale)


def test_the_check_sees_lazy_relative_and_type_only_imports(tmp_path: Path) -> None:
    """The checker itself, on a small package: an import hidden in a function, a relative one
    and one for type checkers only are each caught, named with file and line."""
    pkg = tmp_path / "pkg"
    (pkg / "low").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "high.py").write_text("from pkg.low import helper\n")
    (pkg / "low" / "__init__.py").write_text("")
    (pkg / "low" / "helper.py").write_text(
        textwrap.dedent(
            """\
            from typing import TYPE_CHECKING

            from . import other
            if TYPE_CHECKING:
                from pkg.high import Thing


            def late():
                from ..high import run
                return run
            """
        )
    )
    (pkg / "low" / "other.py").write_text("from .helper import late\n")
    (pkg / "stray.py").write_text("")
    layers = [("low", ("pkg", "pkg.low")), ("high", ("pkg.high",))]
    found, unplaced = violations(tmp_path, "pkg", layers)
    assert sorted(str(v) for v in found) == [
        "pkg/low/helper.py:5: pkg.low.helper (low) imports pkg.high (high), a layer above it",
        "pkg/low/helper.py:9: pkg.low.helper (low) imports pkg.high (high), a layer above it",
    ]
    assert unplaced == ["pkg.stray"]  # "pkg" places the package root only, not every module


def test_core_loads_no_heavy_library() -> None:
    """Every core module imports without numpy, pydub or jieba: the settings and
    `audiopaper --help` stand on core, and must start fast."""
    core = sorted(m for m in modules(ROOT, PACKAGE) if layer_of(m, LAYERS, PACKAGE) == (0, "core"))
    code = (
        "import importlib, sys\n"
        f"for name in {core!r}: importlib.import_module(name)\n"
        "print(' '.join(sorted(m for m in ('numpy', 'pydub', 'jieba') if m in sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "audiopaper.core.ffmpeg" in core and "audiopaper.edition" in core
    assert result.stdout.strip() == ""
