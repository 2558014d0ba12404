"""The build knows what the normalizer was unsure of: the manifest lists it, the summary counts
it, and `build --strict` publishes nothing while any of it is open."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from audiopaper.cli import cli
from tests.conftest import SHORT


def test_manifest_lists_the_warnings_possible_losses_first(sample_build):
    out, result = sample_build
    manifest = json.loads((out / "2022-10-12" / "manifest.json").read_text("utf-8"))
    first = manifest["warnings"][0]
    # The sample's 不仅要|师傅们: read, but an editor must look at it, and is told where.
    assert "不仅要|师傅们" in first
    assert "article 6" in first and "paragraph 3" in first and "lines 79, 81" in first
    last = result.stderr.strip().splitlines()[-1]
    assert f"{len(manifest['warnings'])} warning(s) to check" in last


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_strict_build_publishes_nothing_while_warnings_are_open(tmp_path: Path):
    out = tmp_path / "out"
    runner = CliRunner()
    args = ["build", "--engine", "espeak", "--out", str(out), "--quiet", "--paper", "测试日报"]
    first = runner.invoke(cli, [*args, str(SHORT), "--date", "2024-01-02"])
    assert first.exit_code == 0, first.output
    before = _tree(out)
    edition = json.loads(SHORT.read_text("utf-8"))
    edition["warnings"] = [
        {"message": "joined across a break that may have lost text: …要|师傅…", "article": 0, "paragraph": 0}
    ]
    unsure = tmp_path / "unsure.json"
    unsure.write_text(json.dumps(edition, ensure_ascii=False), "utf-8")
    refused = runner.invoke(cli, [*args, str(unsure), "--date", "2024-01-03", "--strict"])
    assert refused.exit_code == 1
    assert "1 warning(s) open; nothing published" in refused.output
    assert "Traceback" not in refused.output
    assert _tree(out) == before
    # The editor checks the text and clears the warning: now the edition publishes.
    del edition["warnings"]
    unsure.write_text(json.dumps(edition, ensure_ascii=False), "utf-8")
    cleared = runner.invoke(cli, [*args, str(unsure), "--date", "2024-01-03", "--strict"])
    assert cleared.exit_code == 0, cleared.output
    assert (out / "2024-01-03" / "manifest.json").exists()
