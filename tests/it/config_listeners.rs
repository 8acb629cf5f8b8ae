//! Listeners see every configuration the plugin switches to (in process: the plugin's hooks
//! against the simulated server's API, no transport involved).

use mattermost_ai::plugin::Plugin;
use mattermost_simulator::SimState;
use plugin_runtime::host::{Hooks, TransportKind};
use serde_json::json;

#[tokio::test]
async fn subscribers_see_each_new_snapshot_and_not_a_bad_one() {
    let sim = SimState::new();
    sim.data().plugin_config = json!({"config": {
        "services": [{"id": "s", "type": "openai", "apiKey": "k"}],
        "bots": [{"name": "ai", "displayName": "AI", "serviceID": "s"}]
    }})
    .as_object()
    .cloned()
    .unwrap_or_default();
    let plugin = Plugin::new().unwrap();
    plugin.attach_api(sim.clone(), TransportKind::NetRpc);
    let mut rx = plugin.config().subscribe();

    plugin.on_configuration_change().await.unwrap();
    assert!(rx.has_changed().unwrap());
    let snap = rx.borrow_and_update().clone();
    assert_eq!(
        snap.agents().map(|a| a.name.clone()).collect::<Vec<_>>(),
        vec!["ai"]
    );
    assert!(
        snap.bot_ids.contains_key("ai"),
        "bot sync ran before listeners were told"
    );

    // An unusable configuration keeps the agents; listeners learn of the load error.
    sim.data().plugin_config = json!({"config": {"bots": "nope"}})
        .as_object()
        .cloned()
        .unwrap_or_default();
    plugin.on_configuration_change().await.unwrap();
    let snap = rx.borrow_and_update().clone();
    assert!(snap.load_error.is_some());
    assert_eq!(snap.agents().count(), 1);
}
