//! Token estimates where no tokenizer is at hand: the mean of characters/4 and words/0.75, never
//! zero for non-empty text (a zero would disable every budget).

pub fn estimate(text: &str) -> u64 {
    if text.is_empty() {
        return 0;
    }
    let chars = text.chars().count() as f64 / 4.0;
    let words = text.split_whitespace().count() as f64 / 0.75;
    (((chars + words) / 2.0).ceil() as u64).max(1)
}
