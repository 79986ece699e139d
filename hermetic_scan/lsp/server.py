"""`hermetic-scan lsp`: diagnostics, quick fixes and hover over stdio, built on pygls.

Each analysis covers the open BUILD and .bzl documents, what they load and the files that load them
(read from disk or from other open buffers), so its cost follows what the user is editing; an open
script, template or .bazelrc is analyzed with the whole workspace, as `check` sees it. Options come
from the CLI's builder. Parse trees are kept between analyses of unchanged contents.
"""

from __future__ import annotations

import asyncio
import gc
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from hermetic_scan import __version__
from hermetic_scan.config import Config, ConfigError, load_config
from hermetic_scan.engine import Result, analyze, attach_externals, with_discovered_externals
from hermetic_scan.inventory import TargetVerdict
from hermetic_scan.lsp import convert
from hermetic_scan.lsp.actions import code_actions, hover_text
from hermetic_scan.options import Options, OptionsError, Overrides, build_options
from hermetic_scan.workspace import BUILD_FILES, Workspace, discover, find_root

# Edits are coalesced rather than delayed: an analysis runs as soon as the server is idle, and
# changes that arrived while it ran are folded into the next one. `debounceMs` adds a fixed delay.
DEBOUNCE_SECONDS = 0.0
STARLARK_NAMES = {"BUILD", "BUILD.bazel", "WORKSPACE", "WORKSPACE.bazel", "MODULE.bazel", "REPO.bazel"}


def uri_to_path(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path))


class HermeticScanServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("hermetic-scan", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        self.root: Path | None = None
        self.workspace_model: Workspace | None = None
        self.settings: dict[str, Any] = {}
        self.open_documents: dict[str, str] = {}  # uri -> text
        self.result: Result | None = None
        self.generation = 0
        self.parse_cache: dict[tuple[Path, int], object] = {}
        self.loaded_by: dict[str, set[str]] | None = None  # .bzl path -> .bzl and BUILD files loading it
        self.loads_of: dict[str, set[str]] = {}  # .bzl or BUILD path -> .bzl files it loads

    # -- analysis ---------------------------------------------------------------------------
    def ensure_workspace(self, uri: str | None = None) -> Workspace:
        if self.root is None:
            self.root = find_root(uri_to_path(uri)) if uri else Path.cwd()
        if self.workspace_model is None:
            options = with_discovered_externals(self.root, self.options())
            workspace = discover(self.root, options.exclude)
            attach_externals(workspace, options)
            workspace.parse_cache = self.parse_cache
            self.workspace_model = workspace
            self.loaded_by = None
        return self.workspace_model

    def index_loads(self, bzl: str) -> None:
        """(Re)record the load() statements of one .bzl or BUILD file in the reverse index."""
        workspace = self.ensure_workspace()
        assert self.loaded_by is not None
        for target in self.loads_of.pop(bzl, set()):
            self.loaded_by.get(target, set()).discard(bzl)
        try:
            text = workspace.read(workspace.root / bzl).decode("utf-8", errors="replace")
        except OSError:
            return
        package = bzl.rsplit("/", 1)[0] if "/" in bzl else ""
        targets = {t for t in (_label_path(label, package) for label in LOAD.findall(text)) if t is not None}
        self.loads_of[bzl] = targets
        for target in targets:
            self.loaded_by.setdefault(target, set()).add(bzl)

    def dependents(self, rel: str) -> set[str]:
        """.bzl and BUILD files that load `rel`, transitively: where its definitions get used by rules
        and its rules and macros by targets (a .bzl alone is analyzed as `check` sees it)."""
        workspace = self.ensure_workspace()
        if self.loaded_by is None:
            self.loaded_by = {}
            self.loads_of = {}
            for starlark in [*workspace.main.bzl_files, *workspace.main.build_files]:
                self.index_loads(starlark)
        assert self.loaded_by is not None
        found: set[str] = set()
        pending = [rel]
        while pending:
            for parent in self.loaded_by.get(pending.pop(), set()):
                if parent not in found:
                    found.add(parent)
                    pending.append(parent)
        return found

    def creates_targets(self, bzl: str) -> bool:
        """Whether a .bzl file may have findings that come from the BUILD files using it: it calls
        `native.*` or `macro()`, or defines a function that is not a rule's implementation (a macro, a
        helper a macro may call). A file of rule implementations alone is analyzed without those BUILD
        files (its rules' actions are analyzed whatever the targets), which keeps edits fast."""
        workspace = self.ensure_workspace()
        try:
            text = workspace.read(workspace.root / bzl).decode("utf-8", errors="replace")
        except OSError:
            return True
        if "native." in text or MACRO_CALL.search(text):
            return True
        implementations = set(IMPLEMENTATION.findall(text))
        return any(name not in implementations for name in TOP_LEVEL_DEF.findall(text))

    def options(self) -> Options:
        """The CLI's options path: `.hermetic-scan.toml` (or the `config` setting) with the editor's
        settings as overrides, as `hermetic-scan check` applies its flags."""
        assert self.root is not None
        config_path = self.settings.get("config")
        try:
            config = load_config(self.root, Path(config_path) if config_path else None)
        except ConfigError as error:
            self.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Error, message=str(error)))
            config = Config()
        try:
            return build_options(self.root, config, settings_overrides(self.settings, self.root))
        except OptionsError as error:
            self.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Error, message=str(error)))
            return build_options(self.root, config)

    def relative(self, uri: str) -> str | None:
        if self.root is None:
            return None
        try:
            return uri_to_path(uri).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return None

    def analyze(self) -> Result | None:
        if not self.open_documents:
            return None
        workspace = self.ensure_workspace(next(iter(self.open_documents)))
        workspace.overlays = {
            uri_to_path(uri).resolve(): text.encode("utf-8") for uri, text in self.open_documents.items()
        }
        only: set[str] = set()
        whole = False
        for uri in self.open_documents:
            rel = self.relative(uri)
            if rel is None:
                continue
            name = rel.rsplit("/", 1)[-1]
            if name in STARLARK_NAMES or name.endswith(".bzl"):
                _list(workspace, rel)
                only.add(rel)
                if name.endswith(".bzl"):
                    users = self.dependents(rel)
                    only |= {u for u in users if u.endswith(".bzl")}
                    if self.creates_targets(rel):
                        only |= users  # macro bodies: their findings come from the BUILD files calling them
            else:
                # A script, a template or a .bazelrc: which targets run it, which rules expand it and
                # which mnemonics exist are facts of the whole workspace, as `check` sees them.
                whole = True
        self.result = analyze(workspace, self.options(), None if whole else only)
        return self.result

    def publish(self) -> None:
        result = self.analyze()
        if result is None:
            return
        sources = result.require_model().sources()
        by_path: dict[str, list[lsp.Diagnostic]] = {}
        for d in result.diagnostics:
            by_path.setdefault(d.span.path, []).append(convert.diagnostic(d, sources.get(d.span.path)))
        for verdict in result.inventory.targets:
            item = verdict_diagnostic(verdict)
            if item is not None:
                by_path.setdefault(verdict.attached.target.build.display_path, []).append(item)
        for uri in self.open_documents:
            rel = self.relative(uri)
            items = by_path.get(rel or "", [])
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=items))

    async def schedule(self, delay: float) -> None:
        self.generation += 1
        mine = self.generation
        # Let notifications already read from the client run first: only the newest change publishes.
        await asyncio.sleep(delay)
        await asyncio.sleep(0)
        if mine == self.generation:
            self.publish()


def settings_overrides(settings: dict[str, Any], root: Path) -> Overrides:
    """The editor's settings as the overrides the CLI's flags would be: `profile.add` adds to the
    configuration's (`--profile-add`), `profile.tools` replaces it (`--profile`), `repos` and
    `external` name source directories (relative ones from the workspace root), `strict` and
    `bazelVersion` as the flags of the same names."""
    profile = settings.get("profile") or {}
    tools = profile.get("tools")

    def path(value: object) -> Path:
        return (root / str(value)).resolve()

    return Overrides(
        strict=bool(settings.get("strict", False)),
        profile_add=[str(t) for t in profile.get("add") or []],
        profile_tools=[str(t) for t in tools] if tools is not None else None,
        repos={str(name): path(value) for name, value in (settings.get("repos") or {}).items()},
        external_dirs=[path(value) for value in settings.get("external") or []],
        bazel_version=str(settings["bazelVersion"]) if settings.get("bazelVersion") else None,
    )


def _list(workspace: Workspace, rel: str) -> None:
    """An open buffer for a file discovery did not see (new, unsaved) joins the main repository."""
    repo = workspace.main
    name = rel.rsplit("/", 1)[-1]
    package = rel.rsplit("/", 1)[0] if "/" in rel else ""
    if name in BUILD_FILES and rel not in repo.build_files:
        repo.build_files.append(rel)
        repo.packages.add(package)
    elif name.endswith(".bzl") and rel not in repo.bzl_files:
        repo.bzl_files.append(rel)


LOAD = re.compile(r"""\bload\(\s*["']([^"']+)["']""")
MACRO_CALL = re.compile(r"\bmacro\s*\(")
IMPLEMENTATION = re.compile(r"\bimplementation\s*=\s*([A-Za-z_]\w*)")
TOP_LEVEL_DEF = re.compile(r"^def\s+([A-Za-z_]\w*)", re.M)


def _label_path(label: str, package: str) -> str | None:
    if label.startswith("@") and not label.startswith("@//"):
        return None
    label = label.removeprefix("@")
    if label.startswith("//"):
        pkg, _, name = label[2:].partition(":")
        return f"{pkg}/{name}" if pkg else name
    name = label.lstrip(":")
    return f"{package}/{name}" if package else name


def verdict_diagnostic(verdict: TargetVerdict) -> lsp.Diagnostic | None:
    """In BUILD files: one note per target that cannot run remotely and is not tagged yet."""
    if verdict.verdict != "no-remote-exec" or not verdict.suggested_tags:
        return None
    target = verdict.attached.target
    if target.generator is not None:
        node = target.top_node
    else:
        node = target.call.node.child_by_field_name("function") or target.call.node
    source = target.build.source
    reasons = ", ".join(
        sorted({f"{d.rule} ({d.span.path}:{d.span.start_line + 1})" for d in verdict.reasons})
    )
    return lsp.Diagnostic(
        range=convert.byte_range(
            source, node.start_byte, node.end_byte if target.generator is None else node.start_byte + 1
        ),
        message=f"{verdict.label} cannot run on a remote executor: {reasons}",
        severity=lsp.DiagnosticSeverity.Information,
        code="target-verdict",
        code_description=lsp.CodeDescription(href=f"{convert.DOCS}"),
        source="hermetic-scan",
        data={"target": verdict.label},
    )


server = HermeticScanServer()


@server.feature(lsp.INITIALIZE)
def initialize(ls: HermeticScanServer, params: lsp.InitializeParams) -> None:
    folders = params.workspace_folders or []
    uri = folders[0].uri if folders else params.root_uri
    if uri:
        ls.root = find_root(uri_to_path(uri))
    if isinstance(params.initialization_options, dict):
        ls.settings = dict(params.initialization_options)


@server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(ls: HermeticScanServer, params: lsp.DidChangeConfigurationParams) -> None:
    settings = params.settings if isinstance(params.settings, dict) else {}
    ls.settings = dict(settings.get("hermeticScan", settings))
    ls.workspace_model = None
    await ls.schedule(0)


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: HermeticScanServer, params: lsp.DidOpenTextDocumentParams) -> None:
    ls.open_documents[params.text_document.uri] = params.text_document.text
    await ls.schedule(0)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: HermeticScanServer, params: lsp.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    if uri not in ls.open_documents:
        return  # not opened: nothing to update (the protocol says didOpen comes first)
    for change in params.content_changes:
        if isinstance(change, lsp.TextDocumentContentChangeWholeDocument):
            ls.open_documents[uri] = change.text
        else:
            ls.open_documents[uri] = ls.workspace.get_text_document(uri).source
    rel = ls.relative(uri)
    if (
        rel is not None
        and (rel.endswith(".bzl") or rel.rsplit("/", 1)[-1] in BUILD_FILES)
        and ls.loaded_by is not None
        and ls.workspace_model is not None
    ):
        ls.workspace_model.overlays[uri_to_path(uri).resolve()] = ls.open_documents[uri].encode("utf-8")
        ls.index_loads(rel)  # its load() statements may have changed
    await ls.schedule(float(ls.settings.get("debounceMs", DEBOUNCE_SECONDS * 1000)) / 1000)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
async def did_save(ls: HermeticScanServer, params: lsp.DidSaveTextDocumentParams) -> None:
    ls.workspace_model = None  # files may have appeared on disk
    await ls.schedule(0)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: HermeticScanServer, params: lsp.DidCloseTextDocumentParams) -> None:
    ls.open_documents.pop(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(
        lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
    )
    await ls.schedule(0)


@server.feature(
    lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix])
)
def code_action(ls: HermeticScanServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    result = ls.result or ls.analyze()
    if result is None:
        return []
    return code_actions(result, params, ls.relative(params.text_document.uri), ls.root)


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def hover(ls: HermeticScanServer, params: lsp.HoverParams) -> lsp.Hover | None:
    result = ls.result or ls.analyze()
    rel = ls.relative(params.text_document.uri)
    if result is None or rel is None:
        return None
    text = hover_text(result, rel, params.position)
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text)) if text else None


def run() -> int:
    # Objects alive at start-up (grammars, compiled queries) never need collecting; fewer young
    # collections keep edit-to-diagnostics latency flat.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    server.start_io()
    return 0
