"""Command line: thin adapter over the engine.

Exit status (EXIT_STATUS below, README and `--help`): 0 clean, 1 findings at or above --fail-on, 2 usage
or input error (bad flag, configuration, baseline, aquery or log file; a file `fix` could not write;
output that cannot be written), 3 internal error of the tool as a whole, 130 interrupted. An error
while analyzing one file is not an exit 3: it is an `internal-error` finding for that file.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import sys
import tempfile
from pathlib import Path

from hermetic_scan import __version__, baseline, cache, changes, parse
from hermetic_scan.baseline import BaselineError
from hermetic_scan.config import Config, ConfigError, load_config
from hermetic_scan.diagnostics import Severity
from hermetic_scan.engine import Result
from hermetic_scan.ids import OTHER_IDS, other_doc, other_id
from hermetic_scan.options import Options, OptionsError, Overrides, build_options, repo_name
from hermetic_scan.render import github, render_inventory, sarif
from hermetic_scan.render import json as json_render
from hermetic_scan.render import text as text_render
from hermetic_scan.render.inventory_json import document
from hermetic_scan.render.json_text import dumps
from hermetic_scan.rules import all_rules, rule_doc, rule_meta, rules_markdown
from hermetic_scan.runner import scan
from hermetic_scan.workspace import discover, find_root, read_file

# `verify` when Bazel did not build what it was asked to (a rejected flag, a wrapper that wants another
# version, a crash): nothing is proven, so neither 0 nor the "a remote-ok target failed" 1.
VERIFY_INCONCLUSIVE = 3


class UsageError(Exception):
    pass


EXIT_STATUS = """exit status:
  0    clean: no finding at or above --fail-on (default: warning)
  1    findings at or above --fail-on (evidence/verify: a check failed)
  2    usage or input error: bad flag, configuration, baseline, aquery or log file,
       a file fix could not write, output that could not be written
  3    internal error of the tool (verify: also "could not verify")
  130  interrupted (Ctrl-C)
an error while analyzing one file is an internal-error finding for that file; the scan goes on."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hermetic-scan",
        description="Which Bazel targets can run on a remote executor, and why.",
        epilog=EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hermetic-scan {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--output", "-o", help="write the report to FILE instead of stdout")
        p.add_argument("--strict", action="store_true", help="also report profile tools (info)")
        p.add_argument("--no-cache", action="store_true", help="do not read or write the analysis cache")
        p.add_argument(
            "--cache-dir",
            metavar="DIR",
            help="analysis cache directory (default: $XDG_CACHE_HOME/hermetic-scan or ~/.cache/hermetic-scan)",
        )
        p.add_argument(
            "--repo",
            action="append",
            default=[],
            metavar="NAME=PATH",
            help="source of an external repository",
        )
        p.add_argument(
            "--external",
            action="append",
            default=[],
            metavar="DIR",
            help="directory of external repositories by name",
        )
        p.add_argument(
            "--no-auto-external",
            action="store_true",
            help="do not read external repositories from the output base of an earlier build "
            "(found through the bazel-* symlinks)",
        )
        p.add_argument(
            "--profile",
            metavar="TOOLS",
            help="comma-separated tools the worker image provides (replaces the default)",
        )
        p.add_argument(
            "--profile-add",
            metavar="TOOLS",
            help="comma-separated tools added to the default executor profile",
        )
        p.add_argument("--bazel-version", help="Bazel version to assume (default: .bazelversion)")
        p.add_argument(
            "--config",
            metavar="FILE",
            help="configuration file (default: WORKSPACE_ROOT/.hermetic-scan.toml)",
        )

    def selection(p: argparse.ArgumentParser) -> None:
        # As ruff does: --select replaces the rules that run, --extend-select adds, --ignore removes.
        for flag, text in (
            ("--select", "run only these rules (comma-separated ids; replaces the configuration's)"),
            ("--extend-select", "also run these rules"),
            ("--ignore", "do not run these rules"),
        ):
            p.add_argument(flag, action="append", default=[], metavar="RULES", help=text)

    def jobs(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--jobs",
            "-j",
            type=_positive,
            metavar="N",
            help="processes to split the BUILD files between (default: one per CPU on large workspaces)",
        )

    check = sub.add_parser("check", help="report remote-execution hazards")
    check.add_argument("paths", nargs="*", default=["."])
    check.add_argument("--format", choices=["text", "json", "sarif", "github"], default="text")
    check.add_argument(
        "--fail-on",
        choices=["error", "warning", "info", "never"],
        help="lowest severity that fails (default: warning)",
    )
    check.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="color text output (auto: on a terminal unless NO_COLOR is set)",
    )
    check.add_argument("--baseline", metavar="FILE", help="report only findings not recorded in FILE")
    check.add_argument("--write-baseline", metavar="FILE", help="record the current findings in FILE")
    check.add_argument(
        "--changed-since", metavar="REV", help="report only findings in files changed since git REV"
    )
    check.add_argument(
        "--aquery",
        metavar="FILE",
        help="`bazel aquery --output=jsonproto` output: report where Bazel and the model disagree",
    )
    common(check)
    selection(check)
    jobs(check)

    inventory = sub.add_parser("inventory", help="per-target remote-execution verdicts")
    inventory.add_argument("paths", nargs="*", default=["."])
    inventory.add_argument("--format", choices=["json", "text", "markdown", "html", "csv"], default="json")
    inventory.add_argument(
        "--aquery",
        metavar="FILE",
        help="`bazel aquery --output=jsonproto` output (docs/aquery.md): Bazel's actions win",
    )
    common(inventory)
    selection(inventory)
    jobs(inventory)

    fix = sub.add_parser(
        "fix",
        help="add the suggested no-remote-exec tags to BUILD files and apply the findings' safe fixes",
    )
    fix.add_argument("paths", nargs="*", default=["."])
    mode = fix.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print a unified diff (the default)")
    mode.add_argument("--write", action="store_true", help="write the changes (atomically)")
    fix.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="also apply fixes a human should review (a mnemonic named after its rule's function)",
    )
    fix.add_argument(
        "--format", choices=["diff", "buildozer"], default="diff", help="buildozer: the tag changes only"
    )
    common(fix)

    config = sub.add_parser("config", help="show the effective configuration")
    config.add_argument("--show", action="store_true", required=True)
    config.add_argument("paths", nargs="*", default=["."])
    config.add_argument("--config", metavar="FILE")

    evidence = sub.add_parser(
        "evidence", help="where targets really ran: Bazel's execution log joined with the inventory"
    )
    evidence.add_argument("paths", nargs="*", default=["."])
    evidence.add_argument(
        "--exec-log",
        required=True,
        metavar="FILE",
        help="Bazel's --execution_log_json_file (or --execution_log_binary_file)",
    )
    evidence.add_argument(
        "--build-log", metavar="FILE", help="Bazel's console output, for its `INFO: N processes: ...` line"
    )
    evidence.add_argument(
        "--targets",
        action="append",
        default=[],
        metavar="PATTERN",
        help="target pattern to count and prove (//app:build, //app/...; repeatable, comma-separated; "
        "subtract with --targets=-//app:slow)",
    )
    evidence.add_argument(
        "--wrapper",
        metavar="FILE",
        help="shell script that runs bazel: checked statically for --remote_executor",
    )
    evidence.add_argument(
        "--require-distinct-executor",
        action="store_true",
        help="fail the check unless --remote_executor and --remote_cache are distinct",
    )
    evidence.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    common(evidence)

    verify = sub.add_parser(
        "verify", help="build and test targets in a strict local sandbox; compare with the static verdicts"
    )
    verify.add_argument("paths", nargs="*", default=["."])
    verify.add_argument(
        "--targets",
        action="append",
        default=[],
        metavar="PATTERN",
        help="target pattern to verify (//app:build, //app/...; repeatable, comma-separated; "
        "subtract with --targets=-//app:slow); default: every target of the inventory",
    )
    verify.add_argument(
        "--bazel", default="bazel", metavar="BAZEL", help="the Bazel binary (default: bazel on PATH)"
    )
    verify.add_argument(
        "--bazelrc", metavar="FILE", help="extra startup --bazelrc= file (e.g. an offline fragment)"
    )
    verify.add_argument("--format", choices=["text", "json"], default="text")
    common(verify)

    sub.add_parser("lsp", help="run the language server on stdio")

    completion = sub.add_parser("completion", help="print a shell completion script")
    completion.add_argument("shell", choices=["bash", "zsh", "fish"])

    explain = sub.add_parser("explain", help="print the documentation of a rule or any other id")
    explain.add_argument("rule", nargs="?")
    explain.add_argument(
        "--markdown", action="store_true", help="print every rule's documentation as Markdown"
    )

    parse_only = sub.add_parser("parse", help="parse every file and exit (benchmark baseline)")
    parse_only.add_argument("paths", nargs="*", default=["."])
    return parser


def entry() -> None:
    """The console script and `python -m hermetic_scan`: `main`, then exit at once. Tearing down the
    heap of a large scan object by object took 0.2 s of a 16 s run, and nothing needs it: reports are
    written and closed by then."""
    try:
        code = main()
    except KeyboardInterrupt:  # between main's own handlers (setting up streams, a handler's exit)
        code = _interrupted()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # the reader is gone (a closed pipe, an editor that ended the session): nothing to tell it
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            # Text from the analyzed files (lone surrogates, any character) never fails to print.
            stream.reconfigure(errors="backslashreplace")
    try:
        parser = _parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        return _interrupted()
    try:
        if args.command == "lsp":
            from hermetic_scan.lsp.server import run

            return run()
        if args.command == "completion":
            from hermetic_scan.completion import script

            sys.stdout.write(script(parser, args.shell))
            return 0
        if args.command == "explain":
            return _explain(args.rule, args.markdown)
        if args.command == "parse":
            return _parse_only(args.paths)
        if args.command == "evidence":
            return _evidence(args)
        if args.command == "verify":
            return _verify(args)
        if args.command == "config":
            root, _ = _resolve_paths(args.paths)
            sys.stdout.write(_load_config(root, args.config).to_toml())
            return 0
        return _run(args)
    except (UsageError, ConfigError, BaselineError) as error:
        print(f"hermetic-scan: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        _silence_stdout()
        print("hermetic-scan: cannot write the report: the output was closed (broken pipe)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return _interrupted()
    except OSError as error:
        # Mostly writing the report to stdout (a full disk, a closed descriptor): not a bug of ours.
        _silence_stdout()
        where = f" ({error.filename})" if error.filename else ""
        print(f"hermetic-scan: input/output error: {error.strerror or error}{where}", file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 - the contract: a clear line and exit 3, no traceback
        print(
            f"hermetic-scan: internal error ({type(error).__name__}: {_first_line(error)}); "
            "please report it with the command that failed",
            file=sys.stderr,
        )
        return 3


def _interrupted() -> int:
    try:
        print("hermetic-scan: interrupted", file=sys.stderr)
    except OSError:
        pass
    return 130


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else "no message"


def _silence_stdout() -> None:
    """After stdout failed, pending output must not fail again when the process flushes it."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _load_config(root: Path, explicit: str | None) -> Config:
    return load_config(root, Path(explicit) if explicit else None)


def _options(args: argparse.Namespace, root: Path, config: Config) -> Options:
    """The flags as overrides of the configuration, through the one builder the editor uses too."""
    repos: dict[str, Path] = {}
    for entry in args.repo:
        name, sep, path = entry.partition("=")
        if not sep or not name or not path:
            raise UsageError(f"--repo expects NAME=PATH, got {entry!r}")
        try:
            repos[repo_name(name)] = Path(path).resolve()
        except OptionsError as error:
            raise UsageError(f"--repo: {error}") from error
    overrides = Overrides(
        strict=args.strict,
        profile_add=_comma_list(args.profile_add),
        profile_tools=_comma_list(args.profile) if args.profile else None,
        repos=repos,
        external_dirs=[Path(d).resolve() for d in args.external],
        auto_external=not getattr(args, "no_auto_external", False),
        bazel_version=args.bazel_version,
        select=_rule_list(getattr(args, "select", []), "--select"),
        extend_select=_rule_list(getattr(args, "extend_select", []), "--extend-select"),
        ignore=_rule_list(getattr(args, "ignore", []), "--ignore"),
    )
    return build_options(root, config, overrides)


def _comma_list(value: str | None) -> list[str]:
    return [t.strip() for t in (value or "").split(",") if t.strip()]


def _rule_list(values: list[str], flag: str) -> list[str]:
    ids = [item.strip() for value in values for item in value.split(",") if item.strip()]
    for rule_id in ids:
        if rule_meta(rule_id) is None:
            raise UsageError(f"{flag}: unknown rule {rule_id!r}; `hermetic-scan explain` lists them")
    return ids


def _resolve_paths(paths: list[str]) -> tuple[Path, list[str] | None]:
    resolved = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: no such file or directory")
        if path.is_dir() and not os.access(path, os.R_OK | os.X_OK):
            raise UsageError(f"{raw}: permission denied")
        resolved.append(path.resolve())
    root = find_root(resolved[0])
    only: list[str] | None = []
    for path in resolved:
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError as error:
            raise UsageError(f"{path}: not inside the workspace {root}") from error
        if rel in ("", "."):
            only = None
            break
        assert only is not None
        only.append(rel)
    return root, only


def _run(args: argparse.Namespace) -> int:
    # One bounded batch run that allocates millions of small objects and frees them at exit: the
    # cyclic collector only costs time here (about a third of the run on large workspaces).
    gc.disable()
    root, only = _resolve_paths(args.paths)
    config = _load_config(root, args.config)
    options = _options(args, root, config)
    options.only_paths = only
    # --aquery and fix read syntax trees, which stay in the process that built them. Otherwise
    # `--jobs 1` is one process that lets go of each package once checked, as the shards do.
    options.keep_model = args.command == "fix" or bool(getattr(args, "aquery", None))
    options.jobs = getattr(args, "jobs", None)
    # `check FILE...` and --changed-since report the findings of the targets the named BUILD files
    # define, wherever they are: the index of targets says which those are (the verdicts are not
    # needed). Every `check` keeps it, so that a plain `check` and the pre-commit hook's
    # `check FILE...` share one cache entry.
    options.inventory = args.command != "check" or bool(args.aquery)
    options.target_index = args.command == "check"
    options.verdicts_as_json = args.command == "inventory" and args.format == "json" and not args.aquery
    options.report_findings = args.command != "inventory"
    # fix and --aquery read the model, which a cached result does not carry.
    if not args.no_cache and args.command != "fix" and not getattr(args, "aquery", None):
        options.cache_dir = Path(args.cache_dir).resolve() if args.cache_dir else cache.default_dir()
    result = scan(root, options)
    if args.command == "check":
        if args.aquery:
            joined = _aquery(args, result, options)
            for item in joined.get("model_disagreements", []):
                print(f"aquery: {item}", file=sys.stderr)
        return _check(args, result, config)
    if args.command == "fix":
        return _fix(args, result)
    if args.aquery:
        joined = _aquery(args, result, options)
        if args.format != "json":
            raise UsageError("--aquery reports are JSON: use --format json")
        report = document(result.inventory)
        report["aquery"] = joined
        _write(dumps(report, expand=2), args.output)
        return 0
    _write(render_inventory(result.inventory, args.format), args.output)
    return 0


def _aquery(args: argparse.Namespace, result: Result, options: Options) -> dict:
    from hermetic_scan.crosscheck import aquery

    try:
        graph = aquery.load_file(Path(args.aquery))
    except aquery.AqueryError as error:  # it names the file
        raise UsageError(str(error)) from error
    return aquery.render_json(aquery.join(result, graph, profile=options.profile))


def _check(args: argparse.Namespace, result: Result, config: Config) -> int:
    sources = result.sources
    if args.changed_since is not None:
        try:
            changed = changes.changed_files(result.root, args.changed_since)
        except changes.GitError as error:
            raise UsageError(str(error)) from error
        result.diagnostics = changes.select(result, changed)
    if args.write_baseline:
        _write(baseline.write_baseline(result.diagnostics, sources), args.write_baseline)
    if args.baseline:
        result.diagnostics, result.baselined = baseline.split(
            result.diagnostics, sources, baseline.read_baseline(Path(args.baseline))
        )
    # Text and GitHub paths are relative to the current directory (render/paths.py); JSON and SARIF
    # keep workspace-relative paths, SARIF with the workspace as %SRCROOT%.
    if args.format == "text":
        text = text_render.render(result, Path.cwd(), _use_color(args.color, args.output))
    elif args.format == "github":
        text = github.render(result, Path.cwd())
    else:
        text = {"json": json_render, "sarif": sarif}[args.format].render(result)
    _write(text, args.output)
    fail_on = args.fail_on or config.fail_on
    if fail_on == "never":
        return 0
    threshold = Severity(fail_on).rank
    return 1 if any(d.severity.rank >= threshold for d in result.diagnostics) else 0


def _use_color(choice: str, output: str | None) -> bool:
    """--color: `auto` colors a terminal unless NO_COLOR is set (https://no-color.org)."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or (output not in (None, "-")):
        return False
    return sys.stdout.isatty()


def _fix(args: argparse.Namespace, result: Result) -> int:
    from hermetic_scan import fix

    fix_plan = fix.plan(
        result.inventory, result.root, result.require_model(), result.diagnostics, args.unsafe_fixes
    )
    for note in fix_plan.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.format == "buildozer":
        _write("".join(line + "\n" for line in fix_plan.buildozer), args.output)
        return 0
    if args.write:
        written, problems = fix.write(result.root, fix_plan)
        shown = result.root.resolve()
        for path in written:
            print(f"fixed {path.relative_to(shown).as_posix()}", file=sys.stderr)
        for problem in problems:
            where = (
                problem.path.relative_to(shown).as_posix() if shown in problem.path.parents else problem.path
            )
            print(f"hermetic-scan: {where}: {problem.message}", file=sys.stderr)
        return 2 if problems else 0
    _write(fix.diff(result.root, fix_plan), args.output)
    return 0


def _evidence(args: argparse.Namespace) -> int:
    from hermetic_scan.crosscheck.evidence import EvidenceError, run_evidence
    from hermetic_scan.render import evidence as evidence_render

    root, _ = _resolve_paths(args.paths)
    config = _load_config(root, args.config)
    targets = [p for entry in args.targets for p in entry.replace(",", " ").split()]
    try:
        report = run_evidence(
            root,
            Path(args.exec_log),
            Path(args.build_log) if args.build_log else None,
            targets,
            Path(args.wrapper) if args.wrapper else None,
            args.require_distinct_executor,
            options=_options(args, root, config),
        )
    except EvidenceError as error:
        raise UsageError(str(error)) from error
    _write(evidence_render.render(report, args.format), args.output)
    return 0 if report.ok else 1


def _verify(args: argparse.Namespace) -> int:
    from hermetic_scan.crosscheck.verify import VerifyError, run_verify
    from hermetic_scan.render import verify as verify_render

    root, _ = _resolve_paths(args.paths)
    config = _load_config(root, args.config)
    targets = [p for entry in args.targets for p in entry.replace(",", " ").split()]
    try:
        report = run_verify(
            root,
            targets,
            args.bazel,
            _options(args, root, config),
            Path(args.bazelrc).resolve() if args.bazelrc else None,
        )
    except VerifyError as error:
        raise UsageError(str(error)) from error
    _write(verify_render.render(report, args.format), args.output)
    if report.remote_ok_failed:
        return 1
    return VERIFY_INCONCLUSIVE if report.could_not_verify else 0


def _write(text: str, output: str | None) -> None:
    if output is None or output == "-":
        sys.stdout.write(text)
        return
    target = Path(output)
    if target.is_char_device() or str(target) == os.devnull:
        with open(target, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
        return
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        # mkstemp creates 0600; a report gets the mode any new file gets here (0644 under umask 022).
        umask = os.umask(0o022)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except OSError as error:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise UsageError(f"cannot write {output}: {error.strerror or error}") from error


def _explain(rule_id: str | None, markdown: bool = False) -> int:
    if markdown:
        sys.stdout.write(rules_markdown())
        return 0
    if rule_id is None:
        for meta in all_rules():
            print(f"{meta.id:24} {meta.severity.value:8} {meta.summary}")
        print("\nOther ids (editor, evidence):")
        for item in OTHER_IDS:
            print(f"{item.id:24} {item.emitted_by:17} {item.summary}")
        return 0
    try:
        print(other_doc(rule_id) if other_id(rule_id) else rule_doc(rule_id))
    except KeyError as error:
        raise UsageError(f"unknown rule {rule_id!r}; `hermetic-scan explain` lists them") from error
    return 0


def _parse_only(paths: list[str]) -> int:
    root, _ = _resolve_paths(paths)
    workspace = discover(root)
    count = 0
    for repo in workspace.repositories:
        for rel in repo.build_files + repo.bzl_files + repo.other_starlark:
            try:
                parse.parse_starlark(read_file(repo.root / rel))
                count += 1
            except OSError:
                continue
    print(f"parsed {count} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
