#!/usr/bin/env python3
"""Generates the search-quality set: posts.jsonl and queries.jsonl beside this file.

    python3 bench/search/quality/generate.py          # rewrites both files, deterministically

The company (Lumora), its people, customers and every message are invented here. The labelled
targets and their distractors are written out below (section 'labelled targets'); the bulk is
filler made from templates. Standard library only.
"""
import base64
import hashlib
import json
import os
import random
import re
import sys
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))

SEED = 20260417
N_POSTS = 3200  # total, labelled targets included
rng = random.Random(SEED)

# --- organisation ------------------------------------------------------------------------------

CHANNELS = {  # name -> (team, filler weight, language mix)
    "town-square": ("engineering", 4, {"en": 1}),
    "off-topic": ("engineering", 5, {"en": 1}),
    "release": ("engineering", 5, {"en": 1}),
    "incidents": ("engineering", 5, {"en": 1}),
    "frontend": ("engineering", 6, {"en": 1}),
    "backend": ("engineering", 7, {"en": 1}),
    "infra": ("engineering", 6, {"en": 1}),
    "security": ("engineering", 3, {"en": 1}),
    "design": ("engineering", 3, {"en": 1}),
    "mobile": ("engineering", 4, {"en": 1}),
    "ci-builds": ("engineering", 5, {"en": 1}),
    "data-platform": ("engineering", 3, {"en": 1}),
    "support-escalations": ("support", 6, {"en": 1}),
    "support-intl": ("support", 9, {"de": 3, "es": 2, "fr": 2, "ja": 2, "en": 1}),
    "customer-acme": ("support", 4, {"en": 1}),
    "customer-kestrel": ("support", 3, {"en": 1}),
    "customer-nordhafen": ("support", 3, {"de": 3, "en": 1}),
    "kb-drafts": ("support", 2, {"en": 3, "de": 1, "es": 1, "fr": 1}),
    "sales-emea": ("sales", 4, {"en": 3, "de": 1, "fr": 1, "es": 1}),
    "sales-na": ("sales", 3, {"en": 4, "es": 1}),
    "deals": ("sales", 3, {"en": 1}),
    "hr-announcements": ("lumora", 2, {"en": 1}),
    "random": ("lumora", 5, {"en": 6, "de": 1}),
    "office-berlin": ("lumora", 3, {"de": 3, "en": 1}),
    "office-tokyo": ("lumora", 3, {"ja": 3, "en": 1}),
}

# username -> (teams, languages)
ENG, SUP, SAL, ALL = ("engineering",), ("support",), ("sales",), ("engineering", "support", "sales")
USERS = {
    "anna.keller": (ENG, "en de"), "ben.okafor": (ENG, "en"), "chris.nguyen": (ENG, "en"),
    "dana.whitfield": (ENG, "en"), "eli.novak": (ENG, "en"), "farah.haddad": (ENG, "en fr"),
    "greg.lindqvist": (ENG, "en"), "hannah.brooks": (ENG, "en"), "ivan.petrov": (ENG, "en"),
    "jonas.berg": (ENG, "en de"), "kira.matsumoto": (ENG, "en ja"), "leo.costa": (ENG, "en es"),
    "maya.rosen": (ENG, "en"), "nate.cho": (ENG, "en"), "olivia.grant": (ENG, "en"),
    "priya.raman": (ENG, "en"), "quentin.moreau": (ENG, "en fr"), "rahul.mehta": (ENG, "en"),
    "sam.ortiz": (ENG, "en es"), "tess.mulder": (ENG, "en de"),
    "lena.schmidt": (SUP, "de en"), "markus.weber": (SUP, "de en"), "nora.haas": (SUP, "de en"),
    "carlos.ruiz": (SUP, "es en"), "sofia.garcia": (SUP, "es en"), "camille.dubois": (SUP, "fr en"),
    "julien.martin": (SUP, "fr en"), "yuki.tanaka": (SUP, "ja en"), "haruto.sato": (SUP, "ja en"),
    "amy.lin": (SUP, "en"), "derek.shaw": (SUP, "en"),
    "victor.alvarez": (SAL, "es en"), "isabel.santos": (SAL, "en es"), "tom.fischer": (SAL, "de en"),
    "claire.bernard": (SAL, "fr en"), "kenji.watanabe": (SAL, "ja en"), "megan.ross": (SAL, "en"),
    "paul.adeyemi": (SAL, "en"),
    "rosa.jimenez": (ALL, "en es"), "walt.pierce": (ALL, "en"), "it-helpdesk": (ALL, "en"),
}
HR_USERS = ["rosa.jimenez", "walt.pierce", "it-helpdesk"]


def pick_user(channel, lang, r=rng):
    team = CHANNELS[channel][0]
    if channel == "hr-announcements":
        return r.choice(HR_USERS[:2])
    pool = [u for u, (teams, langs) in USERS.items()
            if (team == "lumora" or team in teams) and lang in langs.split() and u not in HR_USERS]
    if not pool:
        pool = [u for u, (teams, langs) in USERS.items() if lang in langs.split()]
    return r.choice(pool)


# --- time --------------------------------------------------------------------------------------

T0 = int(datetime(2026, 1, 5, tzinfo=timezone.utc).timestamp() * 1000)
T1 = int(datetime(2026, 12, 18, tzinfo=timezone.utc).timestamp() * 1000)
DAY = 86_400_000


def rand_time(r=rng):
    while True:
        t = r.randrange(T0, T1)
        d = datetime.fromtimestamp(t / 1000, tz=timezone.utc)
        if d.weekday() >= 5 and r.random() < 0.8:
            continue
        if not 6 <= d.hour <= 19 and r.random() < 0.85:
            continue
        return t


# --- vocabulary for filler ---------------------------------------------------------------------

SVC = ["api-gateway", "search-indexer", "notification-worker", "billing-svc", "push-proxy",
       "file-store", "job-server", "ws-hub", "plugin-host", "audit-log", "link-previewer",
       "ai-bridge", "export-worker", "calls-rtcd"]
HOST_FMT = ["k8s-node-{n:02d}", "pg-replica-{n:02d}", "ci-runner-{n:02d}", "es-data-{n:02d}",
            "app-{n:02d}.prod.eu", "app-{n:02d}.prod.us", "redis-cache-{n:02d}", "worker-{n:02d}.stg",
            "bastion-{n:02d}", "minio-{n:02d}"]
ERRS = ["HTTP 502", "HTTP 503", "HTTP 500", "ETIMEDOUT", "context deadline exceeded",
        "connection pool exhausted", "HTTP 504", "too many open files", "broken pipe",
        "i/o timeout", "EPIPE", "read: connection reset by peer"]
CUSTOMERS = ["Acme Logistics", "Kestrel Freight", "Stadtwerke Nordhafen", "Banco Solera",
             "Brightwater Insurance", "Maison Verdier", "Tanaka Seimitsu", "Halvorsen Marine",
             "Quillfield University", "Orbis Telecom", "Pinecrest Health", "Valmont Retail"]
PROSPECTS = ["Redgate Mining", "Sunfold Energy", "Corvid Analytics", "Lindqvist Bygg",
             "Alder & Finch", "Monteverde Foods", "Kaiser Kliniken", "Ostrava Rail",
             "Bluebeam Shipping", "Ferrante Moda", "Hoshino Robotics", "Palisade County"]
FEATURES = ["shared channels", "the AI summaries", "playbooks", "custom retention policies",
            "guest accounts", "the Jira integration", "message priority", "scheduled posts",
            "the new sidebar", "SAML group sync", "read receipts", "channel bookmarks",
            "post reminders", "the MS Teams bridge", "calls recording"]
COMPONENTS = ["channel header", "post menu", "emoji picker", "file preview modal", "thread viewer",
              "user profile popover", "search results panel", "sidebar", "composer toolbar",
              "system console nav", "invite modal", "notification settings page"]
FE_BUGS = ["flickers on hover", "overflows on narrow screens", "loses focus after send",
           "renders twice", "has wrong padding in compact mode", "ignores the theme color",
           "is cut off in Safari", "doesn't close on Esc"]
LIBS = [("react", "18.3.1"), ("webpack", "5.97.1"), ("pgx", "5.7.2"), ("golang.org/x/net", "0.33.0"),
        ("axios", "1.7.9"), ("redux", "5.0.1"), ("bleve", "2.4.4"), ("aws-sdk-go-v2", "1.32.7"),
        ("sharp", "0.33.5"), ("marked", "15.0.4"), ("typescript", "5.7.2"), ("gorilla/websocket", "1.5.3")]
ROOT = ["a missing index on the reactions table", "a retry storm after the gateway restart",
        "a connection leak in the new file-store client", "DNS TTLs we forgot to lower",
        "a bad config push to the edge", "a noisy neighbour on the shared node pool",
        "an expired internal certificate", "a slow query in the unread counts"]
PLACES = ["the pho place", "Curry 36", "the falafel truck", "the sushi bar downstairs",
          "that new ramen spot", "the Greek place", "the burrito place"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
WD_DE = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag"]
WD_ES = ["lunes", "martes", "miércoles", "jueves", "viernes"]
WD_FR = ["lundi", "mardi", "mercredi", "jeudi", "vendredi"]
WD_JA = ["月曜日", "火曜日", "水曜日", "木曜日", "金曜日"]
EMOJI = [" :+1:", " 🙏", " 🎉", " 😅", " :eyes:", " 🔥", " ✅", " :white_check_mark:", " 🤔", "",
         "", "", "", " :tada:", " 😬", " 👀"]
TESTS = ["TestPostStore/GetPostsSince", "channel_sidebar.spec.ts", "TestWebSocketReconnect",
         "TestUploadFileMultipart", "login_sso.cy.ts", "TestJobServerRetry", "emoji_picker.test.tsx",
         "TestSearchPostsInTeam"]
CI_FAIL = ["lint step (unused import)", "go vet in the plugin package", "the e2e shard 3 timeout",
           "docker push: denied", "the i18n extract check", "unit tests (1 failed)",
           "the license header check", "cache restore timeout"]
BRANCHES = ["master", "release-9.10", "release-9.12", "feature/ai-threads", "fix/ws-reconnect",
            "feature/scheduled-posts", "chore/deps-bump"]
TABLES = ["fact_posts", "dim_users", "fact_sessions", "agg_channel_daily", "fact_licenses"]
SUP_ISSUE = ["slow channel loading in the morning", "missing avatars after a migration",
             "a mismatch in the license user count", "the desktop app not remembering zoom level",
             "bot posts not appearing in threads", "a question about data residency",
             "sidebar categories resetting", "a typo in their custom terms of service"]
DE_ISSUE = ["dass Kanäle morgens sehr langsam laden", "fehlende Profilbilder nach der Migration",
            "Probleme mit der Lizenzanzahl", "dass die Desktop-App den Zoom vergisst",
            "Bot-Nachrichten, die nicht im Thread erscheinen", "eine Frage zur Datenhaltung in der EU"]
ES_ISSUE = ["lentitud al abrir canales por la mañana", "avatares que faltan tras la migración",
            "un desajuste en el número de licencias", "que la app de escritorio olvida el zoom",
            "mensajes de bots que no aparecen en los hilos", "una duda sobre la residencia de datos"]
FR_ISSUE = ["des lenteurs au chargement des canaux le matin", "des avatars manquants après la migration",
            "un écart dans le nombre de licences", "l'appli desktop qui oublie le niveau de zoom",
            "des messages de bots absents des fils", "une question sur l'hébergement des données"]
JA_ISSUE = ["朝の時間帯にチャンネルの読み込みが遅い", "移行後にプロフィール画像が表示されない",
            "ライセンス数が合わない", "デスクトップアプリがズーム設定を保存しない",
            "ボットの投稿がスレッドに表示されない", "データの保管場所についての質問"]
WORKAROUND = {
    "de": ["Cache leeren", "Neustart der Desktop-App", "einem neuen Token", "dem Proxy-Ausnahmeeintrag"],
    "es": ["borrar la caché", "reiniciar la app", "un token nuevo", "la excepción en el proxy"],
    "fr": ["vider le cache", "redémarrer l'appli", "un nouveau jeton", "l'exception dans le proxy"],
    "ja": ["キャッシュのクリア", "アプリの再起動", "新しいトークンの発行", "プロキシの除外設定"],
}


def mk_host(r):
    return r.choice(HOST_FMT).format(n=r.randint(1, 29))


def mk_ver(r):
    return f"{r.choice([9, 9, 10])}.{r.randint(0, 12)}.{r.randint(0, 6)}"


def mk_ticket(r):
    k = r.random()
    if k < 0.45:
        return f"MM-{r.randint(40000, 58999)}"
    if k < 0.8:
        return f"SUP-{r.randint(1000, 2399)}"
    return f"INFRA-{r.randint(10, 620)}"


def mk_sticket(r):
    return f"SUP-{r.randint(1000, 2399)}"


def mk_hex(r, n=10):
    return "".join(r.choice("0123456789abcdef") for _ in range(n))


def fill(tpl, r, user=None):
    """Fills {slots} in a filler template."""
    lib, libver = r.choice(LIBS)
    slots = {
        "svc": r.choice(SVC), "svc2": r.choice(SVC), "host": mk_host(r), "err": r.choice(ERRS),
        "ver": mk_ver(r), "ticket": mk_ticket(r), "sticket": mk_sticket(r),
        "pr": f"#{r.randint(6000, 9999)}", "n": r.randint(2, 60), "n2": r.randint(61, 400),
        "pct": r.randint(71, 99), "pct2": f"{r.uniform(0.2, 3.5):.1f}", "time": f"{r.randint(7, 18)}:{r.choice(['00', '15', '30', '45'])}",
        "user": r.choice([u for u in USERS if u not in HR_USERS]), "cust": r.choice(CUSTOMERS),
        "prospect": r.choice(PROSPECTS), "feature": r.choice(FEATURES), "component": r.choice(COMPONENTS),
        "febug": r.choice(FE_BUGS), "lib": lib, "libver": libver, "root": r.choice(ROOT),
        "place": r.choice(PLACES), "wd": r.choice(WEEKDAYS), "wd_de": r.choice(WD_DE),
        "wd_es": r.choice(WD_ES), "wd_fr": r.choice(WD_FR), "wd_ja": r.choice(WD_JA),
        "hex": mk_hex(r), "sha": mk_hex(r, 8), "build": r.randint(80000, 99999), "test": r.choice(TESTS),
        "cifail": r.choice(CI_FAIL), "branch": r.choice(BRANCHES), "table": r.choice(TABLES),
        "supissue": r.choice(SUP_ISSUE), "de_issue": r.choice(DE_ISSUE), "es_issue": r.choice(ES_ISSUE),
        "fr_issue": r.choice(FR_ISSUE), "ja_issue": r.choice(JA_ISSUE),
        "wa_de": r.choice(WORKAROUND["de"]), "wa_es": r.choice(WORKAROUND["es"]),
        "wa_fr": r.choice(WORKAROUND["fr"]), "wa_ja": r.choice(WORKAROUND["ja"]),
        "e": r.choice(EMOJI), "q": r.randint(1, 4), "mobver": f"2.{r.randint(15, 26)}.{r.randint(0, 3)}",
        "region": r.choice(["eu-central", "us-east", "ap-northeast", "eu-west"]),
        "sev": r.choice(["SEV-2", "SEV-3", "SEV-3", "SEV-1"]), "seats": r.choice([50, 120, 250, 400, 800, 1500]),
        "plan": r.choice(["Professional", "Enterprise", "Enterprise Advanced"]),
        "device": r.choice(["Samsung A-series", "Pixel 7", "Xiaomi Redmi", "older Huawei devices"]),
        "ms": r.randint(40, 900), "mig": f"{r.randint(100, 180):06d}_{r.choice(['add_index', 'backfill', 'drop_column', 'alter_type'])}",
    }
    return tpl.format(**slots)


# filler templates per (channel group, language)
F = {}
F[("backend", "en")] = [
    "anyone else seeing {err} from {svc} on {host}? started around {time}",
    "PR {pr} is up, it reworks the retry logic in {svc}. @{user} could you take a look?{e}",
    "merged {pr}, should go out with {ver}",
    "{svc} p99 went from {n}ms to {n2}ms after the last deploy, looking into it",
    "this is what I get locally:\n```\n{time}:07.112 error [{svc}] request failed err=\"{err}\" attempt=3\n{time}:07.540 warn  [{svc}] giving up after 3 attempts\n```\nany idea?",
    "heads up: migration {mig} runs tonight, expect a few minutes of read-only on {svc}",
    "lgtm, ship it :shipit:",
    "can we bump {lib} to {libver}? there's a fix in it we want",
    "why is {svc} talking to {host} directly instead of going through the gateway?",
    "{ticket} is ready for QA{e}",
    "I'll refactor the store layer for {svc} this sprint, no behaviour change expected",
    "quick q: do we still need the legacy v3 endpoints in {svc}? grepping says nobody calls them",
    "added metrics for {svc} queue depth, dashboard in a bit",
    "the flaky {test} is back, pretty sure it's a race in the fixture setup",
    "benchmarks for {pr}: {n}% fewer allocations, same latency",
    "rebased {pr} on master, conflicts were only in the generated mocks",
    "{svc} logs are super noisy at info level, can we demote the 'cache miss' line to debug?",
    "is anyone touching the {svc} config this week? want to change the pool size",
    "pairing on {ticket} with @{user} after standup",
    "wrote up the design for moving {svc} to the job queue: https://wiki.lumora.example/eng/{hex}",
]
F[("frontend", "en")] = [
    "the {component} {febug}, screenshot: https://files.lumora.example/{hex}.png",
    "storybook for the {component} is updated{e}",
    "bundle size went up by {n}kb after adding {lib}, hmm",
    "{ticket}: {component} {febug}",
    "anyone know why the {component} re-renders on every websocket event?",
    "PR {pr} migrates the {component} to the new design tokens",
    "type errors on master after the {lib} {libver} bump, fixing",
    "can I get a review on {pr}? small one, {component} a11y labels",
    "reminder to run `npm run check` before pushing, CI is slow today",
    "playwright trace for the failing {test}: https://ci.lumora.example/artifacts/{hex}",
    "I think the {component} needs a loading skeleton, it jumps when data arrives",
    "nice, the {component} finally respects reduced motion{e}",
]
F[("infra", "en")] = [
    "draining {host} for kernel patching, back in ~{n} min",
    "disk on {host} at {pct}%, cleaning up old logs",
    "terraform plan for staging shows {n} changes, mostly tags. applying after lunch",
    "cert for {svc}.lumora.example renews in {n} days, cert-manager should handle it",
    "{ticket} done{e}",
    "rolled {svc} to {n} replicas in {region}",
    "node pool upgrade in {region} finished, no pod evictions failed",
    "who created the {host} instance? no owner tag",
    "backup restore drill went fine, {n} minutes for the full restore",
    "Grafana alert for {svc} memory was a false positive, tuned the threshold",
    "upgrading the ingress controller in staging at {time}",
    "can someone with prod access check why {host} shows {err} in the health checks?",
]
F[("incidents", "en")] = [
    "🔥 {sev} declared: {svc} returning {err} for {pct2}% of requests in {region}. IC: @{user}",
    "update: mitigation in place, error rate back under 1%. keeping the incident open for monitoring",
    "resolved. root cause looks like {root}. postmortem to follow",
    "status page updated{e}",
    "we're seeing elevated latency on {svc} in {region}, investigating",
    "rolling back {svc} to the previous image",
    "customer impact: {cust} reported {err} for about {n} minutes",
    "is this related to the {svc} deploy at {time}?",
    "paging the on-call for {svc}, no ack after 10 min",
]
F[("release", "en")] = [
    "release branch release-{ver} cut from master at {sha}",
    "{ver} rc{q} is on community-daily, please smoke test",
    "go/no-go for {ver} at {time} UTC",
    "{ver} is out 🎉 changelog: https://docs.lumora.example/changelog",
    "cherry-pick of {pr} into release-{ver} is approved",
    "QA sign-off for {ver}: {n} tests passed, 0 blockers",
    "please label your PRs with the milestone, release notes are due {wd}",
    "mobile {mobver} and desktop follow next week",
]
F[("ci-builds", "en")] = [
    "build #{build} on {branch} failed: {cifail}",
    "flaky test again: {test} (third time this week)",
    "runner {host} is stuck, restarting",
    "build #{build} green after the retry",
    "nightly e2e: {n} passed, 3 failed, all in {test}",
    "cache hit rate dropped to {pct2}0% today, no idea why",
    "docker layer cache got wiped, builds will be slow for a bit",
]
F[("security", "en")] = [
    "reminder: rotate your personal access tokens before the end of the month",
    "dependabot flagged {lib} {libver}. patch is trivial, PR {pr}",
    "phishing mail going around pretending to be from IT, don't click",
    "quarterly access review for prod starts {wd}, managers please watch your inbox",
    "the new SSO policy requires hardware keys for admins from next month",
    "scanned the {svc} image, {n} low findings, nothing critical",
]
F[("design", "en")] = [
    "new mocks for the {component}: https://figma.lumora.example/file/{hex}",
    "feedback on the {component} spacing?",
    "user testing session for the {component} on {wd}, need 2 volunteers",
    "updated the icon set, {n} new glyphs",
    "I think we should drop the shadow on the {component}, it feels heavy",
]
F[("mobile", "en")] = [
    "{mobver} build uploaded to TestFlight{e}",
    "android crash rate {pct2}% on {mobver}, mostly {device}",
    "Play Store rollout of {mobver} at {n}%",
    "the {component} on mobile {febug}",
    "detox tests are flaky on the iOS 18 simulator again",
]
F[("data-platform", "en")] = [
    "nightly ETL for {table} took {n2} min, usual is {n}",
    "dashboard for {table} updated",
    "dbt run failed on {table}: schema drift",
    "anyone using the old {table} view? planning to drop it",
]
F[("off-topic", "en")] = [
    "anyone up for lunch at {place}?", "coffee machine on 3rd floor is broken again ☕😭",
    "happy friday everyone!", "who's watching the match tonight?",
    "recommendations for a good mechanical keyboard?", "TIL you can pipe `journalctl` into `jq` with `-o json`{e}",
    "my cat just walked over my keyboard in a standup lol", "what podcasts are you all listening to?",
    "rain again... {e}", "does anyone have a spare USB-C charger?",
]
F[("random", "en")] = F[("off-topic", "en")] + [
    "birthday cake in the kitchen 🎂", "who left the umbrella in room 2?", "lol", "+1",
    "thanks all!", "good morning{e}",
]
F[("town-square", "en")] = [
    "welcome @{user} to the team! 👋", "all-hands moved to {wd} {time}",
    "reminder: fill in your timesheets", "slides from today's demo are in the shared drive",
    "congrats to the {svc} team for shipping{e}",
]
F[("support-escalations", "en")] = [
    "{cust} reports {supissue}, ticket {sticket}. priority P{q}. anyone free?",
    "{sticket} escalated to engineering, waiting on @{user}",
    "{sticket} closed, customer confirmed the workaround works{e}",
    "need a second pair of eyes on {sticket} ({cust}), logs attached",
    "{cust} wants a call about {sticket} tomorrow, can someone from backend join?",
    "support bundle from {cust} uploaded to the ticket",
]
F[("customer", "en")] = [
    "weekly sync with {cust} went fine, they asked about {feature}",
    "{cust} renewal is coming up, they're happy overall",
    "{cust} wants a roadmap session about {feature}",
    "sent {cust} the upgrade guide for {ver}",
    "{cust} admin asked how to bulk-deactivate users, pointed them at mmctl",
]
F[("kb-drafts", "en")] = [
    "draft KB article on {feature} — review welcome",
    "updated the troubleshooting page for {svc} errors",
    "KB about {supissue} is published",
]
F[("sales", "en")] = [
    "{prospect} signed! {seats} seats, {plan} plan 🎉",
    "demo with {prospect} on {wd}, they care about {feature}",
    "pipeline review: {n} deals in negotiation for Q{q}",
    "{prospect} went with a competitor, reason: price",
    "security questionnaire from {prospect}, 230 questions 😩",
    "anyone have a reference customer in the {plan} tier for {prospect}?",
]
F[("hr", "en")] = [
    "Reminder: timesheets are due this Friday.",
    "Please welcome our new colleague @{user} in {svc}!",
    "The office will be closed on {wd} for maintenance.",
    "Benefits enrollment window is open until the end of the month.",
]
F[("office-berlin", "en")] = ["anyone in the office today?", "lunch at {place}?", "the U-Bahn is down again, I'll be late"]
F[("office-tokyo", "en")] = ["who's in the Tokyo office today?", "team dinner on {wd}?"]

F[("support", "de")] = [
    "Kunde {cust} meldet {de_issue}. Ticket {sticket}. Kann sich das jemand anschauen?",
    "Hab {sticket} an die Entwicklung weitergegeben, Rückmeldung kommt hoffentlich morgen",
    "Der Workaround mit {wa_de} hat funktioniert, {sticket} kann zu{e}",
    "Weiß jemand, ob {feature} in {ver} schon drin ist? Der Kunde fragt danach",
    "{cust} hat ein Support-Bundle geschickt, liegt am Ticket {sticket}",
    "Telefonat mit {cust} war gut, sie wollen auf {ver} aktualisieren",
    "kurze Frage: wer kennt sich mit {feature} aus?",
    "{sticket}: Kunde meldet sich nicht mehr, ich schließe es {wd_de}",
]
F[("support", "es")] = [
    "El cliente {cust} reporta {es_issue}. Ticket {sticket}.",
    "Ya escalé {sticket} a ingeniería, @{user} lo está revisando",
    "¿Alguien sabe si {feature} está disponible en la {ver}?",
    "Listo, el cliente confirmó que funciona con {wa_es}{e}",
    "{cust} mandó los logs, están en {sticket}",
    "cierro {sticket} el {wd_es} si no responden",
]
F[("support", "fr")] = [
    "Le client {cust} signale {fr_issue}. Ticket {sticket}.",
    "J'ai escaladé {sticket} vers l'équipe technique",
    "Quelqu'un sait si {feature} est dispo dans la {ver} ?",
    "Le contournement avec {wa_fr} marche, je ferme {sticket}{e}",
    "{cust} a envoyé les journaux, c'est dans {sticket}",
    "appel avec {cust} {wd_fr}, ils veulent passer en {ver}",
]
F[("support", "ja")] = [
    "{cust}様から{ja_issue}との問い合わせがありました。チケット {sticket}",
    "{sticket} を開発チームにエスカレーションしました",
    "{ver}で{feature}は使えますか？お客様から質問がありました",
    "{wa_ja}で解決しました、{sticket} をクローズします🙏",
    "{cust}様のログを {sticket} に添付しました",
    "{sticket} の件、{wd_ja}までに回答します",
]
F[("office-berlin", "de")] = [
    "Mittagessen heute bei {place}? 🍜", "Kaffeemaschine im 2. Stock ist wieder kaputt...",
    "Ist heute jemand im Büro?", "Die S-Bahn fällt aus, ich komme später",
    "Paket für @{user} liegt am Empfang", "Wer hat den Schlüssel für Raum 4?",
    "Heute Abend Tischtennis? 🏓",
]
F[("office-tokyo", "ja")] = [
    "ランチ行く人いますか？", "今日オフィスにいる人いますか？", "@{user}さん宛の荷物が受付に届いています",
    "{wd_ja}の夜、チームで飲みに行きませんか？🍻", "会議室Bのプロジェクターが映りません",
    "台風のため本日は在宅勤務推奨です",
]
F[("sales", "de")] = ["Termin bei {prospect} am {wd_de}, Interesse an {feature}", "{prospect} braucht ein Angebot für {seats} Nutzer"]
F[("sales", "fr")] = ["Démo chez {prospect} {wd_fr}, ils s'intéressent à {feature}", "{prospect} demande un devis pour {seats} utilisateurs"]
F[("sales", "es")] = ["Demo con {prospect} el {wd_es}, les interesa {feature}", "{prospect} pide presupuesto para {seats} usuarios"]
F[("kb-drafts", "de")] = ["Entwurf KB-Artikel zu {feature}, Feedback willkommen"]
F[("kb-drafts", "es")] = ["Borrador de artículo KB sobre {feature}, se aceptan comentarios"]
F[("kb-drafts", "fr")] = ["Brouillon d'article KB sur {feature}, vos retours sont bienvenus"]
F[("random", "de")] = ["Hat jemand Lust auf Feierabendbier? 🍺", "Schönes Wochenende allerseits!"]
F[("mixed", "en")] = [  # support folks switching languages mid-message
    "{cust} sagt 'die Suche findet keine alten Nachrichten' — I think it's the index again, {sticket}",
    "el cliente {cust} dice que {es_issue}, can someone from backend check {sticket}?",
    "{cust} : « {fr_issue} » — sounds like {svc} again, see {sticket}",
    "{cust}様: {ja_issue} — ticket {sticket}, any idea?",
]

GROUP = {
    "support-intl": "support", "customer-acme": "customer", "customer-kestrel": "customer",
    "customer-nordhafen": "customer", "sales-emea": "sales", "sales-na": "sales", "deals": "sales",
    "hr-announcements": "hr",
}

# long filler: paragraphs per kind
LONG = {
    "postmortem": (["incidents"], [
        "## Postmortem: {svc} degradation ({sev})\n\n**Summary.** Between {time} and roughly an hour later, {svc} in {region} returned {err} for part of the traffic. About {pct2}% of requests were affected at the peak.",
        "**Timeline.** {time} first alert from the synthetic checks. +7 min the on-call acknowledged. +15 min we rolled back the last deploy of {svc}, which did not help. +31 min we found the real trigger and applied a mitigation. +48 min error rates were back to baseline.",
        "**Root cause.** The trigger was {root}. Under normal load this is invisible, but the traffic pattern on that day pushed the connection count past the limit and requests started queueing behind each other.",
        "**What went well.** Alerting fired within two minutes, the runbook for {svc} was current, and the status page was updated early. Customers such as {cust} noticed but did not escalate.",
        "**What went wrong.** The rollback was the first reflex even though the deploy was unrelated; this cost us fifteen minutes. The dashboard for {svc} did not show pool saturation at all.",
        "**Action items.** 1) add a saturation panel to the {svc} dashboard (owner @{user}); 2) alert on queue depth, not only on error rate; 3) write a game day for this failure mode; 4) review the connection limits of {svc2} as well.",
    ]),
    "weekly": (["town-square", "backend", "frontend", "infra"], [
        "### Weekly engineering update\n\nHi all, here's what happened this week across the teams. Short version: good progress on {feature}, one incident, hiring continues.",
        "**Backend.** {svc} now batches writes, which cut database CPU by about {n}% in staging. Work on {feature} continues; the API review is scheduled for {wd}. PR {pr} is the big one to look at.",
        "**Frontend.** The {component} was rebuilt with the new design tokens. We also fixed a long-standing issue where the {component} {febug}. Bundle size is flat despite the {lib} upgrade.",
        "**Infra.** Node pools in {region} were upgraded. We are testing a new storage class for the search cluster. Costs are roughly flat month over month.",
        "**Mobile.** {mobver} is in beta. Crash-free sessions are at 99.{n}%.",
        "**People.** Please welcome @{user}, who joined this week. We are still hiring for two SRE roles; referrals welcome.",
        "**Next week.** Planning for the next quarter, the {ver} release train, and a security review of {svc}.",
    ]),
    "release_notes": (["release"], [
        "## Release notes draft for {ver}\n\nThis is the draft, please comment inline before {wd}.",
        "**New.** {feature} is now generally available. Admins can enable it under System Console > Site Configuration. The {component} got a refresh and now follows the user's theme.",
        "**Improved.** Faster channel switching on large teams; {svc} uses less memory; the search results panel highlights matches in file names.",
        "**Fixed.** The {component} no longer {febug}. Webhooks with very long payloads are accepted again. Several accessibility fixes in the {component}.",
        "**Upgrade notes.** The database migration adds an index on a large table and can take several minutes on big installations. Take a backup first. Minimum supported Postgres is now 13.",
        "**Known issues.** On some Linux desktops the tray icon does not update its badge. A fix is planned for the next dot release.",
    ]),
    "rfc": (["backend", "data-platform", "infra"], [
        "# RFC: moving {svc} to an event-driven design\n\n**Status:** draft, comments welcome until {wd}.",
        "**Problem.** {svc} polls the database every few seconds for new work. With the growth of the last year this accounts for a surprising share of read load on the primary, and latency is bounded below by the poll interval.",
        "**Proposal.** Publish change events from the app servers into a durable queue and let {svc} consume them. Consumers become idempotent; ordering is only guaranteed per channel.",
        "**Alternatives.** Logical replication straight into {svc} (fewer moving parts, but couples us to the schema); or simply a shorter poll interval (cheap, but makes the load problem worse).",
        "**Rollout.** Shadow mode first, comparing outputs for two weeks, then flip per region starting with {region}. Rollback is a config flag.",
        "**Open questions.** How do we backfill after an outage of the queue? Do we need exactly-once for the billing consumers? Who owns the queue operationally?",
    ]),
    "qbr": (["customer-acme", "customer-kestrel", "sales-emea", "sales-na"], [
        "**Quarterly business review notes — {cust}**\n\nAttendees: their IT lead, two admins, @{user} and me.",
        "**Usage.** Active users grew by {n}% quarter over quarter. Most activity is in operations channels; adoption in finance is still low.",
        "**Feedback.** They like {feature}. Main complaints: search quality for older messages and the mobile login flow with their identity provider.",
        "**Asks.** A roadmap session about {feature}, better admin reporting, and a price for the {plan} tier for another {seats} seats.",
        "**Risks.** Budget pressure in their next fiscal year; a competing tool is being piloted in one department.",
        "**Next steps.** Send the roadmap deck, schedule a technical session with their admins, follow up on the open tickets.",
    ]),
    "policy": (["hr-announcements"], [
        "**Policy update**\n\nHello everyone, a few changes to how we work, effective next month. Please read to the end.",
        "**Working hours.** Core hours stay 10:00–15:00 local time. Outside of them, nobody is expected to answer messages immediately.",
        "**Equipment.** The home office allowance can be used for chairs, desks and monitors. Receipts go through the usual expense process.",
        "**Travel.** Book through the travel portal; exceptions need your manager's approval in writing.",
        "**Learning.** Everyone has a yearly learning budget. Conferences, books and courses all count.",
        "**Questions.** Ask in this channel or reach out to the people team directly.",
    ]),
}


# --- labelled targets --------------------------------------------------------------------------
# Each item: a query, the posts that answer it (targets) and deliberate near-misses (distractors).
# For identifier items, relevance is checked mechanically: exactly the targets carry the
# identifier, and filler that would carry it is dropped.


class T:  # namespace kept small so the data below reads as a table
    ITEMS = []

    @staticmethod
    def matcher(ident):
        if re.fullmatch(r"v?\d+(\.\d+)+(-rc\d+)?", ident):
            return re.compile(r"(?<![A-Za-z0-9_.])v?" + re.escape(ident.lstrip("v")) + r"(?![A-Za-z0-9_]|\.\d)")
        return re.compile(r"(?<![A-Za-z0-9_])" + re.escape(ident) + r"(?![A-Za-z0-9_]|\.\d)")


def P(channel, text, lang="en", user=None, long=None):
    return {"channel": channel, "text": text, "lang": lang, "user": user, "long": long}


def Q(category, lang, query, targets, distractors=(), ident=None):
    T.ITEMS.append({"category": category, "lang": lang, "query": query, "targets": list(targets),
                    "distractors": list(distractors), "ident": ident})


def I(query, ident, targets, distractors=(), lang="en"):
    Q("identifier", lang, query, targets, distractors, ident)


# ---- identifier: ticket keys, error codes, hosts, versions, build numbers --------------------
# (targets that other categories reuse are bound to names)
mm48213 = P("frontend", "Filed MM-48213: the emoji picker crashes the webapp when the search term contains a colon, e.g. typing `:thumbs:` into it. Repro on 9.11.1 with Chrome 131, stack trace in the ticket.")
mm48213fix = P("frontend", "fix for MM-48213 is in review: https://git.lumora.example/mm/webapp/pull/7712 — we now escape the colon before building the filter regex 🙏")
I("MM-48213", "MM-48213", [mm48213, mm48213fix],
  [P("frontend", "MM-48231: emoji picker takes ~2s to open on Firefox when a team has 4k custom emoji"),
   P("frontend", "closing MM-42813 (emoji autocomplete ignores skin tone), it was fixed by the picker rewrite")])
I("status of MM-50117", "MM-50117", [P("mobile", "MM-50117 — unread badge stays on channels after you mark them read from the mobile app, desktop keeps the stale count until reload. Assigning to @nate.cho")],
  [P("mobile", "MM-50171: unread badge count is wrong for muted channels, shows mentions that were already seen")])
I("MM-49902 thread membership", "MM-49902", [P("backend", "MM-49902: following a thread through the REST API doesn't create the thread membership row when collapsed reply threads are off, so the follower never gets notified. Patch incoming.")],
  [P("backend", "MM-49920: thread replies come back out of order when two posts share the same create_at, need a tiebreak on id")])
mm51544 = P("mobile", "MM-51544 push notifications on Android 15 show 'null' as the sender for DMs coming from bots. Happens only when the bot has no display name set.")
I("MM-51544", "MM-51544", [mm51544, P("mobile", "MM-51544 is fixed in mobile 2.24.1 (build 612), verified on a Pixel 8 and a Galaxy S24 ✅")],
  [P("mobile", "MM-51454: iOS push arrives twice when the app is in the background and the server has ID-only notifications enabled")])
I("MM-47760", "MM-47760", [P("frontend", "MM-47760 markdown tables with more than ~20 columns overflow the post container instead of getting a horizontal scrollbar")],
  [P("frontend", "MM-47706: markdown code blocks lose syntax highlighting for `hcl` fences")])
I("MM-52038", "MM-52038", [P("backend", "MM-52038: the search indexer silently skips posts whose attachments are larger than 100 MB, so those posts never show up in search at all. The extractor times out and we swallow the error.")],
  [P("backend", "MM-52083 search results lose the highlighting for quoted phrases")])
I("who picked up MM-48890", "MM-48890", [P("frontend", "I'll pick up MM-48890 (slash command autocomplete lists commands that were disabled by the admin) — @ben.okafor ping me if you already started")],
  [P("frontend", "MM-48809: /remind parses 'next monday' as today when sent on a Monday")])
I("MM-53311 revert", "MM-53311", [P("release", "reverting MM-53311 from release-9.12, it breaks drag and drop in the channel sidebar on Safari. Will re-land in 9.13 with a proper fix.")],
  [P("release", "MM-53131 (sidebar category collapse state not persisted) moved to the 9.13 milestone")])
I("MM-46604", "MM-46604", [P("backend", "MM-46604: LDAP group sync times out after 60s for directories with more than 20k groups. Raising the sync timeout is only a workaround, the real fix is paging the group query.")],
  [P("backend", "MM-46640 LDAP login is case-sensitive for usernames with uppercase letters, customer expects it not to be")])
I("MM-55021 playbook checklist", "MM-55021", [P("backend", "MM-55021 playbook checklist items can't be reordered once a run has started, the drag handle is there but the API returns 403")],
  [P("backend", "MM-55012 playbook retrospective reminder fires twice when the run owner changes")])
I("MM-56002", "MM-56002", [P("backend", "MM-56002 the AI plugin's thread summary ignores the root post when it was edited after the first reply — it summarises the replies only")],
  [P("backend", "MM-56020 AI plugin settings show 'undefined' as the model name after upgrading the plugin")])

sup1043 = P("support-escalations", "SUP-1043 (Acme Logistics): bulk export of compliance data stops at exactly 2 GB, customer needs the full year for an external audit. Priority high, their deadline is end of month.")
I("SUP-1043", "SUP-1043", [sup1043, P("customer-acme", "update on SUP-1043: eng says chunked compliance export lands in 9.12; meanwhile we split it per quarter by hand and Acme's auditor is fine with that")],
  [P("support-escalations", "SUP-1034 (Acme Logistics): compliance export is missing DMs from deactivated users"),
   P("support-escalations", "SUP-1403 (Kestrel Freight): data export job stuck at 0% since Friday")])
I("SUP-1187 Kestrel guests", "SUP-1187", [P("customer-kestrel", "SUP-1187 Kestrel Freight can't add guest accounts, the error says the license limit is reached but they have 40 unused seats. Looks like guests are counted against the wrong SKU.")],
  [P("customer-kestrel", "SUP-1178 Kestrel Freight: guests can see public channels they were never added to")])
sup1290 = P("support-intl", "SUP-1290: Stadtwerke Nordhafen – Benachrichtigungs-E-Mails kommen mit bis zu 30 Minuten Verspätung an. Ursache: der Mailserver des Kunden drosselt unsere Absender-IP. Kunde klärt das mit seinem Provider.", "de", "lena.schmidt")
I("SUP-1290", "SUP-1290", [sup1290], [P("support-intl", "SUP-1209 Stadtwerke Nordhafen: die E-Mail-Vorschau zeigt HTML-Tags statt formatiertem Text", "de")])
sup1322 = P("support-escalations", "SUP-1322 Banco Solera: SAML login fails with 'InResponseTo does not match' since they moved ADFS behind a new load balancer. Their LB terminates TLS and rewrites the host header.")
I("SUP-1322", "SUP-1322", [sup1322], [P("support-escalations", "SUP-1232 Banco Solera: their SAML signing certificate expires next month, reminder set")])
I("SUP-1455 Brightwater", "SUP-1455", [P("support-escalations", "SUP-1455 Brightwater Insurance reports the mobile app logs users out every 12 hours; turns out their MDM wipes the keychain on a schedule")],
  [P("support-escalations", "SUP-1545 Brightwater Insurance asks whether session length can be configured per team")])
sup1508 = P("support-intl", "SUP-1508 Maison Verdier : les aperçus de liens ne s'affichent plus depuis qu'ils passent par un proxy sortant. Il faut autoriser notre serveur à sortir vers les sites cités, sinon l'aperçu reste vide.", "fr", "camille.dubois")
I("SUP-1508", "SUP-1508", [sup1508], [P("support-intl", "SUP-1580 Maison Verdier : demande de facture en double pour le mois de mars", "fr")])
sup1611 = P("support-intl", "SUP-1611 田中精密様：日本語の部分一致検索が効かないとのこと。「請求書」で検索しても「請求書類」を含む投稿がヒットしません。", "ja", "yuki.tanaka")
sup1611en = P("backend", "re SUP-1611: Bleve's default analyzer doesn't segment Japanese at all, so partial matches never work. We need the CJK analyzer or bigrams for that customer.")
I("SUP-1611", "SUP-1611", [sup1611, sup1611en], [P("support-intl", "SUP-1616 田中精密様：デスクトップアプリで通知音が鳴らないとの報告", "ja")])
sup1730 = P("support-intl", "SUP-1730 Banco Solera: los usuarios no pueden subir archivos PDF de más de 20 MB desde la app de escritorio; desde el navegador sí funciona.", "es", "carlos.ruiz")
I("SUP-1730", "SUP-1730", [sup1730], [P("support-intl", "SUP-1703 Banco Solera: la app de escritorio no arranca en Windows 11 ARM", "es")])
I("SUP-1899", "SUP-1899", [P("customer-acme", "SUP-1899: Acme's incoming webhook from their warehouse system posts duplicates whenever the WMS retries after a slow 200 response")],
  [P("customer-acme", "SUP-1989 Acme: outgoing webhook to their ticketing tool times out after 10s")])
I("SUP-2004", "SUP-2004", [P("customer-kestrel", "SUP-2004 Kestrel Freight: compliance asked whether message edits keep history. Answered yes, as long as edit history is enabled. Closing.")],
  [P("customer-kestrel", "SUP-2040 Kestrel: the retention policy deleted pinned posts, they expected pins to be exempt")])
I("SUP-2117", "SUP-2117", [P("customer-nordhafen", "SUP-2117: Nordhafen möchte die Desktop-App per MSI auf 900 Rechnern verteilen und braucht die Parameter, um die Serverliste vorzubelegen.", "de")],
  [P("customer-nordhafen", "SUP-2171 Nordhafen: der MSI-Installer verlangt Adminrechte, obwohl per-user installiert werden soll", "de")])

infra305 = P("infra", "INFRA-305: the staging VPN moves from OpenVPN to WireGuard on March 30. New profiles are in 1Password, the old endpoint stays up for one more week.")
I("INFRA-77", "INFRA-77", [P("infra", "INFRA-77: moving the search cluster (es-data-01..06) to the new storage class, rolling, no downtime expected"),
   P("infra", "INFRA-77 done, all six es-data nodes are on the faster storage class now. Shard rebalancing took about 3 hours, query p95 dropped by a third.", long="weekly")],
  [P("infra", "INFRA-71: resize the es-master nodes to 8 GB heap"), P("infra", "INFRA-770 archive the old search snapshots to cold storage")])
infra212 = P("infra", "INFRA-212 postgres replica lag on pg-replica-03 keeps climbing during the nightly VACUUM, peaked at 41 minutes last night. Reads for unread counts were stale for everyone.")
I("INFRA-212", "INFRA-212", [infra212], [P("infra", "INFRA-221 pg-replica-02 disk resize to 2 TB")])
I("INFRA-305", "INFRA-305", [infra305], [P("infra", "INFRA-350 split tunnel for the Tokyo office VPN")])
I("INFRA-418", "INFRA-418", [P("infra", "INFRA-418 — the NAT gateway in eu-central-1b is hitting its port allocation limit; ErrorPortAllocation spikes every hour on the hour, which is when all the cron jobs start")],
  [P("infra", "INFRA-481 NAT gateway cost review, we pay more for NAT than for compute in one account")])
I("INFRA-96", "INFRA-96", [P("infra", "INFRA-96 the lumora-pg-backups bucket's lifecycle rule deletes after 14 days, legal wants 35. Changing it.")],
  [P("infra", "INFRA-69 do we even back up redis? (answer: no, it's a cache)")])
I("INFRA-530", "INFRA-530", [P("infra", "INFRA-530: moving DNS for lumora.example from Route53 to Cloudflare, TTLs lowered to 300 on Monday so the cutover is quick")],
  [P("infra", "INFRA-503 enable DNSSEC on the status page domain")])

I("pg-replica-07", "pg-replica-07", [P("incidents", "pg-replica-07 fell out of the pool: its replication slot was dropped during the failover test. Rebuilt from a base backup, back in rotation at 14:20.")],
  [P("incidents", "pg-replica-04 out of the pool for planned maintenance until 18:00")])
k8s17 = P("infra", "k8s-node-17 keeps flipping to NotReady, kubelet logs say PLEG is not healthy. Cordoned and drained it, will replace the VM.")
I("k8s-node-17", "k8s-node-17", [k8s17], [P("infra", "k8s-node-71 replaced (hardware failure on the host)"), P("infra", "k8s-node-16 rebooted after the kernel update")])
I("ci-runner-42", "ci-runner-42", [P("ci-builds", "ci-runner-42 has a full /var/lib/docker, that's why every job scheduled on it dies at the cache restore step. Pruned it.")],
  [P("ci-builds", "ci-runner-24 is on the old image, please don't pin jobs to it"), P("ci-builds", "ci-runner-41 back online")])
mailrelay = P("infra", "mail-relay-02.fra has been on a spam blocklist since this morning, outbound notification mail is queueing. Switched the MX preference to mail-relay-01.fra and opened a delisting request.")
I("mail-relay-02", "mail-relay-02.fra", [mailrelay], [P("infra", "mail-relay-03.ams TLS cert renewed")])
I("edge-lb-eu-2", "edge-lb-eu-2", [P("incidents", "edge-lb-eu-2 returns HTTP 502 for websocket upgrades since the haproxy config reload at 09:12. Plain HTTP requests are fine.")],
  [P("incidents", "edge-lb-eu-1 health checks were flapping for 5 minutes, recovered on their own")])
I("redis-cache-05", "redis-cache-05", [P("infra", "redis-cache-05 is evicting keys like crazy, maxmemory 4gb is too small for the session store now that we cache permissions too")],
  [P("infra", "redis-cache-03 failover test passed")])
I("build-mac-03", "build-mac-03", [P("ci-builds", "build-mac-03 is upgraded to Xcode 16.3, iOS builds should stop failing with the provisioning profile error")],
  [P("ci-builds", "build-mac-01 is offline, the Mac mini needs a reboot in person")])
I("vault.int.lumora.example", "vault.int.lumora.example", [P("security", "vault.int.lumora.example certificate was rotated; if your CLI complains, run `vault login` again")],
  [P("security", "vault-dr.int.lumora.example replication is lagging a few minutes, not urgent")])
I("10.40.12.7", "10.40.12.7", [P("infra", "who owns 10.40.12.7? it's hammering the API with ~400 req/s from inside the VPC, no user agent")],
  [P("infra", "10.40.12.70 is the old bastion, it can be deleted")])

I("ORA-00942", "ORA-00942", [P("support-escalations", "Kestrel Freight's BI connector fails with ORA-00942: table or view does not exist — they point it at the wrong schema (MMREPORT instead of MM_REPORT)")],
  [P("support-escalations", "Brightwater's reporting job throws ORA-00904: invalid identifier since we renamed a column in the export view")])
oraDE = P("support-intl", "Stadtwerke Nordhafen: Der Oracle-Export bricht mit ORA-01017 (invalid username/password) ab – das Passwort wurde rotiert, aber im Connector nicht aktualisiert. Kunde trägt es neu ein.", "de")
I("ORA-01017", "ORA-01017", [oraDE], [P("support-intl", "Nordhafen: zweiter Fehler beim Export war ORA-12541 (kein Listener), der DB-Server war gerade im Neustart", "de")])
e11000 = P("backend", "the user import job dies with `E11000 duplicate key error collection: imports.users index: email_1` — two users in the CSV have the same email in different case")
I("E11000 duplicate key", "E11000", [e11000], [P("backend", "import job fails with 'BSONObj size: 16793600 is invalid' for the channel with the huge pinned list")])
I("ERR_CONN_RESET", "ERR_CONN_RESET", [P("frontend", "the desktop app shows ERR_CONN_RESET when loading a server that sits behind Zscaler, the same URL works in the browser"),
   P("support-escalations", "workaround for the desktop ERR_CONN_RESET thing: add the chat server to Zscaler's SSL inspection bypass list")],
  [P("frontend", "ERR_CERT_AUTHORITY_INVALID in the desktop app with a self-signed cert is expected, import the CA"),
   P("frontend", "ERR_CONNECTION_REFUSED on the local dev server means webpack isn't running yet")])
I("SQLSTATE 40P01 deadlock", "40P01", [P("backend", "seeing SQLSTATE 40P01 (deadlock detected) between the channel member update and the unread recount, happens ~20 times a day on the big instances")],
  [P("backend", "SQLSTATE 23505 unique violation on the reactions insert when people double-click an emoji")])
I("exit code 137 search indexer", "exit code 137", [P("infra", "search-indexer pods restart with exit code 137 (OOMKilled) during a full reindex, the limit is 2Gi and the bulk buffer alone takes 1.5")],
  [P("infra", "exit code 143 on the workers during deploys is just SIGTERM, nothing to worry about")])
x509 = P("infra", "push-proxy can't reach APNs: `x509: certificate signed by unknown authority` — the slim base image rebuild dropped the ca-certificates package")
I("x509: certificate signed by unknown authority", "certificate signed by unknown authority", [x509],
  [P("infra", "staging ingress shows 'x509: certificate has expired or is not yet valid', cert-manager was stuck on a rate limit")])
http413 = P("support-escalations", "Brightwater's uploads over 100 MB fail with HTTP 413 — the nginx in front of their server still has client_max_body_size 100m")
I("HTTP 413 upload", "HTTP 413", [http413], [P("support-escalations", "HTTP 414 on search with very long queries, the URI is too long for their proxy")])
I("HTTP 429 jira", "HTTP 429", [P("backend", "our Jira integration gets HTTP 429 from Atlassian cloud when a channel with 300 subscriptions syncs at once; we need backoff and a queue")],
  [P("backend", "HTTP 409 conflict when two bots edit the same post at the same time is expected")])
econn = P("frontend", "e2e tests fail with ECONNREFUSED 127.0.0.1:8065 because the server container starts slower than the cypress wait-on timeout")
I("ECONNREFUSED 127.0.0.1:8065", "ECONNREFUSED 127.0.0.1:8065", [econn], [P("backend", "ECONNREFUSED 127.0.0.1:5432 in local dev just means postgres isn't up yet, run `make start-docker`")])
cve = P("security", "CVE-2026-31337 (SSRF through the image proxy) affects 9.10.x and 9.11.0 through 9.11.3 and is fixed in 9.11.4. Customers on the extended support release need the hotfix build.", long="release_notes")
I("CVE-2026-31337", "CVE-2026-31337", [cve], [P("security", "CVE-2026-31373 is in a library we don't ship, no action needed")])
I("ENOSPC", "ENOSPC", [P("ci-builds", "webpack watch dies with `ENOSPC: System limit for number of file watchers reached` on the new runners — raise fs.inotify.max_user_watches")],
  [P("ci-builds", "ENOMEM from the same runner during the go build, it only has 4 GB")])
I("ERR_SSL_PROTOCOL_ERROR", "ERR_SSL_PROTOCOL_ERROR", [P("customer-acme", "Acme's kiosk tablets show ERR_SSL_PROTOCOL_ERROR: their old Android WebView can't do TLS 1.3 and we turned off 1.2 on the edge")],
  [P("customer-acme", "ERR_CERT_DATE_INVALID on one kiosk was just the tablet's clock being wrong")])

v9112a = P("release", "9.11.2 regression: the channel header renders raw `**` markdown for users with the compact display setting. Hotfix build tomorrow.", long="release_notes")
I("what broke in 9.11.2", "9.11.2", [v9112a, P("customer-acme", "Acme is on 9.11.2 and hitting the channel header rendering bug, told them the next dot release fixes it")],
  [P("release", "9.11.1 is withdrawn from the download page, please point people to the newer build")])
I("desktop 5.8.1", "5.8.1", [P("frontend", "desktop 5.8.1 on macOS Sequoia: the window opens blank after waking from sleep, cmd+R fixes it. Not reproducible on 5.8.0.")],
  [P("frontend", "desktop 5.9.1 notarization failed, re-signing")])
I("2.21.0", "2.21.0", [P("mobile", "mobile 2.21.0 was rejected by App Store review: missing purpose string for photo library access")],
  [P("mobile", "2.21.1 submitted with the purpose string, waiting for review")])
I("10.0.0-rc2", "10.0.0-rc2", [P("release", "10.0.0-rc2 is on staging; known issue: the new sidebar ignores custom themes")],
  [P("release", "10.0.0-rc1 had the broken plugin upload, fixed since")])
I("postgres 16.4 upgrade", "16.4", [P("infra", "upgrading prod postgres from 14.12 to 16.4 on April 18, runbook: https://wiki.lumora.example/infra/pg16 — 20 min write downtime expected")],
  [P("infra", "staging postgres is already on 16.3 since January")])
I("node 22.11.0", "22.11.0", [P("frontend", "the CI image is bumped to node 22.11.0; if your local build fails with ERR_REQUIRE_ESM, update nvm and reinstall")],
  [P("frontend", "desktop build still uses node 20.18.1, bumping it separately")])
I("build 88412", "88412", [P("ci-builds", "build #88412 on release-9.12 failed at the `webapp:check-types` step, stale generated API client")],
  [P("ci-builds", "build #88421 on release-9.12 green"), P("ci-builds", "build #88413 on master failed: flaky e2e shard")])
I("nightly 20260314.3", "20260314.3", [P("release", "nightly 20260314.3 has the broken push proxy config, do NOT deploy it to the demo servers")],
  [P("release", "nightly 20260313.1 is fine for demos")])
I("#9041", "#9041", [P("backend", "PR #9041 rewrites the websocket hub fan-out, benchmarks attached: 3.1x fewer allocations per broadcast")],
  [P("backend", "PR #9014 fixes a typo in the hub comments, trivial review")])
I("INV-2026-0413", "INV-2026-0413", [P("sales-emea", "INV-2026-0413 for Maison Verdier went out in USD instead of EUR, finance is reissuing it today")],
  [P("sales-emea", "INV-2026-0431 Kestrel Freight paid, thanks finance")])
I("OPP-3321", "OPP-3321", [P("deals", "OPP-3321 Brightwater Insurance expansion to 1,200 seats: pricing approved, waiting on their board meeting in June")],
  [P("deals", "OPP-3312 Brightwater renewal closed at list price")])
I("FileSettings.MaxFileSize", "FileSettings.MaxFileSize", [P("support-escalations", "for Kestrel: FileSettings.MaxFileSize is in bytes, they set it to 100 thinking megabytes, so every upload bigger than 100 bytes fails")],
  [P("support-escalations", "FileSettings.MaxImageResolution is what limits the preview generation, not the file size")])
I("SqlSettings.QueryTimeout", "SqlSettings.QueryTimeout", [P("backend", "bumped SqlSettings.QueryTimeout to 60 on the Acme cloud instance as a stopgap for the slow compliance report")],
  [P("backend", "SqlSettings.MaxOpenConns is already 300 on that instance, don't raise it")])
I("MM_SQLSETTINGS_DATASOURCE", "MM_SQLSETTINGS_DATASOURCE", [P("infra", "don't put the DSN in config.json on the new cluster, set MM_SQLSETTINGS_DATASOURCE from the sealed secret")],
  [P("infra", "MM_SQLSETTINGS_DATASOURCEREPLICAS needs a comma-separated list, no spaces")])
I("LUMORA-WEB-3K9", "LUMORA-WEB-3K9", [P("frontend", "Sentry LUMORA-WEB-3K9 (TypeError: Cannot read properties of undefined (reading 'channel_id')) spiked right after the 9.12.0 rollout")],
  [P("frontend", "LUMORA-WEB-3K6 'ResizeObserver loop limit exceeded' is noise, muting it")])
I("DESIGN-204", "DESIGN-204", [P("design", "DESIGN-204 new onboarding checklist: final specs are handed over to frontend, figma link in the ticket")],
  [P("design", "DESIGN-240 icon refresh, first batch of 30 icons done")])
I("SEC-31", "SEC-31", [P("security", "SEC-31 pen test finding: /api/v4/users/autocomplete leaks email addresses even when ShowEmailAddress is false")],
  [P("security", "SEC-13 pen test scope document signed off")])
I("pull/7712", "pull/7712", [mm48213fix, P("frontend", "pull/7712 needs one more approval, it's the emoji picker crash fix for the 9.11 branch")],
  [P("frontend", "pull/7721 bumps storybook, no rush")])
I("SUP-1322 InResponseTo", "InResponseTo", [sup1322], [])

# ---- paraphrase: little or no word overlap with the target ------------------------------------
def para(query, target, distractors=()):
    Q("paraphrase", "en", query, [target], distractors)


sso = P("support-escalations", "Kestrel Freight: SSO redirect loop since 9.11 — the OAuth callback keeps bouncing between /login and the IdP. Clearing cookies doesn't help.")
para("the login page kept spinning after the upgrade", sso)
para("people got kicked out every few minutes", P("customer-acme", "users are being signed out constantly: the auth cookie domain changed when Acme moved to chat.acme-logistics.example"))
para("machine running out of space", P("infra", "/var on k8s-node-09 is 97% full, mostly journald. vacuumed to 500M"))
aws = P("infra", "AWS invoice for May came in 18% higher than April, mostly cross-AZ data transfer from the search cluster")
para("how much did our cloud bill go up last month", aws)
para("new hire can't get into the internal wiki", P("town-square", "it's Sam's first day and Confluence says he has no access — IT forgot to add him to the all-staff group"))
electron = P("frontend", "Electron renderer sits at 1.8 GB RSS after a day with 40 teams, heap snapshot shows the emoji cache never gets freed")
para("the app eats too much memory on laptops", electron)
para("messages show up twice in the channel", P("frontend", "some posts render duplicated in the center view until you refresh; looks like the websocket 'posted' event and the optimistic insert both win the race"))
para("customer threatening to leave over cost", P("customer-kestrel", "Kestrel's CFO says the renewal quote is 30% over budget and they're piloting Slack and Teams. churn risk!"))
para("search doesn't find old conversations", P("backend", "results only go back to March because the Bleve index was rebuilt and the backfill job never finished"))
darkmode = P("design", "in the night palette the sidebar link color is #3a3f4b on #2f3440, contrast ratio 1.3:1, fails WCAG badly")
para("dark theme text is unreadable", darkmode)
para("someone accidentally removed a whole channel", P("support-escalations", "Brightwater admin archived and then permanently deleted #claims-ops by mistake; is there any way back besides the nightly db snapshot?"))
para("phone doesn't buzz for direct messages", P("mobile", "no push for DMs on iOS since the APNs token refresh; group mentions still arrive"))
para("the office is too cold", P("random", "it's 17 degrees in the meeting rooms again, I'm wearing my coat indoors 🥶"))
ciwall = P("ci-builds", "CI wall time is now 48 minutes for a one-line change, the e2e shard rebalancing never got merged")
para("pipeline takes forever", ciwall)
intrusion = P("security", "suspicious login to the admin console from an IP in a country where we have no staff; account locked, forcing a password reset for the owner")
para("an unknown person may have broken into a privileged user", intrusion)
delay912 = P("release", "we're pushing GA of 9.12 by a week, two blockers still open on the migration path")
para("the launch is postponed", delay912)
para("database moved to another machine", P("infra", "primary failover done: pg-primary-02 is now the writer, apps reconnected within 40s"))
para("pictures won't load in posts", P("frontend", "image previews are broken: the thumbnail generator crashes on HEIC files from iPhones and the whole post shows a gray box"))
para("keyboard shortcuts stopped working", P("frontend", "Ctrl+K quick switcher does nothing on the German layout since the hotkey refactor, it collides with AltGr combos"))
para("error when copying text into the message box", P("frontend", "pasting from Excel into the composer inserts a PNG of the cells instead of the text 🙃"))
para("we lost data", P("infra", "the retention job purged 3 days of file attachments for Acme because the policy was set on the wrong team. restoring from S3 versioning"))
dau = P("data-platform", "DAU crossed 41k this week, WAU/MAU stickiness at 0.62")
para("how many people use the product every day", dau)
para("sluggish when switching between conversations", P("frontend", "channel switch takes 1.5–2s on big teams; profiling shows we refetch the whole member list every time"))
para("translation mistakes in the interface", P("frontend", "the French locale says 'Envoyer' on the delete confirmation button, someone mapped the wrong string key"))
para("calendar reminders arrive at the wrong hour", P("backend", "the /remind bot fires an hour late for everyone in Tokyo; we use the server's timezone instead of the user's"))
para("contract signed with a big logistics company", P("sales-na", "Acme Logistics just put pen to paper: 2,500 seats, three-year term 🎉"))
para("bot replies are really slow", P("backend", "the AI assistant takes ~25s to answer in DMs; the LLM call is fine, we spend 20s fetching channel history one post at a time"))
para("emails go to junk", P("support-escalations", "notification mails land in Outlook's spam folder for Brightwater; our DKIM signature is missing on the new sender domain"))
para("colleague leaving the company", P("hr-announcements", "Farewell drinks for Greg on Friday at 5 — after 6 years he's moving on to open his own bakery 🥐"))
para("where to leave the car near work", P("random", "the garage on Holzmarktstraße gives 50% off with the badge, ask reception for the sticker"))
para("video calls are choppy", P("backend", "Calls plugin: audio drops every ~30s for people on the guest Wi-Fi, the TURN server is only reachable over UDP"))
para("too many alerts at night", P("infra", "on-call got paged 14 times last night for the disk space warning on the log shipper, none actionable. raising the threshold"))
para("upgrade broke integrations", P("backend", "after moving to 10.0 the Jenkins and GitLab slash commands return 'command not found'; the plugin manifests need the new min_server_version"))
para("nobody reviews my code", P("backend", "I have 4 PRs waiting more than 5 days for a look, can someone from the backend crew pick them up? 🙏"))
para("charts look wrong in the analytics page", P("backend", "the system console's posts-per-day graph double counts replies since the stats query change"))
para("can't sign in with company credentials", P("customer-nordhafen", "AD authentication is failing for every user at Nordhafen since their domain controller rotated its TLS cert"))
para("spam from fake accounts", P("security", "we got ~300 bot signups on the community server overnight, all with disposable email domains. enabled email verification and the captcha"))
para("everyone please fill in the survey", P("hr-announcements", "The engagement survey closes on Friday, only 38% have answered so far — it's anonymous and takes 10 minutes"))
para("warm-weather company celebration with grilled food", P("hr-announcements", "Company summer BBQ: July 17th on the Spreespeicher rooftop, plus-ones welcome, RSVP in the form"))
para("scrolling jumps back to the bottom", P("frontend", "when you scroll up in a busy channel the view snaps to the newest post every time someone types"))
para("files shared with outsiders", P("security", "public links to attachments never expire right now; a link from Acme's channel was found indexed by a search engine"))
para("tool for drawing diagrams", P("off-topic", "excalidraw vs draw.io for architecture sketches? I like the hand-drawn look"))
galaxy = P("mobile", "Galaxy Tab S9 users: immediate close on launch since 2.22, stack trace points to the split-screen layout code")
para("the app crashes on startup on android tablets", galaxy)
outage = P("incidents", "root cause for Tuesday: a feature flag rollout set the rate limit to 10/s globally instead of per user")
para("configuration change caused outage", outage)
para("customer in Japan needs invoice in yen", P("sales-emea", "Tanaka Seimitsu requires billing in JPY and a hanko-stamped quote; finance says we can do JPY from Q3"))
para("is the test environment down", P("infra", "staging is unavailable until ~16:00, we're rebuilding the cluster after the failed node pool upgrade"))
para("recording meetings automatically", P("customer-acme", "feature request from Banco Solera: auto-capture every call and produce a transcript + summary in the channel"))
para("password rules too strict", P("customer-kestrel", "users at Kestrel complain they must change their password every 30 days and it needs 3 symbols; that's their own policy in the System Console, not ours"))
para("the new logo", P("design", "final brand mark is approved! the lighthouse icon with the teal gradient, assets in the brand kit folder"))
para("stuck waiting for approval from legal", P("deals", "Banco Solera's counsel still hasn't signed off on the data processing addendum, third week of waiting"))
para("accessibility for blind users", P("frontend", "screen readers announce every new post in the channel, even in background tabs — VoiceOver users say it's unusable"))
para("latency spike in Asia", P("incidents", "APAC users seeing 2-3s response times, the Tokyo region's read replica is lagging and queries fall back to us-east"))
para("moving all our chat history from another tool", P("customer-acme", "Maison Verdier wants to bring 6 years of Slack export over; the importer chokes on their 40 GB zip"))
para("the office pet broke some equipment", P("random", "our resident feline Miso knocked a monitor off Jonas' desk again 🐈"))
para("someone forgot to renew the domain", P("infra", "lumora-status.example lapsed yesterday, the registrar auto-renew card was expired; status page is down until DNS propagates"))
para("clock wrong on servers", P("infra", "chrony wasn't running on the new Tokyo VMs, they drifted 4 minutes and broke TOTP for everyone there"))
para("let people react with their own pictures", P("customer-kestrel", "custom emoji upload is disabled on Kestrel's server; they want their logo as a reaction"))
para("finance numbers for the quarter", P("town-square", "Q2 results: revenue up 22% YoY, net retention 118%, we're hiring 14 more people in H2"))
para("interns starting soon", P("hr-announcements", "Summer students arrive July 1st — 6 of them, mostly engineering, buddies please sign up"))
para("website is slow to show the first screen", P("frontend", "initial load is 4.2s LCP on 3G; the main chunk pulls in the whole markdown + katex bundle"))
para("people can read private stuff they shouldn't", P("security", "permission bug: channel admins could see archived private channels of other teams via the API. fixed in 9.12.2, writing the advisory"))
para("power outage", P("random", "building electricity is off until 2pm for maintenance, laptops only, the coffee machine is dead too ☕💀"))
para("teammates in another timezone miss the morning meeting", P("town-square", "could we move daily sync to 09:30 CET? 8am is 4pm in Tokyo and Kenji always ends up joining from the train"))
para("export everything a user wrote for a legal request", P("customer-acme", "GDPR subject access request from an ex-employee at Acme: we need all their posts and files as a zip within 30 days"))
battery = P("mobile", "2.23 keeps a websocket open in background and wakes the radio every 15 s, iPhone users see 20% per hour gone")
para("the mobile app drains battery", battery)
para("how long the customer's database upgrade took", P("customer-kestrel", "Kestrel's move to 9.11 finished: schema migration ran 52 minutes on their 300 GB database, reindex overnight"))

# ---- multilingual ----------------------------------------------------------------------------
def ml(lang, query, targets):
    Q("multilingual", lang, query, targets)


nh_push = P("support-intl", "Bei Stadtwerke Nordhafen kamen auf iPhones keine Push-Nachrichten mehr an. Ursache: die Firewall des Kunden hat den neuen Push-Proxy-Endpunkt blockiert. Regel ergänzt, jetzt geht's wieder.", "de")
ml("de", "Warum kamen bei Nordhafen keine Push-Benachrichtigungen auf iPhones an?", [nh_push])
adminpw = P("kb-drafts", "Anleitung: Passwort des Systemadministrators zurücksetzen – auf dem Server `mmctl user change-password admin --password '…'` ausführen und danach sofort die Zwei-Faktor-Anmeldung neu einrichten.", "de")
ml("de", "Wie setze ich das Passwort vom Admin-Konto zurück?", [adminpw])
xmas = P("office-berlin", "Die Weihnachtsfeier fürs Berliner Büro findet am 11.12. ab 18 Uhr im Klunkerkranich statt, bitte bis Ende November zusagen 🎄", "de")
ml("de", "Wann ist die Weihnachtsfeier im Berliner Büro?", [xmas])
nhmig = P("customer-nordhafen", "Migration von 9.5 auf 9.11 bei Nordhafen abgeschlossen: die Datenbankmigration lief 3 Stunden 40 Minuten, danach Neuindizierung über Nacht. Kunde ist zufrieden.", "de")
ml("de", "Wie lange hat die Migration bei Stadtwerke Nordhafen gedauert?", [nhmig])
travel = P("office-berlin", "Neue Reisekostenrichtlinie gilt ab 1. Juli: Bahn statt Flug bei Strecken unter 600 km, Hotels bis 140 € pro Nacht.", "de")
ml("de", "Ab wann gilt die neue Reisekostenrichtlinie?", [travel])
es_saml = P("support-intl", "Banco Solera: el login SAML falla porque su nuevo balanceador reescribe la URL de respuesta y el ACS ya no coincide. Les pedimos que conserven el host original.", "es")
ml("es", "¿Por qué falla el inicio de sesión SAML en Banco Solera?", [es_saml, sup1322])
retention = P("kb-drafts", "Borrador KB: retención de datos por canal — System Console > Compliance > Data Retention Policies > «Añadir política personalizada», elegir los canales y los días.", "es")
ml("es", "¿Cómo configuro la retención de mensajes para un solo canal?", [retention])
valverde = P("sales-emea", "Para el Ayuntamiento de Valverde ofrecemos 6,50 € por usuario y mes en el plan Enterprise, con el descuento de sector público del 20 %.", "es")
ml("es", "precio por usuario para un ayuntamiento", [valverde])
mxn = P("sales-na", "Grupo Altamira (México) pide facturar en MXN y pagar por transferencia SPEI; finanzas dice que por ahora solo USD.", "es")
ml("es", "el cliente mexicano quiere pagar en pesos", [mxn])
ml("fr", "Pourquoi les aperçus de liens ne marchent plus chez Maison Verdier ?", [sup1508])
csvfr = P("kb-drafts", "Brouillon KB : exporter un canal en CSV — utiliser `mmctl export` ou le plugin Channel Export ; le fichier contient l'auteur, la date, le message et le fil.", "fr")
ml("fr", "Comment exporter les messages d'un canal en CSV ?", [csvfr])
verdier_mtg = P("support-intl", "Le point mensuel avec Maison Verdier est décalé au jeudi 9 octobre, leur DSI est en déplacement.", "fr")
ml("fr", "réunion mensuelle avec Maison Verdier reportée", [verdier_mtg])
lyon = P("sales-emea", "Démo chez Lyonnaise de Transports mardi 14h : ils veulent surtout voir les playbooks et l'intégration ServiceNow.", "fr")
ml("fr", "la démo avec le transporteur lyonnais", [lyon])
ml("ja", "検索で日本語がヒットしない問題", [sup1611, sup1611en])
tokyo_move = P("office-tokyo", "東京オフィスは11月4日に渋谷から神田へ移転します。前週の金曜日までに私物を段ボールにまとめてください。", "ja")
ml("ja", "東京オフィスの引っ越しはいつですか", [tokyo_move])
leave_ja = P("office-tokyo", "有給休暇の申請はWorkdayから行ってください。3日以上休む場合は2週間前までに上長の承認が必要です。", "ja")
ml("ja", "有給休暇の申請方法を教えてください", [leave_ja])
oom_ja = P("support-intl", "田中精密様のオンプレ環境、メモリ8GBでは足りずOOMで再起動を繰り返していました。16GBに増設してからは安定しています。", "ja")
ml("ja", "お客様のサーバーがメモリ不足で落ちる件", [oom_ja])
# foreign query -> English post
ml("de", "Warum schlägt der Benutzerimport mit doppeltem Schlüssel fehl?", [e11000])
ml("de", "Welcher Server hinkt beim nächtlichen VACUUM mit der Replikation hinterher?", [infra212])
ml("de", "Die Desktop-App braucht zu viel Arbeitsspeicher", [electron])
ml("de", "Warum war die AWS-Rechnung im Mai höher?", [aws])
ml("es", "¿Se retrasa el lanzamiento de la 9.12?", [delay912])
ml("es", "los usuarios se quejan de que la batería del móvil se agota", [battery])
ml("es", "¿Cuántos usuarios activos diarios tenemos?", [dau])
ml("es", "posible intrusión en una cuenta de administrador", [intrusion])
ml("fr", "le serveur d'envoi de mails est sur une liste noire anti-spam", [mailrelay])
ml("fr", "le nœud Kubernetes repasse sans cesse en NotReady", [k8s17])
ml("fr", "les tests de bout en bout échouent car le serveur démarre trop lentement", [econn])
hybrid = P("hr-announcements", "Hybrid policy update: up to 3 remote days per week from September; Tuesdays are in-office days for everyone.")
ml("fr", "Combien de jours de télétravail par semaine sont autorisés ?", [hybrid])
ml("ja", "CIのビルドが遅すぎる", [ciwall])
ml("ja", "ダークモードの文字が読みにくい", [darkmode])
ml("ja", "Androidタブレットで起動するとすぐアプリが落ちる", [galaxy])
ml("ja", "Banco SoleraでSAMLログインが失敗する原因", [sup1322, es_saml])
vpn_howto = P("infra", "to get staging VPN access: request 'vpn-staging' in the IT portal; once approved, import the WireGuard profile from the 'Infra Shared' vault in 1Password")
ml("ja", "新しいVPNの設定方法", [vpn_howto, infra305])
# English query -> foreign post
ml("en", "Nordhafen notification emails arrive half an hour late", [sup1290])
ml("en", "why did Tanaka Seimitsu's server keep restarting", [oom_ja])
ml("en", "Tokyo office relocation date", [tokyo_move])
ml("en", "KB draft on per-channel message retention", [retention])
ml("en", "public sector discount for the Valverde city council", [valverde])
ml("en", "how long did the Nordhafen database migration take", [nhmig])
ml("en", "link previews broken behind an outbound proxy", [sup1508])
ml("en", "Japanese partial-word search not matching", [sup1611, sup1611en])
ml("en", "export a channel to CSV", [csvfr])
ml("en", "reset the system admin password from the command line", [adminpw])
ml("en", "PDF uploads over 20 MB failing in the desktop app", [sup1730])
ml("en", "Oracle export failing after a password rotation", [oraDE])
ml("en", "Berlin office Christmas party date", [xmas])

# ---- natural questions -----------------------------------------------------------------------
def qa(query, targets):
    Q("question", "en", query, targets)


qa("how do I get access to the staging VPN?", [vpn_howto])
qa("what's the phone number for on-call escalation if PagerDuty is down?", [P("infra", "if PagerDuty itself is down, the fallback is the on-call hotline +49 30 5557 1234, it rings the primary and then the secondary")])
qa("where do I submit expense reports?", [P("hr-announcements", "Expenses go through Pleo now; receipts older than 60 days are rejected, submit by the 5th to be paid with that month's payroll")])
qa("which version fixes the image proxy SSRF?", [cve])
qa("how do I run the webapp tests locally?", [P("frontend", "to run the webapp tests locally: `cd webapp && npm ci && npm run test -- --watch`; you need node 22 and the mock server from `make mock-server`")])
qa("what is the maximum file size on cloud?", [P("support-escalations", "Cloud caps uploads at 100 MB per file and we can't raise it for one workspace; self-hosted admins can set any limit in the System Console")])
qa("how do we rotate the S3 access key for backups?", [P("infra", "rotating the backup S3 key: create the new key in IAM, update the `pg-backup` sealed secret, restart the backup cronjob, delete the old key after the next successful run")])
qa("why does the Bleve index take so much disk?", [P("backend", "the Bleve index is 38 GB for 12M posts because we store term vectors for highlighting; turning that off halves it")])
qa("how much discount can a sales rep give without approval?", [P("sales-na", "reminder: reps can give up to 15% on their own, 15–25% needs Megan, anything above goes to Walt")])
qa("can I bring my dog to the Berlin office?", [P("office-berlin", "dogs are welcome in the Berlin office on Fridays as long as they get along with Miso 🐶🐈", "en")])
qa("how do I request a new laptop?", [P("town-square", "new laptop requests: fill in the hardware form in the IT portal. Standard is a MacBook Pro 14 or a ThinkPad X1, refresh every 3 years")])
qa("what caused the outage on Tuesday?", [outage])
qa("which customers are still on the 8.1 ESR?", [P("support-escalations", "customers still on 8.1 ESR: Kestrel Freight, Banco Solera and Stadtwerke Nordhafen; all three have upgrades planned before end of life in Q3")])
qa("how do I enable debug logging on the server?", [P("kb-drafts", "to turn on debug logs: System Console > Environment > Logging > File Log Level = DEBUG, or `mmctl config set LogSettings.FileLevel DEBUG`. Remember to turn it back off, it's very verbose")])
qa("is there a limit on how many people can join a call?", [P("customer-kestrel", "calls on Kestrel's plan cap at 50 participants per call, the rtcd cluster is sized for that")])
qa("what's the response time SLA for P1 tickets?", [P("support-escalations", "Premier SLA reminder: P1 gets a first response within 1 hour, 24/7; P2 within 4 business hours")])
qa("why was the 9.12 release delayed?", [delay912])
qa("how big is Acme's deployment?", [P("customer-acme", "Acme's prod: 3 app nodes, 1 primary + 2 replicas, ~9,800 registered users, 1.1 TB of files")])
qa("what's the guest wifi password in Berlin?", [P("office-berlin", "guest Wi-Fi is 'lumora-guest', the password changes monthly and is shown on the screen at reception", "en")])
qa("does the mobile app support multiple servers?", [P("mobile", "yes, the mobile app can hold several servers at once — long-press the server icon to add another one")])
qa("why were Kestrel's uploads all failing?", [P("support-escalations", "Kestrel upload failures explained: their admin entered the upload limit in the wrong unit, so nothing above a few bytes got through")])

# ---- keyword queries -------------------------------------------------------------------------
def kw(query, targets):
    Q("keyword", "en", query, targets)


kw("parental leave policy", [P("hr-announcements", "Updated parental leave: 20 weeks fully paid for all parents from April 1st, regardless of gender or location")])
kw("401k match", [P("hr-announcements", "US team: the 401(k) match goes from 4% to 5% starting with the March payroll")])
kw("grafana websocket connections dashboard", [P("infra", "new Grafana dashboard for websocket connections per node: https://grafana.lumora.example/d/ws-conns")])
kw("feature freeze 9.13", [P("release", "feature freeze for 9.13 is Sept 8, after that only bug fixes land on the branch")])
kw("onboarding buddy", [P("hr-announcements", "Onboarding buddies: every new hire gets a buddy from another team for their first 90 days, sign up in the sheet")])
kw("mattermost-operator upgrade", [P("infra", "mattermost-operator 1.22 rolled out to all cloud clusters, no restarts needed")])
kw("Salesforce HubSpot sync", [P("sales-na", "the Salesforce ↔ HubSpot sync has been dropping opportunity notes since Monday, RevOps is on it")])
kw("hackathon", [P("town-square", "Hackathon week Oct 20–24! pitch your idea by the 15th, prizes for the best use of the AI plugin")])
kw("security awareness training deadline", [P("security", "mandatory security awareness training must be completed by November 30, link in your email")])
kw("Figma seats", [P("design", "we're down to 2 free Figma editor seats, ping me before inviting anyone new")])
kw("terraform state lock", [P("infra", "terraform state is locked by a crashed CI job, run `terraform force-unlock` only if you're sure nobody is applying")])
kw("NPS Q3", [P("support-escalations", "Q3 NPS came in at 47 (+6), detractors mostly mention search quality and mobile login")])
kw("SOC 2 audit evidence", [P("security", "SOC 2 Type II fieldwork starts May 5; auditors want evidence of access reviews for every quarter")])
kw("Copilot Go suggestions", [P("off-topic", "does anyone actually use Copilot for Go? it keeps suggesting deprecated ioutil calls")])
kw("ergonomic chairs", [P("office-berlin", "new ergonomic chairs arrived, if yours is still the old wobbly one ask Rosa", "en")])
kw("OpenSearch Elasticsearch compatibility", [P("backend", "I'd rather test OpenSearch 2.x compat than keep pinning Elasticsearch 7.17 forever, thoughts?")])
kw("AGPL dependency", [P("security", "license scan found an AGPL dependency in the webapp (a markdown plugin), needs replacing before the next release")])
kw("Tokyo offsite Hakone", [P("office-tokyo", "Tokyo team offsite in Hakone on Oct 3–4, agenda: roadmap + onsen 🙂", "en")])
kw("referral bonus", [P("hr-announcements", "Referral bonus is now €3,000 for engineering hires, paid after the probation period")])
kw("load test 50k users", [P("backend", "load test with 50k simulated users: p99 post create 180 ms, the bottleneck is the websocket hub at ~42k conns/node")])


EXTRA = [  # more paragraphs for long posts
    "Logs from the time window, trimmed:\n```\n{time}:01.204 info  [{svc}] starting batch size=500\n{time}:03.918 warn  [{svc}] slow query took {ms}ms table=posts\n{time}:04.007 error [{svc2}] upstream {err} host={host}\n{time}:04.550 info  [{svc}] retrying in 2s\n```",
    "For context: {svc} handles most of the traffic for the big tenants, including {cust}. Anything that slows it down shows up in channel load times within minutes, which is why we watch it so closely.",
    "Numbers, for the record: p50 {n}ms, p95 {n2}ms, error rate {pct2}%, roughly {seats} requests per second at the peak. Compared with the previous period this is within the normal band.",
    "A note on ownership: @{user} owns {svc} this quarter and @{user} is the backup. Please route questions through the team channel rather than DMs so answers stay searchable.",
    "Related work: PR {pr} (merged), {ticket} (open), and the follow-up on {svc2} which still needs a reviewer. None of these block the rest of the plan.",
    "Checklist:\n- [x] update the runbook\n- [x] add the dashboard panel\n- [ ] review alert thresholds for {svc}\n- [ ] share the summary with support so they can answer {cust}\n- [ ] schedule the follow-up for {wd}",
    "Config we ended up with:\n```yaml\n{svc}:\n  replicas: {n}\n  maxConnections: {n2}\n  timeoutMs: {ms}\n  region: {region}\n```",
    "Open question from the discussion: do we want the same behaviour for {feature}? Opinions differed; we'll decide after we have a week of data from {region}.",
]


# --- posts -------------------------------------------------------------------------------------

posts = []
post_lang = []


def new_id(serial):
    h = hashlib.sha256(f"lumora-search-quality/{SEED}/{serial}".encode()).digest()
    return base64.b32encode(h).decode().lower()[:26]


def add_post(channel, message, lang="en", user=None, t=None):
    assert channel in CHANNELS, channel
    pid = new_id(len(posts))
    posts.append({"id": pid, "channel": channel, "team": CHANNELS[channel][0],
                  "user": user or pick_user(channel, lang), "create_at": t or rand_time(),
                  "message": message})
    post_lang.append(lang)
    return pid


def typo(text, r):
    """Occasional realistic sloppiness: a swapped letter pair, a dropped capital, no final stop."""
    if r.random() < 0.12:
        words = [m for m in re.finditer(r"\b[a-z]{5,}\b", text)]
        if words:
            m = r.choice(words)
            w = m.group()
            i = r.randrange(1, len(w) - 2)
            w2 = w[:i] + w[i + 1] + w[i] + w[i + 2:]
            text = text[:m.start()] + w2 + text[m.end():]
    if r.random() < 0.1 and text[:1].isupper() and not text.startswith(("SUP", "MM", "INFRA")):
        text = text[0].lower() + text[1:]
    if r.random() < 0.1 and text.endswith("."):
        text = text[:-1]
    return text


def longify(kind, core=None, r=rng):
    """A long post (> 1,500 chars) of the given kind; `core` (a labelled fact) sits inside it."""
    _, paras = LONG[kind]
    body = [fill(p, r) for p in paras]
    goal = r.randint(1600, 3600)
    while len("\n\n".join(body)) < goal:
        body.insert(r.randrange(1, len(body) + 1), fill(r.choice(EXTRA), r))
    if core is not None:
        at = r.randrange(2, len(body) + 1)
        body.insert(at, core)
    return "\n\n".join(body)


SIBLING_IDENT = re.compile(r"^(?:[A-Z][A-Z-]*-\d+|[a-z][a-z0-9-]*-\d+(?:\.[a-z.]+)?|\d+(?:\.\d+)+|#?\d{4,}|INV-\d+-\d+)$")
SIBLING_LEAD = ["", "", "(reopened) ", "dup? ", "same thing again: ",
                "also: "]


def siblings(item, all_idents, r=random.Random(SEED + 1)):
    """Near-duplicates of an identifier item's first target that differ only in the identifier:
    the case where meaning alone cannot tell the right post from the wrong one."""
    ident = item["ident"]
    if not SIBLING_IDENT.match(ident):
        return []
    src = item["targets"][0]
    m = list(re.finditer(r"\d+", ident))[-1]
    digits, out, taken = m.group(), [], set(all_idents)
    for _ in range(20):
        if len(out) == 2:
            break
        if r.random() < 0.5 and len(digits) > 1:
            i = r.randrange(len(digits) - 1)
            nd = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
        else:
            nd = str(int(digits) + r.choice([-3, -2, -1, 1, 2, 4, 9])).zfill(len(digits))
        new = ident[:m.start()] + nd + ident[m.end():]
        if nd == digits or new in taken or nd.startswith("0") and not digits.startswith("0"):
            continue
        taken.add(new)
        text = T.matcher(ident).sub(new, src["text"])
        out.append(P(src["channel"], r.choice(SIBLING_LEAD) + text, src["lang"]))
    return out


def main():
    # 1. labelled targets and distractors (targets.py)
    queries = []
    reserved = []  # identifier matchers that filler must not hit
    id_of = {}

    def post_for(spec):
        ch, text, lang, user, long = spec["channel"], spec["text"], spec.get("lang", "en"), spec.get("user"), spec.get("long")
        key = (ch, text)
        if key not in id_of:
            id_of[key] = add_post(ch, longify(long, text) if long else text, lang, user)
        return id_of[key]

    shared = {id(s) for it in T.ITEMS if not it.get("ident") for s in it["targets"]}
    all_idents = [it["ident"] for it in T.ITEMS if it.get("ident")]
    for item in T.ITEMS:
        if item.get("ident") and not any(id(s) in shared for s in item["targets"]):
            item["distractors"] = item["distractors"] + siblings(item, all_idents)
        rel = [post_for(s) for s in item["targets"]]
        for s in item.get("distractors", []):
            post_for(s)
        # follow-ups come later in time than the first target
        base = posts[[p["id"] for p in posts].index(rel[0])]["create_at"]
        for k, pid in enumerate(rel[1:], 1):
            p = next(p for p in posts if p["id"] == pid)
            if p["create_at"] < base:
                p["create_at"] = min(base + k * rng.randint(2, 30) * 3_600_000, T1)
        if item.get("ident"):
            reserved.append(item["ident"])
        queries.append((item, rel))

    n_targets = len(posts)
    reserved_res = [T.matcher(i) for i in reserved]

    # 2. filler
    chans = list(CHANNELS)
    weights = [CHANNELS[c][1] for c in chans]
    n_long = 0
    while len(posts) < N_POSTS:
        ch = rng.choices(chans, weights)[0]
        langs = CHANNELS[ch][2]
        lang = rng.choices(list(langs), list(langs.values()))[0]
        group = GROUP.get(ch, ch)
        if rng.random() < 0.035 and n_long < 80:
            kinds = [k for k, (chs, _) in LONG.items() if ch in chs]
            if kinds:
                text, n_long = longify(rng.choice(kinds)), n_long + 1
            else:
                continue
        elif group == "support" and lang == "en" and rng.random() < 0.3:
            text = fill(rng.choice(F[("mixed", "en")]), rng)
        else:
            tpls = F.get((group, lang)) or F.get((ch, lang)) or F.get((group, "en")) or F.get((ch, "en"))
            if not tpls:
                continue
            text = typo(fill(rng.choice(tpls), rng), rng)
        if any(m.search(text) for m in reserved_res):
            continue  # would blur a labelled identifier
        add_post(ch, text, lang)

    # 3. relevance of identifier queries = every post that carries the identifier
    out_q = []
    for n, (item, rel) in enumerate(queries, 1):
        if item.get("ident"):
            m = T.matcher(item["ident"])
            hits = {p["id"] for p in posts if m.search(p["message"])}
            if hits != set(rel):
                raise SystemExit(f"identifier {item['ident']!r}: labelled {len(rel)} posts but "
                                 f"{len(hits)} carry it: {[p['message'][:60] for p in posts if p['id'] in hits ^ set(rel)]}")
        assert 1 <= len(rel) <= 5, item
        out_q.append({"id": f"q{n:03d}", "query": item["query"], "category": item["category"],
                      "lang": item["lang"], "relevant": rel})

    # 4. write, posts in time order
    order = sorted(range(len(posts)), key=lambda i: posts[i]["create_at"])
    with open(os.path.join(HERE, "posts.jsonl"), "w", encoding="utf-8") as f:
        for i in order:
            f.write(json.dumps(posts[i], ensure_ascii=False) + "\n")
    with open(os.path.join(HERE, "queries.jsonl"), "w", encoding="utf-8") as f:
        for q in out_q:
            f.write(json.dumps(q, ensure_ascii=False) + "\n")
    langs = {}
    for lang in post_lang:
        langs[lang] = langs.get(lang, 0) + 1
    print(f"{len(posts)} posts ({n_targets} labelled targets/distractors, {n_long} long filler), "
          f"{len(out_q)} queries; post languages: {dict(sorted(langs.items()))}")


if __name__ == "__main__":
    main()
