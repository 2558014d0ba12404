"""The build's stages import only downward: edition -> script -> call plan -> speech ->
programme -> publication -> build. Read from the source, imports inside functions included,
so a stage can't reach up to a later one (the speech stage knows no file names, the programme
no tags or manifest) without this failing."""

from __future__ import annotations

from tests.test_layers import PACKAGE, ROOT, modules, violations

# Each stage by the modules (or packages) that make it, in the order the build runs them.
STAGES = [
    ("script", ("audiopaper.script",)),
    ("call plan", ("audiopaper.tts.plan", "audiopaper.engine_choice")),
    ("speech", ("audiopaper.audio.speech", "audiopaper.audio.part")),  # part: what speech hands on
    ("programme", ("audiopaper.audio.programme",)),
    ("publication", ("audiopaper.publish",)),
    ("build", ("audiopaper.build",)),
]


def test_no_stage_imports_a_later_stage() -> None:
    # The stages are layers of their own, read by the same import reader as the package's.
    found, _ = violations(ROOT, PACKAGE, STAGES)
    assert not found, "a stage imports a later one:\n" + "\n".join(map(str, found))


def test_every_stage_is_found() -> None:
    """The check above reads real modules: a stage renamed away would pass it unread."""
    known = modules(ROOT, PACKAGE)
    for _, names in STAGES:
        assert all(any(m == name or m.startswith(name + ".") for m in known) for name in names), names
