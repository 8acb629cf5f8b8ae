//! AI Actions and tools through the simulated server and a fake OpenAI service: thread
//! analysis with follow-ups, channel summaries, meeting summaries in chunks with postback,
//! "react for me", and tool calls with approval. Permission and license matrices included;
//! every test runs over both transports.

use crate::common::Under;
use std::time::Duration;

use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Data, Simulator, Transport};
use plugin_runtime::host::model::{License, Post};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");
const EVENT: &str = "custom_mattermost-ai_postupdate";

in_process!(
    thread_analysis_goes_to_a_dm_and_follow_ups_reread_the_thread,
    analysis_obeys_permissions_and_the_license,
    channel_summaries_cover_the_period_by_creation_time,
    the_mobile_channel_summary_takes_each_of_its_request_shapes,
    meeting_transcripts_are_summarized_in_chunks_and_posted_back,
    react_for_me_adds_the_agents_emoji_as_the_user,
    tool_calls_wait_for_approval_and_the_answer_continues,
    jira_refuses_private_addresses_and_github_goes_through_its_plugin,
);

fn sse(parts: &[&str]) -> Script {
    Script::chat_completion(parts, 0, None)
}

fn tool_calls(calls: &[(&str, &str, Value)]) -> Script {
    Script::chat_tool_calls(calls)
}

struct World {
    sim: Simulator,
    fake: FakeProvider,
    bot: String,
    alice: (String, String),
    bob: (String, String),
    town: String,
}

fn enterprise() -> License {
    License {
        id: "lic".into(),
        sku_short_name: "enterprise".into(),
        ..Default::default()
    }
}

async fn world(t: Transport, licensed: bool, service: Value, agent: Value, scripts: Vec<Script>) -> World {
    let fake = FakeProvider::start(scripts).await.unwrap();
    // Titles have their own answer, so they never take a scripted one.
    fake.route(|seen| {
        let system = seen.body["messages"][0]["content"].as_str().unwrap_or("");
        system.starts_with("Write a title").then(|| sse(&["A title"]))
    });
    let mut b = Simulator::builder(BIN).under(t).plugin_config(one_agent_config(
        &fake.url,
        service,
        agent,
        json!({}),
    ));
    if licensed {
        b = b.license(enterprise());
    }
    let sim = b.start().await.unwrap_or_else(|e| panic!("start ({t:?}): {e}"));
    let bot = sim.bot_user_id("ai").expect("the agent's bot exists");
    let (alice, at) = sim.add_user("alice", "system_user");
    let (bob, bt) = sim.add_user("bob", "system_user");
    let team = sim.add_team("t");
    let town = sim.add_channel(&team.id, "town", "O");
    sim.add_member(&town.id, &alice.id);
    for (u, p) in [
        (&alice.id, "read_channel"),
        (&alice.id, "create_post"),
        (&alice.id, "view_members"),
    ] {
        let scope = if p == "view_members" {
            String::new()
        } else {
            town.id.clone()
        };
        sim.data().permissions.push((u.clone(), scope, p.to_owned()));
    }
    World {
        sim,
        fake,
        bot,
        alice: (alice.id, at),
        bob: (bob.id, bt),
        town: town.id,
    }
}

async fn call(w: &World, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(w.sim.plugin_url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn ends(d: &Data) -> usize {
    d.ws_events
        .iter()
        .filter(|e| e.event == EVENT && e.payload.get("control") == Some(&json!("end")))
        .count()
}

async fn wait_ends(w: &World, n: usize) {
    assert!(
        w.sim.wait_until(Duration::from_secs(10), |d| ends(d) >= n).await,
        "{n} answers did not finish"
    );
}

fn post(w: &World, id: &str) -> Post {
    w.sim.data().posts[id].clone()
}

/// The model requests that were not title requests.
fn requests(w: &World) -> Vec<Value> {
    w.fake
        .seen()
        .into_iter()
        .map(|s| s.body)
        .filter(|b| {
            !b["messages"][0]["content"]
                .as_str()
                .unwrap_or("")
                .starts_with("Write a title")
        })
        .collect()
}

async fn say(w: &World, user: &str, channel: &str, msg: &str, root: &str) -> Post {
    w.sim.post_as(user, channel, msg, root).await.unwrap()
}

async fn thread_analysis_goes_to_a_dm_and_follow_ups_reread_the_thread(t: Transport) {
    let w = world(t, true, json!({}), json!({}), vec![sse(&["- Ship on Friday"])]).await;
    let root = say(&w, &w.alice.0, &w.town, "Shall we ship on Friday?", "").await;
    say(&w, &w.alice.0, &w.town, "Yes, Friday it is.", &root.id).await;
    let (status, body) = call(
        &w,
        &w.alice.1,
        &format!("/post/{}/analyze", root.id),
        json!({"analysis_type": "summarize_thread"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    wait_ends(&w, 1).await;
    let result = post(&w, body["postid"].as_str().unwrap());
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot);
    assert_eq!(
        (result.channel_id.as_str(), body["channelid"].as_str().unwrap()),
        (dm.id.as_str(), dm.id.as_str())
    );
    assert_eq!(result.message, "- Ship on Friday");
    assert_eq!(result.props["referenced_thread"], root.id.as_str());
    assert_eq!(result.props["prompt_type"], "summarize_thread");
    assert_eq!(result.post_type, "custom_llmbot");
    let req = &requests(&w)[0];
    assert!(
        req["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("Summarize the thread")
    );
    let thread = req["messages"][1]["content"].as_str().unwrap();
    assert!(
        thread.contains("@alice (")
            && thread.contains("Shall we ship on Friday?")
            && thread.contains("Friday it is"),
        "{thread}"
    );

    // A follow-up in the DM thread re-reads the original thread.
    w.fake.script(vec![sse(&["Friday."])]);
    say(&w, &w.alice.0, &dm.id, "When do we ship?", &result.id).await;
    wait_ends(&w, 2).await;
    let req = requests(&w).pop().unwrap();
    let msgs = req["messages"].as_array().unwrap();
    assert!(
        msgs[1]["content"].as_str().unwrap().contains("Friday it is"),
        "{msgs:?}"
    );
    assert_eq!(msgs[2]["role"], "assistant");
    assert!(
        msgs.last().unwrap()["content"]
            .as_str()
            .unwrap()
            .contains("When do we ship?")
    );

    // Regenerate re-runs the analysis into the same post.
    w.fake.script(vec![sse(&["- Ship Friday, again"])]);
    let (status, _) = call(
        &w,
        &w.alice.1,
        &format!("/post/{}/regenerate", result.id),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    wait_ends(&w, 3).await;
    assert!(
        w.sim
            .wait_until(Duration::from_secs(5), |d| d.posts[&result.id].message
                == "- Ship Friday, again")
            .await
    );
}

async fn analysis_obeys_permissions_and_the_license(t: Transport) {
    let w = world(t, true, json!({}), json!({}), vec![sse(&["x"])]).await;
    let root = say(&w, &w.alice.0, &w.town, "private stuff", "").await;
    let path = format!("/post/{}/analyze", root.id);
    // Bob cannot read the channel.
    assert_eq!(
        call(&w, &w.bob.1, &path, json!({"analysis_type": "summarize_thread"}))
            .await
            .0,
        403
    );
    assert_eq!(
        call(&w, &w.alice.1, &path, json!({"analysis_type": "nonsense"}))
            .await
            .0,
        400
    );
    assert_eq!(call(&w, &w.alice.1, &path, json!({})).await.0, 400);
    assert_eq!(
        call(
            &w,
            &w.alice.1,
            "/post/nosuchpost/analyze",
            json!({"analysis_type": "action_items"})
        )
        .await
        .0,
        404
    );
    assert!(w.fake.seen().is_empty(), "nothing reached the model");

    // An agent restricted to other users refuses Alice.
    let w2 = world(
        t,
        true,
        json!({}),
        json!({"userAccessLevel": 1, "userIDs": ["someone-else"]}),
        vec![sse(&["x"])],
    )
    .await;
    let root = say(&w2, &w2.alice.0, &w2.town, "hi", "").await;
    let path = format!("/post/{}/analyze", root.id);
    assert_eq!(
        call(
            &w2,
            &w2.alice.1,
            &path,
            json!({"analysis_type": "open_questions"})
        )
        .await
        .0,
        403
    );

    // Without a license, AI actions are off.
    let w3 = world(t, false, json!({}), json!({}), vec![sse(&["x"])]).await;
    let root = say(&w3, &w3.alice.0, &w3.town, "hi", "").await;
    let path = format!("/post/{}/analyze", root.id);
    let (status, body) = call(&w3, &w3.alice.1, &path, json!({"analysis_type": "action_items"})).await;
    assert_eq!(status, 403);
    assert!(body["error"].as_str().unwrap().contains("licensed"));
    let (status, _) = call(
        &w3,
        &w3.alice.1,
        &format!("/channel/{}/interval", w3.town),
        json!({"start_time": 1, "preset_prompt": "summarize_unreads"}),
    )
    .await;
    assert_eq!(status, 403);
}

async fn channel_summaries_cover_the_period_by_creation_time(t: Transport) {
    let w = world(t, true, json!({}), json!({}), vec![sse(&["Summary."])]).await;
    let old = say(&w, &w.alice.0, &w.town, "old news", "").await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let since = old.create_at + 1;
    say(&w, &w.alice.0, &w.town, "fresh topic one", "").await;
    let gone = say(&w, &w.alice.0, &w.town, "deleted words", "").await;
    w.sim.data().posts.get_mut(&gone.id).unwrap().delete_at = since + 10;
    let sys = plugin_runtime::host::model::Post {
        user_id: w.alice.0.clone(),
        channel_id: w.town.clone(),
        message: "alice joined the channel".into(),
        post_type: "system_join_channel".into(),
        ..Default::default()
    };
    w.sim.data().insert_post(sys).unwrap();
    let path = format!("/channel/{}/interval", w.town);
    let (status, body) = call(
        &w,
        &w.alice.1,
        &path,
        json!({"start_time": since, "end_time": 0, "preset_prompt": "summarize_unreads"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    wait_ends(&w, 1).await;
    let result = post(&w, body["postid"].as_str().unwrap());
    assert_eq!(result.props["no_regen"], "true");
    assert_eq!(result.message, "Summary.");
    let text = requests(&w)[0]["messages"][1]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains("fresh topic one"), "{text}");
    assert!(
        !text.contains("old news") && !text.contains("deleted words") && !text.contains("joined"),
        "{text}"
    );

    let now = mattermost_simulator::now_millis();
    let day = 86_400_000;
    for bad in [
        json!({"start_time": now, "end_time": now - 1000, "preset_prompt": "summarize_range"}),
        json!({"start_time": now - 20 * day, "end_time": now, "preset_prompt": "summarize_range"}),
        json!({"start_time": now - day, "preset_prompt": "summarize_everything"}),
        json!({"end_time": now, "preset_prompt": "summarize_range"}),
    ] {
        assert_eq!(call(&w, &w.alice.1, &path, bad.clone()).await.0, 400, "{bad}");
    }
    assert_eq!(
        call(
            &w,
            &w.bob.1,
            &path,
            json!({"start_time": since, "preset_prompt": "action_items"})
        )
        .await
        .0,
        403
    );
}

/// `POST /channel/{id}/analyze` as the mobile app calls it, every body it sends (from
/// tests/fixtures/mobile_contract.json, written from the app's sources).
async fn the_mobile_channel_summary_takes_each_of_its_request_shapes(t: Transport) {
    let w = world(t, true, json!({}), json!({}), Vec::new()).await;
    w.fake.route(|seen| {
        let system = seen.body["messages"][0]["content"].as_str().unwrap_or("");
        Some(sse(&[if system.starts_with("Write a title") {
            "A title"
        } else {
            "Summary."
        }]))
    });
    let day = 86_400_000;
    let now = mattermost_simulator::now_millis();
    let backdate = |p: &Post, at: i64| {
        let mut d = w.sim.data();
        let post = d.posts.get_mut(&p.id).unwrap();
        post.create_at = at;
        post.update_at = at;
    };
    let ancient = say(&w, &w.alice.0, &w.town, "ancient history", "").await;
    backdate(&ancient, now - 10 * day);
    let seen = say(&w, &w.alice.0, &w.town, "already seen", "").await;
    backdate(&seen, now - 2 * day);
    say(&w, &w.alice.0, &w.town, "brand new", "").await;
    // Alice last viewed the channel a day ago.
    w.sim
        .data()
        .channel_members
        .get_mut(&(w.town.clone(), w.alice.0.clone()))
        .unwrap()
        .last_viewed_at = now - day;

    let contract: Value = serde_json::from_str(include_str!("../fixtures/mobile_contract.json")).unwrap();
    let route = contract["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/channel/{channelid}/analyze")
        .cloned()
        .expect("the analyze route is in the contract");
    let path = format!("/channel/{}/analyze?botUsername=ai", w.town);
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot).id;
    let mut done = 0;
    for body in route["body_variants"].as_array().unwrap() {
        let (status, answer) = call(&w, &w.alice.1, &path, body.clone()).await;
        assert_eq!(status, 200, "{body}: {answer}");
        for field in route["response_fields"].as_array().unwrap() {
            assert!(answer[field.as_str().unwrap()].is_string(), "{body}: {answer}");
        }
        assert_eq!(answer["channelid"], json!(dm), "the summary goes to the DM");
        done += 1;
        wait_ends(&w, done).await;
        let text = requests(&w)
            .last()
            .map(|r| r["messages"][1]["content"].as_str().unwrap_or("").to_owned())
            .unwrap_or_default();
        let has = |s: &str| text.contains(s);
        if body.get("days").is_some() {
            assert!(
                has("brand new") && has("already seen") && !has("ancient"),
                "{body}: {text}"
            );
        } else if body.get("unreads_only").is_some() {
            assert!(
                has("brand new") && !has("already seen") && !has("ancient"),
                "{body}: {text}"
            );
        } else if body.get("since").is_some() {
            assert!(has("No messages were posted"), "{body}: {text}");
        } else {
            assert!(has("brand new") && has("ancient"), "{body}: {text}");
        }
        assert_eq!(
            has("focus on decisions"),
            body.get("prompt").is_some(),
            "{body}: {text}"
        );
    }
    for bad in [
        json!({"analysis_type": "summarize_everything"}),
        json!({"analysis_type": "summarize_channel", "days": 30}),
        json!({"analysis_type": "summarize_channel", "since": "last week"}),
    ] {
        assert_eq!(call(&w, &w.alice.1, &path, bad.clone()).await.0, 400, "{bad}");
    }
    let body = json!({"analysis_type": "summarize_channel", "days": 1});
    assert_eq!(
        call(&w, &w.bob.1, &path, body).await.0,
        403,
        "bob cannot read the channel"
    );
}

async fn meeting_transcripts_are_summarized_in_chunks_and_posted_back(t: Transport) {
    // A tiny input limit forces the transcript into several parts.
    let w = world(
        t,
        true,
        json!({"tokenLimit": 7000}),
        json!({}),
        vec![sse(&["Part notes."])],
    )
    .await;
    let (calls_bot, _) = w.sim.add_user("calls", "system_user");
    w.sim.data().users.get_mut(&calls_bot.id).unwrap().is_bot = true;
    let mut vtt = String::from("WEBVTT\n\n");
    for i in 0..600 {
        vtt.push_str(&format!(
            "{i}\n00:{:02}:{:02}.000 --> 00:{:02}:{:02}.500\n<v Alice>We discussed item number {i} in some detail today</v>\n\n",
            i / 60, i % 60, i / 60, i % 60
        ));
    }
    let file = w
        .sim
        .state
        .add_file(&w.town, "transcript.vtt", vtt.into_bytes())
        .unwrap();
    let mut rec = plugin_runtime::host::model::Post {
        user_id: calls_bot.id.clone(),
        channel_id: w.town.clone(),
        message: "Recording".into(),
        post_type: "custom_calls_recording".into(),
        ..Default::default()
    };
    rec.props.insert("captions".into(), json!([{"file_id": file.id}]));
    rec.file_ids = vec![file.id.clone()];
    // A meeting post whose caption points at a file that is not its own: it is not read.
    let stolen = w
        .sim
        .state
        .add_file(
            &w.town,
            "other.vtt",
            b"WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.000\nthe secret plan\n".to_vec(),
        )
        .unwrap();
    let mut forged = rec.clone();
    forged.file_ids.clear();
    forged
        .props
        .insert("captions".into(), json!([{"file_id": stolen.id}]));
    let forged = w.sim.data().insert_post(forged).unwrap();
    let rec = w.sim.data().insert_post(rec).unwrap();
    assert_eq!(
        call(
            &w,
            &w.alice.1,
            &format!("/post/{}/summarize_transcription", forged.id),
            json!({})
        )
        .await
        .0,
        400,
        "a caption naming a file that is not the post's own"
    );
    let plain = say(&w, &w.alice.0, &w.town, "not a meeting", "").await;
    assert_eq!(
        call(
            &w,
            &w.alice.1,
            &format!("/post/{}/summarize_transcription", plain.id),
            json!({})
        )
        .await
        .0,
        400
    );
    assert_eq!(
        call(
            &w,
            &w.bob.1,
            &format!("/post/{}/summarize_transcription", rec.id),
            json!({})
        )
        .await
        .0,
        403
    );

    let (status, body) = call(
        &w,
        &w.alice.1,
        &format!("/post/{}/summarize_transcription", rec.id),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    wait_ends(&w, 1).await;
    let reqs = requests(&w);
    assert!(
        reqs.len() >= 3,
        "parts, then the combination: {} requests",
        reqs.len()
    );
    let first = reqs[0]["messages"][1]["content"].as_str().unwrap();
    assert!(
        first.starts_with("[00:00:00] Alice: We discussed item number 0"),
        "timestamps kept: {}",
        &first[..80]
    );
    let last = reqs.last().unwrap()["messages"][1]["content"].as_str().unwrap();
    assert!(last.contains("Notes of part 1 of"), "{}", &last[..60]);
    // Each part was announced to the channel's clients before its call, counting up.
    let steps: Vec<(i64, i64)> = w
        .sim
        .data()
        .ws_events
        .iter()
        .filter(|e| e.event == "custom_mattermost-ai_postprogress")
        .filter(|e| e.payload["stage"] == "transcript_parts" && e.payload["post_id"] == body["postid"])
        .map(|e| {
            (
                e.payload["step"].as_i64().unwrap_or(0),
                e.payload["steps"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    let parts = (reqs.len() - 1) as i64;
    assert_eq!(steps, (1..=parts).map(|i| (i, parts)).collect::<Vec<_>>());
    let summary_id = body["postid"].as_str().unwrap().to_owned();
    assert_eq!(
        post(&w, &summary_id).props["referenced_transcript_post_id"],
        rec.id.as_str()
    );

    // Posting back: only the requester, into the meeting's thread.
    assert_eq!(
        call(
            &w,
            &w.bob.1,
            &format!("/post/{summary_id}/postback_summary"),
            json!({})
        )
        .await
        .0,
        403
    );
    let (status, body) = call(
        &w,
        &w.alice.1,
        &format!("/post/{summary_id}/postback_summary"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rootid"], rec.id.as_str());
    assert_eq!(body["channelid"], w.town.as_str());
    let d = w.sim.data();
    let back = d
        .posts
        .values()
        .find(|p| p.post_type == "custom_llm_postback")
        .unwrap();
    assert_eq!(
        (back.root_id.as_str(), back.props["userid"].as_str()),
        (rec.id.as_str(), Some(w.alice.0.as_str()))
    );
    assert_eq!(back.message, "Part notes.");
}

async fn react_for_me_adds_the_agents_emoji_as_the_user(t: Transport) {
    let w = world(t, true, json!({}), json!({}), vec![sse(&[":tada:"])]).await;
    let p = say(&w, &w.alice.0, &w.town, "We shipped!", "").await;
    let (status, _) = call(&w, &w.alice.1, &format!("/post/{}/react", p.id), json!({})).await;
    assert_eq!(status, 200);
    let r = w.sim.data().reactions.last().cloned().expect("a reaction");
    assert_eq!(
        (r.user_id.as_str(), r.post_id.as_str(), r.emoji_name.as_str()),
        (w.alice.0.as_str(), p.id.as_str(), "tada")
    );
    w.fake.script(vec![sse(&["not-an-emoji-at-all"])]);
    assert_eq!(
        call(&w, &w.alice.1, &format!("/post/{}/react", p.id), json!({}))
            .await
            .0,
        500
    );
    assert_eq!(
        call(&w, &w.bob.1, &format!("/post/{}/react", p.id), json!({}))
            .await
            .0,
        403
    );
}

async fn tool_calls_wait_for_approval_and_the_answer_continues(t: Transport) {
    let asks = tool_calls(&[
        (
            "call_1",
            "LookupMattermostUser",
            json!({"username": "bob\u{202e}"}),
        ),
        ("call_2", "LookupMattermostUser", json!({"username": "alice"})),
    ]);
    let w = world(
        t,
        true,
        json!({}),
        json!({}),
        vec![asks, sse(&["Bob is a user."])],
    )
    .await;
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot);
    say(&w, &w.alice.0, &dm.id, "Who is bob?", "").await;
    wait_ends(&w, 1).await;
    let first = requests(&w)[0].clone();
    let names: Vec<&str> = first["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"LookupMattermostUser") && names.contains(&"GetJiraIssue"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"GetGithubIssue"),
        "no GitHub tool without the GitHub plugin"
    );

    let asked = w
        .sim
        .data()
        .posts
        .values()
        .find(|p| p.user_id == w.bot)
        .cloned()
        .unwrap();
    let pending: Value = serde_json::from_str(asked.props["pending_tool_call"].as_str().unwrap()).unwrap();
    assert_eq!(pending[0]["status"], 0);
    assert_eq!(
        pending[0]["arguments"]["username"], "bob[U+202E]",
        "hidden characters are shown"
    );
    assert!(
        w.sim
            .data()
            .ws_events
            .iter()
            .any(|e| e.payload.get("control") == Some(&json!("tool_call")))
    );

    let path = format!("/post/{}/tool_call", asked.id);
    // Bob cannot read alice's DM: to him the post does not exist.
    assert_eq!(
        call(&w, &w.bob.1, &path, json!({"accepted_tool_ids": ["call_1"]}))
            .await
            .0,
        404
    );
    assert_eq!(
        call(&w, &w.alice.1, &path, json!({})).await.0,
        400,
        "accepted_tool_ids is required"
    );
    // The same approval sent several times at once (a double click, two tabs, two cluster
    // nodes): one claims the decision, the rest are told it is decided, tools run once.
    let approve = || call(&w, &w.alice.1, &path, json!({"accepted_tool_ids": ["call_2"]}));
    let (a, b, c, d) = tokio::join!(approve(), approve(), approve(), approve());
    let mut statuses = vec![a.0, b.0, c.0, d.0];
    statuses.sort();
    assert_eq!(statuses, vec![200, 400, 400, 400]);
    wait_ends(&w, 2).await;
    let decided: Value =
        serde_json::from_str(post(&w, &asked.id).props["pending_tool_call"].as_str().unwrap()).unwrap();
    assert_eq!(decided[0]["status"], 2, "call_1 was rejected");
    assert_eq!(decided[1]["status"], 4, "call_2 ran: {decided}");
    assert!(
        decided[1]["result"]
            .as_str()
            .unwrap()
            .contains("Username: @alice")
    );
    // The agent continues in a new answer, with the results in its history.
    let reply = w
        .sim
        .data()
        .posts
        .values()
        .find(|p| p.user_id == w.bot && p.id != asked.id)
        .cloned()
        .unwrap();
    assert_eq!(reply.message, "Bob is a user.");
    assert_eq!(reply.props["responding_to"], asked.id.as_str());
    let cont = requests(&w).pop().unwrap();
    let roles: Vec<&str> = cont["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "tool", "tool"]);
    assert_eq!(cont["messages"][2]["tool_calls"][1]["id"], "call_2");
    assert!(
        cont["messages"][3]["content"]
            .as_str()
            .unwrap()
            .contains("rejected")
    );
    assert!(
        cont["messages"][4]["content"]
            .as_str()
            .unwrap()
            .contains("@alice")
    );
    // Decided calls cannot be decided again.
    assert_eq!(
        call(&w, &w.alice.1, &path, json!({"accepted_tool_ids": ["call_1"]}))
            .await
            .0,
        400
    );

    // In a channel the tools are not offered; the prompt says they are available in DMs.
    w.fake.script(vec![sse(&["ok"])]);
    say(&w, &w.alice.0, &w.town, "@ai who is bob?", "").await;
    wait_ends(&w, 3).await;
    let chan = requests(&w).pop().unwrap();
    assert!(chan.get("tools").is_none(), "{chan}");
    assert!(
        chan["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("LookupMattermostUser")
    );

    // An agent with tools disabled gets none.
    let w2 = world(
        t,
        true,
        json!({}),
        json!({"disableTools": true}),
        vec![sse(&["fine"])],
    )
    .await;
    let dm2 = w2.sim.direct_channel(&w2.alice.0, &w2.bot);
    say(&w2, &w2.alice.0, &dm2.id, "hi", "").await;
    wait_ends(&w2, 1).await;
    assert!(requests(&w2)[0].get("tools").is_none());
}

async fn jira_refuses_private_addresses_and_github_goes_through_its_plugin(t: Transport) {
    let asks = tool_calls(&[
        (
            "j1",
            "GetJiraIssue",
            json!({"instance_url": "http://127.0.0.1:9", "issue_keys": ["MM-1"]}),
        ),
        (
            "j2",
            "GetJiraIssue",
            json!({"instance_url": "https://jira.example", "issue_keys": ["not a key"]}),
        ),
        (
            "g1",
            "GetGithubIssue",
            json!({"repo_owner": "mattermost", "repo_name": "mattermost", "number": 42}),
        ),
    ]);
    let w = world(t, true, json!({}), json!({}), vec![asks, sse(&["done"])]).await;
    w.sim.data().other_plugins.insert(
        "github".into(),
        [(
            "/github/api/v1/issue?owner=mattermost&repo=mattermost&number=42".to_owned(),
            (200u16, json!({"title": "Crash on start", "state": "open", "body": "It crashes.", "user": {"login": "octo"}, "html_url": "https://github.com/mattermost/mattermost/issues/42"}).to_string().into_bytes()),
        )]
        .into_iter()
        .collect(),
    );
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot);
    say(&w, &w.alice.0, &dm.id, "Check MM-1 and issue 42", "").await;
    wait_ends(&w, 1).await;
    let asked = w
        .sim
        .data()
        .posts
        .values()
        .find(|p| p.user_id == w.bot)
        .cloned()
        .unwrap();
    let path = format!("/post/{}/tool_call", asked.id);
    assert_eq!(
        call(
            &w,
            &w.alice.1,
            &path,
            json!({"accepted_tool_ids": ["j1", "j2", "g1"]})
        )
        .await
        .0,
        200
    );
    wait_ends(&w, 2).await;
    let decided: Value =
        serde_json::from_str(post(&w, &asked.id).props["pending_tool_call"].as_str().unwrap()).unwrap();
    assert_eq!(decided[0]["status"], 3, "{decided}");
    assert!(
        decided[0]["result"].as_str().unwrap().contains("Error"),
        "{decided}"
    );
    assert_eq!(decided[1]["status"], 3);
    assert!(
        decided[1]["result"]
            .as_str()
            .unwrap()
            .contains("not a Jira issue key")
    );
    assert_eq!(decided[2]["status"], 4, "{decided}");
    assert!(decided[2]["result"].as_str().unwrap().contains("Crash on start"));
    let github_call = w
        .sim
        .calls()
        .into_iter()
        .find(|c| c.method == "PluginHTTP")
        .expect("an inter-plugin call");
    assert!(
        github_call.args.contains(&w.alice.0),
        "as the requesting user: {}",
        github_call.args
    );
}
