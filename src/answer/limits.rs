//! How many answers one user may have the models working on at once (conversations, AI
//! actions, searches): enough for real use, small enough that one user — or one script with a
//! user's token — cannot turn the plugin into a load generator against the providers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::i18n::{Locale, Text, arg};

/// Answers (streamed or not) one user may have in progress.
pub const MAX_ANSWERS_PER_USER: usize = 4;

/// What a refused user is told, for whoever reads it (an HTTP refusal).
pub fn busy() -> Text {
    Text::tr("answer.busy", &[arg("Count", MAX_ANSWERS_PER_USER)])
}

/// What a refused user is told, in their language (an answer post).
pub fn busy_message(locale: &Locale) -> String {
    busy().in_locale(locale)
}

#[derive(Default)]
pub struct UserSlots {
    busy: Mutex<HashMap<String, usize>>,
}

/// A slot held for one answer; released when dropped, however the answer ends.
pub struct Slot {
    slots: Arc<UserSlots>,
    user_id: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut m) = self.slots.busy.lock()
            && let Some(n) = m.get_mut(&self.user_id)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.user_id);
            }
        }
    }
}

impl UserSlots {
    /// A slot for `user_id`, or None when they are at the limit.
    pub fn try_take(self: &Arc<Self>, user_id: &str) -> Option<Slot> {
        let mut m = self.busy.lock().ok()?;
        let n = m.entry(user_id.to_owned()).or_insert(0);
        if *n >= MAX_ANSWERS_PER_USER {
            return None;
        }
        *n += 1;
        Some(Slot {
            slots: self.clone(),
            user_id: user_id.to_owned(),
        })
    }

    /// Whether `user_id` could start one more answer now.
    pub fn has_room(&self, user_id: &str) -> bool {
        self.busy
            .lock()
            .map(|m| m.get(user_id).copied().unwrap_or(0) < MAX_ANSWERS_PER_USER)
            .unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_names_the_limit_in_the_users_language() {
        let en = busy_message(&Locale::new("en"));
        assert!(en.contains("4 answers in progress"), "{en}");
        assert_eq!(busy().to_string(), en);
        let ja = busy_message(&Locale::new("ja"));
        assert!(ja.contains('4') && ja != en, "{ja}");
    }

    #[test]
    fn slots_are_per_user_and_come_back() {
        let slots = Arc::new(UserSlots::default());
        let held: Vec<Slot> = (0..MAX_ANSWERS_PER_USER)
            .map(|_| slots.try_take("u").expect("a slot"))
            .collect();
        assert!(slots.try_take("u").is_none());
        assert!(!slots.has_room("u"));
        assert!(slots.try_take("other").is_some());
        drop(held);
        assert!(slots.has_room("u"));
        assert!(slots.try_take("u").is_some());
    }
}
