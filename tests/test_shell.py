"""Shell analysis: commands run, probes, variable reads, make-variable masking."""

from __future__ import annotations

import pytest

from hermetic_scan import shell
from hermetic_scan.model.evaluate import mask_make_variables
from hermetic_scan.source import MappedText, SourceFile


def _commands(script: str) -> list[tuple[str, str]]:
    return [(c.name, c.kind) for c in shell.analyze(script).commands if not c.dynamic]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("tofu init && tofu validate", [("tofu", "run"), ("tofu", "run")]),
        ("env TF_IN_AUTOMATION=1 tofu plan", [("tofu", "run")]),
        ("timeout 30 terraform fmt", [("terraform", "run")]),
        ("exec docker build .", [("docker", "run")]),
        ("find . -name '*.tf' | xargs -n1 hclfmt", [("find", "run"), ("hclfmt", "run")]),
        ("command -v tofu >/dev/null || exit 0", [("tofu", "probe"), ("exit", "run")]),
        ("if ! which helm; then echo skip; fi", [("helm", "probe"), ("echo", "run")]),
        ("x=$(git rev-parse HEAD)", [("git", "run")]),
        ('"$TOFU" init', []),
        ('TOFU=tofu; "$TOFU" init', [("tofu", "run")]),
        ('TOFU="${TOFU_BIN:-/opt/tofu/bin/tofu}"\n${TOFU} init', [("/opt/tofu/bin/tofu", "run")]),
        # Set twice, from an argument, in a loop or from a command: no one program.
        ("T=tofu; T=terraform; $T init", []),
        ('T="$1"; $T init', []),
        ("for T in tofu terraform; do $T fmt; done", []),
        ("T=$(command -v tofu); $T init", [("tofu", "probe")]),
        ("/usr/local/bin/tofu init", [("/usr/local/bin/tofu", "run")]),
        ("/usr/bin/env python3 gen.py", [("python3", "run")]),
        # The grammar splits this word at the second expansion; it is one assignment, not a command.
        ("URL=https://h/p/$V/protoc-$V-linux-x86_64.exe\nwget $URL", [("wget", "run")]),
        ("FOO=1 make", [("make", "run")]),
    ],
)
def test_commands(script: str, expected: list[tuple[str, str]]) -> None:
    assert _commands(script) == expected


def test_functions_are_collected() -> None:
    facts = shell.analyze("fmt_all() { tofu fmt; }\nfmt_all\n")
    assert facts.functions == {"fmt_all"}


def test_reads_ignore_single_quotes_and_assignments() -> None:
    facts = shell.analyze(
        "cd \"${BUILD_WORKSPACE_DIRECTORY:-.}\"\necho '$BUILD_WORKSPACE_DIRECTORY'\nBUILD_WORKSPACE_DIRECTORY=x\necho $HOME\n"
    )
    assert [r.name for r in facts.reads] == ["BUILD_WORKSPACE_DIRECTORY", "HOME"]


def test_make_variables_are_masked_and_dollars_unescaped() -> None:
    source = SourceFile("BUILD", b'cmd = "$(location :gen) --out $@ $(SRCS) && echo $$HOME $$(date)"')
    start = source.data.index(b"$(location")
    end = source.data.rindex(b'"')
    text = MappedText(source.data[start:end].decode(), tuple(range(start, end)), source, start)
    masked = mask_make_variables(text)
    assert "location" not in masked.text
    assert masked.text.endswith("echo $HOME $(date)")
    names = _commands(masked.text)
    assert names == [("echo", "run"), ("date", "run")]
    assert all("location" not in c.name for c in shell.analyze(masked.text).commands), (
        "the masked tool is declared"
    )
    home = masked.text.index("$HOME")
    assert source.data[masked.origin(home) : masked.origin(home) + 2] == b"$$"


def test_probe_chains_name_what_runs_instead() -> None:
    script = (
        "if command -v openssl >/dev/null; then openssl sha1 f\n"
        "elif command -v sha256sum >/dev/null; then sha256sum f\n"
        "elif command -v shasum >/dev/null; then shasum -a 256 f\n"
        "else exit 1\nfi\n"
    )
    optional = {(program, fallbacks) for program, _start, _end, fallbacks in shell.analyze(script).optional}
    assert optional == {
        ("openssl", frozenset({"command", "sha256sum"})),  # the next branch
        ("sha256sum", frozenset({"command", "shasum"})),
        ("sha256sum", frozenset({"openssl"})),  # not reached where openssl is found
        ("shasum", frozenset({"openssl"})),
        ("shasum", frozenset({"sha256sum"})),
    }


def test_heredoc_writes_find_the_file_and_the_body() -> None:
    script = "set -e\n(cat <<'EOF'\nrun $1\nEOF\n) > out.sh\ncat <<EOF >&2\nerr\nEOF\ncat >b.sh <<X\nb\nX\n"
    found = [(w.destination, script[w.start : w.end]) for w in shell.heredoc_writes(script)]
    assert found == [("out.sh", "run $1\n"), ("b.sh", "b\n")]


def test_reads_in_an_elif_branch_taken_only_when_set_are_guarded() -> None:
    script = (
        'if [[ -n "${BUILD_WORKING_DIRECTORY:-}" ]]; then\n  cd "$BUILD_WORKING_DIRECTORY"\n'
        'elif [[ -n "${BUILD_WORKSPACE_DIRECTORY:-}" ]]; then\n  cd "$BUILD_WORKSPACE_DIRECTORY"\n'
        'else\n  cd "$BUILD_WORKSPACE_DIRECTORY"\nfi\n'
    )
    reads = [(r.name, r.guarded) for r in shell.analyze(script).reads if r.name.startswith("BUILD_")]
    assert reads == [
        ("BUILD_WORKING_DIRECTORY", True),
        ("BUILD_WORKING_DIRECTORY", True),
        ("BUILD_WORKSPACE_DIRECTORY", True),
        ("BUILD_WORKSPACE_DIRECTORY", True),
        ("BUILD_WORKSPACE_DIRECTORY", False),  # the else branch: not set there
    ]
