"""The command line. Thin, as sqlite-utils keeps it: parse options into settings, make one
library call, turn library errors into a one-line ClickException."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from audiopaper import __version__
from audiopaper.errors import AudiopaperError
from audiopaper.settings import ENGINES, Settings, load_settings, settings_to_toml

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(fn: F) -> F:
    """Library errors become one line and exit 1; no traceback reaches the user."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AudiopaperError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            raise click.ClickException("interrupted; nothing in the output was changed") from None

    return wrapper  # type: ignore[return-value]


config_option = click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (TOML). Default: ./audiopaper.toml when present.",
)


def _settings(config: Path | None, **flags: Any) -> Settings:
    return load_settings(config).with_flags(**flags).validate()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="audiopaper")
def cli() -> None:
    """Turn a local newspaper into an accessible audio edition.

    \b
    Example:
        audiopaper build --sample
    """


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--sample", is_flag=True, help="Build the bundled sample page (平湖日报).")
@click.option("--date", help="Edition date, YYYY-MM-DD. Default: the date the input states, else today.")
@click.option("--paper", help="The paper's name. Default: what the input states.")
@click.option("--engine", metavar="|".join(ENGINES), help="Speech engine. Default: auto (edge, else espeak).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder. Default: output.")
@click.option("--base-url", help="Public URL where OUT is served, for the feed's links.")
@click.option("--allow-partial", is_flag=True, help="Publish an edition even if some articles failed.")
@config_option
@click.option("--quiet", "-q", is_flag=True, default=None, help="No progress bar or summary.")
@reports_errors
def build(
    inputs: tuple[Path, ...],
    sample: bool,
    date: str | None,
    paper: str | None,
    engine: str | None,
    out: Path | None,
    base_url: str | None,
    allow_partial: bool,
    config: Path | None,
    quiet: bool | None,
) -> None:
    """Build the audio edition: one MP3 per article, the whole edition, and the feed.

    INPUTS are raw page text files (.txt, any common Chinese encoding) or editions (.json),
    read in the order given.

    \b
    Examples:
        audiopaper build --sample
        audiopaper build page1.txt page2.txt --date 2024-05-18 --paper 临溪日报 --out site
    """
    from audiopaper import build as pipeline

    settings = _settings(config, date=date, paper=paper, engine=engine, out=out, base_url=base_url, quiet=quiet)
    if sample:
        settings = pipeline.sample_settings(settings)
        inputs = (pipeline.sample_path(), *inputs)
    plan = pipeline.plan_build(list(inputs), settings)
    for note in plan.notes:
        click.secho(f"warning: {note}", fg="yellow", err=True)
    for warning in plan.edition.warnings:
        click.secho(f"check: {warning.message}", fg="yellow", err=True)
    if settings.quiet:
        report = pipeline.render(plan, allow_partial=allow_partial)
    else:
        with click.progressbar(
            length=plan.total_segments, label=f"Reading with {plan.engine.NAME}", file=sys.stderr
        ) as bar:
            report = pipeline.render(plan, bar.update, allow_partial=allow_partial)
    for failure in report.failed:
        click.secho(f"failed: {failure}", fg="red", err=True)
    if not settings.quiet:
        minutes = report.duration_ms / 60000
        where = report.folder if report.published else "(not published: a complete edition is kept)"
        click.echo(
            f"{report.articles} articles, {minutes:.1f} minutes of audio, engine {report.engine}: {where}",
            err=True,
        )
    if report.failed:
        raise click.ClickException(f"{len(report.failed)} item(s) failed: " + ", ".join(f.item for f in report.failed))


@cli.command()
@config_option
@reports_errors
def config(config: Path | None) -> None:
    """Print the settings in effect, as TOML.

    \b
    Example:
        audiopaper config --config audiopaper.toml > mine.toml
    """
    click.echo(settings_to_toml(_settings(config)), nl=False)


def main() -> None:
    cli(prog_name="audiopaper")
