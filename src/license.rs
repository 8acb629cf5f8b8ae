//! Which features the server's license unlocks, decided in one place from `GetLicense`.
//!
//! The admin guide's table is the contract: without a license, one agent, chat in DMs and
//! channels, vision and basic tools; Entry, Enterprise and Enterprise Advanced add multiple
//! agents, fine-grained access control, embedding search, MCP, usage tracking, AI Actions,
//! channel summaries and meeting summaries. Upstream's code gates less (and gates tool approval,
//! which the guide calls free); we follow the guide.

use serde::Serialize;

use plugin_runtime::host::model::{License, ServerConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Unlicensed,
    Professional,
    Entry,
    Enterprise,
    EnterpriseAdvanced,
    /// A development server (`EnableDeveloper` and `EnableTesting`), as upstream treats it.
    Development,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entitlements {
    pub tier: Tier,
    pub multiple_agents: bool,
    pub fine_grained_access: bool,
    pub embedding_search: bool,
    pub mcp: bool,
    pub usage_tracking: bool,
    pub ai_actions: bool,
    pub channel_summaries: bool,
    pub meeting_summaries: bool,
}

impl Entitlements {
    fn with(tier: Tier, on: bool) -> Self {
        Entitlements {
            tier,
            multiple_agents: on,
            fine_grained_access: on,
            embedding_search: on,
            mcp: on,
            usage_tracking: on,
            ai_actions: on,
            channel_summaries: on,
            meeting_summaries: on,
        }
    }
}

pub fn tier(license: Option<&License>, server: &ServerConfig) -> Tier {
    let dev = server
        .get("ServiceSettings.EnableDeveloper")
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
        && server
            .get("ServiceSettings.EnableTesting")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
    let Some(l) = license else {
        return if dev { Tier::Development } else { Tier::Unlicensed };
    };
    match l.sku_short_name.to_ascii_lowercase().as_str() {
        "entry" => Tier::Entry,
        "enterprise" | "e20" => Tier::Enterprise,
        "advanced" | "enterprise_advanced" | "enterprise-advanced" => Tier::EnterpriseAdvanced,
        "professional" | "e10" => Tier::Professional,
        // Licenses from before SKU names: the E20 feature set marks Enterprise.
        "" if l.features.has("message_export") || l.features.has("compliance") => Tier::Enterprise,
        "" => Tier::Professional,
        _ if dev => Tier::Development,
        _ => Tier::Unlicensed,
    }
}

pub fn entitlements(license: Option<&License>, server: &ServerConfig) -> Entitlements {
    let t = tier(license, server);
    let on = matches!(
        t,
        Tier::Entry | Tier::Enterprise | Tier::EnterpriseAdvanced | Tier::Development
    );
    Entitlements::with(t, on)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lic(sku: &str) -> License {
        License {
            sku_short_name: sku.into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_guides_table() {
        let plain = ServerConfig::default();
        let none = entitlements(None, &plain);
        assert_eq!(none.tier, Tier::Unlicensed);
        assert!(!none.multiple_agents && !none.ai_actions && !none.mcp && !none.embedding_search);
        for sku in ["entry", "enterprise", "advanced", "E20"] {
            let e = entitlements(Some(&lic(sku)), &plain);
            assert!(
                e.multiple_agents && e.fine_grained_access && e.embedding_search && e.mcp,
                "{sku}"
            );
            assert!(
                e.usage_tracking && e.ai_actions && e.channel_summaries && e.meeting_summaries,
                "{sku}"
            );
        }
        assert!(!entitlements(Some(&lic("professional")), &plain).multiple_agents);
        let dev = ServerConfig(json!({"ServiceSettings": {"EnableDeveloper": true, "EnableTesting": true}}));
        assert_eq!(entitlements(None, &dev).tier, Tier::Development);
        assert!(entitlements(None, &dev).ai_actions);
    }
}
