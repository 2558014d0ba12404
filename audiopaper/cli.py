"""The command line. Thin, as sqlite-utils keeps it: parse options into settings, make one
library call, turn library errors into a one-line ClickException."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from audiopaper import __version__
from audiopaper.errors import AudiopaperError
from audiopaper.resources import sample_page
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


out_option = click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder. Default: output."
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
@out_option
@click.option("--base-url", help="Public URL where OUT is served, for the feed's links.")
@click.option("--allow-partial", is_flag=True, help="Publish an edition even if some articles failed.")
@click.option(
    "--strict",
    is_flag=True,
    help="Publish nothing while the edition has warnings open: an editor corrects the edition JSON first.",
)
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
    strict: bool,
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
    from audiopaper.edition import warning_lines

    settings = _settings(config, date=date, paper=paper, engine=engine, out=out, base_url=base_url, quiet=quiet)
    if sample:
        settings = pipeline.sample_settings(settings)
        inputs = (sample_page(), *inputs)
    plan = pipeline.plan_build(list(inputs), settings)
    for note in plan.notes:
        click.secho(f"warning: {note}", fg="yellow", err=True)
    checks = warning_lines(plan.edition)
    for check in checks:
        click.secho(f"check: {check}", fg="yellow", err=True)
    if strict and checks:
        raise click.ClickException(
            f"{len(checks)} warning(s) open; nothing published (--strict). "
            "Correct the edition (audiopaper normalize -o edition.json) and build from it."
        )
    if settings.quiet:
        report = pipeline.render(plan, allow_partial=allow_partial)
    else:
        with click.progressbar(
            length=plan.total_calls, label=f"Reading with {plan.engine.NAME}", file=sys.stderr
        ) as bar:
            report = pipeline.render(plan, bar.update, allow_partial=allow_partial)
    for failure in report.failed:
        click.secho(f"failed: {failure}", fg="red", err=True)
    if not settings.quiet:
        minutes = report.duration_ms / 60000
        where = report.folder if report.published else "(not published: a complete edition is kept)"
        click.echo(
            f"{report.articles} articles, {minutes:.1f} minutes of audio, engine {report.engine}, "
            f"{len(checks)} warning(s) to check: {where}",
            err=True,
        )
    if report.failed:
        raise click.ClickException(f"{len(report.failed)} item(s) failed: " + ", ".join(f.item for f in report.failed))


inputs_argument = click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))


@cli.command()
@inputs_argument
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout.")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "markdown"]), default="json", show_default=True, help="Output format."
)
@click.option(
    "--review",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a review sheet (HTML): warnings, then each raw page coloured by where its text went.",
)
@reports_errors
def normalize(inputs: tuple[Path, ...], output: Path | None, fmt: str, review: Path | None) -> None:
    """Rebuild raw e-paper pages into a clean edition, for an editor to check.

    Warnings (a join that may have lost text, a paragraph moved on topic alone) go to
    stderr with the input lines they concern. `build` and `script` accept the edition,
    corrected, as JSON or Markdown.

    \b
    Examples:
        audiopaper normalize page1.txt page2.txt -o edition.json
        audiopaper normalize page.txt --format markdown > edition.md
        audiopaper normalize page.txt -o edition.json --review review.html
    """
    from audiopaper.edition import edition_to_json
    from audiopaper.fsutil import atomic_write_text
    from audiopaper.ingest import read_edition
    from audiopaper.normalize import edition_to_markdown

    edition = read_edition(list(inputs))
    for warning in edition.warnings:
        where = f" (lines {', '.join(map(str, warning.lines))})" if warning.lines else ""
        click.secho(f"check: {warning.message}{where}", fg="yellow", err=True)
    if review is not None:
        from audiopaper.normalize.review import review_inputs

        atomic_write_text(review, review_inputs(list(inputs)))
    text = edition_to_json(edition) if fmt == "json" else edition_to_markdown(edition)
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic_write_text(output, text)


@cli.command()
@inputs_argument
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format."
)
@click.option("--date", help="Edition date, YYYY-MM-DD. Default: the date the input states.")
@click.option("--paper", help="The paper's name. Default: what the input states.")
@config_option
@reports_errors
def script(inputs: tuple[Path, ...], fmt: str, date: str | None, paper: str | None, config: Path | None) -> None:
    """Print what the newsreader will say: one line per engine call.

    `text` prints exactly the text each engine call gets, after a [role] tag, with a blank
    line between articles; `json` adds each call's written text and part.

    \b
    Example:
        audiopaper script page.txt --date 2022-10-12 --paper 平湖日报
    """
    import json

    from audiopaper.build import make_script
    from audiopaper.ingest import read_edition
    from audiopaper.script import script_lines

    settings = _settings(config, date=date, paper=paper)
    edition = read_edition(list(inputs))
    edition = replace(edition, paper=settings.paper or edition.paper, date=settings.date or edition.date)
    built = make_script(edition, settings)
    if fmt == "text":
        click.echo("\n".join(script_lines(built)))
        return
    calls = [
        {"article": title, "role": s.role, "part": s.part, "spoken": s.spoken, "written": s.written}
        for title, s in built.segments()
    ]
    click.echo(json.dumps({"paper": built.paper, "date": built.date, "calls": calls}, ensure_ascii=False, indent=1))


@cli.command()
@inputs_argument
@reports_errors
def lint(inputs: tuple[Path, ...]) -> None:
    """List what the pronunciation lexicon changes, and names it could not decide.

    For an editor's review before the build: each substitution (written -> spoken), and
    the people's names holding a character with more than one reading that the lexicon
    (voices/lexicon.tsv) does not settle.

    \b
    Example:
        audiopaper lint page.txt
    """
    from collections import Counter

    from audiopaper.ingest import read_edition
    from audiopaper.script.lexicon import default_lexicon

    lexicon = default_lexicon()
    edition = read_edition(list(inputs))
    undecided = 0
    for n, article in enumerate(edition.spoken_articles, start=1):
        bylines = [c.name for c in article.credits]
        text = "\n".join([article.kicker or "", article.title, article.subtitle or "", *article.paragraphs])
        changes = lexicon.apply(text, names=True)[1]
        spoken_names = [(name, lexicon.speak_name(name)) for name in bylines]
        polyphonic = lexicon.polyphonic_in_names(text, known_names=bylines)
        if not (changes or polyphonic or any(a != b for a, b in spoken_names)):
            continue
        click.echo(f"{n:02d} {article.title}")
        for name, spoken in spoken_names:
            if name != spoken:
                click.echo(f"  byline   {name} -> {spoken}")
        for (written, spoken), count in Counter((c.written, c.spoken) for c in changes).items():
            click.echo(f"  lexicon  {written} -> {spoken}" + (f"  (x{count})" if count > 1 else ""))
        for item in polyphonic:
            readings = "; ".join(f"{ch} {'/'.join(r)}" for ch, r in item.readings.items())
            click.echo(f"  check    {item.name}: {readings}")
            undecided += 1
    click.echo(f"{undecided} name(s) to check", err=True)


@cli.command()
@click.option("--engine", "engine_name", type=click.Choice(["edge", "espeak"]), default="edge", show_default=True)
@click.option("--locale", default="zh-CN", show_default=True, help="Language or locale prefix; '' for all.")
@click.option(
    "--refresh/--bundled",
    default=True,
    show_default=True,
    help="edge: ask the service for its current list (falls back to the bundled one).",
)
@reports_errors
def voices(engine_name: str, locale: str, refresh: bool) -> None:
    """List the voices an engine offers (edge: the service's list when it answers, else
    the list bundled with audiopaper).

    \b
    Example:
        audiopaper voices --engine edge --locale zh-CN
    """
    from audiopaper.tts import engine_class

    for voice in engine_class(engine_name).list_voices(locale, refresh=refresh):  # type: ignore[attr-defined]
        click.echo(f"{voice.name}\t{voice.gender}\t{voice.locale}")


@cli.command()
@out_option
@click.option("--base-url", help="Public URL where OUT is served, for the feed's links.")
@config_option
@reports_errors
def feed(out: Path | None, base_url: str | None, config: Path | None) -> None:
    """Rebuild the feeds and the listeners' pages from every edition in OUT.

    Run it after copying editions in or deleting them by hand, or after changing the
    feed's settings; `build` runs it itself.

    \b
    Example:
        audiopaper feed --out site --base-url https://radio.example.org/paper/
    """
    from audiopaper.errors import InputError
    from audiopaper.publish.site import rebuild

    settings = _settings(config, out=out, base_url=base_url)
    if not settings.out.is_dir():
        raise InputError(f"no such folder: {settings.out}")
    click.echo(rebuild(settings.out, settings))


@cli.command()
@out_option
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@config_option
@reports_errors
def serve(out: Path | None, port: int, host: str, config: Path | None) -> None:
    """Serve OUT over HTTP, with the range requests players need to seek.

    Only what is inside OUT can be reached. Stop it with Ctrl-C.

    \b
    Example:
        audiopaper serve --out site --port 8000
    """
    from audiopaper.errors import InputError
    from audiopaper.publish import serve as server

    settings = _settings(config, out=out)
    if not settings.out.is_dir():
        raise InputError(f"no such folder: {settings.out}: build an edition first")
    try:
        server.serve(
            settings.out, port, host, on_ready=lambda url: click.echo(f"Serving {settings.out} at {url}", err=True)
        )
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    except KeyboardInterrupt:
        pass


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
