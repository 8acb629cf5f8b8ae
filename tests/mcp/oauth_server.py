"""A test peer: an MCP server protected by OAuth 2.1, built from the official MCP Python SDK
(PyPI `mcp`, see scripts/py-mcp.sh), with its authorization server on the same origin.

Usage:
    PYTHONPATH=$(scripts/py-mcp.sh) python3 tests/mcp/oauth_server.py [--port N]
        [--hostile-metadata URL] [--require-resource] [--access-token-ttl SECONDS] [--no-stdin-watch]
    PYTHONPATH=$(scripts/py-mcp.sh) python3 tests/mcp/oauth_server.py --self-check

Serves on 127.0.0.1 (port 0, the default, picks a free one):
    /mcp                                        streamable HTTP; 401 + WWW-Authenticate without a token
    /.well-known/oauth-protected-resource/mcp   RFC 9728 metadata (path form, as the SDK places it)
    /.well-known/oauth-authorization-server     RFC 8414 metadata; issuer is http://127.0.0.1:PORT
    /register /authorize /token /revoke         the SDK's handlers over the in-memory provider below
then prints one line `READY http://127.0.0.1:PORT/mcp` on stdout. Logs go to stderr. The process
exits when its stdin reaches end of file (unless --no-stdin-watch) or on SIGTERM / SIGINT.

/authorize approves at once (no login page): it redirects (302) to the client's redirect_uri with
`code` and `state`. Scope "mcp" is required on /mcp; it is every client's default scope. A
`resource` parameter, when sent, must name http://127.0.0.1:PORT/mcp (else `invalid_target`);
with --require-resource it is mandatory and tokens without it are refused at /mcp.
--hostile-metadata URL (or env OAUTH_PEER_HOSTILE_METADATA) makes the protected-resource metadata
name URL as the authorization server.

Tools: `whoami` -> "authorized client <client_id> with scopes <scopes>"; `echo` {"text"} -> text;
`token_info` -> JSON of the caller's token as recorded (client_id, scopes, resource, expires_at).
"""

import argparse
import asyncio
import base64
import hashlib
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import parse_qs, urlparse

from pydantic import AnyHttpUrl

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    RefreshToken,
    TokenError,
    construct_redirect_uri,
)
from mcp.server.auth.routes import build_resource_metadata_url, create_protected_resource_routes
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from mcp.server.mcpserver import MCPServer
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

log = logging.getLogger("oauth-peer")

SCOPE = "mcp"
CODE_TTL = 300  # seconds an authorization code stays redeemable


def _same_resource(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


class MemoryProvider:
    """The storage side of the SDK's authorization server, all in memory."""

    def __init__(self, resource_url: str, require_resource: bool, access_ttl: int):
        self.resource_url = resource_url
        self.require_resource = require_resource
        self.access_ttl = access_ttl
        self.clients: dict[str, OAuthClientInformationFull] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.redeemed: dict[str, str] = {}  # spent code -> access token it produced
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}
        self.pair: dict[str, str] = {}  # access <-> refresh, both directions

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        return self.clients.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        self.clients[client_info.client_id] = client_info
        log.info(
            "registered client %s (auth %s, redirect_uris %s, scope %r)",
            client_info.client_id,
            client_info.token_endpoint_auth_method,
            [str(u) for u in client_info.redirect_uris or []],
            client_info.scope,
        )

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        log.info("authorize client %s scopes %s resource %r", client.client_id, params.scopes, params.resource)
        if params.resource is not None and not _same_resource(params.resource, self.resource_url):
            raise AuthorizeError("invalid_target", f"this server is {self.resource_url}, not {params.resource}")
        if params.resource is None and self.require_resource:
            raise AuthorizeError("invalid_request", "the resource parameter (RFC 8707) is required")
        scopes = params.scopes if params.scopes is not None else (client.scope or "").split()
        code = secrets.token_urlsafe(32)
        self.codes[code] = AuthorizationCode(
            code=code,
            scopes=scopes,
            expires_at=time.time() + CODE_TTL,
            client_id=client.client_id,
            code_challenge=params.code_challenge,
            redirect_uri=params.redirect_uri,
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            resource=params.resource,
        )
        return construct_redirect_uri(str(params.redirect_uri), code=code, state=params.state)

    async def load_authorization_code(self, client: OAuthClientInformationFull, code: str) -> AuthorizationCode | None:
        if code in self.redeemed:  # a replayed code: withdraw what it was exchanged for (RFC 6749 §4.1.2)
            log.warning("authorization code replayed; revoking the tokens it produced")
            self._drop_access(self.redeemed.pop(code))
            return None
        found = self.codes.get(code)
        return found if found is not None and found.client_id == client.client_id else None

    async def exchange_authorization_code(self, client: OAuthClientInformationFull, code: AuthorizationCode) -> OAuthToken:
        if self.codes.pop(code.code, None) is None:
            raise TokenError("invalid_grant", "authorization code already used")
        token = self._issue(client.client_id, code.scopes, code.resource)
        self.redeemed[code.code] = token.access_token
        return token

    async def load_refresh_token(self, client: OAuthClientInformationFull, refresh_token: str) -> RefreshToken | None:
        found = self.refresh.get(refresh_token)
        return found if found is not None and found.client_id == client.client_id else None

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: RefreshToken, scopes: list[str]
    ) -> OAuthToken:
        # Rotation: the presented refresh token is spent; the access token issued with it stays
        # valid until it expires or is revoked.
        if self.refresh.pop(refresh_token.token, None) is None:
            raise TokenError("invalid_grant", "refresh token already used")
        self.pair.pop(refresh_token.token, None)
        log.info("refreshed tokens for client %s scopes %s", client.client_id, scopes)
        return self._issue(client.client_id, scopes, refresh_token.resource)

    async def load_access_token(self, token: str) -> AccessToken | None:
        found = self.access.get(token)
        if found is not None and found.expires_at is not None and found.expires_at < time.time():
            self._drop_access(token)
            return None
        return found

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        log.info("revoking %s of client %s", type(token).__name__, token.client_id)
        if isinstance(token, AccessToken):
            self._drop_access(token.token)
        else:
            self._drop_refresh(token.token)

    def _issue(self, client_id: str, scopes: list[str], resource: str | None) -> OAuthToken:
        access, refresh = "at_" + secrets.token_urlsafe(32), "rt_" + secrets.token_urlsafe(32)
        expires_at = int(time.time()) + self.access_ttl
        self.access[access] = AccessToken(
            token=access, client_id=client_id, scopes=scopes, expires_at=expires_at, resource=resource
        )
        self.refresh[refresh] = RefreshToken(token=refresh, client_id=client_id, scopes=scopes, resource=resource)
        self.pair[access], self.pair[refresh] = refresh, access
        return OAuthToken(access_token=access, expires_in=self.access_ttl, scope=" ".join(scopes), refresh_token=refresh)

    def _drop_access(self, token: str) -> None:
        self.access.pop(token, None)
        partner = self.pair.pop(token, None)
        if partner is not None:
            self.refresh.pop(partner, None)
            self.pair.pop(partner, None)

    def _drop_refresh(self, token: str) -> None:
        self.refresh.pop(token, None)
        partner = self.pair.pop(token, None)
        if partner is not None:
            self.access.pop(partner, None)
            self.pair.pop(partner, None)


def build_app(port: int, hostile: str | None, require_resource: bool, access_ttl: int):
    base = f"http://127.0.0.1:{port}"
    resource = f"{base}/mcp"
    provider = MemoryProvider(resource, require_resource, access_ttl)
    server = MCPServer(
        name="oauth-test-peer",
        auth_server_provider=provider,
        auth=AuthSettings(
            issuer_url=base,  # a string: AuthSettings keeps it without a trailing slash
            resource_server_url=resource,
            required_scopes=[SCOPE],
            client_registration_options=ClientRegistrationOptions(
                enabled=True, valid_scopes=[SCOPE], default_scopes=[SCOPE]
            ),
            revocation_options=RevocationOptions(enabled=True),
            validate_token_resource=require_resource,
        ),
    )

    @server.tool(description="Say which OAuth client and scopes the call was authorized with.", structured_output=False)
    def whoami() -> str:
        token = get_access_token()
        if token is None:
            return "no access token"
        return f"authorized client {token.client_id} with scopes {' '.join(token.scopes)}"

    @server.tool(description="Return the given text unchanged.", structured_output=False)
    def echo(text: str) -> str:
        return text

    @server.tool(description="The caller's access token as the server recorded it, as JSON.", structured_output=False)
    def token_info() -> str:
        token = get_access_token()
        if token is None:
            return "null"
        recorded = {"client_id": token.client_id, "scopes": token.scopes, "resource": token.resource}
        return json.dumps({**recorded, "expires_at": token.expires_at})

    app = server.streamable_http_app(streamable_http_path="/mcp", host="127.0.0.1")
    if hostile:
        # Same path as the SDK's own route; the SDK route is removed so this one answers.
        prm_path = urlparse(str(build_resource_metadata_url(AnyHttpUrl(resource)))).path
        app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) != prm_path]
        app.router.routes.extend(
            create_protected_resource_routes(
                resource_url=AnyHttpUrl(resource),
                authorization_servers=[AnyHttpUrl(hostile)],
                scopes_supported=[SCOPE],
            )
        )
        log.warning("protected-resource metadata names %s as the authorization server", hostile)
    return app


def watch_stdin(server) -> None:
    """Ask uvicorn to stop once stdin reaches end of file; force the exit if that stalls."""

    def run() -> None:
        try:
            while sys.stdin.buffer.read1(65536):
                pass
        except (OSError, ValueError):
            pass
        log.info("stdin closed; shutting down")
        server.should_exit = True
        threading.Timer(10, os._exit, (0,)).start()

    threading.Thread(target=run, name="stdin-watch", daemon=True).start()


async def serve(args) -> None:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    port = sock.getsockname()[1]
    hostile = args.hostile_metadata or os.environ.get("OAUTH_PEER_HOSTILE_METADATA") or None
    app = build_app(port, hostile, args.require_resource, args.access_token_ttl)
    config = uvicorn.Config(app, log_config=None, lifespan="on", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            await task
            raise SystemExit("server failed to start")
        await asyncio.sleep(0.02)
    print(f"READY http://127.0.0.1:{port}/mcp", flush=True)
    if not args.no_stdin_watch and sys.stdin is not None:
        watch_stdin(server)
    await task


# ---------------------------------------------------------------------------------------------
# --self-check: run a copy of this server and exercise it from outside, as a client would.


class CheckFailed(Exception):
    pass


def expect(cond, what: str) -> None:
    if not cond:
        raise CheckFailed(what)
    print(f"ok   {what}", file=sys.stderr, flush=True)


def spawn(*extra: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--port", "0", *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline().strip()
    if not line.startswith("READY "):
        proc.kill()
        raise CheckFailed(f"no READY line (got {line!r})")
    return proc, line.split(" ", 1)[1]


def stop(proc: subprocess.Popen) -> int:
    proc.stdin.close()
    return proc.wait(timeout=20)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


async def call_tools(url: str, token: str | None, auth=None) -> dict[str, str]:
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    headers = {"Authorization": f"Bearer {token}"} if token else None
    out = {}
    async with create_mcp_http_client(headers=headers, auth=auth) as http:
        async with streamable_http_client(url, http_client=http) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                out["tools"] = " ".join(sorted(t.name for t in (await session.list_tools()).tools))
                for name, arguments in (("whoami", {}), ("echo", {"text": "hello, peer"}), ("token_info", {})):
                    result = await session.call_tool(name, arguments)
                    out[name] = "".join(getattr(c, "text", "") for c in result.content)
    return out


async def manual_dance(url: str) -> None:
    import httpx2

    origin = url.rsplit("/mcp", 1)[0]
    redirect_uri = "http://127.0.0.1:1/callback"
    async with httpx2.AsyncClient(follow_redirects=False, timeout=30) as http:
        ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        r = await http.post(url, json=ping)
        www = r.headers.get("www-authenticate", "")
        prm_url = f"{origin}/.well-known/oauth-protected-resource/mcp"
        expect(r.status_code == 401, "unauthenticated POST /mcp is 401")
        expect(www.startswith("Bearer ") and f'resource_metadata="{prm_url}"' in www, f"WWW-Authenticate: {www}")

        prm = (await http.get(prm_url)).json()
        expect(prm["resource"] == url and prm["authorization_servers"] == [origin], f"PRM {prm_url}: {prm}")
        asm_url = f"{origin}/.well-known/oauth-authorization-server"
        asm = (await http.get(asm_url)).json()
        expect(
            asm["issuer"] == origin
            and asm["registration_endpoint"] == f"{origin}/register"
            and asm["revocation_endpoint"] == f"{origin}/revoke"
            and asm["code_challenge_methods_supported"] == ["S256"],
            f"AS metadata {asm_url}: {asm}",
        )

        r = await http.post(
            asm["registration_endpoint"],
            json={
                "client_name": "self-check",
                "redirect_uris": [redirect_uri],
                "grant_types": ["authorization_code", "refresh_token"],
            },
        )
        client = r.json()
        registered = r.status_code == 201 and client.get("client_id") and client.get("client_secret")
        expect(registered, f"registered: {client}")
        cid, secret = client["client_id"], client["client_secret"]

        async def authorize(challenge: str, state: str, **extra: str):
            params = {
                "response_type": "code",
                "client_id": cid,
                "redirect_uri": redirect_uri,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "state": state,
                **extra,
            }
            r = await http.get(asm["authorization_endpoint"], params=params)
            loc = r.headers.get("location", "")
            return r.status_code, loc, {k: v[0] for k, v in parse_qs(urlparse(loc).query).items()}

        status, _, q = await authorize(pkce()[1], "s0", resource="http://127.0.0.1:1/elsewhere")
        refused = status == 302 and q.get("error") == "invalid_target" and q.get("state") == "s0"
        expect(refused, f"foreign resource refused: {q}")

        verifier, challenge = pkce()
        status, loc, q = await authorize(challenge, "s1", scope=SCOPE, resource=url)
        approved = status == 302 and loc.startswith(redirect_uri + "?") and q.get("state") == "s1" and q.get("code")
        expect(approved, f"authorize -> {loc[:60]}...")
        code = q["code"]

        token_form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": cid,
            "client_secret": secret,
            "resource": url,
        }
        r = await http.post(asm["token_endpoint"], data={**token_form, "code_verifier": pkce()[0]})
        expect(r.status_code == 400 and r.json()["error"] == "invalid_grant", f"wrong code_verifier refused: {r.json()}")
        r = await http.post(asm["token_endpoint"], data={**token_form, "code_verifier": verifier})
        tokens = r.json()
        issued = r.status_code == 200 and tokens["token_type"] == "Bearer" and tokens["scope"] == SCOPE
        expect(issued and tokens["expires_in"] == 3600, f"token: {sorted(tokens)}")
        r = await http.post(asm["token_endpoint"], data={**token_form, "code_verifier": verifier})
        expect(r.status_code == 400 and r.json()["error"] == "invalid_grant", "a spent code is refused")
        r = await http.post(url, headers={"Authorization": f"Bearer {tokens['access_token']}"}, json=ping)
        expect(r.status_code == 401, "replaying the code revoked the tokens it produced")

        # A fresh grant, used over MCP with the SDK client.
        verifier, challenge = pkce()
        _, _, q = await authorize(challenge, "s2", resource=url)
        r = await http.post(asm["token_endpoint"], data={**token_form, "code": q["code"], "code_verifier": verifier})
        tokens = r.json()
        out = await call_tools(url, tokens["access_token"])
        expect(out["tools"] == "echo token_info whoami", f"tools: {out['tools']}")
        expect(out["whoami"] == f"authorized client {cid} with scopes {SCOPE}", f"whoami: {out['whoami']}")
        expect(out["echo"] == "hello, peer", "echo")
        expect(json.loads(out["token_info"])["resource"] == url, f"token_info: {out['token_info']}")

        refresh_form = {"grant_type": "refresh_token", "client_id": cid, "client_secret": secret}
        r = await http.post(asm["token_endpoint"], data={**refresh_form, "refresh_token": tokens["refresh_token"]})
        fresh = r.json()
        rotated = fresh["refresh_token"] != tokens["refresh_token"] and fresh["access_token"] != tokens["access_token"]
        expect(r.status_code == 200 and rotated, "refresh rotates both tokens")
        r = await http.post(asm["token_endpoint"], data={**refresh_form, "refresh_token": tokens["refresh_token"]})
        expect(r.status_code == 400 and r.json()["error"] == "invalid_grant", "the old refresh token is spent")
        out = await call_tools(url, fresh["access_token"])
        expect(out["whoami"] == f"authorized client {cid} with scopes {SCOPE}", "whoami with the refreshed token")

        revoke_form = {"token": fresh["access_token"], "client_id": cid, "client_secret": secret}
        r = await http.post(asm["revocation_endpoint"], data=revoke_form)
        expect(r.status_code == 200, "revoke the access token")
        r = await http.post(url, headers={"Authorization": f"Bearer {fresh['access_token']}"}, json=ping)
        expect(r.status_code == 401, "a revoked access token is refused at /mcp")
        r = await http.post(asm["token_endpoint"], data={**refresh_form, "refresh_token": fresh["refresh_token"]})
        expect(r.status_code == 400, "revoking the access token also revoked its refresh token")


async def sdk_client_flow(url: str) -> None:
    """The SDK's own OAuth client discovers, registers and authorizes against this server."""
    import httpx2
    from mcp.client.auth import OAuthClientProvider
    from mcp.shared.auth import AuthorizationCodeResult, OAuthClientMetadata

    class Store:
        tokens = client = None

        async def get_tokens(self):
            return self.tokens

        async def set_tokens(self, tokens):
            self.tokens = tokens

        async def get_client_info(self):
            return self.client

        async def set_client_info(self, client_info):
            self.client = client_info

    landed: list[str] = []

    async def redirect_handler(authorization_url: str) -> None:
        async with httpx2.AsyncClient(follow_redirects=False) as http:
            landed.append((await http.get(authorization_url)).headers["location"])

    async def callback_handler() -> AuthorizationCodeResult:
        q = {k: v[0] for k, v in parse_qs(urlparse(landed[-1]).query).items()}
        return AuthorizationCodeResult(code=q["code"], state=q.get("state"))

    store = Store()
    auth = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(
            client_name="sdk-self-check", redirect_uris=["http://127.0.0.1:1/callback"]
        ),
        storage=store,
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
    )
    out = await call_tools(url, None, auth=auth)
    who = f"authorized client {store.client.client_id} with scopes {SCOPE}"
    expect(out["whoami"] == who, f"SDK OAuth client: {out['whoami']}")
    expect(json.loads(out["token_info"])["resource"] == url, f"SDK OAuth client sent resource: {out['token_info']}")


async def hostile_check(url: str, hostile: str) -> None:
    import httpx2

    origin = url.rsplit("/mcp", 1)[0]
    async with httpx2.AsyncClient() as http:
        www = (await http.post(url, json={})).headers.get("www-authenticate", "")
        prm = (await http.get(f"{origin}/.well-known/oauth-protected-resource/mcp")).json()
    expect(f'resource_metadata="{origin}/.well-known/oauth-protected-resource/mcp"' in www, "hostile: same WWW-Authenticate")
    expect(prm["authorization_servers"] == [hostile] and prm["resource"] == url, f"hostile PRM: {prm}")


def self_check() -> int:
    import anyio

    procs = []
    try:
        proc, url = spawn()
        procs.append(proc)
        print(f"server at {url}", file=sys.stderr, flush=True)
        anyio.run(manual_dance, url)
        anyio.run(sdk_client_flow, url)
        start = time.monotonic()
        rc = stop(proc)
        expect(rc == 0, f"exits {rc} within {time.monotonic() - start:.1f}s of stdin closing")

        hostile = "http://127.0.0.1:9/evil"
        proc, url = spawn("--hostile-metadata", hostile)
        procs.append(proc)
        anyio.run(hostile_check, url, hostile)
        proc.terminate()
        rc = proc.wait(timeout=20)
        expect(rc in (0, -15), f"exits ({rc}) on SIGTERM")
    except BaseException as e:  # the SDK raises exception groups from its task groups
        print(f"FAIL {e!r}", file=sys.stderr, flush=True)
        return 1
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    print("self-check passed", file=sys.stderr, flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--hostile-metadata", metavar="URL")
    parser.add_argument("--require-resource", action="store_true")
    parser.add_argument("--access-token-ttl", type=int, default=3600, metavar="SECONDS")
    parser.add_argument("--no-stdin-watch", action="store_true")
    parser.add_argument("--self-check", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if args.self_check:
        return self_check()
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
