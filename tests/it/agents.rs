//! Configuration, agents as bots, license gates and access control, through the simulator over
//! both transports.

use crate::common::Under;
use mattermost_simulator::{Simulator, Transport};
use plugin_runtime::host::model::License;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");

in_process!(
    agents_become_bots_and_follow_the_config,
    without_a_license_only_the_first_agent_is_active,
    legacy_configurations_are_migrated_and_saved_back,
    a_bad_configuration_is_reported_and_the_previous_one_kept,
    ai_bots_respects_access_control,
    ai_bots_items_carry_what_the_webapp_and_the_mobile_app_read,
);

// Reads the plugin process's output or depends on what the transport carries.
both_transports!(a_taken_username_is_refused_clearly);

fn enterprise() -> License {
    License {
        id: "lic".into(),
        sku_short_name: "enterprise".into(),
        ..Default::default()
    }
}

fn services() -> Value {
    json!([
        {"id": "svc-openai", "name": "OpenAI", "type": "openai", "apiKey": "sk-secret", "defaultModel": "gpt-4o"},
        {"id": "svc-claude", "name": "Claude", "type": "anthropic", "apiKey": "ak-secret"}
    ])
}

fn agent(name: &str, display: &str, service: &str) -> Value {
    json!({"id": format!("id-{name}"), "name": name, "displayName": display, "serviceID": service})
}

async fn start(t: Transport, license: Option<License>, config: Value) -> Simulator {
    let mut b = Simulator::builder(BIN)
        .under(t)
        .plugin_config(json!({"config": config}));
    if let Some(l) = license {
        b = b.license(l);
    }
    match b.start().await {
        Ok(s) => s,
        Err(e) => panic!("start ({t:?}): {e}"),
    }
}

fn bot(sim: &Simulator, username: &str) -> Option<plugin_runtime::host::model::Bot> {
    sim.data().bots.values().find(|b| b.username == username).cloned()
}

async fn get(sim: &Simulator, token: &str, path: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(sim.plugin_url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn usernames(v: &Value) -> Vec<String> {
    v["bots"]
        .as_array()
        .map(|b| {
            b.iter()
                .map(|x| x["username"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn agents_become_bots_and_follow_the_config(t: Transport) {
    let two = json!({"services": services(), "bots": [agent("ai", "AI", "svc-openai"), agent("claude", "Claude", "svc-claude")]});
    let sim = start(t, Some(enterprise()), two.clone()).await;
    let ai = bot(&sim, "ai").expect("bot ai");
    assert_eq!(
        (
            ai.display_name.as_str(),
            ai.description.as_str(),
            ai.owner_id.as_str()
        ),
        ("AI", "Powered by OpenAI", "mattermost-ai")
    );
    assert_eq!(
        bot(&sim, "claude").expect("bot claude").description,
        "Powered by Anthropic"
    );
    assert!(
        sim.data().profile_images.contains_key(&ai.user_id),
        "default avatar set"
    );

    // Rename one, remove the other.
    sim.save_plugin_config(
        json!({"config": {"services": services(), "bots": [agent("ai", "Assistant", "svc-claude")]}}),
    )
    .await
    .unwrap();
    let ai = bot(&sim, "ai").unwrap();
    assert_eq!(
        (ai.display_name.as_str(), ai.description.as_str()),
        ("Assistant", "Powered by Anthropic")
    );
    assert!(
        bot(&sim, "claude").unwrap().delete_at > 0,
        "a removed agent's bot is deactivated, not deleted"
    );

    // Re-added: the same account comes back.
    let claude_id = bot(&sim, "claude").unwrap().user_id;
    sim.save_plugin_config(json!({"config": two})).await.unwrap();
    let claude = bot(&sim, "claude").unwrap();
    assert_eq!((claude.user_id, claude.delete_at), (claude_id, 0));
    assert_eq!(sim.data().bots.len(), 2, "no duplicate accounts");
    assert!(sim.shutdown().await.unwrap());
}

async fn without_a_license_only_the_first_agent_is_active(t: Transport) {
    let sim = start(t, None, json!({"services": services(), "bots": [agent("ai", "AI", "svc-openai"), agent("claude", "Claude", "svc-claude")]})).await;
    assert!(bot(&sim, "ai").is_some());
    assert!(bot(&sim, "claude").is_none(), "a second agent needs a license");
    let (_, user) = sim.add_user("alice", "system_user");
    let (_, body) = get(&sim, &user, "/ai_bots").await;
    assert_eq!(usernames(&body), vec!["ai"]);
    assert_eq!(body["license"]["tier"], "unlicensed");
    assert_eq!(body["license"]["multipleAgents"], false);
    let (_, admin) = sim.add_user("root", "system_user system_admin");
    let (status, check) = get(&sim, &admin, "/admin/config/check").await;
    assert_eq!(status, 200);
    assert_eq!(check["agents"]["inactiveWithoutLicense"], json!(["claude"]));
    let (status, _) = get(&sim, &user, "/admin/config/check").await;
    assert_eq!(status, 403);
    assert!(sim.shutdown().await.unwrap());
}

async fn legacy_configurations_are_migrated_and_saved_back(t: Transport) {
    // Generation 1: each bot carries its service.
    let legacy = json!({"bots": [
        {"name": "ai", "displayName": "AI", "service": {"name": "OpenAI", "type": "openai", "apiKey": "sk", "sendUserID": true}},
        {"name": "helper", "displayName": "Helper", "service": {"name": "Same one", "type": "openai", "apiKey": "sk", "sendUserId": true}}
    ]});
    let sim = start(t, Some(enterprise()), legacy).await;
    assert!(
        sim.called("SavePluginConfig"),
        "a migrated configuration is saved back"
    );
    let saved = sim.data().plugin_config["config"].clone();
    assert_eq!(
        saved["services"].as_array().map(Vec::len),
        Some(1),
        "identical services are shared: {saved}"
    );
    assert_eq!(
        saved["services"][0]["sendUserId"], true,
        "written in the webapp's spelling"
    );
    assert_eq!(saved["bots"][0]["serviceID"], saved["services"][0]["id"]);
    assert!(saved["bots"][0].get("service").is_none());
    assert!(bot(&sim, "ai").is_some() && bot(&sim, "helper").is_some());
    // Saving the configuration back makes the server fire OnConfigurationChange again, which
    // syncs the bots once more under the lock: wait for that to settle, not just the first.
    assert!(
        sim.wait_until(std::time::Duration::from_secs(10), |d| !d
            .kv
            .keys()
            .any(|k| k.starts_with("mutex_")))
            .await,
        "cluster locks are released"
    );
    assert!(sim.shutdown().await.unwrap());
}

async fn a_bad_configuration_is_reported_and_the_previous_one_kept(t: Transport) {
    let sim = start(
        t,
        Some(enterprise()),
        json!({"services": services(), "bots": [agent("ai", "AI", "svc-openai")]}),
    )
    .await;
    sim.save_plugin_config(json!({"config": {"services": "oops", "bots": []}}))
        .await
        .unwrap();
    assert!(
        bot(&sim, "ai").is_some_and(|b| b.delete_at == 0),
        "nothing changes on an unusable configuration"
    );
    let (_, user) = sim.add_user("alice", "system_user");
    assert_eq!(usernames(&get(&sim, &user, "/ai_bots").await.1), vec!["ai"]);
    let (_, admin) = sim.add_user("root", "system_user system_admin");
    let (_, check) = get(&sim, &admin, "/admin/config/check").await;
    assert!(
        check["loadError"]
            .as_str()
            .is_some_and(|e| e.contains("services")),
        "{check}"
    );

    // Invalid parts are reported with their paths; the valid rest keeps working.
    let cfg = json!({"services": [services()[0].clone(), {"id": "nokey", "type": "mistral"}],
                     "bots": [agent("ai", "AI", "svc-openai"), agent("broken", "Broken", "nokey")],
                     "embeddingSearchConfig": {"type": "disabled", "parameters": {"efSearch": 5000}}});
    sim.save_plugin_config(json!({"config": cfg})).await.unwrap();
    let (_, check) = get(&sim, &admin, "/admin/config/check").await;
    let paths: Vec<&str> = check["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["path"].as_str())
        .collect();
    assert!(
        paths.contains(&"services[1].apiKey")
            && paths.contains(&"bots[1].serviceID")
            && paths.contains(&"embeddingSearchConfig.parameters.efSearch"),
        "{check}"
    );
    assert_eq!(check["loadError"], Value::Null);
    // API keys never reach a non-admin, nor the check itself.
    let (_, bots) = get(&sim, &user, "/ai_bots").await;
    assert!(!bots.to_string().contains("sk-secret"));
    assert!(!check.to_string().contains("sk-secret"));
    assert!(sim.shutdown().await.unwrap());
}

async fn ai_bots_respects_access_control(t: Transport) {
    let sim = start(t, Some(enterprise()), json!({})).await;
    let team = sim.add_team("eng");
    let (alice, alice_t) = sim.add_user("alice", "system_user");
    let (bob, bob_t) = sim.add_user("bob", "system_user");
    let (_, carol_t) = sim.add_user("carol", "system_user");
    let town = sim.add_channel(&team.id, "town", "O");
    sim.add_member(&town.id, &bob.id); // makes bob a member of the team
    let cfg = json!({"services": services(), "defaultBotName": "blocker", "bots": [
        agent("everyone", "Everyone", "svc-openai"),
        {"name": "listed", "displayName": "Listed", "serviceID": "svc-openai", "userAccessLevel": 1, "userIDs": [alice.id]},
        {"name": "teamwide", "displayName": "Team", "serviceID": "svc-openai", "userAccessLevel": 1, "teamIDs": [team.id]},
        {"name": "blocker", "displayName": "Blocker", "serviceID": "svc-openai", "userAccessLevel": 2, "userIDs": [alice.id]},
        {"name": "nobody", "displayName": "Nobody", "serviceID": "svc-openai", "userAccessLevel": 3}
    ]});
    sim.save_plugin_config(json!({"config": cfg})).await.unwrap();
    let _ = bob;
    assert_eq!(
        usernames(&get(&sim, &alice_t, "/ai_bots").await.1),
        vec!["everyone", "listed"]
    );
    assert_eq!(
        usernames(&get(&sim, &bob_t, "/ai_bots").await.1),
        vec!["blocker", "everyone", "teamwide"],
        "default agent first"
    );
    assert_eq!(
        usernames(&get(&sim, &carol_t, "/ai_bots").await.1),
        vec!["blocker", "everyone"]
    );
    let (_, body) = get(&sim, &alice_t, "/ai_bots").await;
    assert!(
        body["bots"][0]["dmChannelID"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    assert_eq!(body["bots"][1]["serviceType"], "openai");
    assert!(sim.shutdown().await.unwrap());
}

async fn a_taken_username_is_refused_clearly(t: Transport) {
    let sim = Simulator::builder(BIN)
        .under(t)
        .license(enterprise())
        .without_activation()
        .start()
        .await
        .unwrap();
    sim.add_user("helper", "system_user");
    sim.conn.on_activate().await.unwrap();
    sim.save_plugin_config(json!({"config": {"services": services(), "bots": [agent("helper", "Helper", "svc-openai"), agent("ai", "AI", "svc-openai")]}}))
        .await
        .unwrap();
    assert!(bot(&sim, "helper").is_none());
    assert!(bot(&sim, "ai").is_some(), "the other agents still work");
    // The plugin's stderr reaches the host asynchronously; give the line a moment.
    let mut log = String::new();
    for _ in 0..50 {
        log = sim.stderr_lines().join("\n");
        if log.contains("@helper") && log.contains("taken") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(log.contains("@helper") && log.contains("taken"), "{log}");
    assert!(sim.shutdown().await.unwrap());
}

/// Every `/ai_bots` item field the mobile app reads (tests/fixtures/mobile_contract.json,
/// written from its sources), and upstream's `isDefault` on the default agent only.
async fn ai_bots_items_carry_what_the_webapp_and_the_mobile_app_read(t: Transport) {
    let sim = start(
        t,
        Some(enterprise()),
        json!({"services": services(), "defaultBotName": "claude",
               "bots": [agent("ai", "AI", "svc-openai"), agent("claude", "Claude", "svc-claude")]}),
    )
    .await;
    let (_, user) = sim.add_user("alice", "system_user");
    let (_, body) = get(&sim, &user, "/ai_bots").await;
    let contract: Value = serde_json::from_str(include_str!("../fixtures/mobile_contract.json")).unwrap();
    let bots = body["bots"].as_array().unwrap();
    assert_eq!(bots[0]["username"], "claude", "the default agent first");
    assert_eq!(bots[0]["isDefault"], true);
    assert_eq!(bots[0]["is_default"], true);
    assert!(bots[1].get("isDefault").is_none() && bots[1].get("is_default").is_none());
    for field in contract["ai_bots_item_fields"].as_array().unwrap() {
        let field = field.as_str().unwrap();
        if field == "is_default" {
            continue;
        }
        assert!(bots[1].get(field).is_some(), "{field} missing: {}", bots[1]);
    }
    assert!(sim.shutdown().await.unwrap());
}
