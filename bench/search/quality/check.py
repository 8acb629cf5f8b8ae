#!/usr/bin/env python3
"""Validates posts.jsonl and queries.jsonl beside this file and prints a summary.

    python3 bench/search/quality/check.py [DIR]

Exits 1 on any problem: malformed lines, missing or mistyped fields, ids that are not unique or
not 26 lowercase alphanumerics, a relevant id that names no post, a query with no or more than 5
relevant posts, an unknown category or language, fewer items than the set promises. For
identifier queries it also checks that every relevant post contains the query's identifier.
Standard library only.
"""
import collections
import json
import os
import re
import sys

CATEGORIES = ("identifier", "paraphrase", "multilingual", "keyword", "question")
LANGS = ("en", "de", "es", "fr", "ja")
MINIMUM = {"posts": 3000, "queries": 220, "identifier": 60, "paraphrase": 60, "multilingual": 40}
ID = re.compile(r"[a-z0-9]{26}")
QID = re.compile(r"q\d{3,}")
T2026 = (1767225600000, 1798761600000)  # [2026-01-01, 2027-01-01) in ms
# identifier-looking token: has a digit, an underscore, an inner capital or a dot between words
IDENT = re.compile(r"[#A-Za-z0-9][A-Za-z0-9_.:/#-]*[A-Za-z0-9]")
STOP = {
    "de": {"der", "die", "das", "und", "ist", "nicht", "mit", "ich", "bei", "auf", "wir", "sich", "kann", "für",
           "im", "am", "ab", "den", "dem", "ein", "eine", "hat", "wer", "heute", "jemand", "wieder", "noch"},
    "es": {"el", "los", "las", "que", "por", "para", "una", "del", "con", "no", "se", "está", "pide"},
    "fr": {"le", "les", "des", "est", "pour", "une", "avec", "dans", "pas", "sur", "qui", "ils", "chez"},
}


def lang_guess(text):
    if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text):
        return "ja"
    words = re.findall(r"[a-zà-ÿäöüßñ]+", text.lower())
    scores = {lang: sum(w in s for w in words) for lang, s in STOP.items()}
    best = max(scores, key=scores.get)
    en = sum(w in {"the", "and", "is", "to", "of", "for", "in", "it", "on", "with", "we", "you"} for w in words)
    return best if scores[best] >= 1 and scores[best] > en else "en"


def ident_of(query):
    toks = [t for t in IDENT.findall(query)
            if re.search(r"\d", t) or "_" in t or re.search(r"[a-z][A-Z]|\.[A-Za-z]", t) or t.isupper() and len(t) > 3]
    return max(toks, key=lambda t: (bool(re.search(r"\d", t)), len(t))) if toks else None


def load(path, errors):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                errors.append(f"{os.path.basename(path)}:{n}: empty line")
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{os.path.basename(path)}:{n}: not JSON: {e}")
                continue
            if not isinstance(obj, dict):
                errors.append(f"{os.path.basename(path)}:{n}: not an object")
                continue
            rows.append((n, obj))
    return rows


def main():
    here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    errors, warnings = [], []
    posts = load(os.path.join(here, "posts.jsonl"), errors)
    queries = load(os.path.join(here, "queries.jsonl"), errors)

    by_id = {}
    for n, p in posts:
        where = f"posts.jsonl:{n}"
        for k, t in (("id", str), ("channel", str), ("team", str), ("user", str), ("create_at", int), ("message", str)):
            if not isinstance(p.get(k), t) or isinstance(p.get(k), bool) or (t is str and not p.get(k)):
                errors.append(f"{where}: field {k!r} missing or not a non-empty {t.__name__}")
        pid = p.get("id")
        if isinstance(pid, str) and not ID.fullmatch(pid):
            errors.append(f"{where}: id {pid!r} is not 26 lowercase alphanumerics")
        if pid in by_id:
            errors.append(f"{where}: duplicate post id {pid}")
        by_id[pid] = p
        if isinstance(p.get("create_at"), int) and not T2026[0] <= p["create_at"] < T2026[1]:
            errors.append(f"{where}: create_at {p['create_at']} is not in 2026")

    seen_q, seen_text = set(), {}
    cats, langs, nrel = collections.Counter(), collections.Counter(), collections.Counter()
    targets_by_cat = collections.defaultdict(set)
    for n, q in queries:
        where = f"queries.jsonl:{n}"
        qid = q.get("id")
        if not isinstance(qid, str) or not QID.fullmatch(qid):
            errors.append(f"{where}: id {qid!r} is not like q001")
        if qid in seen_q:
            errors.append(f"{where}: duplicate query id {qid}")
        seen_q.add(qid)
        text = q.get("query")
        if not isinstance(text, str) or not text.strip():
            errors.append(f"{where}: empty query")
            continue
        if text in seen_text:
            errors.append(f"{where}: same query text as {seen_text[text]}")
        seen_text[text] = qid
        cat, lang, rel = q.get("category"), q.get("lang"), q.get("relevant")
        if cat not in CATEGORIES:
            errors.append(f"{where}: category {cat!r} not one of {CATEGORIES}")
        if lang not in LANGS:
            errors.append(f"{where}: lang {lang!r} not one of {LANGS}")
        cats[cat] += 1
        langs[lang] += 1
        if not isinstance(rel, list) or not 1 <= len(rel) <= 5:
            errors.append(f"{where}: 'relevant' must list 1 to 5 post ids")
            continue
        if len(set(rel)) != len(rel):
            errors.append(f"{where}: 'relevant' repeats an id")
        nrel[len(rel)] += 1
        for r in rel:
            if r not in by_id:
                errors.append(f"{where}: relevant id {r!r} is no post")
            else:
                targets_by_cat[cat].add(r)
        if cat == "identifier":
            ident = ident_of(text)
            if ident is None:
                warnings.append(f"{where}: no identifier-looking token in {text!r}")
            else:
                pat = re.compile(r"(?<![A-Za-z0-9_])v?" + re.escape(ident) + r"(?![A-Za-z0-9_])")
                for r in rel:
                    if r in by_id and not pat.search(by_id[r]["message"]):
                        errors.append(f"{where}: relevant post {r} does not contain {ident!r}")
                others = sum(1 for p in by_id.values() if p["id"] not in rel and pat.search(p["message"]))
                if others:
                    warnings.append(f"{where}: {others} non-relevant post(s) also contain {ident!r}")
        if cat == "multilingual" and lang == "en" and all(r in by_id and lang_guess(by_id[r]["message"]) == "en" for r in rel):
            warnings.append(f"{where}: multilingual query in English whose targets all look English")

    counts = {"posts": len(by_id), "queries": len(seen_q), **cats}
    for k, v in MINIMUM.items():
        if counts.get(k, 0) < v:
            errors.append(f"only {counts.get(k, 0)} {k}; the set promises at least {v}")

    # summary
    plangs = collections.Counter(lang_guess(p["message"]) for p in by_id.values())
    lens = sorted(len(p["message"]) for p in by_id.values())
    chans = collections.Counter(p["channel"] for p in by_id.values())
    teams = collections.Counter(p["team"] for p in by_id.values())
    users = {p["user"] for p in by_id.values()}
    print(f"posts: {len(by_id)} in {len(chans)} channels, {len(teams)} teams, {len(users)} users")
    if lens:
        print(f"  message length: median {lens[len(lens) // 2]}, max {lens[-1]}, "
              f"{sum(x > 1500 for x in lens)} over 1,500 chars")
        nonen = sum(v for k, v in plangs.items() if k != "en")
        print(f"  language (guessed): {dict(sorted(plangs.items()))}, non-English {100 * nonen / len(by_id):.1f}%")
    print(f"queries: {len(seen_q)}")
    for c in CATEGORIES:
        print(f"  {c:<13} {cats[c]:>4}   ({len(targets_by_cat[c])} distinct relevant posts)")
    print(f"  by lang: {dict(sorted(langs.items()))}; relevant per query: {dict(sorted(nrel.items()))}")
    for w in warnings:
        print("warning:", w)
    for e in errors[:50]:
        print("ERROR:", e)
    if len(errors) > 50:
        print(f"... and {len(errors) - 50} more errors")
    print("OK" if not errors else f"FAILED: {len(errors)} problem(s)")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
