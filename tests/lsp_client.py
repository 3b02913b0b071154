"""A minimal LSP client for tests: runs ``qlang lsp`` as a subprocess and talks JSON-RPC
over its stdin/stdout with Content-Length framing, as an editor does."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any


class LspClient:
    def __init__(self, cwd: Path | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "qlang.cli", "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._id = 0
        self._inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # -- framing -------------------------------------------------------------------
    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                k, _, v = line.decode("ascii").partition(":")
                headers[k.strip().lower()] = v.strip()
            body = out.read(int(headers["content-length"]))
            self._inbox.put(json.loads(body))

    def _send(self, msg: dict[str, Any]) -> None:
        data = json.dumps({"jsonrpc": "2.0", **msg}).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"Content-Length: {len(data)}\r\n\r\n".encode("ascii") + data)
        self.proc.stdin.flush()

    # -- requests and notifications ------------------------------------------------
    def request(self, method: str, params: Any, timeout: float = 60.0) -> Any:
        self._id += 1
        rid = self._id
        self._send({"id": rid, "method": method, "params": params})
        while True:
            msg = self._inbox.get(timeout=timeout)
            if msg.get("id") == rid and "method" not in msg:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result")
            if "method" in msg and "id" in msg:  # a request from the server
                self._send({"id": msg["id"], "result": None})
            else:
                self.notifications.append(msg)

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def wait_notification(self, method: str, uri: str | None = None, timeout: float = 60.0) -> Any:
        """The next ``method`` notification (for ``uri``), skipping others."""
        for i, msg in enumerate(self.notifications):
            if msg.get("method") == method and (uri is None or msg["params"].get("uri") == uri):
                del self.notifications[i]
                return msg["params"]
        while True:
            msg = self._inbox.get(timeout=timeout)
            if msg.get("method") == method and (uri is None or msg["params"].get("uri") == uri):
                return msg["params"]
            if "method" in msg and "id" in msg:
                self._send({"id": msg["id"], "result": None})
            else:
                self.notifications.append(msg)

    # -- the editor's side -----------------------------------------------------------
    def initialize(self, root: Path) -> Any:
        result = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.resolve().as_uri(),
                "capabilities": {
                    "textDocument": {
                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                        "completion": {"completionItem": {"snippetSupport": True}},
                        "documentSymbol": {"hierarchicalDocumentSymbolSupport": True},
                        "synchronization": {"didSave": True},
                    },
                    "general": {"positionEncodings": ["utf-16"]},
                },
            },
        )
        self.notify("initialized", {})
        return result

    def open(self, uri: str, text: str, version: int = 1) -> Any:
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "qlang", "version": version, "text": text}},
        )
        return self.wait_notification("textDocument/publishDiagnostics", uri)

    def change(self, uri: str, version: int, changes: list[dict[str, Any]]) -> Any:
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes},
        )
        return self.wait_notification("textDocument/publishDiagnostics", uri)

    def at(self, method: str, uri: str, line: int, character: int, **extra: Any) -> Any:
        return self.request(
            method,
            {
                "textDocument": {"uri": uri},
                "position": {"line": line, "character": character},
                **extra,
            },
        )

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - make sure the process goes away
            self.proc.kill()
            self.proc.wait()
