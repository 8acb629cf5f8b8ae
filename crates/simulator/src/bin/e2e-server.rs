//! The server side of the webapp's end-to-end test: the plugin under the simulator, a fake
//! OpenAI service, and the browser front of [`mattermost_simulator::web`].
//!
//! `e2e-server <plugin binary> <webapp dir>` prints one JSON line with the page's URL and the
//! fake service's URL, then runs until its standard input closes; each `plugin_config` line it
//! reads there is answered with a JSON line holding the saved plugin settings.
//!
//! The fake answers by what it is asked: a title request gets a title, a message containing
//! "slowly" a long answer at about 30 words a second (so Stop can be pressed mid-stream), "break"
//! part of an answer and a cut connection, "Who is" a call to LookupMattermostUser, a request
//! carrying a tool result the final answer, a thread about Friday's release its summary, and
//! "report image <url>" an answer that embeds the URL as a markdown image and a link (what a
//! prompt injection in text the agent read would make it write).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use mattermost_simulator::fake_provider::{FakeProvider, Script, Seen};
use mattermost_simulator::scratch_db::ScratchDb;
use mattermost_simulator::web::{Page, listen};
use mattermost_simulator::{Simulator, Transport};
use plugin_runtime::host::model::License;
use serde_json::{Value, json};

fn answer(seen: &Seen) -> Option<Script> {
    let messages = seen.body["messages"].as_array()?;
    let system = messages.first().and_then(|m| m["content"].as_str()).unwrap_or("");
    if system.starts_with("Write a title") {
        return Some(Script::chat_completion(
            &["Counting with the assistant"],
            0,
            Some((40, 4)),
        ));
    }
    if messages.last().is_some_and(|m| m["role"] == "tool") {
        return Some(Script::chat_completion(
            &["@bob is ", "Bob Builder, ", "an active user."],
            50,
            Some((120, 9)),
        ));
    }
    let last = messages
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .map(|m| m["content"].to_string())
        .unwrap_or_default();
    if last.contains("slowly") {
        // Long enough (a minute) that Stop lands mid-stream even on a loaded machine.
        let words: Vec<String> = (1..=2000).map(|n| format!("{n}, ")).collect();
        let parts: Vec<&str> = words.iter().map(String::as_str).collect();
        return Some(Script::chat_completion(&parts, 30, Some((60, 2000))));
    }
    if let Some(url) = last
        .split("report image ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| c.is_whitespace() || c == '"').next())
        .filter(|u| !u.is_empty())
    {
        let image = format!("![chart]({url})");
        let link = format!("[full report]({url}&via=link)");
        return Some(Script::chat_completion(
            &[
                "Here is the chart: ",
                &image,
                " and the ",
                &link,
                ". The total is 42.",
            ],
            20,
            Some((50, 20)),
        ));
    }
    if seen.raw.windows(17).any(|w| w == b"We ship on Friday") {
        return Some(Script::chat_completion(
            &["Summary: ", "the team ships on Friday."],
            30,
            Some((90, 8)),
        ));
    }
    if last.contains("break") {
        // Part of an answer, then the connection ends without the stream's end.
        let part =
            json!({"choices": [{"index": 0, "delta": {"content": "Half an ans"}, "finish_reason": null}]});
        return Some(Script::sse(vec![(0, format!("data: {part}\n\n"))]));
    }
    if last.contains("Who is") {
        return Some(Script::chat_tool_calls(&[(
            "call_1",
            "LookupMattermostUser",
            json!({"username": "bob"}),
        )]));
    }
    Some(Script::chat_completion(&["Hello!"], 20, Some((30, 2))))
}

async fn run(plugin: PathBuf, webapp: PathBuf) -> Result<(), String> {
    let fake = FakeProvider::start(Vec::new()).await.map_err(|e| e.to_string())?;
    fake.route(answer);
    let transport = match std::env::var("E2E_TRANSPORT").as_deref() {
        Ok("grpc") => Transport::Grpc,
        _ => Transport::NetRpc,
    };
    // With DATABASE_URL, the server's database is a scratch one: token usage is recorded and
    // the console's usage page has something to draw.
    let db = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(ScratchDb::create(url.trim(), "mmai_e2e").await?),
        _ => None,
    };
    let mut builder = Simulator::builder(&plugin);
    if let Some(db) = &db {
        builder =
            builder.server_config(json!({"SqlSettings": {"DriverName": "postgres", "DataSource": db.url}}));
    }
    let sim = builder
        .transport(transport)
        .license(License {
            id: "e2e".into(),
            sku_short_name: "enterprise".into(),
            ..Default::default()
        })
        .start()
        .await
        .map_err(|e| format!("starting the plugin: {e}"))?;
    let (admin, token) = sim.add_user("admin", "system_admin system_user");
    let (bob, _) = sim.add_user("bob", "system_user");
    {
        let mut d = sim.data();
        if let Some(u) = d.users.get_mut(&bob.id) {
            u.first_name = "Bob".into();
            u.last_name = "Builder".into();
        }
        d.permissions
            .push((admin.id.clone(), String::new(), "view_members".into()));
    }
    // A channel with a thread to run AI Actions on.
    let team = sim.add_team("staff");
    let town = sim.add_channel(&team.id, "town-square", "O");
    for u in [&admin.id, &bob.id] {
        sim.add_member(&town.id, u);
        sim.data()
            .permissions
            .push((u.clone(), town.id.clone(), "read_channel".into()));
    }
    let thread = sim
        .data()
        .insert_post(plugin_runtime::host::model::Post {
            user_id: bob.id.clone(),
            channel_id: town.id.clone(),
            message: "We ship on Friday; the release notes are still open.".into(),
            ..Default::default()
        })
        .map_err(|e| e.message)?;
    let node = webapp.join("node_modules");
    let files: HashMap<String, PathBuf> = [
        ("main.js", webapp.join("dist/main.js")),
        ("harness.js", webapp.join("e2e/harness.js")),
        ("react.js", node.join("react/umd/react.development.js")),
        (
            "react-dom.js",
            node.join("react-dom/umd/react-dom.development.js"),
        ),
        // Mattermost's icon font, which its webapp loads for every plugin; the stylesheet
        // finds the font at ../font/ from its own address.
        (
            "css/compass-icons.css",
            node.join("@mattermost/compass-icons/css/compass-icons.css"),
        ),
        (
            "font/compass-icons.woff2",
            node.join("@mattermost/compass-icons/font/compass-icons.woff2"),
        ),
        // Someone else's accessibility checker, run in the page by the test.
        ("axe.js", node.join("axe-core/axe.min.js")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (name, path) in &files {
        if !path.exists() {
            return Err(format!(
                "{name}: {} is missing (run `npm ci && npm run build`)",
                path.display()
            ));
        }
    }
    let page = Page {
        index: webapp.join("e2e/harness.html"),
        files,
        token,
    };
    let (addr, _task) = listen(&sim, page).await.map_err(|e| e.to_string())?;
    let hello: Value = json!({"url": format!("http://{addr}/"), "fake": fake.url, "user_id": admin.id, "thread_post_id": thread.id, "town_square_id": town.id});
    println!("{hello}");

    // Runs until the test closes our stdin (or goes away). A `plugin_config` line asks for the
    // plugin settings as saved (what the plugin reads back), answered as one JSON line.
    let state = sim.state.clone();
    let _ = tokio::task::spawn_blocking(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if line.trim() == "plugin_config" {
                let saved = Value::Object(state.data().plugin_config.clone());
                println!("{}", json!({"plugin_config": saved}));
            }
        }
    })
    .await;
    sim.shutdown().await.map_err(|e| e.to_string())?;
    if let Some(db) = db {
        db.drop_now().await;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(plugin), Some(webapp)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: e2e-server <plugin binary> <webapp dir>");
        return ExitCode::from(2);
    };
    match run(PathBuf::from(plugin), PathBuf::from(webapp)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("e2e-server: {e}");
            ExitCode::FAILURE
        }
    }
}
