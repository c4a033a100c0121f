"""A local stand-in for the Hugging Face Hub, serving model repositories from a folder.

`FakeHub(root)` serves `<root>/<org>/<name>/...` as the repository "org/name" over the HTTP
protocol the installed huggingface_hub client speaks (point HF_ENDPOINT at `hub.url`):

- `GET /api/models/{repo}[/revision/{rev}]`: model info with `sha` and `siblings` (sizes with
  `?blobs=true`);
- `GET /api/models/{repo}/tree/{rev}[/{path}]?recursive=true`: the file listing;
- `HEAD`/`GET /{repo}/resolve/{rev}/{path}`: the file, with `X-Repo-Commit`, `ETag` (sha256 for
  LFS-like files, as the Hub does) and `Content-Length`; `Range: bytes=N-` answers 206.

No Xet headers are sent, so the client downloads over plain HTTP. Errors carry the Hub's
`X-Error-Code` (RepoNotFound as 401, RevisionNotFound, EntryNotFound, GatedRepo as 401 without
a token and 403 with a wrong one). The commit of a repository is a hash of its files' names,
sizes and modification times, so editing the folder makes a new commit.

Tests steer it: `gated` (repos that need `Authorization: Bearer <token>`), `fail_get(path)`
(answer that file's next GET with a 500), `cut_get(path, after)` (send that file's next GET
`after` bytes, then drop the connection); `requests` records (method, path, range) per request.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

LFS_SUFFIXES = (".safetensors", ".bin", ".model")
TOKEN = "hf_granted"  # the token that opens gated repositories


class HubError(Exception):
    def __init__(self, status: int, code: str | None, message: str):
        self.status, self.code, self.message = status, code, message


class FakeHub:
    def __init__(self, root: str | Path, token: str = TOKEN):
        self.root = Path(root)
        self.token = token
        self.gated: set[str] = set()
        self.requests: list[tuple[str, str, str | None]] = []
        self._fail: set[str] = set()
        self._cut: dict[str, int] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.gated.clear()
            self.requests.clear()
            self._fail.clear()
            self._cut.clear()

    def fail_get(self, path: str) -> None:
        """Answer the next GET of `path` ("org/name/file") with a 500."""
        with self.lock:
            self._fail.add(path)

    def cut_get(self, path: str, after: int) -> None:
        """Send `after` bytes of the next GET of `path`, then drop the connection."""
        with self.lock:
            self._cut[path] = after

    def gets(self) -> list[str]:
        """The files asked for with GET, as "org/name/file" (a resumed one appears twice)."""
        found = []
        for method, path, _ in self.requests:
            parts = path.strip("/").split("/")
            if method == "GET" and len(parts) > 4 and parts[2] == "resolve":
                found.append(unquote("/".join(parts[:2] + parts[4:])))
        return found

    # --- repositories -----------------------------------------------------------------------

    def files(self, repo: str) -> dict[str, Path]:
        folder = self.root / repo
        return {
            p.relative_to(folder).as_posix(): p
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).as_posix().startswith(".")
        }

    def sha(self, repo: str) -> str:
        digest = hashlib.sha1(repo.encode())  # noqa: S324 - an id, as git's
        for name, path in self.files(repo).items():
            stat = path.stat()
            digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        return digest.hexdigest()

    def _repo(self, repo: str, revision: str | None) -> str:
        if not (self.root / repo).is_dir():
            raise HubError(401, "RepoNotFound", "Repository not found")
        sha = self.sha(repo)
        if revision not in (None, "main", sha):
            raise HubError(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        return sha

    def _entry(self, name: str, path: Path, with_size: bool = True) -> dict:
        data = path.read_bytes()
        entry = {"oid": hashlib.sha1(data).hexdigest()}  # noqa: S324
        if with_size:
            entry["size"] = len(data)
        if name.endswith(LFS_SUFFIXES):
            sha256 = hashlib.sha256(data).hexdigest()
            entry["lfs"] = {"oid": sha256, "sha256": sha256, "size": len(data), "pointerSize": 134}
        return entry

    def model_info(self, repo: str, revision: str | None, blobs: bool) -> dict:
        sha = self._repo(repo, revision)
        siblings = []
        for name, path in self.files(repo).items():
            entry = self._entry(name, path, with_size=blobs)
            siblings.append({"rfilename": name, "blobId": entry["oid"], **entry})
        return {
            "_id": sha[:24],
            "id": repo,
            "modelId": repo,
            "sha": sha,
            "private": False,
            "gated": "manual" if repo in self.gated else False,
            "disabled": False,
            "library_name": "diffusers",
            "tags": ["diffusers"],
            "siblings": siblings,
        }

    def tree(self, repo: str, revision: str, under: str, recursive: bool) -> list[dict]:
        self._repo(repo, revision)
        prefix = f"{under}/" if under else ""
        entries, folders = [], set()
        for name, path in self.files(repo).items():
            if not name.startswith(prefix):
                continue
            rest = name[len(prefix) :]
            if "/" in rest and not recursive:
                folders.add(prefix + rest.split("/")[0])
                continue
            if recursive:
                parts = name.split("/")[:-1]
                folders.update("/".join(parts[: i + 1]) for i in range(len(parts)))
            entries.append({"type": "file", "path": name, **self._entry(name, path)})
        dirs = [{"type": "directory", "path": d, "oid": "0" * 40, "size": 0} for d in folders]
        return sorted(dirs, key=lambda d: d["path"]) + entries

    def resolve(self, repo: str, revision: str, name: str, authorization: str | None):
        sha = self._repo(repo, revision)
        if repo in self.gated:
            if not authorization:
                raise HubError(401, "GatedRepo", f"Access to model {repo} is restricted.")
            if authorization != f"Bearer {self.token}":
                raise HubError(403, "GatedRepo", f"Access to model {repo} is restricted.")
        path = self.files(repo).get(name)
        if path is None:
            raise HubError(404, "EntryNotFound", f"{name} does not exist on {revision}")
        entry = self._entry(name, path)
        etag = entry["lfs"]["oid"] if "lfs" in entry else entry["oid"]
        return sha, etag, path

    # --- HTTP -------------------------------------------------------------------------------

    def _handler_class(self):
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_HEAD(self):
                self._answer(head=True)

            def do_GET(self):
                self._answer(head=False)

            def _answer(self, head: bool):
                url = urlsplit(self.path)
                segments = [unquote(s) for s in url.path.strip("/").split("/")]
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                with hub.lock:
                    hub.requests.append((self.command, url.path, self.headers.get("Range")))
                try:
                    if segments[:2] == ["api", "models"]:
                        self._api(segments[2:], query)
                    elif len(segments) >= 5 and segments[2] == "resolve":
                        self._file(segments, head)
                    else:
                        raise HubError(404, None, f"no route {url.path}")
                except HubError as error:
                    self._error(error)

            def _api(self, segments, query):
                repo, rest = "/".join(segments[:2]), segments[2:]
                truthy = ("1", "true", "True")
                if rest[:1] == ["tree"] and len(rest) >= 2:
                    result = hub.tree(
                        repo, rest[1], "/".join(rest[2:]), query.get("recursive") in truthy
                    )
                elif rest[:1] == ["revision"] and len(rest) == 2:
                    result = hub.model_info(repo, rest[1], query.get("blobs") in truthy)
                elif not rest:
                    result = hub.model_info(repo, None, query.get("blobs") in truthy)
                else:
                    raise HubError(404, None, "no such API route")
                self._send(200, json.dumps(result).encode(), {"Content-Type": "application/json"})

            def _file(self, segments, head: bool):
                repo, revision, name = "/".join(segments[:2]), segments[3], "/".join(segments[4:])
                key = f"{repo}/{name}"
                range_header = self.headers.get("Range")
                sha, etag, path = hub.resolve(
                    repo, revision, name, self.headers.get("Authorization")
                )
                data = path.read_bytes()
                headers = {
                    "X-Repo-Commit": sha,
                    "ETag": f'"{etag}"',
                    "Accept-Ranges": "bytes",
                    "Content-Type": "application/octet-stream",
                }
                if head:
                    self._send(200, b"", {**headers, "Content-Length": str(len(data))}, head=True)
                    return
                with hub.lock:
                    fail = key in hub._fail
                    hub._fail.discard(key)
                    cut = hub._cut.pop(key, None)
                if fail:
                    raise HubError(500, None, "fake outage")
                status, start = 200, 0
                if range_header and range_header.startswith("bytes="):
                    first, _, last = range_header[6:].partition("-")
                    start, end = int(first), int(last) if last else len(data) - 1
                    headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
                    data, status = data[start : end + 1], 206
                if cut is None:
                    self._send(status, data, headers)
                    return
                self.send_response(status)
                for k, v in {**headers, "Content-Length": str(len(data))}.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data[:cut])
                self.wfile.flush()
                self.close_connection = True

            def _error(self, error: HubError):
                headers = {"Content-Type": "application/json", "X-Error-Message": error.message}
                if error.code:
                    headers["X-Error-Code"] = error.code
                body = json.dumps({"error": error.message}).encode()
                self._send(error.status, body, headers, head=self.command == "HEAD")

            def _send(self, status: int, body: bytes, headers: dict, head: bool = False):
                self.send_response(status)
                headers.setdefault("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if not head:
                    self.wfile.write(body)

        return Handler
