"""`hermetic-scan verify`: the dynamic check. Builds and tests the chosen targets with the user's Bazel
in the strictest local approximation of a remote worker, and compares each outcome with the static
verdict (docs/verify.md).

The approximation, per Bazel invocation:

- `--spawn_strategy=sandboxed` (linux-sandbox where the kernel allows it), `--sandbox_default_allow_network=false`;
- `--incompatible_strict_action_env`, and `PATH` (actions, exec-configuration actions and tests) set to
  a temporary directory holding symlinks to the executor profile's tools found on the host, and
  nothing else (repository rules keep the host PATH through `--repo_env`: fetching is not remote);
- tripwires: for every tool the static analysis reports as ambient (and the profile lacks), the PATH
  directory holds a stub that prints `hermetic-scan verify: ambient tool 'NAME' ...` and exits 127, so
  a script that probes for the tool (`command -v tofu || exit 0`) fails instead of silently skipping;
- no `BUILD_WORKSPACE_DIRECTORY` / `BUILD_WORKING_DIRECTORY` in the client environment;
- no cached results: a fresh output base in a temporary directory, `--noremote_accept_cached`,
  `--disk_cache=`, `--nocache_test_results`; no convenience symlinks in the workspace.

One Bazel invocation per target (`bazel test` for tests, `bazel build` otherwise) against one Bazel
server, shut down at the end.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from hermetic_scan.bazel.bazelrc import RcOption, load_bazelrc
from hermetic_scan.inventory import TargetVerdict
from hermetic_scan.labels import PatternError, parse_pattern, select
from hermetic_scan.options import Options
from hermetic_scan.runner import scan

TRIPWIRE_MARK = "hermetic-scan verify: ambient tool"
TRIPWIRE_SCRIPT = (
    "#!/bin/sh\n"
    "# Written by hermetic-scan verify: this tool is not in the executor profile.\n"
    f"echo \"{TRIPWIRE_MARK} '${{0##*/}}' is not in the executor profile (a remote worker does not have it)\" >&2\n"
    "exit 127\n"
)
# Outcomes.
PASSED, BUILT, FAILED, NOT_RUN = "passed", "built", "failed", "not-run"
OK_OUTCOMES = (PASSED, BUILT)
# Agreement.
AGREE, DISAGREE, NOT_COMPARABLE = "agree", "disagree", "n/a"
MAX_ERROR_LINES = 12
NOISE = re.compile(
    r"^(INFO:|Loading:|Analyzing:|Target //|  bazel-|Use --verbose_failures|FAILED: Build did NOT|"
    r"ERROR: Build did NOT complete|Executed \d+ out of|There were tests whose|OpenJDK .*warning|"
    r"\d+\.\d+: src/main/tools/|Use --sandbox_debug|Starting local Bazel server|Extracting Bazel installation|WARNING: )"
)
TRIPWIRE_CALL = re.compile(re.escape(TRIPWIRE_MARK) + r" '([^']+)'")


class VerifyError(Exception):
    """verify cannot run (no Bazel, bad pattern, nothing to check); the CLI maps it to exit status 2."""


@dataclass
class TargetRun:
    label: str
    kind: str
    is_test: bool
    static_verdict: str
    already_tagged: bool
    static_reasons: list[str]
    command: str = ""  # build | test
    outcome: str = NOT_RUN
    exit_code: int | None = None
    error_lines: list[str] = field(default_factory=list)
    ambient_tools_called: list[str] = field(default_factory=list)
    seconds: float = 0.0
    note: str = ""

    @property
    def agreement(self) -> str:
        if self.outcome == NOT_RUN or self.static_verdict == "unknown":
            return NOT_COMPARABLE
        ok = self.outcome in OK_OUTCOMES
        if self.static_verdict == "remote-ok":
            return AGREE if ok else DISAGREE
        # no-remote-exec: only a verdict with blocking reasons predicts a failure; a target that is
        # merely tagged says nothing about what its actions need.
        if self.already_tagged and not self.static_reasons:
            return NOT_COMPARABLE
        return DISAGREE if ok else AGREE

    @property
    def remote_ok_failed(self) -> bool:
        """The most important line: the static model said remote-ok, the strict sandbox disagrees."""
        return self.static_verdict == "remote-ok" and self.outcome == FAILED


@dataclass
class VerifyReport:
    root: str
    bazel: str
    flags: list[str]
    path_tools: list[str]  # profile tools linked into the action PATH
    missing_tools: list[str]  # profile tools not found on the host
    tripwires: list[str]
    sandbox: str  # what Bazel said it used (linux-sandbox, processwrapper-sandbox, ...), "" if unknown
    targets: list[TargetRun]
    seconds: float = 0.0
    # Why nothing could be verified (Bazel would not start, the wrapper wants another version), with
    # Bazel's own words; empty when Bazel ran.
    problem: list[str] = field(default_factory=list)
    # Facts about the Bazel that ran that a reader must know (a .bazelversion it does not match).
    notes: list[str] = field(default_factory=list)
    # .bazelrc lines that would run actions outside the sandbox, and the flags verify added against them.
    sandbox_defeats: list[str] = field(default_factory=list)

    @property
    def remote_ok_failed(self) -> list[TargetRun]:
        return [t for t in self.targets if t.remote_ok_failed]

    @property
    def not_verified(self) -> list[TargetRun]:
        """Targets Bazel did not build or test because of Bazel itself (a rejected flag, a crash, a
        timeout), not because the target failed; "no test to run" is not one."""
        return [t for t in self.targets if t.outcome == NOT_RUN and t.exit_code != 4]

    @property
    def could_not_verify(self) -> bool:
        return bool(self.problem) or bool(self.not_verified)

    @property
    def ok(self) -> bool:
        return not self.remote_ok_failed and not self.could_not_verify

    def summary(self) -> dict[str, int]:
        out = {"targets": len(self.targets), AGREE: 0, DISAGREE: 0, NOT_COMPARABLE: 0, "remote_ok_failed": 0}
        for t in self.targets:
            out[t.agreement] += 1
        out["remote_ok_failed"] = len(self.remote_ok_failed)
        return out


# --------------------------------------------------------------------------------------------------
# The sandbox PATH


def build_path_dir(
    directory: Path, tools: frozenset[str] | set[str], tripwires: set[str], host_path: str
) -> tuple[list[str], list[str]]:
    """Symlinks to the profile's tools found on `host_path`, plus tripwire stubs. Returns (linked, missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    linked: list[str] = []
    missing: list[str] = []
    for tool in sorted(tools):
        if "/" in tool:
            continue
        found = shutil.which(tool, path=host_path)
        if found is None:
            missing.append(tool)
            continue
        (directory / tool).symlink_to(found)
        linked.append(tool)
    for name in sorted(tripwires - set(linked)):
        if "/" in name or not name or name.startswith("."):
            continue
        stub = directory / name
        stub.write_text(TRIPWIRE_SCRIPT, encoding="utf-8")
        stub.chmod(0o755)
    return linked, missing


def ambient_tools(result) -> set[str]:  # noqa: ANN001 - engine.Result (imported lazily)
    """Bare program names the static analysis reports as ambient tools."""
    names = set()
    for d in result.diagnostics:
        if (
            d.rule == "ambient-tool"
            and d.subject
            and "/" not in d.subject
            and re.fullmatch(r"[\w.+-]+", d.subject)
        ):
            names.add(d.subject)
    return names


def strict_flags(path_dir: Path, host_path: str) -> list[str]:
    """The command flags of every verify invocation (after the command name)."""
    return [
        "--spawn_strategy=sandboxed",
        "--sandbox_default_allow_network=false",
        "--incompatible_strict_action_env",
        f"--action_env=PATH={path_dir}",
        f"--host_action_env=PATH={path_dir}",
        f"--test_env=PATH={path_dir}",
        f"--repo_env=PATH={host_path}",  # repository rules (e.g. C++ autoconfiguration) run on the host
        "--noremote_accept_cached",
        "--disk_cache=",
        "--nocache_test_results",
        "--symlink_prefix=/",  # no bazel-* symlinks in the user's workspace
        "--nosandbox_debug",
        "--test_output=errors",
        "--color=no",
        "--curses=no",
        "--noshow_progress",
    ]


# --------------------------------------------------------------------------------------------------
# Reading Bazel's output


def parse_output(text: str) -> tuple[list[str], list[str]]:
    """(first error lines, ambient tools whose tripwire fired) from one invocation's console output."""
    lines = text.splitlines()
    called = sorted(set(TRIPWIRE_CALL.findall(text)))
    errors: list[str] = []
    test_output: list[str] = []
    in_test = False
    seen_error = False
    for line in lines:
        if line.startswith("==================== Test output for"):
            in_test = True
            test_output.append(line.strip("= ").rstrip(":") + ":")
            continue
        if in_test:
            if line.startswith("=" * 20):
                in_test = False
            elif line.strip() and not line.startswith("-----"):
                test_output.append("  " + line)
            continue
        if line.startswith("ERROR:"):
            seen_error = True
        if seen_error and line.strip() and not NOISE.match(line):
            errors.append(line)
    # A failed test's own output is the interesting part; Bazel's ERROR lines only say it failed.
    chosen = (test_output + errors) if test_output else errors
    return chosen[:MAX_ERROR_LINES], called


# --------------------------------------------------------------------------------------------------
# Before running: the Bazel that will run, and rc lines that defeat the sandbox

# Strategies that run a spawn without a sandbox (https://bazel.build/docs/user-manual#spawn-strategy,
# #strategy, #genrule-strategy): under them a passing build proves nothing about a worker.
UNSANDBOXED = {"local", "standalone"}
BUILD_COMMANDS = {"build", "test", "common", "run", "coverage"}


def sandbox_defeats(options: list[RcOption]) -> tuple[list[str], list[str]]:
    """(descriptions of rc lines that apply to every build and choose an unsandboxed strategy, flags
    that put those actions back in the sandbox). Lines under a `:config` apply only with --config,
    which verify does not pass. --spawn_strategy is already overridden by verify's own flag."""
    found: list[str] = []
    counter: list[str] = []
    for option in options:
        if option.config is not None or option.command not in BUILD_COMMANDS or option.value is None:
            continue
        where = f"{option.source.path}:{option.span.start_line + 1}: {option.command} {option.text}"
        if option.name in ("--spawn_strategy", "--genrule_strategy"):
            if UNSANDBOXED & set(option.value.split(",")):
                found.append(where)
                if option.name == "--genrule_strategy":
                    counter.append("--genrule_strategy=sandboxed")
        elif option.name in ("--strategy", "--strategy_regexp"):
            key, sep, strategies = option.value.rpartition("=")
            if UNSANDBOXED & set(strategies.split(",")):
                found.append(where)
                counter.append(f"{option.name}={key}=sandboxed" if sep else f"{option.name}=sandboxed")
    return found, list(dict.fromkeys(counter))


# `bazel --version` prints `bazel 7.4.1` without starting a server (a Bazel built without a release
# stamp, such as Debian's, prints `bazel no_version`).
VERSION_LINE = re.compile(r"^bazel (\S+)", re.M)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def read_bazelversion(root: Path) -> str | None:
    try:
        words = (root / ".bazelversion").read_text(encoding="utf-8", errors="replace").split()
    except OSError:
        return None
    return words[0] if words else None


def preflight(code: int, text: str, wanted: str | None) -> tuple[list[str], list[str]]:
    """(problem, notes) from `bazel --version` run in the workspace. A wrapper (Bazelisk, Debian's
    /usr/bin/bazel) that cannot find the version .bazelversion asks for fails here, before any target."""
    text = ANSI.sub("", text)
    if code != 0:
        said = [line for line in text.splitlines() if line.strip()][:MAX_ERROR_LINES]
        problem = [f"`bazel --version` exited with status {code}:", *(f"  {line}" for line in said)]
        if wanted:
            problem.append(
                f"The workspace's .bazelversion asks for Bazel {wanted}; install that version, or point "
                "--bazel at a Bazel binary (a wrapper reads .bazelversion; the binary itself does not)."
            )
        return problem, []
    match = VERSION_LINE.search(text)
    running = match.group(1) if match else None
    if (
        wanted
        and running
        and running != "no_version"
        and wanted != running
        and wanted not in ("latest", "rolling")
    ):
        return [], [
            f"Bazel {running} ran, but the workspace's .bazelversion asks for {wanted}: a failure may come "
            "from the version, not from the sandbox."
        ]
    return [], []


def _sandbox(text: str) -> str:
    kinds = re.findall(r"\b\d+ ((?:linux|processwrapper|darwin|docker)-sandbox|local)\b", text)
    return ",".join(sorted(set(kinds)))


# --------------------------------------------------------------------------------------------------
# Running


class _Bazel:
    def __init__(
        self,
        bazel: str,
        root: Path,
        user_root: Path,
        fragment: Path | None,
        startup_args: list[str],
        env: dict[str, str],
        timeout: float,
    ) -> None:
        self.startup = [bazel, *startup_args, f"--output_user_root={user_root}", "--max_idle_secs=300"]
        if fragment is not None:
            self.startup.append(f"--bazelrc={fragment}")
        self.root = root
        self.env = env
        self.timeout = timeout

    def run(self, args: list[str]) -> tuple[int, str]:
        try:
            proc = subprocess.run(
                [*self.startup, *args],
                cwd=self.root,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                timeout=self.timeout,
            )
        except subprocess.TimeoutExpired as error:
            out = (
                error.stdout
                if isinstance(error.stdout, str)
                else (error.stdout or b"").decode("utf-8", "replace")
            )
            return -1, out + f"\nhermetic-scan verify: timed out after {self.timeout:.0f}s"
        return proc.returncode, proc.stdout

    def shutdown(self) -> None:
        try:
            subprocess.run(
                [*self.startup, "shutdown"], cwd=self.root, env=self.env, capture_output=True, timeout=120
            )
        except (OSError, subprocess.TimeoutExpired):
            pass


def _outcome(run: TargetRun, code: int, text: str) -> None:
    run.exit_code = code
    run.error_lines, run.ambient_tools_called = parse_output(text)
    if code == 0:
        run.outcome = PASSED if run.is_test else BUILT
        run.error_lines = []
    elif code in (1, 3):  # build failed / tests failed
        run.outcome = FAILED
    elif code == 4 and run.is_test:  # no test targets found (e.g. filtered out)
        run.outcome = NOT_RUN
        run.note = "Bazel found no test to run"
    elif code == -1:
        run.outcome = NOT_RUN
        run.note = "timed out"
    else:  # 2: bad command line or target pattern; 3x/37: Bazel itself failed
        run.outcome = NOT_RUN
        run.note = f"Bazel exited with status {code}"
    if not run.error_lines and code != 0:
        run.error_lines = [line for line in text.splitlines() if line.startswith("ERROR:")][:MAX_ERROR_LINES]


def _choose(targets: list[TargetVerdict], patterns: list[str]) -> list[TargetVerdict]:
    main = [t for t in targets if t.attached.target.label.repo == ""]
    if not patterns:
        return main
    try:
        parsed = [parse_pattern(p) for p in patterns]
    except PatternError as error:
        raise VerifyError(str(error)) from error
    by_label = {t.attached.target.label: t for t in main}
    chosen = select(parsed, list(by_label))
    if not chosen:
        raise VerifyError(f"no target of the static inventory matches {' '.join(patterns)}")
    return [by_label[label] for label in chosen]


def _remove_tree(path: Path) -> None:
    """rmtree that also removes the read-only directories Bazel leaves in an output base."""

    def retry(func, name, _exc):  # noqa: ANN001
        try:
            os.chmod(os.path.dirname(name), 0o755)
            os.chmod(name, 0o755)
            func(name)
        except OSError:
            pass

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=retry)
    else:
        shutil.rmtree(path, onerror=retry)


def run_verify(
    root: Path,
    targets: list[str],
    bazel: str,
    options: Options,
    bazelrc_fragment: Path | None,
    *,
    startup_args: list[str] | None = None,
    extra_args: list[str] | None = None,
    tripwires: bool = True,
    timeout: float = 900,
    work_dir: Path | None = None,
) -> VerifyReport:
    """Scan `root`, then build / test each chosen target (patterns in `targets`; default: every target
    of the main repository in the static inventory) in the strict sandbox, one invocation per target.

    `bazelrc_fragment` is passed as `--bazelrc=` (startup), `startup_args` before the command (e.g.
    `--nohome_rc`), `extra_args` after the strict flags. Raises VerifyError when Bazel cannot be found."""
    started = time.monotonic()
    root = root.resolve()
    executable = shutil.which(bazel)
    if executable is None:
        raise VerifyError(f"{bazel}: Bazel not found (pass --bazel PATH)")
    result = scan(root, options)
    chosen = _choose(result.inventory.targets, targets)
    host_path = os.environ.get("PATH", os.defpath)
    wires = (ambient_tools(result) - set(options.profile.tools)) if tripwires else set()

    owned = work_dir is None
    base = Path(tempfile.mkdtemp(prefix="hermetic-scan-verify-")) if owned else work_dir
    assert base is not None
    try:
        path_dir = base / "path"
        linked, missing = build_path_dir(path_dir, options.profile.tools, wires, host_path)
        flags = strict_flags(path_dir, host_path) + list(extra_args or [])
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("BUILD_WORKSPACE_DIRECTORY", "BUILD_WORKING_DIRECTORY")
        }
        runner = _Bazel(
            executable,
            root,
            base / "output_user_root",
            bazelrc_fragment,
            list(startup_args or []),
            env,
            timeout,
        )
        runs: list[TargetRun] = []
        sandboxes: set[str] = set()
        rc = load_bazelrc(root, [".bazelrc"] if (root / ".bazelrc").is_file() else [])
        defeats, counter = sandbox_defeats(rc.options)
        flags += counter
        problem: list[str] = []
        notes: list[str] = []
        try:
            code, text = runner.run(["--version"])
            problem, notes = preflight(code, text, read_bazelversion(root))
            for verdict in [] if problem else chosen:
                target = verdict.attached.target
                run = TargetRun(
                    label=verdict.label,
                    kind=target.kind,
                    is_test=target.is_test,
                    static_verdict=verdict.verdict,
                    already_tagged=verdict.already_tagged,
                    static_reasons=[f"{d.rule}: {d.message}" for d in verdict.reasons],
                    command="test" if target.is_test else "build",
                )
                t0 = time.monotonic()
                code, text = runner.run([run.command, *flags, "--", run.label])
                run.seconds = round(time.monotonic() - t0, 2)
                _outcome(run, code, text)
                if kind := _sandbox(text):
                    sandboxes.update(kind.split(","))
                runs.append(run)
        finally:
            runner.shutdown()
    finally:
        if owned:
            _remove_tree(base)
    return VerifyReport(
        root=str(root),
        bazel=executable,
        flags=flags,
        path_tools=linked,
        missing_tools=missing,
        tripwires=sorted(wires),
        sandbox=",".join(sorted(sandboxes)),
        targets=runs,
        seconds=round(time.monotonic() - started, 2),
        problem=problem,
        notes=notes,
        sandbox_defeats=defeats,
    )
