//! What the plugin itself says to users is in their language (their Mattermost `locale`),
//! through the plugin executable and a fake OpenAI service: a failed answer's error, the
//! per-user busy refusal, the note on an answer a restart interrupted, and the refusals of the
//! HTTP routes the webapp shows. English users keep the English texts.

use std::time::Duration;

use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Data, Simulator, Transport};
use plugin_runtime::host::model::Post;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");
const EVENT: &str = "custom_mattermost-ai_postupdate";

struct World {
    sim: Simulator,
    fake: FakeProvider,
    bot_id: String,
}

async fn world(t: Transport, scripts: Vec<Script>) -> World {
    let fake = FakeProvider::start(scripts).await.unwrap();
    let sim = Simulator::builder(BIN)
        .transport(t)
        .plugin_config(one_agent_config(&fake.url, json!({}), json!({}), json!({})))
        .start()
        .await
        .unwrap_or_else(|e| panic!("start ({t:?}): {e}"));
    let bot_id = sim.bot_user_id("ai").expect("the agent's bot exists");
    World { sim, fake, bot_id }
}

/// A user whose Mattermost language is `locale`: their id and token.
fn user(sim: &Simulator, name: &str, locale: &str) -> (String, String) {
    let (u, token) = sim.add_user(name, "system_user");
    if let Some(stored) = sim.data().users.get_mut(&u.id) {
        stored.locale = locale.into();
    }
    (u.id, token)
}

/// Whether the answer post `id` has published its end event.
fn ended(d: &Data, id: &str) -> bool {
    d.ws_events.iter().any(|e| {
        e.event == EVENT
            && e.payload.get("post_id").and_then(Value::as_str) == Some(id)
            && e.payload.get("control").and_then(Value::as_str) == Some("end")
    })
}

/// Asks the agent in `user`'s DM and returns its finished answer post.
async fn ask_in_dm(w: &World, user: &str, text: &str) -> Post {
    let dm = w.sim.direct_channel(user, &w.bot_id);
    let q = w.sim.post_as(user, &dm.id, text, "").await.unwrap();
    let answer = |d: &Data| {
        d.posts
            .values()
            .find(|p| p.user_id == w.bot_id && p.root_id == q.id && ended(d, &p.id))
            .cloned()
    };
    assert!(
        w.sim
            .wait_until(Duration::from_secs(10), |d| answer(d).is_some())
            .await,
        "no answer to {text:?}"
    );
    answer(&w.sim.data()).expect("the answer")
}

/// A German user's failed answer ends with the German error (and keeps it in `llm_error`); an
/// English user's with the English one; a rate limit names its wait in German.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_answer_says_the_error_in_the_users_language() {
    let w = world(
        Transport::NetRpc,
        vec![Script::status(401, r#"{"error":{"message":"bad key sk-test"}}"#)],
    )
    .await;
    let (hans, _) = user(&w.sim, "hans", "de");
    let (alice, _) = user(&w.sim, "alice", "en");

    let de = ask_in_dm(&w, &hans, "Hallo").await;
    assert_eq!(
        de.message,
        "**Fehler:** Der KI-Dienst hat die Anmeldedaten des Plugins abgelehnt. Bitten Sie Ihren \
         Systemadministrator, den API-Schlüssel des Dienstes zu prüfen."
    );
    assert_eq!(
        de.props["llm_error"],
        "Der KI-Dienst hat die Anmeldedaten des Plugins abgelehnt. Bitten Sie Ihren \
         Systemadministrator, den API-Schlüssel des Dienstes zu prüfen."
    );
    assert!(!de.message.contains("sk-test"));

    let en = ask_in_dm(&w, &alice, "Hello").await;
    assert_eq!(
        en.message,
        "**Error:** The AI service rejected the plugin's credentials. Ask your system admin to \
         check the service's API key."
    );

    w.fake.script(vec![
        Script::status(429, r#"{"error":{"message":"slow down"}}"#).header("Retry-After", "7"),
    ]);
    let limited = ask_in_dm(&w, &hans, "Noch einmal").await;
    assert_eq!(
        limited.message,
        "**Fehler:** Der KI-Dienst begrenzt gerade die Anzahl der Anfragen. Versuchen Sie es in 7 \
         Sekunden erneut."
    );
}

/// A Japanese user over the per-user limit is refused in Japanese.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_busy_refusal_is_in_the_users_language() {
    // Slow answers: each takes about four seconds, far longer than asking five questions.
    let parts: Vec<String> = (0..20).map(|i| format!("part {i} ")).collect();
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    let w = world(
        Transport::NetRpc,
        vec![Script::chat_completion(&refs, 200, Some((30, 5)))],
    )
    .await;
    let (yuki, _) = user(&w.sim, "yuki", "ja");
    let dm = w.sim.direct_channel(&yuki, &w.bot_id);
    for i in 0..5 {
        w.sim
            .post_as(&yuki, &dm.id, &format!("質問 {i}"), "")
            .await
            .unwrap();
    }
    let refused = "**エラー:** すでに4件の回答が進行中です。いずれかが完了してから、もう一度お試しください。";
    assert!(
        w.sim
            .wait_until(Duration::from_secs(10), |d| d
                .posts
                .values()
                .any(|p| p.user_id == w.bot_id && p.message == refused))
            .await,
        "no Japanese refusal: {:?}",
        w.sim
            .data()
            .posts
            .values()
            .map(|p| p.message.clone())
            .collect::<Vec<_>>()
    );
    assert!(
        w.sim
            .data()
            .posts
            .values()
            .all(|p| !p.message.contains("answers in progress"))
    );
}

/// An answer a restart left mid-stream gets the note in its requester's language: French for
/// a French requester, English for an English one and for a post that names nobody.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_interrupted_note_is_in_the_requesters_language() {
    let w = world(Transport::Grpc, vec![Script::chat_completion(&["x"], 0, None)]).await;
    let (marie, _) = user(&w.sim, "marie", "fr");
    let (alice, _) = user(&w.sim, "alice", "en");
    let half = |requester: Option<&str>| {
        let dm = w.sim.direct_channel(requester.unwrap_or(&alice), &w.bot_id);
        let mut p = Post {
            user_id: w.bot_id.clone(),
            channel_id: dm.id,
            message: "Partial answer".into(),
            post_type: "custom_llmbot".into(),
            ..Default::default()
        };
        if let Some(r) = requester {
            p.props.insert("llm_requester_user_id".into(), json!(r));
        }
        let p = w.sim.data().insert_post(p).unwrap();
        // A mark from before heartbeats: stale at once.
        w.sim
            .data()
            .kv_put(&format!("streaming_post_{}", p.id), b"1".to_vec(), 0);
        p.id
    };
    let (french, english, nobody) = (half(Some(&marie)), half(Some(&alice)), half(None));
    w.sim.conn.on_activate().await.unwrap();
    // The mark is claimed before the note is saved: wait for the notes themselves.
    let finished = |d: &Data| {
        [&french, &english, &nobody]
            .iter()
            .all(|id| d.posts[*id].message != "Partial answer")
    };
    assert!(w.sim.wait_until(Duration::from_secs(5), finished).await);
    let d = w.sim.data();
    assert_eq!(
        d.posts[&french].message,
        "Partial answer\n\n(Cette réponse a été interrompue parce que le plugin Agents a \
         redémarré. Utilisez « Régénérer » pour réessayer.)"
    );
    let english_note = "Partial answer\n\n(This answer was interrupted because the Agents plugin \
                        restarted. Use Regenerate to try again.)";
    assert_eq!(d.posts[&english].message, english_note);
    assert_eq!(d.posts[&nobody].message, english_note);
}

async fn call(sim: &Simulator, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(sim.plugin_url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The refusals the webapp shows (an action's license check, the channel-reader guard) are in
/// the caller's language, with the same status; English callers get the English text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_refusals_are_in_the_callers_language() {
    // No license: AI actions are refused.
    let w = world(Transport::Grpc, vec![Script::chat_completion(&["x"], 0, None)]).await;
    let team = w.sim.add_team("t");
    let town = w.sim.add_channel(&team.id, "town", "O");
    let (hans, hans_token) = user(&w.sim, "hans", "de");
    let (alice, alice_token) = user(&w.sim, "alice", "en");
    let (_, sofia_token) = user(&w.sim, "sofia", "es");
    for u in [&hans, &alice] {
        w.sim.add_member(&town.id, u);
        w.sim
            .data()
            .permissions
            .push((u.clone(), town.id.clone(), "read_channel".into()));
    }
    let root = w.sim.post_as(&alice, &town.id, "hi", "").await.unwrap();
    let path = format!("/post/{}/analyze", root.id);
    let body = json!({"analysis_type": "summarize_thread"});

    let (status, de) = call(&w.sim, &hans_token, &path, body.clone()).await;
    assert_eq!(status, 403, "{de}");
    assert_eq!(
        de["error"],
        "Diese Funktion ist auf diesem Server nicht lizenziert."
    );

    let (status, en) = call(&w.sim, &alice_token, &path, body.clone()).await;
    assert_eq!(status, 403, "{en}");
    assert_eq!(en["error"], "This feature is not licensed on this server.");

    // Sofia cannot read the channel: the guard refuses her, in Spanish.
    let (status, es) = call(&w.sim, &sofia_token, &path, body).await;
    assert_eq!(status, 403, "{es}");
    assert_eq!(es["error"], "No puedes leer este canal.");
}
