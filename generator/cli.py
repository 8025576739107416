"""Command line: ``python -m generator {generate,validate,specs,conformance,wheels}``.

Exit codes: 0 success, 1 problems in the specs or inputs, 2 usage errors,
130 interrupted (Ctrl-C or SIGTERM).
Progress goes to stderr, one line per version, then a summary with the
problems grouped by version.
"""

from __future__ import annotations

import argparse
import keyword
import re
import signal
import sys
import time
from collections import defaultdict
from pathlib import Path

from generator import load
from generator.pipeline import DEFAULT_OUT, Options, Report, generate, validate_only
from generator.problems import GeneratorError, Problem

EXIT_OK = 0
EXIT_SPEC_ERRORS = 1
EXIT_USAGE = 2


def folder(text: str) -> Path:
    """argparse type of folder options: a non-empty path."""
    if not text.strip():
        raise argparse.ArgumentTypeError("empty path: name a folder")
    return Path(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m generator",
        description="Generate typed Python clients from the Docker Engine API specs.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def add_common(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--versions",
            default=f"1.{load.OLDEST}-1.{load.NEWEST}",
            help="API versions: a range such as 1.30-1.47, a list such as "
            "1.25,1.41 or both (default: %(default)s)",
        )
        command.add_argument(
            "--strict",
            action="store_true",
            help="treat warnings (unsupported constructs) as errors",
        )
        command.add_argument(
            "--cache",
            type=folder,
            default=load.DEFAULT_CACHE,
            help="folder of the pinned upstream files (default: .cache/specs)",
        )

    generate_command = commands.add_parser(
        "generate", help="generate one package per version plus docker-engine"
    )
    add_common(generate_command)
    generate_command.add_argument(
        "--out",
        type=folder,
        default=DEFAULT_OUT,
        help="output folder (default: generated/)",
    )
    generate_command.add_argument(
        "--package-name",
        default="docker_engine",
        help="import package of the output; distributions are named after it "
        "with dashes (default: %(default)s)",
    )
    generate_command.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes for validation, rendering and black (default: the "
        "number of CPUs, at most 4)",
    )
    add_common(commands.add_parser("validate", help="validate the corrected specs"))
    specs_command = commands.add_parser(
        "specs", help="fill the spec cache from SPECS_MIRROR or the pinned URLs"
    )
    specs_command.add_argument(
        "--cache",
        type=folder,
        default=load.DEFAULT_CACHE,
        help="folder to fill with the pinned upstream files (default: .cache/specs)",
    )

    conformance_command = commands.add_parser(
        "conformance",
        help="compare real engines' responses with each version's corrected schema",
    )
    conformance_command.add_argument(
        "--versions", default=f"1.{load.OLDEST}-1.{load.NEWEST}"
    )
    conformance_command.add_argument(
        "--engines",
        type=Path,
        default=None,
        help="engines.env written by scripts/engines.sh (default: "
        ".cache/engines/engines.env)",
    )
    wheels_command = commands.add_parser(
        "wheels", help="build one reproducible wheel per generated distribution"
    )
    wheels_command.add_argument(
        "--generated",
        type=folder,
        default=DEFAULT_OUT,
        help="folder that make generate wrote (default: generated/)",
    )
    wheels_command.add_argument(
        "--out",
        type=folder,
        default=Path("dist"),
        help="folder for the wheels (default: dist/)",
    )
    return parser


def print_problems(problems: list[Problem]) -> None:
    grouped: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        grouped[problem.version].append(problem)
    for version in sorted(grouped, key=lambda v: (len(v), v)):
        print(f"v{version}:", file=sys.stderr)
        for problem in grouped[version]:
            print(f"  {problem}", file=sys.stderr)


def summarize(report: Report, seconds: float) -> None:
    problems = report.problems
    if problems.items:
        print_problems(problems.items)
    if report.up_to_date:
        print(f"up to date: inputs unchanged ({seconds:.2f} s)", file=sys.stderr)
        return
    print(
        f"done in {seconds:.2f} s: {len(report.written)} written, "
        f"{len(report.unchanged)} unchanged, {len(problems.errors)} errors, "
        f"{len(problems.warnings)} warnings",
        file=sys.stderr,
    )


_PACKAGE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def check_generate_arguments(args: argparse.Namespace) -> str:
    """Return a usage error for the generate command's arguments, or ``""``."""
    name = args.package_name
    if not _PACKAGE_NAME.match(name) or keyword.iskeyword(name):
        return (
            f"invalid --package-name {name!r}: use a lowercase ASCII identifier "
            "that starts with a letter and is not a Python keyword, such as "
            "acme_docker"
        )
    if args.workers is not None and args.workers < 1:
        return f"invalid --workers {args.workers}: give 1 or more processes"
    return ""


def _terminate(signum: int, frame: object) -> None:
    # SIGTERM takes the same path as Ctrl-C, so the worker pools shut down
    # and no half-written output is left behind.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    parser = build_parser()
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        if args.command == "conformance":
            from generator import conformance

            return conformance.main(args)
        if args.command == "wheels":
            from generator import wheels

            return wheels.main(args)
        if args.command == "specs":
            manifest = load.read_manifest()
            load.fetch(sorted(manifest.files), manifest, args.cache)
            print(
                f"{len(manifest.files)} pinned files in {args.cache}", file=sys.stderr
            )
            return EXIT_OK
        try:
            versions = load.parse_version_range(args.versions)
        except GeneratorError as error:
            parser.print_usage(sys.stderr)
            print(f"error: {error}", file=sys.stderr)
            return EXIT_USAGE
        options = Options(versions=versions, strict=args.strict, cache_dir=args.cache)
        if args.command == "validate":
            report = validate_only(options)
            print_problems(report.problems.items)
            return EXIT_SPEC_ERRORS if report.problems.errors else EXIT_OK
        usage_error = check_generate_arguments(args)
        if usage_error:
            parser.print_usage(sys.stderr)
            print(f"error: {usage_error}", file=sys.stderr)
            return EXIT_USAGE
        options.out_dir = args.out
        options.workers = args.workers
        options.package_name = args.package_name
        report = generate(options)
    except GeneratorError as error:
        if error.problems:
            print_problems(error.problems)
        print(f"error: {error}", file=sys.stderr)
        return EXIT_SPEC_ERRORS
    except KeyboardInterrupt:
        print("interrupted; the previous output was left as it was", file=sys.stderr)
        return 130
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        print(
            f"error: cannot use{where}: {error.strerror or error}. Check the "
            "paths given to --out, --cache and --generated",
            file=sys.stderr,
        )
        return EXIT_SPEC_ERRORS
    summarize(report, time.perf_counter() - started)
    return EXIT_OK
