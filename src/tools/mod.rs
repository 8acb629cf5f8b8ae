//! Built-in tools an agent may call in a DM, each run only after the user approves the call,
//! and the toolbox that joins them with the tools other features offer (semantic search, MCP
//! servers), handed in by the composition root.

pub mod github;
pub mod jira;
pub mod user_lookup;
pub mod web_search;

use std::sync::Arc;

use crate::answer::tools::{Tool, ToolProvider};
use crate::i18n::Locale;
use plugin_runtime::host::MattermostApi;

/// Every tool a conversation may offer: the built-ins first, then each provider's in order; a
/// name already taken keeps its first owner.
pub struct Toolbox {
    providers: Vec<Arc<dyn ToolProvider>>,
    web_search: Option<web_search::WebSearchTools>,
}

impl Toolbox {
    pub fn new(providers: Vec<Arc<dyn ToolProvider>>) -> Self {
        Toolbox {
            providers,
            web_search: None,
        }
    }

    /// Adds the built-in web search tools, offered while `config` has them set up.
    pub fn with_web_search(mut self, config: Arc<crate::config::snapshot::LiveConfig>) -> Self {
        self.web_search = Some(web_search::WebSearchTools::new(config));
        self
    }
}

#[async_trait::async_trait]
impl ToolProvider for Toolbox {
    /// The tools available to `user_id`'s conversation; GitHub only when its plugin runs, web
    /// search only when configured.
    async fn tools_for(&self, api: &dyn MattermostApi, user_id: &str) -> Vec<Arc<dyn Tool>> {
        let mut tools: Vec<Arc<dyn Tool>> =
            vec![Arc::new(user_lookup::LookupUser), Arc::new(jira::GetJiraIssue)];
        if github::plugin_running(api).await {
            tools.push(Arc::new(github::GetGithubIssue));
        }
        if let Some(web) = &self.web_search {
            tools.extend(web.tools());
        }
        for provider in &self.providers {
            for t in provider.tools_for(api, user_id).await {
                let name = t.spec().name;
                if tools.iter().any(|b| b.spec().name == name) {
                    tracing::warn!(tool = %name, "a tool has the name of one offered first; the first one is kept");
                    continue;
                }
                tools.push(t);
            }
        }
        tools
    }

    async fn notices(&self, api: &dyn MattermostApi, user_id: &str, locale: &Locale) -> Vec<String> {
        let mut out = Vec::new();
        for provider in &self.providers {
            out.extend(provider.notices(api, user_id, locale).await);
        }
        out
    }
}
