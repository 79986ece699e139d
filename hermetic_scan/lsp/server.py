"""`hermetic-scan lsp`: diagnostics, quick fixes and hover over stdio, built on pygls.

Each analysis covers the open BUILD and .bzl documents, what they load and the files that load them
(read from disk or from other open buffers), so its cost follows what the user is editing; an open
script, template or .bazelrc is analyzed with the whole workspace, as `check` sees it. Options come
from the CLI's builder. Parse trees are kept between analyses of unchanged contents.
"""

from __future__ import annotations

import asyncio
import gc
import json
import re
import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from hermetic_scan import __version__
from hermetic_scan.config import Config, ConfigError, load_config
from hermetic_scan.engine import Result, analyze, attach_externals, with_discovered_externals
from hermetic_scan.inventory import TargetVerdict
from hermetic_scan.labels import LabelError, parse_label
from hermetic_scan.lsp import convert, transport
from hermetic_scan.lsp.actions import code_actions, hover_text
from hermetic_scan.model.native_rules import stands_in_for_native
from hermetic_scan.options import Options, OptionsError, Overrides, build_options
from hermetic_scan.workspace import BUILD_FILES, LoadSite, Repository, Workspace, discover, find_root

# Edits are coalesced rather than delayed: an analysis runs as soon as the server is idle, and
# changes that arrived while it ran are folded into the next one. `debounceMs` adds a fixed delay.
DEBOUNCE_SECONDS = 0.0
STARLARK_NAMES = {"BUILD", "BUILD.bazel", "WORKSPACE", "WORKSPACE.bazel", "MODULE.bazel", "REPO.bazel"}


def uri_to_path(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path))


def is_file_uri(uri: str) -> bool:
    parsed = urlparse(uri)
    return parsed.scheme == "file" and parsed.path.startswith("/")


class LatestParses(dict[tuple[Any, ...], object]):
    """The parse cache, keyed by (path, hash of the contents, ...): storing an entry for new contents
    of a path drops the entries of its older contents, so a buffer edited 2,000 times keeps one tree,
    not 2,000 (only one version of a file is current at a time)."""

    def __init__(self) -> None:
        super().__init__()
        self.by_path: dict[Path, set[tuple[Any, ...]]] = {}

    def __setitem__(self, key: tuple[Any, ...], value: object) -> None:
        keys = self.by_path.setdefault(key[0], set())
        for old in [k for k in keys if k[1] != key[1]]:
            keys.discard(old)
            super().pop(old, None)
        keys.add(key)
        super().__setitem__(key, value)

    def drop(self, path: Path) -> None:
        for key in self.by_path.pop(path, set()):
            super().pop(key, None)


class Protocol(LanguageServerProtocol):
    """pygls' protocol, with two holes closed: a change to a document that is not open is logged, not
    a KeyError shown to the user, and finished handlers of notifications are forgotten (pygls 2.1
    keeps the future of every notification in `_request_futures`, so memory grew with each edit)."""

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: lsp.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if unquote(params.text_document.uri) not in self.workspace.text_documents:
            transport.logger.warning(
                "didChange of %r, which is not open: ignored", params.text_document.uri[:200]
            )
            return
        yield from super().lsp_text_document__did_change(params)

    def handle_message(self, message: Any) -> None:
        super().handle_message(message)
        futures = getattr(self, "_request_futures", None)
        if isinstance(futures, dict):
            # Unfinished ones are requests in flight (theirs and ours); a finished request was
            # already removed when its response was sent.
            for key in [key for key, future in futures.items() if future.done()]:
                del futures[key]


class HermeticScanServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "hermetic-scan",
            __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Full,
            protocol_cls=Protocol,
        )
        self.root: Path | None = None
        self.workspace_model: Workspace | None = None
        self.settings: dict[str, Any] = {}
        self.open_documents: dict[str, str] = {}  # uri -> text
        self.result: Result | None = None
        self.generation = 0
        self.parse_cache = LatestParses()
        self.unsaved: set[str] = set()  # open buffers discovery did not see, listed by _list
        self.loaded_by: dict[str, set[str]] | None = None  # .bzl path -> .bzl and BUILD files loading it
        self.loads_of: dict[str, set[str]] = {}  # .bzl or BUILD path -> .bzl files it loads
        self.load_sites_of: dict[str, list[LoadSite]] = {}  # the same -> its loads of other repositories

    # -- analysis ---------------------------------------------------------------------------
    def ensure_workspace(self, uri: str | None = None) -> Workspace:
        if self.root is None:
            self.root = find_root(uri_to_path(uri)) if uri else Path.cwd()
        if self.workspace_model is None:
            options = with_discovered_externals(self.root, self.options())
            workspace = discover(self.root, options.exclude)
            attach_externals(workspace, options)
            workspace.parse_cache = self.parse_cache  # type: ignore[assignment]
            self.workspace_model = workspace
            self.unsaved = set()
            self.loaded_by = None
        return self.workspace_model

    def unindex_loads(self, file: str) -> None:
        """Forget what one file loads in the reverse index."""
        assert self.loaded_by is not None
        self.load_sites_of.pop(file, None)
        for target in self.loads_of.pop(file, set()):
            users = self.loaded_by.get(target)
            if users is not None:
                users.discard(file)
                if not users:  # labels typed one character at a time must not pile up
                    del self.loaded_by[target]

    def index_loads(self, bzl: str) -> None:
        """(Re)record the load() statements of one .bzl or BUILD file in the reverse index."""
        workspace = self.ensure_workspace()
        assert self.loaded_by is not None
        self.unindex_loads(bzl)
        try:
            text = workspace.read(workspace.root / bzl).decode("utf-8", errors="replace")
        except OSError:
            return
        package = bzl.rsplit("/", 1)[0] if "/" in bzl else ""
        targets = {t for t in (_label_path(label, package) for label in LOAD.findall(text)) if t is not None}
        self.loads_of[bzl] = targets
        self.load_sites_of[bzl] = _load_sites(bzl, text, workspace.main)
        for target in targets:
            self.loaded_by.setdefault(target, set()).add(bzl)

    def index_all_loads(self) -> dict[str, set[str]]:
        """The reverse index of loads, made from every Starlark file of the workspace the first time."""
        workspace = self.ensure_workspace()
        if self.loaded_by is None:
            self.loaded_by = {}
            self.loads_of = {}
            self.load_sites_of = {}
            for starlark in [*workspace.main.bzl_files, *workspace.main.build_files]:
                self.index_loads(starlark)
        assert self.loaded_by is not None
        return self.loaded_by

    def dependents(self, rel: str) -> set[str]:
        """.bzl and BUILD files that load `rel`, transitively: where its definitions get used by rules
        and its rules and macros by targets (a .bzl alone is analyzed as `check` sees it)."""
        loaded_by = self.index_all_loads()
        found: set[str] = set()
        pending = [rel]
        while pending:
            for parent in loaded_by.get(pending.pop(), set()):
                if parent not in found:
                    found.add(parent)
                    pending.append(parent)
        return found

    def creates_targets(self, bzl: str) -> bool:
        """Whether a .bzl file may have findings that come from the BUILD files using it: it calls
        `native.*` or `macro()`, defines a function that is not a rule's implementation (a macro, a
        helper a macro may call), or an executable rule (its launcher's findings are those of the
        targets that run it). A file of rule implementations alone is analyzed without those BUILD
        files (its rules' actions are analyzed whatever the targets), which keeps edits fast."""
        workspace = self.ensure_workspace()
        try:
            text = workspace.read(workspace.root / bzl).decode("utf-8", errors="replace")
        except OSError:
            return True
        if "native." in text or MACRO_CALL.search(text) or EXECUTABLE_RULE.search(text):
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

    def forget(self, uri: str) -> None:
        """A closed document leaves every cache: its parse trees, its overlay, its place in the reverse
        load index (re-read from disk when the file exists), its listing if it was never saved."""
        path = uri_to_path(uri).resolve()
        self.parse_cache.drop(path)
        workspace = self.workspace_model
        if workspace is None:
            return
        workspace.overlays.pop(path, None)
        rel = self.relative(uri)
        if rel is None:
            return
        if rel in self.unsaved:
            self.unsaved.discard(rel)
            _unlist(workspace, rel)
            if self.loaded_by is not None:
                self.unindex_loads(rel)
        elif self.loaded_by is not None and rel in self.loads_of:
            self.index_loads(rel)  # back to the file on disk

    def analyze(self) -> Result | None:
        if not self.open_documents:
            self.result = None  # nothing open: keep no model of closed documents
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
                if _list(workspace, rel):
                    self.unsaved.add(rel)
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
        if whole:
            workspace.load_sites = None
        else:
            self.index_all_loads()
            workspace.load_sites = [
                site for rel, sites in self.load_sites_of.items() if rel not in only for site in sites
            ]
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
    # A setting of the wrong shape is logged and ignored, never an exception: it would otherwise fail
    # every later analysis until the client sends better settings.
    profile = _setting(settings, "profile", dict) or {}
    tools = _setting(profile, "tools", list)

    def paths(values: list[object]) -> list[Path]:
        return [(root / str(value)).resolve() for value in values if "\0" not in str(value)]

    repos = _setting(settings, "repos", dict) or {}
    return Overrides(
        strict=bool(settings.get("strict", False)),
        profile_add=[str(t) for t in _setting(profile, "add", list) or []],
        profile_tools=[str(t) for t in tools] if tools is not None else None,
        repos={str(name): path for name in repos for path in paths([repos[name]])},
        external_dirs=paths(_setting(settings, "external", list) or []),
        bazel_version=str(settings["bazelVersion"]) if settings.get("bazelVersion") else None,
    )


def _setting(settings: dict[str, Any], name: str, kind: type) -> Any:
    value = settings.get(name)
    if value is None or isinstance(value, kind):
        return value
    transport.logger.warning("setting %r is not a %s: ignored", name, "table" if kind is dict else "list")
    return None


def _list(workspace: Workspace, rel: str) -> bool:
    """An open buffer for a file discovery did not see (new, unsaved) joins the main repository;
    whether it was added."""
    repo = workspace.main
    name = rel.rsplit("/", 1)[-1]
    package = rel.rsplit("/", 1)[0] if "/" in rel else ""
    if name in BUILD_FILES and rel not in repo.build_files:
        repo.build_files.append(rel)
        repo.packages.add(package)
        return True
    if name.endswith(".bzl") and rel not in repo.bzl_files:
        repo.bzl_files.append(rel)
        return True
    return False


def _unlist(workspace: Workspace, rel: str) -> None:
    """Undo _list for a buffer closed without being saved."""
    repo = workspace.main
    package = rel.rsplit("/", 1)[0] if "/" in rel else ""
    if rel in repo.build_files:
        repo.build_files.remove(rel)
        if not any((f.rsplit("/", 1)[0] if "/" in f else "") == package for f in repo.build_files):
            repo.packages.discard(package)
    elif rel in repo.bzl_files:
        repo.bzl_files.remove(rel)


LOAD = re.compile(r"""\bload\(\s*["']([^"']+)["']""")
MACRO_CALL = re.compile(r"\bmacro\s*\(")
IMPLEMENTATION = re.compile(r"\bimplementation\s*=\s*([A-Za-z_]\w*)")
TOP_LEVEL_DEF = re.compile(r"^def\s+([A-Za-z_]\w*)", re.M)
# `executable = True` as an argument of a top-level call (buildifier indents those by four): a rule
# whose launcher other targets may run, a genrule as its tool or a test through its args.
EXECUTABLE_RULE = re.compile(r"^ {4}executable\s*=\s*True\b", re.M)


# A top-level load() of another repository: its label (after the opening quote) and what follows.
LOAD_STATEMENT = re.compile(r"""^load\(\s*(["'])(?P<label>@[^"']+)\1(?P<rest>[^)]*)\)""", re.M)
LOADED_SYMBOL = re.compile(r"""(["'])([^"']+)\1""")


def _load_sites(rel: str, text: str, main: Repository) -> list[LoadSite]:
    """The loads of other repositories in a file, where `check`'s loader would report them."""
    sites = []
    for match in LOAD_STATEMENT.finditer(text):
        label = match.group("label")
        try:
            repository = parse_label(label, "", "").repo
        except LabelError:
            continue  # the loader reports it where it is, in every file
        quote = match.start("label") - 1
        line_start = text.rfind("\n", 0, quote) + 1
        symbols = [symbol for _, symbol in LOADED_SYMBOL.findall(match.group("rest"))]
        # As the loader decides: a label of another repository, whatever repository loads it.
        native = bool(symbols) and all(stands_in_for_native(label, symbol, main) for symbol in symbols)
        line, column = text.count("\n", 0, quote), quote - line_start
        sites.append(LoadSite(rel, line, column, label, repository, native))
    return sites


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
    ours = settings.get("hermeticScan", settings)
    ls.settings = dict(ours) if isinstance(ours, dict) else {}
    ls.workspace_model = None
    await ls.schedule(0)


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: HermeticScanServer, params: lsp.DidOpenTextDocumentParams) -> None:
    if not is_file_uri(params.text_document.uri):
        # untitled:, git:, a relative path: nothing on disk to analyze it with.
        transport.logger.warning("didOpen of %r: not a file URI, ignored", params.text_document.uri[:200])
        return
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
    if ls.open_documents.pop(params.text_document.uri, None) is None:
        return  # never opened (or not a file URI): nothing to clear
    ls.forget(params.text_document.uri)
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
    """Serve on stdin/stdout until `exit` (0 after `shutdown`, 1 without, as the specification
    says), the end of input (0) or a message over the size limit (1)."""
    transport.configure_logging()
    # Objects alive at start-up (grammars, compiled queries) never need collecting; fewer young
    # collections keep edit-to-diagnostics latency flat.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    writer = StdoutWriter(sys.stdout.buffer)
    server.protocol.set_writer(writer)

    def send(message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    dispatch = transport.Dispatcher(server.protocol, send)

    async def serve() -> int:
        async for body in transport.frames(transport.Reader(sys.stdin.buffer, server.thread_pool)):
            dispatch(body)
        return 0

    try:
        return asyncio.run(serve())
    except SystemExit as exit_:  # pygls' `exit` handler
        return exit_.code if isinstance(exit_.code, int) else 1
    except transport.MessageTooLarge as error:
        transport.logger.error("%s; exiting", error)
        return 1
    except BrokenPipeError:
        transport.logger.error("the client closed the connection; exiting")
        return 1
