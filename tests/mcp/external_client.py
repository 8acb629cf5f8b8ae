"""An external MCP client for the tests: the official MCP Python SDK (PyPI `mcp`), connecting
over streamable HTTP to the plugin's MCP server the way Claude Code or any other client would.

Usage: external_client.py URL  (token in MCP_TOKEN, may be empty; calls as JSON on stdin:
[{"name": ..., "arguments": {...}}, ...]). Prints one JSON object: the server's name, its
tools (name, readOnly), the session id, and each call's isError and text; or {"error": ...}
when the connection fails (with the HTTP status when there is one).
"""

import json
import os
import sys

import anyio
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def texts(result):
    return "\n".join(getattr(c, "text", "") for c in result.content)


async def main():
    url = sys.argv[1]
    token = os.environ.get("MCP_TOKEN", "")
    calls = json.load(sys.stdin)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    out = {}
    async with create_mcp_http_client(headers=headers) as http:
        async with streamable_http_client(url, http_client=http) as (read, write):
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                out["server"] = init.server_info.name
                out["protocol"] = init.protocol_version
                listed = await session.list_tools()
                out["tools"] = [
                    {
                        "name": t.name,
                        "readOnly": bool(t.annotations and t.annotations.read_only_hint),
                        "schemaType": t.input_schema.get("type"),
                    }
                    for t in listed.tools
                ]
                out["calls"] = []
                for call in calls:
                    r = await session.call_tool(call["name"], call.get("arguments") or {})
                    out["calls"].append({"name": call["name"], "isError": bool(r.is_error), "text": texts(r)})
    print(json.dumps(out))


def status_of(e):
    seen = [e]
    while seen:
        x = seen.pop()
        resp = getattr(x, "response", None)
        if resp is not None and getattr(resp, "status_code", None):
            return resp.status_code
        seen.extend(getattr(x, "exceptions", []) or [])
        if x.__cause__ is not None:
            seen.append(x.__cause__)
        if x.__context__ is not None:
            seen.append(x.__context__)
    return None


try:
    anyio.run(main)
except BaseException as e:  # the SDK raises exception groups from its task groups
    print(json.dumps({"error": repr(e)[:2000], "status": status_of(e)}))
