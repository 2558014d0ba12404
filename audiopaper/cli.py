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
from audiopaper.fsutil import writable_folder
from audiopaper.resources import sample_page
from audiopaper.settings import Settings, engine_choices, load_settings, settings_to_toml

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(fn: F) -> F:
    """Library errors become one line and exit 1; no traceback reaches the user."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AudiopaperError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:  # the system said no (a disk full, a file gone): where and why, in one line
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None
        except KeyboardInterrupt:
            raise click.ClickException("interrupted; nothing in the output was changed") from None

    return wrapper  # type: ignore[return-value]


config_option = click.option(
    "--config",
    type=click.Path(path_type=Path),  # a folder is refused by load_settings, in one line
    help="Settings file (TOML). Default: ./audiopaper.toml when present.",
)


# A plain path: whether it can be written (not a file, not read-only) is checked with the
# config's `out` alike, in one line (fsutil.writable_folder).
out_option = click.option("--out", type=click.Path(path_type=Path), help="Output folder. Default: output.")


class EngineName(click.ParamType):
    """An engine of the registry, looked up when help is shown or a value is given, so that
    `audiopaper --help` loads no engine and a new engine needs no change here.

    `auto`: also takes auto, and leaves the check to the settings (one message for the flag
    and the config alike)."""

    name = "engine"

    def __init__(self, auto: bool) -> None:
        self.auto = auto

    def choices(self) -> list[str]:
        names = engine_choices()
        return names if self.auto else names[1:]

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "|".join(self.choices()) if self.auto else "[" + "|".join(self.choices()) + "]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not self.auto and value not in self.choices():
            self.fail(f"{value!r} is not one of {', '.join(map(repr, self.choices()))}.", param, ctx)
        return value

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        return [CompletionItem(c) for c in self.choices() if c.startswith(incomplete)]


def _settings(config: Path | None, **flags: Any) -> Settings:
    settings = load_settings(config, flags=flags)
    if settings.deliver:  # a bad target is named now, by any command, not after a build's speech
        from audiopaper.deliver import configure

        configure(settings.deliver, settings.out)
    return settings


def _warn_owner(settings: Settings) -> None:
    from audiopaper.publish.addresses import owner_warnings
    from audiopaper.publish.outdir import recorded

    if settings.base_url is None:  # the address OUT was published at is the one that counts
        try:
            known = recorded(settings.out)
        except AudiopaperError:
            known = None
        settings = replace(settings, base_url=known.base_url) if known else settings
    for warning in owner_warnings(settings):
        click.secho(f"warning: {warning}", fg="yellow", err=True)


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
@click.option("--engine", type=EngineName(auto=True), help="Speech engine. Default: auto (edge, else espeak).")
@out_option
@click.option("--base-url", help="Public URL where OUT is served, for the feed's links. Default: OUT's own.")
@click.option("--change-base-url", is_flag=True, help="Move an OUT already published elsewhere to --base-url.")
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
    change_base_url: bool,
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
    writable_folder(settings.out)  # before any speech is asked for
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
    _warn_owner(settings)
    if settings.quiet:
        report = pipeline.render(plan, allow_partial=allow_partial, change_base_url=change_base_url)
    else:
        with click.progressbar(
            length=plan.total_calls, label=f"Reading with {plan.engine.NAME}", file=sys.stderr
        ) as bar:
            report = pipeline.render(plan, bar.update, allow_partial=allow_partial, change_base_url=change_base_url)
    for failure in report.failed:
        click.secho(f"failed: {failure}", fg="red", err=True)
    damaged = report.damaged_cache
    if damaged:
        click.secho(
            f"warning: {len(damaged)} speech cache entr{'y' if len(damaged) == 1 else 'ies'} failed "
            f"their checksum and {'was' if len(damaged) == 1 else 'were'} synthesized again "
            f"(cache: {damaged[0].parent.parent})",
            fg="yellow",
            err=True,
        )
    if not settings.quiet:
        minutes = report.duration_ms / 60000
        where = report.folder if report.published else "(not published: a complete edition is kept)"
        service = ""
        if report.service is not None:
            s = report.service
            service = f" ({s.requests} requests, {s.retries} retried, {s.refused} refused)"
        click.echo(
            f"{report.articles} articles, {minutes:.1f} minutes of audio, engine {report.engine}{service}, "
            f"{len(checks)} warning(s) to check: {where}",
            err=True,
        )
    undelivered = _show_deliveries(report.deliveries, settings.quiet)
    if report.failed:
        raise click.ClickException(f"{len(report.failed)} item(s) failed: " + ", ".join(f.item for f in report.failed))
    if undelivered:
        raise click.ClickException(f"{undelivered} delivery failure(s); the edition is published")


def _show_deliveries(reports: Any, quiet: bool) -> int:
    """One line per clip and target (failures even when quiet); the number that failed."""
    failed = 0
    for r in reports:
        for failure in r.not_taken_back:
            click.secho(f"failed: deliver.{r.target}: {failure}", fg="red", err=True)
        for clip in r.clips:
            if clip.error:
                click.secho(f"failed: deliver.{r.target}: {clip.file}: {clip.error}", fg="red", err=True)
            elif not quiet:
                title = "".join(ch if ch.isprintable() else " " for ch in clip.title)  # no terminal escapes
                click.echo(f"delivered to {r.target} ({r.kind}): {clip.file}  {title}", err=True)
        if r.error:
            click.secho(f"failed: deliver.{r.target}: {r.error}", fg="red", err=True)
        elif not quiet:
            done = sum(1 for c in r.clips if not c.error)
            taken = f", {r.removed} taken back" if r.removed else ""
            click.echo(f"{r.target}: {done} of {len(r.clips)} clips of {r.date} delivered{taken}", err=True)
        failed += r.failed
    return failed


@cli.command()
@click.argument("date", required=False)
@click.option("--to", "names", multiple=True, metavar="NAME", help="A [deliver.NAME] target; repeatable. Default: all.")
@out_option
@config_option
@click.option("--quiet", "-q", is_flag=True, default=None, help="Only failures.")
@reports_errors
def deliver(
    date: str | None, names: tuple[str, ...], out: Path | None, config: Path | None, quiet: bool | None
) -> None:
    """Deliver an edition's clips to a station's playout: a drop folder, AzuraCast,
    LibreTime or a Liquidsoap playlist, as configured under [deliver.NAME].

    DATE defaults to the newest edition in OUT. A second delivery replaces the first
    (nothing is duplicated); one clip that fails is reported and the others go on.
    API keys come from the environment or a file only you can read, never from here.

    \b
    Examples:
        audiopaper deliver --to station
        audiopaper deliver 2024-05-18 --to azuracast --out site
    """
    from audiopaper.deliver import deliver as deliver_edition

    settings = _settings(config, out=out, quiet=quiet)
    reports = deliver_edition(settings.out, settings.deliver, date, names)
    failed = _show_deliveries(reports, settings.quiet)
    if failed:
        raise click.ClickException(f"{failed} delivery failure(s)")


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
        writable_folder(output.parent, create=False)
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
    built, notes = make_script(edition, settings)
    for note in notes:
        click.secho(f"warning: {note}", fg="yellow", err=True)
    if fmt == "text":
        click.echo("\n".join(script_lines(built)))
        return
    calls = [
        {"article": title, "role": s.role, "part": s.part, "spoken": s.spoken, "written": s.written}
        for title, s in built.segments()
    ]
    click.echo(json.dumps({"paper": built.paper, "date": built.date, "calls": calls}, ensure_ascii=False, indent=1))


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--sample", is_flag=True, help="Lint the bundled sample page (平湖日报).")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format."
)
@reports_errors
def lint(inputs: tuple[Path, ...], sample: bool, fmt: str) -> None:
    """List only what an editor should check before the build.

    One line each: how every number, symbol and Latin string whose reading was a choice is
    said (printed -> spoken); every person read with a surname's own reading; every
    substitution of the pronunciation lexicon (voices/lexicon.tsv); names whose surname's
    reading the lexicon leaves open (check); and the normalizer's warnings. Plain
    quantities, dates and ordinary names are certain and not listed. `json` gives the same
    findings for tools.

    \b
    Example:
        audiopaper lint page.txt
        audiopaper lint --sample --format json
    """
    import json

    from audiopaper.ingest import read_edition
    from audiopaper.script.lint import lint_edition

    if sample:
        inputs = (sample_page(), *inputs)
    if not inputs:
        raise click.UsageError("give the pages or editions to lint, or --sample")
    edition = read_edition(list(inputs))
    findings = lint_edition(edition)
    if fmt == "json":
        doc = {"paper": edition.paper, "date": edition.date, "findings": [f.to_dict() for f in findings]}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
    else:
        for finding in findings:
            click.echo(finding.line())
    questions = sum(f.kind in ("check", "warning") for f in findings)
    click.echo(f"{questions} question(s), {len(findings) - questions} reading(s) to confirm", err=True)


@cli.command()
@click.option("--engine", "engine_name", type=EngineName(auto=False), default="edge", show_default=True)
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

    for voice in engine_class(engine_name).list_voices(locale, refresh=refresh):
        click.echo(f"{voice.name}\t{voice.gender}\t{voice.locale}")


@cli.command()
@out_option
@click.option("--base-url", help="Public URL where OUT is served. Default: the one OUT was published at.")
@click.option("--change-base-url", is_flag=True, help="Move an OUT already published elsewhere to --base-url.")
@config_option
@reports_errors
def feed(out: Path | None, base_url: str | None, change_base_url: bool, config: Path | None) -> None:
    """Rebuild the feeds and the listeners' pages from every edition in OUT.

    Run it after copying editions in or deleting them by hand, or after changing the
    feed's settings; `build` runs it itself. OUT keeps the paper and the address it was
    published under: moving it takes --base-url with --change-base-url.

    \b
    Examples:
        audiopaper feed --out site
        audiopaper feed --out site --base-url https://radio.example.org/paper/ --change-base-url
    """
    from audiopaper.errors import InputError
    from audiopaper.publish.site import republish

    settings = _settings(config, out=out, base_url=base_url)
    if not settings.out.is_dir():
        raise InputError(f"no such folder: {settings.out}")
    writable_folder(settings.out, create=False)
    _warn_owner(settings)
    click.echo(republish(settings.out, settings, change_base_url=change_base_url))


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
    from audiopaper.publish.outdir import finish_pending

    settings = _settings(config, out=out)
    if not settings.out.is_dir():
        raise InputError(f"no such folder: {settings.out}: build an edition first")
    finish_pending(settings.out)
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
