#!/usr/bin/env python3
"""Assemble and verify the uploadable plugin bundle.

usage: bundle.py build <out.tar.gz> <go-os-arch>=<executable> [...]
       bundle.py verify <bundle.tar.gz>

The manifest inside the bundle lists exactly the executables that were built, keyed the way
the server looks them up (Go's GOOS-GOARCH), so an admin never gets a bundle that names a
missing file.
"""
import io
import json
import os
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ELF_MACHINE = {"amd64": 62, "arm64": 183}


def manifest():
    with open(os.path.join(ROOT, "plugin.json")) as f:
        return json.load(f)


def add_bytes(tar, name, data, mode=0o644):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


def add_file(tar, name, path, mode=0o644):
    with open(path, "rb") as f:
        add_bytes(tar, name, f.read(), mode)


def build(out, pairs):
    m = manifest()
    pid = m["id"]
    executables = {}
    files = []
    for pair in pairs:
        key, path = pair.split("=", 1)
        rel = f"server/dist/plugin-{key}"
        executables[key] = rel
        files.append((rel, path))
    m["server"] = {"executables": executables}
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with tarfile.open(out, "w:gz") as tar:
        for d in ["", "/server", "/server/dist", "/webapp", "/webapp/dist", "/assets"]:
            info = tarfile.TarInfo(pid + d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tar.addfile(info)
        add_bytes(tar, f"{pid}/plugin.json", (json.dumps(m, indent=4) + "\n").encode())
        for rel, path in files:
            add_file(tar, f"{pid}/{rel}", path, 0o755)
        add_file(tar, f"{pid}/{m['webapp']['bundle_path']}", os.path.join(ROOT, "webapp/dist/main.js"))
        assets = os.path.join(ROOT, "assets")
        for dirpath, dirnames, filenames in os.walk(assets):
            dirnames.sort()
            rel_dir = os.path.relpath(dirpath, assets)
            if rel_dir != ".":
                info = tarfile.TarInfo(f"{pid}/assets/{rel_dir}")
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            for name in sorted(filenames):
                rel = name if rel_dir == "." else f"{rel_dir}/{name}"
                add_file(tar, f"{pid}/assets/{rel}", os.path.join(dirpath, name))
        add_file(tar, f"{pid}/LICENSE.txt", os.path.join(ROOT, "LICENSE"))
    print(f"wrote {out}")
    verify(out)


def fail(msg):
    print(f"bundle: {msg}", file=sys.stderr)
    sys.exit(1)


def verify(path):
    with tarfile.open(path, "r:gz") as tar:
        members = {m.name: m for m in tar.getmembers()}
        tops = {n.split("/")[0] for n in members}
        if len(tops) != 1:
            fail(f"expected one top folder, found {sorted(tops)}")
        top = tops.pop()
        m = json.load(tar.extractfile(f"{top}/plugin.json"))
        if m.get("id") != top or top != "mattermost-ai":
            fail(f"top folder {top!r} must be the plugin id mattermost-ai (manifest says {m.get('id')!r})")
        if m.get("name") != "Agents":
            fail("manifest name must be 'Agents'")
        settings = m.get("settings_schema", {}).get("settings", [])
        if [(s.get("key"), s.get("type")) for s in settings] != [("Config", "custom")]:
            fail("settings_schema must hold exactly one custom setting 'Config'")
        exes = m.get("server", {}).get("executables", {})
        if "linux-amd64" not in exes:
            fail("no linux-amd64 executable")
        for key, rel in exes.items():
            member = members.get(f"{top}/{rel}")
            if member is None:
                fail(f"{key}: {rel} is not in the bundle")
            if member.mode & 0o777 != 0o755:
                fail(f"{rel} has mode {oct(member.mode)}, want 0755")
            head = tar.extractfile(member).read(20)
            arch = key.split("-")[1]
            if head[:4] != b"\x7fELF" or int.from_bytes(head[18:20], "little") != ELF_MACHINE[arch]:
                fail(f"{rel} is not a {arch} ELF executable")
        for rel in [m["webapp"]["bundle_path"], m["icon_path"], "assets/prompts/conversation_system.tmpl"]:
            if f"{top}/{rel}" not in members:
                fail(f"{rel} is missing")
        size = os.path.getsize(path)
        print(f"bundle ok: {path} ({size / 1e6:.1f} MB) executables={sorted(exes)} version={m['version']}")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "build":
        build(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 3 and sys.argv[1] == "verify":
        verify(sys.argv[2])
    else:
        print(__doc__)
        sys.exit(2)
