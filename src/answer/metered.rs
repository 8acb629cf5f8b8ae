//! Every model call an answer makes passes the token quotas first (`usage::quota`): over a
//! limit, the call fails with a polite, translated message and the provider is never called;
//! past the warning share, the user gets one ephemeral note per limit and period.

use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;

use crate::i18n::Locale;
use crate::infra::Infra;
use crate::llm::{ErrorClass, EventStream, LanguageModel, LlmError, Request};
use crate::usage::quota::{self, Verdict, Who};
use plugin_runtime::host::model::Post;

/// A model whose calls are checked against the quotas of `who`.
pub struct Metered {
    pub inner: Arc<dyn LanguageModel>,
    pub infra: Infra,
    pub who: Who,
    /// Where a warning is shown (empty: nowhere, e.g. a call from another plugin).
    pub channel_id: String,
}

#[async_trait]
impl LanguageModel for Metered {
    async fn stream(&self, request: &Request) -> Result<EventStream, LlmError> {
        check(&self.infra, &self.who, &self.channel_id).await?;
        self.inner.stream(request).await
    }
}

/// Refuses a call over a quota. A failing database lets the call through (logged): quotas
/// bound spending, they must not take the agents down with the database.
pub async fn check(infra: &Infra, who: &Who, channel_id: &str) -> Result<(), LlmError> {
    let snap = infra.snapshot();
    let q = &snap.effective.config.token_quotas;
    if !q.enabled || !snap.entitlements.usage_tracking || !infra.book.is_recording() {
        return Ok(());
    }
    let mut who = who.clone();
    if who.is_admin.is_none() && !who.user_id.is_empty() {
        match infra.api().get_user(&who.user_id).await {
            Ok(u) => {
                who.is_admin = Some(u.is_system_admin());
                who.locale = u.locale;
            }
            Err(e) => tracing::debug!(error = %e, "quota check: the user could not be read"),
        }
    }
    let who = &who;
    let now = Timestamp::now();
    match quota::judge(&infra.book, q, who, now).await {
        Ok(Verdict::Allow) => Ok(()),
        Ok(Verdict::Refuse(r)) => {
            infra.metrics.quota_refused(r.scope_label());
            Err(LlmError::new(
                ErrorClass::QuotaExceeded,
                quota::refusal(&Locale::new(&who.locale), &r, who, now),
            ))
        }
        Ok(Verdict::Warn(r)) => {
            warn_once(infra, who, channel_id, &r, now).await;
            Ok(())
        }
        Err(e) => {
            tracing::warn!(error = %e, "token quotas could not be checked; the call goes ahead");
            Ok(())
        }
    }
}

async fn warn_once(infra: &Infra, who: &Who, channel_id: &str, r: &quota::Reached, now: Timestamp) {
    if channel_id.is_empty() || who.user_id.is_empty() {
        return;
    }
    let api = infra.api();
    let day = quota::Calendar::at(now).today.to_string();
    let ttl = (r.resets_at.as_second() - now.as_second()).max(60);
    // One warning per limit and period across the cluster: the first node to set the mark.
    match api
        .kv_insert_if_absent(&quota::warned_key(r, &day), b"1", ttl)
        .await
    {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!(error = %e, "could not mark a quota warning");
            return;
        }
    }
    let post = Post {
        channel_id: channel_id.to_owned(),
        user_id: who.bot_id.clone(),
        message: quota::warning(&Locale::new(&who.locale), r, who, now),
        ..Default::default()
    };
    if let Err(e) = api.send_ephemeral_post(&who.user_id, &post).await {
        tracing::warn!(error = %e, "could not send a quota warning");
    }
}
