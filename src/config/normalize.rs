//! Go's `encoding/json` matches keys case-insensitively, so saved configs hold `sendUserID`
//! and `sendUserId`, `orgID` and `orgId`. Before decoding, every known key is renamed to the
//! webapp's spelling (the one we write back); unknown keys are left as they are.

use serde::Serialize;
use serde_json::{Map, Value};

use super::model::*;

fn keys_of<T: Serialize + Default>(extra: &[&str]) -> Vec<String> {
    let mut keys: Vec<String> = match serde_json::to_value(T::default()) {
        Ok(Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    };
    keys.extend(extra.iter().map(|k| (*k).to_owned()));
    keys
}

/// Renames the object's keys to the canonical spellings in `keys`. When two spellings of one key
/// are present, the canonical one wins.
fn canon(v: &mut Value, keys: &[String]) {
    let Value::Object(m) = v else { return };
    let old = std::mem::take(m);
    let mut out = Map::new();
    let mut renamed = Vec::new();
    for (k, val) in old {
        match keys.iter().find(|c| c.eq_ignore_ascii_case(&k)) {
            Some(c) if *c == k => {
                out.insert(k, val);
            }
            Some(c) => renamed.push((c.clone(), val)),
            None => {
                out.insert(k, val);
            }
        }
    }
    for (k, val) in renamed {
        out.entry(k).or_insert(val);
    }
    *m = out;
}

fn each(v: &mut Value, key: &str, f: impl Fn(&mut Value)) {
    if let Some(Value::Array(items)) = v.get_mut(key) {
        items.iter_mut().for_each(f);
    }
}

fn child(v: &mut Value, key: &str, f: impl FnOnce(&mut Value)) {
    if let Some(c) = v.get_mut(key) {
        f(c);
    }
}

/// Canonicalises every known key of a `config` object in place.
pub fn normalize(config: &mut Value) {
    let service = keys_of::<ServiceConfig>(&[]);
    canon(config, &keys_of::<Config>(&[]));
    each(config, "services", |s| canon(s, &service));
    let bot = keys_of::<BotConfig>(&["service"]);
    each(config, "bots", |b| {
        canon(b, &bot);
        child(b, "service", |s| canon(s, &service));
    });
    child(config, "embeddingSearchConfig", |e| {
        canon(e, &keys_of::<EmbeddingSearchConfig>(&[]));
        let typed = keys_of::<TypedParameters>(&[]);
        child(e, "vectorStore", |x| canon(x, &typed));
        child(e, "embeddingProvider", |x| canon(x, &typed));
        child(e, "chunkingOptions", |x| {
            canon(x, &keys_of::<ChunkingOptions>(&[]))
        });
    });
    child(config, "mcp", |m| {
        canon(m, &keys_of::<McpConfig>(&[]));
        child(m, "embeddedServer", |x| canon(x, &keys_of::<EmbeddedServer>(&[])));
        let server = keys_of::<McpServer>(&[]);
        each(m, "servers", |s| canon(s, &server));
    });
    child(config, "builtinTools", |b| {
        canon(b, &keys_of::<BuiltinTools>(&[]))
    });
    child(config, "tokenQuotas", |q| canon(q, &keys_of::<TokenQuotas>(&[])));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_spellings_become_the_webapps() {
        let mut v = json!({
            "Services": [{"ID": "s", "TYPE": "openai", "sendUserID": true, "orgID": "o", "apiUrl": "u", "custom": 1}],
            "bots": [{"name": "ai", "serviceId": "s", "ChannelIDs": ["c"], "service": {"APIKEY": "k"}}],
            "EnableLLMTrace": true,
            "mcp": {"Servers": [{"BaseUrl": "https://x"}], "EmbeddedServer": {"Enabled": true}}
        });
        normalize(&mut v);
        assert_eq!(v["services"][0]["sendUserId"], true);
        assert_eq!(v["services"][0]["orgId"], "o");
        assert_eq!(v["services"][0]["apiURL"], "u");
        assert_eq!(v["services"][0]["id"], "s");
        assert_eq!(v["services"][0]["custom"], 1, "unknown keys are kept");
        assert_eq!(v["bots"][0]["serviceID"], "s");
        assert_eq!(v["bots"][0]["channelIDs"], json!(["c"]));
        assert_eq!(v["bots"][0]["service"]["apiKey"], "k");
        assert_eq!(v["enableLLMTrace"], true);
        assert_eq!(v["mcp"]["servers"][0]["baseURL"], "https://x");
        assert_eq!(v["mcp"]["embeddedServer"]["enabled"], true);
    }

    #[test]
    fn the_canonical_spelling_wins_a_tie() {
        let mut v = json!({"services": [{"sendUserId": true, "sendUserID": false}]});
        normalize(&mut v);
        assert_eq!(v["services"][0], json!({"sendUserId": true}));
    }
}
