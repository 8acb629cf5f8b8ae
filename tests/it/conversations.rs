//! Chatting with agents through the simulated server and a fake OpenAI service: DMs, mentions,
//! ignored posts, access refusal, history, vision, streaming events, stop, regenerate, errors,
//! long answers, restart recovery and titles. Every test runs over both transports.

use crate::common::Under;
use std::time::Duration;

use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Data, Simulator, Transport};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");
const EVENT: &str = "custom_mattermost-ai_postupdate";

in_process!(
    a_dm_is_answered_by_streaming_into_a_bot_post,
    mentions_are_answered_in_the_thread_and_other_posts_ignored,
    a_refused_user_is_told_why,
    stop_keeps_the_partial_answer_and_only_the_requester_may,
    regenerate_rewrites_the_same_post,
    a_provider_failure_ends_the_post_with_the_partial_text,
    a_long_answer_continues_in_follow_up_posts,
    a_runaway_answer_with_a_huge_fence_line_is_bounded,
    one_user_gets_a_bounded_number_of_answers_at_once,
    an_answer_that_cannot_be_saved_keeps_its_restart_mark,
    a_stream_that_lost_its_post_to_another_node_stops_writing,
    stop_reaches_the_node_that_streams,
    an_answer_interrupted_by_a_restart_is_finished,
    no_push_or_mail_for_an_answer_the_asker_is_waiting_for,
    an_agent_without_vision_is_told_about_images_and_group_messages_work,
);

// Reads the plugin process's output or depends on what the transport carries.
both_transports!(history_carries_earlier_turns_and_attachments);

fn chunk(text: &str) -> Value {
    json!({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]})
}

/// A streamed Chat Completions answer in `parts`, `delay` ms apart.
fn answer(parts: &[&str], delay: u64) -> Script {
    Script::chat_completion(parts, delay, Some((30, 5)))
}

fn config(url: &str, agent: Value) -> Value {
    let mut bot = json!({"customInstructions": "Answer like a pirate.", "enableVision": true});
    if let (Some(b), Some(extra)) = (bot.as_object_mut(), agent.as_object()) {
        b.extend(extra.clone());
    }
    // Unsafe links allowed: it changes only how the webapp renders; agent posts stay marked.
    one_agent_config(
        url,
        json!({"streamingTimeoutSeconds": 2}),
        bot,
        json!({"allowUnsafeLinks": true}),
    )
}

struct World {
    sim: Simulator,
    fake: FakeProvider,
    bot_id: String,
    alice: (String, String),
}

async fn world(t: Transport, scripts: Vec<Script>, agent: Value) -> World {
    let fake = FakeProvider::start(scripts).await.unwrap();
    let sim = Simulator::builder(BIN)
        .under(t)
        .plugin_config(config(&fake.url, agent))
        .start()
        .await
        .unwrap_or_else(|e| panic!("start ({t:?}): {e}"));
    let bot_id = sim.bot_user_id("ai").expect("the agent's bot exists");
    let (alice, token) = sim.add_user("alice", "system_user");
    World {
        sim,
        fake,
        bot_id,
        alice: (alice.id, token),
    }
}

fn events(d: &Data) -> Vec<Value> {
    d.ws_events
        .iter()
        .filter(|e| e.event == EVENT)
        .map(|e| Value::Object(e.payload.clone()))
        .collect()
}

fn ends(d: &Data) -> usize {
    events(d).iter().filter(|e| e["control"] == "end").count()
}

async fn wait_ends(w: &World, n: usize) {
    assert!(
        w.sim.wait_until(Duration::from_secs(10), |d| ends(d) >= n).await,
        "{n} answers did not finish: {:?}",
        events(&w.sim.data())
    );
}

fn bot_posts(w: &World) -> Vec<plugin_runtime::host::model::Post> {
    let mut v: Vec<_> = w
        .sim
        .data()
        .posts
        .values()
        .filter(|p| p.user_id == w.bot_id)
        .cloned()
        .collect();
    v.sort_by_key(|p| p.create_at);
    v
}

async fn post_route(w: &World, token: &str, path: &str) -> u16 {
    reqwest::Client::new()
        .post(w.sim.plugin_url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn a_dm_is_answered_by_streaming_into_a_bot_post(t: Transport) {
    let w = world(t, vec![answer(&["Ahoy", ", matey", "!"], 200)], json!({})).await;
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot_id);
    let question = w
        .sim
        .post_as(&w.alice.0, &dm.id, "Hello there", "")
        .await
        .unwrap();
    wait_ends(&w, 1).await;

    let posts = bot_posts(&w);
    assert_eq!(posts.len(), 1);
    let reply = &posts[0];
    assert_eq!(reply.message, "Ahoy, matey!");
    assert_eq!(reply.post_type, "custom_llmbot");
    assert_eq!(reply.root_id, question.id);
    assert_eq!(reply.props["llm_requester_user_id"], w.alice.0.as_str());
    assert_eq!(reply.props["responding_to"], question.id.as_str());
    assert_eq!(
        reply.props["unsafe_links"], "true",
        "every agent post is marked, even with unsafe links allowed"
    );

    // Start, the growing text (whole text so far, not deltas), end; all on the DM channel.
    {
        let d = w.sim.data();
        let ev = events(&d);
        assert_eq!(ev.first().unwrap()["control"], "start");
        assert_eq!(ev.last().unwrap()["control"], "end");
        let texts: Vec<&str> = ev.iter().filter_map(|e| e["next"].as_str()).collect();
        assert!(texts.len() >= 2, "{texts:?}");
        assert!(texts.windows(2).all(|p| p[1].starts_with(p[0])), "{texts:?}");
        assert_eq!(*texts.last().unwrap(), "Ahoy, matey!");
        assert!(ev.iter().all(|e| e["post_id"] == reply.id.as_str()));
        assert!(d.ws_events.iter().all(|e| e.broadcast.channel_id == dm.id));
    }

    // What the model was told.
    let body = w.fake.body(0);
    assert_eq!(body["model"], "gpt-4o");
    let msgs = body["messages"].as_array().unwrap();
    assert_eq!(msgs[0]["role"], "system");
    let system = msgs[0]["content"].as_str().unwrap();
    assert!(system.contains("Assistant") && system.contains("@ai"), "{system}");
    assert!(system.contains("Answer like a pirate."), "{system}");
    assert!(system.contains("@alice"), "{system}");
    assert_eq!(msgs[1]["role"], "user");
    assert!(msgs[1]["content"].to_string().contains("@alice: Hello there"));

    // A title is made once, and the conversation is listed with it.
    let key = format!("conversation_title_{}", question.id);
    assert!(
        w.sim
            .wait_until(Duration::from_secs(5), |d| d
                .kv
                .get(&key)
                .is_some_and(|v| v.value == b"Ahoy, matey!"))
            .await
    );
    let threads: Value = reqwest::Client::new()
        .get(w.sim.plugin_url("/ai_threads"))
        .bearer_auth(&w.alice.1)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(threads[0]["id"], question.id.as_str());
    assert_eq!(threads[0]["title"], "Ahoy, matey!");
    assert_eq!(threads[0]["channel_id"], dm.id.as_str());
    assert_eq!(threads[0]["reply_count"], 1);
    let requests = w.fake.requests();
    w.sim
        .post_as(&w.alice.0, &dm.id, "And again", &question.id)
        .await
        .unwrap();
    wait_ends(&w, 2).await;
    w.sim.settle().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        w.fake.requests(),
        requests + 1,
        "no second title for the same conversation"
    );
}

async fn mentions_are_answered_in_the_thread_and_other_posts_ignored(t: Transport) {
    let w = world(t, vec![answer(&["Here."], 0)], json!({})).await;
    let team = w.sim.add_team("t");
    let town = w.sim.add_channel(&team.id, "town", "O");
    w.sim.add_member(&town.id, &w.alice.0);

    for ignored in [
        "no mention at all",
        "code `@ai` is not a mention",
        "```\n@ai in a block\n```",
        "mail ops@ai.example",
    ] {
        w.sim.post_as(&w.alice.0, &town.id, ignored, "").await.unwrap();
    }
    // Posts nobody answers cost one channel lookup per channel, not one per post.
    let lookups = w.sim.calls().iter().filter(|c| c.method == "GetChannel").count();
    assert_eq!(lookups, 1);
    // Posts from other bots, webhooks, the system and remote clusters are not answered.
    let (other_bot, _) = w.sim.add_user("otherbot", "system_user");
    w.sim.data().users.get_mut(&other_bot.id).unwrap().is_bot = true;
    w.sim
        .post_as(&other_bot.id, &town.id, "@ai hello from a bot", "")
        .await
        .unwrap();
    let mut skip = Vec::new();
    for (key, value) in [("from_webhook", json!("true")), ("from_plugin", json!("true"))] {
        let mut p = plugin_runtime::host::model::Post {
            user_id: w.alice.0.clone(),
            channel_id: town.id.clone(),
            message: "@ai hi".into(),
            ..Default::default()
        };
        p.props.insert(key.into(), value);
        skip.push(p);
    }
    skip.push(plugin_runtime::host::model::Post {
        user_id: w.alice.0.clone(),
        channel_id: town.id.clone(),
        message: "@ai joined".into(),
        post_type: "system_join_channel".into(),
        ..Default::default()
    });
    skip.push(plugin_runtime::host::model::Post {
        user_id: w.alice.0.clone(),
        channel_id: town.id.clone(),
        message: "@ai from afar".into(),
        remote_id: Some("remote1".into()),
        ..Default::default()
    });
    for p in skip {
        let p = w.sim.data().insert_post(p).unwrap();
        w.sim.state.fire_posted(p);
    }
    w.sim.settle().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(w.fake.requests(), 0, "nothing above is answered");

    assert!(bot_posts(&w).is_empty());

    // A mention is answered in its thread, visible to the channel.
    let root = w
        .sim
        .post_as(&w.alice.0, &town.id, "**@AI** what is up?", "")
        .await
        .unwrap();
    wait_ends(&w, 1).await;
    let reply = bot_posts(&w).pop().unwrap();
    assert_eq!(
        (reply.root_id.as_str(), reply.channel_id.as_str()),
        (root.id.as_str(), town.id.as_str())
    );
    let system = w.fake.body(0)["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(system.contains("town"), "the channel is named: {system}");

    // Inside a thread, a later mention is answered with the thread as history.
    w.sim
        .post_as(&w.alice.0, &town.id, "thanks", &root.id)
        .await
        .unwrap();
    w.sim
        .post_as(&w.alice.0, &town.id, "@ai and more?", &root.id)
        .await
        .unwrap();
    wait_ends(&w, 2).await;
    let msgs = w.fake.body(1)["messages"].as_array().unwrap().clone();
    let roles: Vec<&str> = msgs.iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["system", "user", "assistant", "user", "user"]);

    // A plugin post that asks for it is answered.
    let mut asked = plugin_runtime::host::model::Post {
        user_id: other_bot.id.clone(),
        channel_id: town.id.clone(),
        message: "@ai summarize please".into(),
        ..Default::default()
    };
    asked.props.insert("from_plugin".into(), json!("true"));
    asked.props.insert("activate_ai".into(), json!(true));
    let asked = w.sim.data().insert_post(asked).unwrap();
    w.sim.state.fire_posted(asked);
    wait_ends(&w, 3).await;
}

async fn history_carries_earlier_turns_and_attachments(t: Transport) {
    let w = world(t, vec![answer(&["First answer."], 0)], json!({})).await;
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot_id);
    let root = w
        .sim
        .post_as(&w.alice.0, &dm.id, "Question one", "")
        .await
        .unwrap();
    wait_ends(&w, 1).await;

    let png = w
        .sim
        .state
        .add_file(&dm.id, "cat.png", vec![0x89, b'P', b'N', b'G'])
        .unwrap();
    let notes = w
        .sim
        .state
        .add_file(&dm.id, "notes.txt", b"remember the milk".to_vec())
        .unwrap();
    // A PDF the server extracted text from (FileInfo.Content, carried by net/rpc only).
    let pdf = w
        .sim
        .state
        .add_file(&dm.id, "report.pdf", b"%PDF-1.7 binary".to_vec())
        .unwrap();
    if let Some((info, _)) = w.sim.data().files.get_mut(&pdf.id) {
        info.mime_type = "application/pdf".into();
        info.content = "quarterly numbers are up".into();
    }
    let mut p = plugin_runtime::host::model::Post {
        user_id: w.alice.0.clone(),
        channel_id: dm.id.clone(),
        root_id: root.id.clone(),
        message: "What is in these?".into(),
        file_ids: vec![png.id.clone(), notes.id.clone(), pdf.id.clone()],
        ..Default::default()
    };
    p = w.sim.data().insert_post(p).unwrap();
    w.sim.state.fire_posted(p);
    wait_ends(&w, 2).await;

    let msgs = w.fake.body(w.fake.requests() - 1)["messages"]
        .as_array()
        .unwrap()
        .clone();
    let last_answer_req = msgs.clone();
    let roles: Vec<&str> = last_answer_req
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"], "{msgs:?}");
    assert_eq!(msgs[2]["content"], "First answer.");
    let last = msgs[3]["content"].to_string();
    assert!(last.contains("@alice: What is in these?"), "{last}");
    assert!(
        last.contains("data:image/png;base64,iVBORw=="),
        "the image goes to a vision agent: {last}"
    );
    assert!(
        last.contains("remember the milk"),
        "text attachments are read: {last}"
    );
    if t == Transport::NetRpc {
        assert!(
            last.contains("quarterly numbers are up"),
            "extracted text is used: {last}"
        );
    } else {
        assert!(
            last.contains("report.pdf") && last.contains("cannot be read"),
            "{last}"
        );
    }
}

async fn a_refused_user_is_told_why(t: Transport) {
    let w = world(t, vec![answer(&["never"], 0)], json!({"userAccessLevel": 3})).await;
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot_id);
    w.sim.post_as(&w.alice.0, &dm.id, "Hello", "").await.unwrap();
    w.sim.settle().await;
    assert_eq!(w.fake.requests(), 0);
    assert!(bot_posts(&w).is_empty());
    let d = w.sim.data();
    let (to, note) = d.ephemeral.last().expect("an ephemeral explanation");
    assert_eq!(to, &w.alice.0);
    assert!(note.message.contains("not allowed"), "{}", note.message);
}

async fn stop_keeps_the_partial_answer_and_only_the_requester_may(t: Transport) {
    let slow: Vec<&str> = vec![
        "one ", "two ", "three ", "four ", "five ", "six ", "seven ", "eight ",
    ];
    let w = world(t, vec![answer(&slow, 300)], json!({})).await;
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot_id);
    w.sim
        .post_as(&w.alice.0, &dm.id, "Count slowly", "")
        .await
        .unwrap();
    assert!(
        w.sim
            .wait_until(Duration::from_secs(5), |d| events(d)
                .iter()
                .any(|e| e["next"] == "one two "))
            .await
    );
    let reply = bot_posts(&w).pop().unwrap();
    let (_, bob) = w.sim.add_user("bob", "system_user");
    // Bob cannot read alice's DM: to him the answer does not exist.
    assert_eq!(
        post_route(&w, &bob, &format!("/post/{}/stop", reply.id)).await,
        404
    );
    assert_eq!(
        post_route(&w, &w.alice.1, &format!("/post/{}/stop", reply.id)).await,
        200
    );
    wait_ends(&w, 1).await;
    let saved = bot_posts(&w).pop().unwrap();
    assert!(saved.message.starts_with("one two"), "{}", saved.message);
    assert!(!saved.message.contains("eight"), "{}", saved.message);
    assert!(events(&w.sim.data()).iter().any(|e| e["control"] == "cancel"));
    // Stop closes the request to the provider, not just the post.
    let mut closed = false;
    for _ in 0..100 {
        if w.fake.disconnects() >= 1 {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(closed, "the upstream request was closed");
}

async fn regenerate_rewrites_the_same_post(t: Transport) {
    let w = world(t, vec![answer(&["Old answer."], 0)], json!({})).await;
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot_id);
    w.sim
        .post_as(&w.alice.0, &dm.id, "Tell me something", "")
        .await
        .unwrap();
    wait_ends(&w, 1).await;
    let reply = bot_posts(&w).pop().unwrap();
    w.fake.script(vec![answer(&["New ", "answer."], 0)]);
    let (_, bob) = w.sim.add_user("bob", "system_user");
    // Bob cannot read alice's DM: to him the answer does not exist.
    assert_eq!(
        post_route(&w, &bob, &format!("/post/{}/regenerate", reply.id)).await,
        404
    );
    assert_eq!(
        post_route(&w, &w.alice.1, &format!("/post/{}/regenerate", reply.id)).await,
        200
    );
    wait_ends(&w, 2).await;
    let posts = bot_posts(&w);
    assert_eq!(posts.len(), 1, "the same post is reused");
    assert_eq!(posts[0].id, reply.id);
    assert_eq!(posts[0].message, "New answer.");
    // The regenerated request does not contain the old answer.
    let msgs = w.fake.body(w.fake.requests() - 1)["messages"].to_string();
    assert!(!msgs.contains("Old answer."), "{msgs}");

    let mut no_regen = posts[0].clone();
    no_regen.props.insert("no_regen".into(), json!("true"));
    w.sim.data().posts.insert(no_regen.id.clone(), no_regen);
    assert_eq!(
        post_route(&w, &w.alice.1, &format!("/post/{}/regenerate", reply.id)).await,
        400
    );
}

async fn a_provider_failure_ends_the_post_with_the_partial_text(t: Transport) {
    let cut = Script::sse(vec![(0, format!("data: {}\n\n", chunk("Half an ans")))]);
    let w = world(t, vec![cut], json!({})).await;
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot_id);
    w.sim.post_as(&w.alice.0, &dm.id, "Go", "").await.unwrap();
    wait_ends(&w, 1).await;
    let msg = bot_posts(&w).pop().unwrap().message;
    assert!(msg.starts_with("Half an ans"), "{msg}");
    assert!(msg.contains("**Error:**"), "{msg}");

    w.fake.script(vec![Script::status(
        401,
        r#"{"error":{"message":"Incorrect API key provided: sk-te***"}}"#,
    )]);
    w.sim.post_as(&w.alice.0, &dm.id, "Again", "").await.unwrap();
    wait_ends(&w, 2).await;
    let failed = bot_posts(&w).pop().unwrap();
    let msg = failed.message.clone();
    assert!(msg.contains("credentials"), "{msg}");
    assert!(!msg.contains("sk-te"), "{msg}");
    // The error state is on the post for renderers, and a successful regeneration clears it.
    let error = failed.props["llm_error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("credentials") && msg.ends_with(&error), "{error}");
    w.fake.script(vec![answer(&["Fixed."], 0)]);
    let r = reqwest::Client::new()
        .post(w.sim.plugin_url(&format!("/post/{}/regenerate", failed.id)))
        .bearer_auth(&w.alice.1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        w.sim
            .wait_until(Duration::from_secs(5), |d| d
                .posts
                .get(&failed.id)
                .is_some_and(|p| p.message == "Fixed."))
            .await
    );
    w.sim.settle().await;
    let regenerated = w.sim.data().posts[&failed.id].clone();
    assert!(
        regenerated.props.get("llm_error").is_none(),
        "{:?}",
        regenerated.props
    );
}

async fn a_long_answer_continues_in_follow_up_posts(t: Transport) {
    let para = format!("{}\n\n", "lorem ipsum dolor sit amet ".repeat(40));
    let parts: Vec<String> = (0..40).map(|_| para.clone()).collect();
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    let w = world(t, vec![answer(&refs, 0)], json!({})).await;
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot_id);
    let q = w
        .sim
        .post_as(&w.alice.0, &dm.id, "Write a lot", "")
        .await
        .unwrap();
    wait_ends(&w, 2).await;
    assert!(
        w.sim
            .wait_until(Duration::from_secs(5), |d| ends(d) >= 2
                && events(d).last().is_some_and(|e| e["control"] == "end"))
            .await
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let posts = bot_posts(&w);
    assert!(posts.len() >= 2, "{} posts", posts.len());
    assert!(
        posts
            .iter()
            .all(|p| p.message.chars().count() <= 16383 && p.root_id == q.id)
    );
    assert_eq!(posts[1].props["continuation_of"], posts[0].id.as_str());
    let whole: String = posts.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(whole, parts.concat(), "nothing is lost");
}

/// The attack from issue 13: a code fence whose opening line is longer than a post used to be
/// copied into every follow-up post, so splitting never ended (thousands of posts).
async fn a_runaway_answer_with_a_huge_fence_line_is_bounded(t: Transport) {
    let mut parts = vec![format!("```python{}", "x".repeat(40_000))];
    parts.extend((0..300).map(|i| format!("\nline {i} {}", "y".repeat(1_000))));
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    let w = world(t, vec![answer(&refs, 0)], json!({})).await;
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot_id);
    w.sim
        .post_as(&w.alice.0, &dm.id, "Echo this forever", "")
        .await
        .unwrap();
    assert!(
        w.sim
            .wait_until(Duration::from_secs(20), |d| events(d).iter().any(
                |e| e["control"] == "end"
                    && d.posts
                        .get(e["post_id"].as_str().unwrap_or(""))
                        .is_some_and(|p| p.message.contains("This answer was truncated"))
            ))
            .await,
        "the answer was not ended with a truncation note"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let posts = bot_posts(&w);
    assert_eq!(posts.len(), 10, "at most ten posts for one answer");
    assert!(posts.iter().all(|p| p.message.chars().count() <= 16383));
    // Posts can share a millisecond: the follow-ups are the ones that say so.
    let follow_ups: Vec<_> = posts
        .iter()
        .filter(|p| p.props.contains_key("continuation_of"))
        .collect();
    assert_eq!(follow_ups.len(), 9);
    let first_lines: Vec<&str> = follow_ups
        .iter()
        .map(|p| p.message.lines().next().unwrap_or(""))
        .collect();
    assert!(
        first_lines
            .iter()
            .all(|l| l.starts_with("```python") && l.chars().count() <= 23),
        "a fence is reopened with its marker and a short tag only: {first_lines:?}"
    );
}

/// One user (or a script with their token) cannot keep unbounded model calls running.
async fn one_user_gets_a_bounded_number_of_answers_at_once(t: Transport) {
    // Slow answers: each takes about four seconds, far longer than asking six questions.
    let parts: Vec<String> = (0..20).map(|i| format!("part {i} ")).collect();
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    let w = world(t, vec![answer(&refs, 200)], json!({})).await;
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot_id);
    for i in 0..6 {
        w.sim
            .post_as(&w.alice.0, &dm.id, &format!("Question {i}"), "")
            .await
            .unwrap();
    }
    let busy = |d: &Data| {
        d.posts
            .values()
            .filter(|p| p.message.contains("answers in progress"))
            .count()
    };
    assert!(
        w.sim.wait_until(Duration::from_secs(10), |d| busy(d) == 2).await,
        "two of six questions are refused while four are answered"
    );
    assert!(
        w.sim.wait_until(Duration::from_secs(20), |d| ends(d) >= 6).await,
        "the answers did not finish"
    );
    let answers = w
        .fake
        .seen()
        .iter()
        .filter(|s| !s.body.to_string().contains("Write a title"))
        .count();
    assert_eq!(answers, 4, "the refused questions never reached the model");
    // Once answers finish, the user can ask again.
    w.sim.post_as(&w.alice.0, &dm.id, "One more", "").await.unwrap();
    assert!(
        w.sim
            .wait_until(Duration::from_secs(10), |d| d
                .posts
                .values()
                .any(|p| p.user_id == w.bot_id
                    && p.message.starts_with("part 0 part 1")
                    && !p.root_id.is_empty()))
            .await
    );
}

/// A DM question answered slowly, `parts` words `delay` ms apart ("<word> 0 <word> 1 …"):
/// returns once a few words are in, with the answer post.
async fn streaming_slowly(
    t: Transport,
    word: &str,
    parts: usize,
    delay: u64,
) -> (World, plugin_runtime::host::model::Post) {
    let texts: Vec<String> = (0..parts).map(|i| format!("{word} {i} ")).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let w = world(t, vec![answer(&refs, delay)], json!({})).await;
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot_id);
    w.sim
        .post_as(&w.alice.0, &dm.id, "Tell me something", "")
        .await
        .unwrap();
    let started = format!("{word} 1 ");
    assert!(
        w.sim
            .wait_until(Duration::from_secs(10), |d| events(d)
                .iter()
                .any(|e| e["next"].as_str().is_some_and(|t| t.contains(&started))))
            .await
    );
    let reply = bot_posts(&w).pop().expect("the answer post");
    (w, reply)
}

/// The restart mark goes only once the answer is really saved: an answer whose final save
/// failed stays marked, so recovery can finish (or clear) it later.
async fn an_answer_that_cannot_be_saved_keeps_its_restart_mark(t: Transport) {
    let (w, reply) = streaming_slowly(t, "part", 10, 150).await;
    // Deleted mid-answer: the server refuses every later save of it.
    w.sim.remove_post(&reply.id).await.unwrap();
    wait_ends(&w, 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        w.sim
            .data()
            .kv
            .contains_key(&format!("streaming_post_{}", reply.id)),
        "the mark stays when the final save failed"
    );
}

/// Regenerate handled by another cluster node starts a new stream there, whose mark replaces
/// this one's: this node's stream must not save its old text over the new answer.
async fn a_stream_that_lost_its_post_to_another_node_stops_writing(t: Transport) {
    let (w, reply) = streaming_slowly(t, "old", 30, 100).await;
    // What the other node's new stream does: take the mark, write the post.
    let other = format!("{}:othernode", mattermost_simulator::now_millis()).into_bytes();
    w.sim
        .data()
        .kv_put(&format!("streaming_post_{}", reply.id), other.clone(), 0);
    if let Some(p) = w.sim.data().posts.get_mut(&reply.id) {
        p.message = "New answer from the other node".into();
    }
    // This node's stream ends (its final save is where it would overwrite); the title
    // request that follows a finished DM answer says it has.
    assert!(
        w.sim
            .wait_until(Duration::from_secs(20), |_| w.fake.requests() >= 2)
            .await,
        "the stream did not finish"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let d = w.sim.data();
    assert_eq!(d.posts[&reply.id].message, "New answer from the other node");
    assert_eq!(
        d.kv.get(&format!("streaming_post_{}", reply.id))
            .map(|e| e.value.clone()),
        Some(other),
        "the other node's mark is left alone"
    );
}

/// In a cluster, Stop can arrive at a node that is not streaming the answer: it leaves a
/// request that the streaming node picks up, and that node stops and keeps the partial text.
async fn stop_reaches_the_node_that_streams(t: Transport) {
    let parts: Vec<String> = (0..60).map(|i| format!("word{i} ")).collect();
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    let w = world(t, vec![answer(&refs, 100)], json!({})).await;
    w.sim.data().server_config = json!({"ClusterSettings": {"Enable": true}});
    w.sim.conn.on_activate().await.unwrap();
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot_id);

    // The receiving side: an answer streaming on another node (its mark is in the store, no
    // stream here). Stop from its asker leaves the request.
    let mut elsewhere = plugin_runtime::host::model::Post {
        user_id: w.bot_id.clone(),
        channel_id: dm.id.clone(),
        message: "Streaming on another node".into(),
        post_type: "custom_llmbot".into(),
        ..Default::default()
    };
    elsewhere
        .props
        .insert("llm_requester_user_id".into(), json!(w.alice.0));
    let elsewhere = w.sim.data().insert_post(elsewhere).unwrap();
    let now = mattermost_simulator::now_millis().to_string().into_bytes();
    w.sim
        .data()
        .kv_put(&format!("streaming_post_{}", elsewhere.id), now, 0);
    let stop_path = format!("/post/{}/stop", elsewhere.id);
    assert_eq!(post_route(&w, &w.alice.1, &stop_path).await, 200);
    assert!(
        w.sim
            .data()
            .kv
            .contains_key(&format!("stop_request_{}", elsewhere.id))
    );

    // The streaming side: a request left by another node stops this node's stream.
    w.sim
        .post_as(&w.alice.0, &dm.id, "Count slowly", "")
        .await
        .unwrap();
    assert!(
        w.sim
            .wait_until(Duration::from_secs(10), |d| events(d)
                .iter()
                .any(|e| e["next"].as_str().is_some_and(|t| t.contains("word2 "))))
            .await
    );
    let reply = bot_posts(&w).into_iter().find(|p| p.id != elsewhere.id).unwrap();
    w.sim
        .data()
        .kv_put(&format!("stop_request_{}", reply.id), b"1".to_vec(), 60);
    let stopped = w
        .sim
        .wait_until(Duration::from_secs(5), |d| {
            events(d)
                .iter()
                .any(|e| e["control"] == "cancel" && e["post_id"] == reply.id.as_str())
        })
        .await;
    assert!(stopped, "the streaming node did not stop: {:?}", {
        let d = w.sim.data();
        (
            d.kv.contains_key(&format!("stop_request_{}", reply.id)),
            d.posts[&reply.id].message.clone(),
        )
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let d = w.sim.data();
    let kept = &d.posts[&reply.id].message;
    assert!(kept.starts_with("word0 ") && !kept.contains("word59"), "{kept}");
    assert!(!d.kv.contains_key(&format!("stop_request_{}", reply.id)));
}

async fn an_answer_interrupted_by_a_restart_is_finished(t: Transport) {
    let w = world(t, vec![answer(&["x"], 0)], json!({})).await;
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot_id);
    let half = plugin_runtime::host::model::Post {
        user_id: w.bot_id.clone(),
        channel_id: dm.id.clone(),
        message: "Partial answer".into(),
        post_type: "custom_llmbot".into(),
        ..Default::default()
    };
    let half = w.sim.data().insert_post(half).unwrap();
    // A mark never renewed (or from before heartbeats) is stale; a fresh one belongs to an
    // answer another cluster node is still writing and is left alone.
    w.sim.data().kv_put(
        &format!("streaming_post_{}", half.id),
        dm.id.clone().into_bytes(),
        0,
    );
    let live = plugin_runtime::host::model::Post {
        user_id: w.bot_id.clone(),
        channel_id: dm.id.clone(),
        message: "Still streaming elsewhere".into(),
        post_type: "custom_llmbot".into(),
        ..Default::default()
    };
    let live = w.sim.data().insert_post(live).unwrap();
    let now = mattermost_simulator::now_millis().to_string().into_bytes();
    w.sim
        .data()
        .kv_put(&format!("streaming_post_{}", live.id), now, 0);
    // Two activations at once (two cluster nodes starting together): one note, not two.
    let (a, b) = tokio::join!(w.sim.conn.on_activate(), w.sim.conn.on_activate());
    a.unwrap();
    b.unwrap();
    // The note is saved first and the mark removed after: wait for both.
    let mark = format!("streaming_post_{}", half.id);
    assert!(
        w.sim
            .wait_until(Duration::from_secs(5), |d| d.posts[&half.id]
                .message
                .contains("interrupted")
                && !d.kv.contains_key(&mark))
            .await
    );
    // Let a second, slower recovery finish too before counting notes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let d = w.sim.data();
    assert!(d.posts[&half.id].message.starts_with("Partial answer"));
    assert_eq!(
        d.posts[&half.id].message.matches("interrupted").count(),
        1,
        "{}",
        d.posts[&half.id].message
    );
    assert_eq!(d.posts[&live.id].message, "Still streaming elsewhere");
    assert!(d.kv.contains_key(&format!("streaming_post_{}", live.id)));
}

async fn no_push_or_mail_for_an_answer_the_asker_is_waiting_for(t: Transport) {
    use plugin_runtime::host::model::PushNotification;
    let w = world(t, vec![answer(&["Here."], 0)], json!({})).await;
    for hook in ["NotificationWillBePushed", "EmailNotificationWillBeSent"] {
        assert!(w.sim.implemented.iter().any(|h| h == hook), "{hook}");
    }
    let team = w.sim.add_team("t");
    let town = w.sim.add_channel(&team.id, "town", "O");
    w.sim.add_member(&town.id, &w.alice.0);
    let root = w
        .sim
        .post_as(&w.alice.0, &town.id, "@ai hello", "")
        .await
        .unwrap();
    wait_ends(&w, 1).await;
    let reply = bot_posts(&w).pop().unwrap();
    let push = |sender: &str, root: &str| PushNotification {
        post_id: reply.id.clone(),
        channel_id: town.id.clone(),
        root_id: root.to_owned(),
        sender_id: sender.to_owned(),
        push_type: "message".into(),
        ..Default::default()
    };
    let reason = w
        .sim
        .conn
        .notification_will_be_pushed(push(&w.bot_id, &root.id), &w.alice.0)
        .await
        .unwrap();
    assert!(!reason.is_empty(), "the asker gets no push for the reply");
    let (bob, _) = w.sim.add_user("bob", "system_user");
    let to_bob = w
        .sim
        .conn
        .notification_will_be_pushed(push(&w.bot_id, &root.id), &bob.id)
        .await
        .unwrap();
    assert_eq!(to_bob, "", "others following the thread still do");
    let from_user = w
        .sim
        .conn
        .notification_will_be_pushed(push(&bob.id, &root.id), &w.alice.0)
        .await
        .unwrap();
    assert_eq!(from_user, "", "people's posts are never held back");

    // The same for e-mail.
    let mail = |to: &str| plugin_runtime::host::model::EmailNotification {
        post_id: reply.id.clone(),
        channel_id: town.id.clone(),
        sender_id: w.bot_id.clone(),
        recipient_id: to.to_owned(),
        root_id: root.id.clone(),
        ..Default::default()
    };
    assert!(
        !w.sim
            .conn
            .email_notification_will_be_sent(mail(&w.alice.0))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        w.sim
            .conn
            .email_notification_will_be_sent(mail(&bob.id))
            .await
            .unwrap(),
        ""
    );
}

async fn an_agent_without_vision_is_told_about_images_and_group_messages_work(t: Transport) {
    let w = world(t, vec![answer(&["Seen."], 0)], json!({"enableVision": false})).await;
    let (bob, _) = w.sim.add_user("bob", "system_user");
    let gm = w.sim.add_channel("", "gm", "G");
    w.sim.add_member(&gm.id, &w.alice.0);
    w.sim.add_member(&gm.id, &bob.id);
    let png = w
        .sim
        .state
        .add_file(&gm.id, "cat.png", vec![0x89, b'P', b'N', b'G'])
        .unwrap();
    let p = plugin_runtime::host::model::Post {
        user_id: w.alice.0.clone(),
        channel_id: gm.id.clone(),
        message: "@ai what is this?".into(),
        file_ids: vec![png.id.clone()],
        ..Default::default()
    };
    let p = w.sim.data().insert_post(p).unwrap();
    w.sim.state.fire_posted(p.clone());
    wait_ends(&w, 1).await;
    let reply = bot_posts(&w).pop().unwrap();
    assert_eq!(
        (reply.channel_id.as_str(), reply.root_id.as_str()),
        (gm.id.as_str(), p.id.as_str())
    );
    let body = w.fake.body(0);
    let user = body["messages"][1]["content"].to_string();
    assert!(
        !user.contains("data:image"),
        "no image for an agent without vision: {user}"
    );
    assert!(user.contains("cannot see images"), "{user}");
    let system = body["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("group message"), "{system}");
}
