//! The stand-in model of `make demo`: an OpenAI-compatible chat endpoint (served by
//! [`crate::fake_provider::FakeProvider`] through [`route`]) that answers the plugin's requests
//! from what they say, streamed word by word at a pace a person can follow.
//!
//! It knows the plugin's own prompts (conversation titles, emoji reactions, thread and channel
//! analyses, meeting notes, search answers) and reads the messages they carry, so a summary is
//! a summary of the thread that was asked about. In conversations it greets and explains what
//! to try, turns "who is @name?" into a LookupMattermostUser call (so the approval card can be
//! tried) and reports the tool's result, tells a long story (so Stop can be tried), answers
//! follow-ups about an analysed thread from the thread, and otherwise quotes the question back
//! with a short note on what a real model would do. Nothing here is a language model; the rules
//! are only as clever as a demo needs.

use serde_json::{Value, json};

use crate::fake_provider::{Script, Seen};

/// The model's name, as `/models` lists it (the System Console's model picker asks).
pub const MODEL: &str = "demo-model";
/// Between two streamed words: about 25 words a second, quick but visibly streamed.
const WORD_MS: u64 = 40;
/// Before the first word, as a real model takes a moment to start.
const FIRST_MS: u64 = 400;
/// The tool the demo shows approvals with (one of the plugin's built-ins).
const LOOKUP_TOOL: &str = "LookupMattermostUser";

/// Answers any request the plugin sends to the service's `apiURL`.
pub fn route(seen: &Seen) -> Option<Script> {
    let path = seen.uri.split('?').next().unwrap_or_default();
    if path.ends_with("/models") {
        let list = json!({"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "demo"}]});
        return Some(Script::json(200, &list));
    }
    if path.ends_with("/chat/completions") {
        return Some(chat(&seen.body, seen.raw.len()));
    }
    // Said in the error the plugin shows, so an admin who switched the API knows why.
    let message =
        "the demo model answers Chat Completions only: turn off \"Use Responses API\" for this service";
    Some(Script::json(
        404,
        &json!({"error": {"message": message, "type": "invalid_request_error"}}),
    ))
}

/// What the model does with a request: write text, or ask for a tool.
#[derive(Debug, PartialEq)]
enum Reply {
    Text(String),
    /// Answered at once, in one piece (titles and emoji names are read, not watched).
    Short(String),
    Call(&'static str, Value),
}

/// A Chat Completions request's answer.
pub fn chat(body: &Value, request_bytes: usize) -> Script {
    let messages = body["messages"].as_array().map(Vec::as_slice).unwrap_or_default();
    let tools: Vec<&str> = body["tools"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["function"]["name"].as_str()).collect())
        .unwrap_or_default();
    // About four bytes a token, as the plugin's own estimate; the numbers feed its usage log.
    let prompt_tokens = (request_bytes / 4) as u64;
    match reply(messages, &tools) {
        Reply::Short(text) => Script::chat_completion(&[text.as_str()], 0, Some((prompt_tokens, 5))),
        Reply::Call(name, args) => {
            let id = format!("call_{}", crate::new_id());
            Script::chat_tool_calls(&[(&id, name, args)])
        }
        Reply::Text(text) => {
            let words = pieces(&text);
            let mut script =
                Script::chat_completion(&words, WORD_MS, Some((prompt_tokens, words.len() as u64)));
            if let Some(first) = script.chunks.first_mut() {
                first.0 = FIRST_MS;
            }
            script
        }
    }
}

fn reply(messages: &[Value], tools: &[&str]) -> Reply {
    let system = messages
        .iter()
        .find(|m| m["role"] == "system")
        .map(|m| text(&m["content"]))
        .unwrap_or_default();
    let user = messages
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .map(|m| text(&m["content"]))
        .unwrap_or_default();
    if system.starts_with("Write a title") {
        return Reply::Short(title(strip_author(&user)));
    }
    if system.starts_with("Pick the single emoji") {
        return Reply::Short(emoji(&user).into());
    }
    if system.contains("You will be given a Mattermost thread") {
        return Reply::Text(analysis(&system, &user, "the thread"));
    }
    if system.contains("You will be given the messages posted in the channel") {
        let channel = between(&system, "the channel \"", "\"").unwrap_or("the channel");
        return Reply::Text(analysis(&system, &user, channel));
    }
    if system.contains("transcript of a meeting") {
        return Reply::Text(meeting(&user));
    }
    if system.contains("The user searched their Mattermost messages") {
        return Reply::Text(search_answer(&system, &user));
    }
    conversation(&system, messages, &user, tools)
}

/// A message's text: a string, or the text parts of a multi-part content.
fn text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// A conversation message without the "@username: " the plugin puts before people's words.
fn strip_author(message: &str) -> &str {
    let trimmed = message.trim_start();
    if let Some(rest) = trimmed.strip_prefix('@')
        && let Some((name, said)) = rest.split_once(": ")
        && !name.is_empty()
        && !name.contains(char::is_whitespace)
    {
        return said.trim();
    }
    trimmed.trim()
}

/// The text between `start` and the next `end`.
fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

/// The text as stream pieces: each word with the spaces after it.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            in_space = true;
        } else if in_space {
            out.push(&text[start..i]);
            start = i;
            in_space = false;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// At most `max` characters, with an ellipsis when cut.
fn clip(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// Sentences, split after `.`, `?` or `!` followed by a space, and at line ends.
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut current = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            current.push(c);
            if matches!(c, '.' | '?' | '!') && chars.peek().is_none_or(|n| n.is_whitespace()) {
                out.push(current.trim().to_owned());
                current.clear();
            }
        }
        if !current.trim().is_empty() {
            out.push(current.trim().to_owned());
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The @usernames a text mentions.
fn mentions(text: &str) -> Vec<String> {
    text.split('@')
        .skip(1)
        .filter_map(|rest| {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                .collect();
            let name = name.trim_end_matches('.');
            (!name.is_empty()).then(|| name.to_lowercase())
        })
        .collect()
}

/// Words of four letters or more, lower-cased and cut to five letters (so "caused" meets
/// "cause"): what two texts share when they are about the same thing.
fn keywords(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(|w| w.to_lowercase().chars().take(5).collect())
        .collect()
}

fn overlap(a: &[String], b: &str) -> usize {
    let b = keywords(b);
    a.iter().filter(|w| b.contains(w)).count()
}

fn title(message: &str) -> String {
    const FILLER: &[&str] = &[
        "hi", "hello", "hey", "please", "can", "could", "you", "me", "the", "a",
    ];
    let words: Vec<&str> = message
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '-'))
        .filter(|w| !w.is_empty())
        .skip_while(|w| FILLER.contains(&w.to_lowercase().as_str()))
        .take(6)
        .collect();
    let mut title = words.join(" ");
    if let Some(first) = title.chars().next() {
        title = first.to_uppercase().chain(title.chars().skip(1)).collect();
    }
    if title.is_empty() {
        "Chat with the demo agent".into()
    } else {
        title
    }
}

fn emoji(message: &str) -> &'static str {
    let m = message.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| m.contains(w));
    if has(&["ship", "release", "launch", "merged"]) {
        "rocket"
    } else if has(&["thank", "thanks"]) {
        "pray"
    } else if has(&["fixed", "done", "verified", "resolved"]) {
        "white_check_mark"
    } else if has(&["outage", "incident", "down", "502", "error"]) {
        "eyes"
    } else if has(&["closed", "maintenance"]) {
        "building_construction"
    } else if m.contains('?') {
        "thinking_face"
    } else {
        "thumbsup"
    }
}

/// One message of a transcript as the plugin writes them: "@author (time): text".
#[derive(Debug, Clone)]
struct Said {
    author: String,
    text: String,
}

fn transcript(text: &str) -> Vec<Said> {
    let mut out: Vec<Said> = Vec::new();
    for line in text.lines() {
        // What the asker wants from a summary follows the messages after a rule.
        if line.trim() == "---" {
            break;
        }
        let parsed = line.strip_prefix('@').and_then(|rest| {
            let (author, rest) = rest.split_once(" (")?;
            let (_, said) = rest.split_once("): ")?;
            (!author.contains(char::is_whitespace)).then(|| Said {
                author: author.to_owned(),
                text: said.trim().to_owned(),
            })
        });
        match (parsed, out.last_mut()) {
            (Some(said), _) => out.push(said),
            // A message of several lines goes on.
            (None, Some(last)) if !line.trim().is_empty() => {
                last.text.push('\n');
                last.text.push_str(line.trim());
            }
            _ => {}
        }
    }
    out
}

/// "@a, @b and @c".
fn people(said: &[Said]) -> String {
    let mut names: Vec<String> = Vec::new();
    for s in said {
        let name = format!("@{}", s.author);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    match names.len() {
        0 => "nobody".into(),
        1 => names.remove(0),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "tomorrow",
    "today",
    "tonight",
];

/// An action item: the sentence, who does it, and when.
struct Action {
    text: String,
    owners: Vec<String>,
    due: Option<String>,
}

fn actions(said: &[Said]) -> Vec<Action> {
    const CUES: &[&str] = &[
        "i'll ",
        "i will ",
        "we'll ",
        "we will ",
        "can you ",
        "could you ",
        "please ",
        "need to ",
        "needs to ",
        "todo",
        "let's ",
        "will have ",
        "should ",
    ];
    const FIRST_PERSON: &[&str] = &["i'll ", "i will ", "we'll ", "we will ", " and i "];
    let mut out = Vec::new();
    for s in said {
        // A clause is the unit: "It's the cookie; I'll have a fix up" holds one task.
        let clauses = sentences(&s.text)
            .into_iter()
            .flat_map(|sentence| sentence.split("; ").map(str::to_owned).collect::<Vec<_>>());
        for sentence in clauses {
            let lower = format!(" {} ", sentence.to_lowercase());
            if !CUES.iter().any(|c| lower.contains(c)) {
                continue;
            }
            let mut owners: Vec<String> = mentions(&sentence)
                .into_iter()
                .filter(|m| *m != s.author.to_lowercase())
                .map(|m| format!("@{m}"))
                .collect();
            if FIRST_PERSON.iter().any(|c| lower.contains(c)) {
                owners.push(format!("@{}", s.author));
            }
            let due = WEEKDAYS
                .iter()
                .find(|d| lower.contains(&format!(" {d}")))
                .map(|d| {
                    let mut c = d.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect())
                        .unwrap_or_default()
                });
            out.push(Action {
                text: sentence,
                owners,
                due,
            });
        }
    }
    out
}

fn checklist(items: &[Action]) -> String {
    items
        .iter()
        .map(|a| {
            let who = if a.owners.is_empty() {
                "unassigned".to_owned()
            } else {
                a.owners.join(", ")
            };
            let due = a.due.as_ref().map(|d| format!(", due {d}")).unwrap_or_default();
            format!("- [ ] {} ({who}{due})", clip(&a.text, 160))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Questions no later message seems to answer: the next message, by someone else, neither
/// starts with a yes or no nor takes the task on.
fn open_questions(said: &[Said]) -> (Vec<(String, String)>, usize) {
    const ANSWERS: &[&str] = &[
        "yes", "no", "yep", "nope", "sure", "done", "i'll", "we'll", "i will", "will ",
    ];
    let mut open = Vec::new();
    let mut asked = 0;
    for (i, s) in said.iter().enumerate() {
        for q in sentences(&s.text).into_iter().filter(|q| q.ends_with('?')) {
            asked += 1;
            let answered = said.get(i + 1).is_some_and(|next| {
                let lower = next.text.to_lowercase();
                next.author != s.author
                    && ANSWERS
                        .iter()
                        .any(|a| lower.starts_with(a) || lower.contains(&format!(" {a}")))
            });
            if !answered {
                open.push((q, s.author.clone()));
            }
        }
    }
    (open, asked)
}

/// The gist of a message: its first two sentences when they are short, else the first.
fn gist(text: &str) -> String {
    let s = sentences(text);
    match s.as_slice() {
        [] => String::new(),
        [one] => clip(one, 160),
        [a, b, ..] if a.chars().count() + b.chars().count() <= 150 => format!("{a} {b}"),
        [a, ..] => clip(a, 160),
    }
}

/// A thread or channel analysis of the kind the prompt asks for.
fn analysis(system: &str, messages: &str, place: &str) -> String {
    let said = transcript(messages);
    if said.is_empty() {
        return format!("Nothing was posted in {place} in this period, so there is nothing to report.");
    }
    if system.contains("List the action items") {
        let items = actions(&said);
        if items.is_empty() {
            return format!("There are no action items in {place}: nobody took on or handed out a task.");
        }
        return format!("**Action items in {place}**\n\n{}", checklist(&items));
    }
    if system.contains("List the questions") {
        let (open, asked) = open_questions(&said);
        if open.is_empty() {
            return match asked {
                0 => format!("Nobody asked a question in {place}."),
                n => format!("All {n} questions in {place} were answered."),
            };
        }
        let list: Vec<String> = open
            .iter()
            .map(|(q, who)| format!("- *{}* (asked by @{who})", clip(q, 160)))
            .collect();
        return format!("**Open questions in {place}**\n\n{}", list.join("\n"));
    }
    let summary = if place == "the thread" {
        thread_summary(&said)
    } else {
        channel_summary(&said, place)
    };
    let (open, _) = open_questions(&said);
    let items = actions(&said);
    let mut out = summary;
    if !items.is_empty() {
        out.push_str("\n\n**Next steps**\n");
        let lines: Vec<String> = items
            .iter()
            .take(4)
            .map(|a| {
                let Some(who) = a.owners.first() else {
                    // Nobody in particular ("Please work from home."): everyone's.
                    return format!("- {}", clip(&a.text, 140));
                };
                // "@priya: can you update…", not "@priya: @priya can you update…".
                let text = a
                    .text
                    .strip_prefix(who.as_str())
                    .map_or(a.text.as_str(), |t| t.trim_start_matches([',', ' ']));
                format!("- {who}: {}", clip(text, 140))
            })
            .collect();
        out.push_str(&lines.join("\n"));
    }
    if !open.is_empty() {
        out.push_str("\n\n**Still open**\n");
        let lines: Vec<String> = open
            .iter()
            .take(3)
            .map(|(q, who)| format!("- @{who} asked: *{}*", clip(q, 140)))
            .collect();
        out.push_str(&lines.join("\n"));
    }
    out
}

fn thread_summary(said: &[Said]) -> String {
    let (root, replies) = match said.split_first() {
        Some(split) => split,
        None => return String::new(),
    };
    let root_sentences = sentences(&root.text);
    let opening = root_sentences.first().cloned().unwrap_or_default();
    let mut out = format!(
        "@{} started this thread with *{}*; {} took part in {} message{}.\n\n**Key points**\n",
        root.author,
        clip(&opening, 120),
        people(said),
        said.len(),
        if said.len() == 1 { "" } else { "s" }
    );
    let mut points: Vec<String> = Vec::new();
    if root_sentences.len() > 1 {
        points.push(format!(
            "- @{}: {}",
            root.author,
            clip(&root_sentences[1..].join(" "), 160)
        ));
    }
    for s in replies.iter().take(6) {
        points.push(format!("- @{}: {}", s.author, gist(&s.text)));
    }
    if points.is_empty() {
        points.push("- No replies yet.".into());
    }
    out.push_str(&points.join("\n"));
    out
}

fn channel_summary(said: &[Said], channel: &str) -> String {
    let mut out = format!(
        "**{channel}**: {} message{} from {}.\n\n",
        said.len(),
        if said.len() == 1 { "" } else { "s" },
        people(said)
    );
    let lines: Vec<String> = said
        .iter()
        .take(8)
        .map(|s| format!("- @{}: {}", s.author, gist(&s.text)))
        .collect();
    out.push_str(&lines.join("\n"));
    if said.len() > 8 {
        out.push_str(&format!("\n- …and {} more.", said.len() - 8));
    }
    out
}

fn meeting(transcript_text: &str) -> String {
    let lines: Vec<&str> = transcript_text.lines().filter(|l| !l.trim().is_empty()).collect();
    let picked: Vec<String> = lines
        .iter()
        .take(6)
        .map(|l| format!("- {}", clip(l, 140)))
        .collect();
    format!(
        "**Meeting notes** ({} lines of transcript)\n\n{}\n\nA real model would turn this into decisions, action items and open questions.",
        lines.len(),
        picked.join("\n")
    )
}

/// The search results as the prompt lists them: (number, "channel, @author", text).
fn results(system: &str) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    for line in system.lines() {
        let head = line
            .strip_prefix('[')
            .and_then(|rest| rest.split_once("] "))
            .filter(|(n, rest)| n.chars().all(|c| c.is_ascii_digit()) && rest.ends_with(':'));
        match (head, out.last_mut()) {
            (Some((n, rest)), _) => {
                out.push((n.to_owned(), rest.trim_end_matches(':').to_owned(), String::new()))
            }
            (None, Some(last)) if !line.trim().is_empty() => {
                if !last.2.is_empty() {
                    last.2.push(' ');
                }
                last.2.push_str(line.trim());
            }
            _ => {}
        }
    }
    out
}

fn search_answer(system: &str, question: &str) -> String {
    let found = results(system);
    let question = question.trim();
    if found.is_empty() {
        return format!("None of the messages I can see answer *{}*.", clip(question, 120));
    }
    let words = keywords(question);
    let lines: Vec<String> = found
        .iter()
        .enumerate()
        .filter_map(|(rank, (n, _, text))| {
            // The (at most two) sentences that share words with the question, in their order;
            // results after the first that share none are near only by the embedding's guess,
            // and left out.
            let all = sentences(text);
            let mut scored: Vec<(usize, usize)> = all
                .iter()
                .enumerate()
                .map(|(i, s)| (overlap(&words, s), i))
                .filter(|(score, _)| *score > 0)
                .collect();
            scored.sort_by_key(|(score, i)| (std::cmp::Reverse(*score), *i));
            let mut picked: Vec<usize> = scored.iter().take(2).map(|(_, i)| *i).collect();
            picked.sort_unstable();
            if picked.is_empty() && rank > 0 {
                return None;
            }
            let best = if picked.is_empty() {
                all.first().cloned().unwrap_or_default()
            } else {
                picked
                    .iter()
                    .map(|i| all[*i].as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            Some(format!("- {} [{n}]", clip(&best, 300)))
        })
        .take(3)
        .collect();
    let (n, place, _) = &found[0];
    format!(
        "Here is what your messages say about *{}*:\n\n{}\n\nThe closest match is [{n}] ({place}).",
        clip(question, 120),
        lines.join("\n")
    )
}

/// "You are Assistant (@assistant)": the agent's display name.
fn agent_name(system: &str) -> &str {
    between(system, "You are ", " (@").unwrap_or("your agent")
}

/// "You are talking with Alex Rivera (@alex)": the person's display name.
fn person_name(system: &str) -> &str {
    between(system, "You are talking with ", " (@")
        .map(|n| n.split_whitespace().next().unwrap_or(n))
        .unwrap_or("there")
}

/// The username in "who is @maria?", "who's maria" or "look up @maria".
fn who_is(question: &str) -> Option<String> {
    let lower = question.to_lowercase();
    let rest = ["who is ", "who's ", "look up ", "lookup ", "tell me about "]
        .iter()
        .find_map(|p| lower.find(p).map(|i| &lower[i + p.len()..]))?;
    let rest = rest.trim_start();
    let token: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '_' | '-'))
        .collect();
    let after = &rest[token.len()..];
    let name = token.trim_start_matches('@').trim_end_matches('.');
    // "who is going to…" is not a person: without an @, the name must end the question.
    let alone = after
        .chars()
        .all(|c| c.is_ascii_punctuation() || c.is_whitespace());
    (!name.is_empty() && (token.starts_with('@') || alone)).then(|| name.to_owned())
}

fn is_greeting(question: &str) -> bool {
    const HELLOS: &[&str] = &[
        "hi",
        "hello",
        "hey",
        "hallo",
        "howdy",
        "hiya",
        "greetings",
        "help",
    ];
    let lower = question.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let hello = words.first().is_some_and(|w| HELLOS.contains(w)) && words.len() <= 8;
    hello
        || lower.contains("what can you do")
        || lower.contains("who are you")
        || lower.contains("how does this work")
        || words.is_empty()
}

fn conversation(system: &str, messages: &[Value], user: &str, tools: &[&str]) -> Reply {
    let agent = agent_name(system);
    // After a tool ran (or was rejected), the answer reports its result.
    let results: Vec<String> = messages
        .iter()
        .rev()
        .take_while(|m| m["role"] == "tool")
        .map(|m| text(&m["content"]))
        .collect();
    if !results.is_empty() {
        return Reply::Text(after_lookup(&results));
    }
    let asked = strip_author(user);
    if let Some(name) = who_is(asked) {
        if tools.contains(&LOOKUP_TOOL) {
            return Reply::Call(LOOKUP_TOOL, json!({"username": name}));
        }
        return Reply::Text(format!(
            "I can look up @{name} with the *{LOOKUP_TOOL}* tool, but tools only run in a direct \
             message with me, where you approve each call. Ask me there: open the Agents panel and \
             write **who is @{name}?**"
        ));
    }
    if is_greeting(asked) {
        return Reply::Text(greeting(agent, person_name(system)));
    }
    let lower = asked.to_lowercase();
    if lower.contains("story") || lower.contains("long answer") {
        return Reply::Text(STORY.into());
    }
    // A follow-up in the DM an AI Action wrote into: the plugin adds the thread to the request.
    let thread = messages
        .iter()
        .map(|m| text(&m["content"]))
        .find(|t| t.starts_with("This conversation is about the following Mattermost thread"));
    if let Some(thread) = thread {
        return Reply::Text(follow_up(asked, &thread));
    }
    Reply::Text(generic(asked, agent))
}

fn greeting(agent: &str, person: &str) -> String {
    format!(
        "Hi {person}! I'm {agent}, running on the demo's stand-in model: it lives on your machine and \
         answers by simple rules, so nothing you type leaves it.\n\n\
         **Things to try**\n\
         - Ask **who is @maria?** and I'll ask to use the *{LOOKUP_TOOL}* tool: you accept or reject the call.\n\
         - Ask for **a long story** and press **Stop** while it streams, or **Regenerate** after.\n\
         - In a channel, open a message's **⋯** menu and pick **Summarize thread**, or use **Ask AI** on the *New messages* line.\n\
         - Search your messages from this panel, when the demo runs with PostgreSQL.\n\
         - Open the **System Console** (left sidebar) to see the plugin's settings.\n\n\
         Start the demo with `DEMO_OPENAI_URL` set to talk to a real model instead."
    )
}

fn after_lookup(results: &[String]) -> String {
    let mut out = Vec::new();
    for result in results.iter().rev() {
        if result.contains("rejected this tool call") {
            out.push("Fine, I did not look them up. Ask again whenever you want me to.".to_owned());
            continue;
        }
        let field = |name: &str| {
            result
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_owned())
        };
        let Some(username) = field("Username:") else {
            out.push(format!("The lookup did not find anyone: *{}*", clip(result, 160)));
            continue;
        };
        let mut line = format!("**{username}**");
        if let Some(name) = field("Full name:") {
            line.push_str(&format!(" is {name}"));
        }
        if let Some(position) = field("Position:") {
            line.push_str(&format!(", {position}"));
        }
        line.push('.');
        if let Some(status) = field("Status:") {
            line.push_str(&format!(" They are {status} right now"));
            if let Some(tz) = field("Timezone:") {
                line.push_str(&format!(" ({tz} time)"));
            }
            line.push('.');
        }
        if result.contains("This account is a bot.") {
            line.push_str(" This account is a bot.");
        }
        out.push(line);
    }
    out.push(
        "That came from the *LookupMattermostUser* tool, which ran only because you accepted it.".into(),
    );
    out.join("\n\n")
}

fn follow_up(question: &str, thread: &str) -> String {
    let said = transcript(thread);
    let words = keywords(question);
    let mut ranked: Vec<(usize, &Said)> = said.iter().map(|s| (overlap(&words, &s.text), s)).collect();
    ranked.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    let relevant: Vec<String> = ranked
        .iter()
        .filter(|(score, _)| *score > 0)
        .take(3)
        .map(|(_, s)| format!("- @{}: {}", s.author, gist(&s.text)))
        .collect();
    if relevant.is_empty() {
        return format!(
            "The thread does not say anything about *{}*. It has {} message{} from {}.",
            clip(question, 120),
            said.len(),
            if said.len() == 1 { "" } else { "s" },
            people(&said)
        );
    }
    format!(
        "About *{}*, the thread says:\n\n{}",
        clip(question, 120),
        relevant.join("\n")
    )
}

fn generic(question: &str, agent: &str) -> String {
    let quoted = clip(question, 200);
    let opening = if question.trim_end().ends_with('?') {
        format!(
            "You asked: *{quoted}*\n\nA real model would answer that here, streamed into this post as it \
             writes. I'm {agent} on the demo's stand-in model, so I can only show you what the plugin does \
             around an answer:"
        )
    } else {
        format!(
            "You wrote: *{quoted}*\n\nA real model would reply to that here, streamed into this post as it \
             writes. I'm {agent} on the demo's stand-in model, so I can only show you what the plugin does \
             around an answer:"
        )
    };
    format!(
        "{opening}\n\n\
         - **Stop**, **Regenerate** and **Copy** on the answer\n\
         - a generated title for this conversation under *All conversations*\n\
         - tool calls that wait for your approval: ask **who is @maria?**\n\n\
         For real answers, start the demo with `DEMO_OPENAI_URL` pointing at an OpenAI-compatible server."
    )
}

/// Long enough (about fifteen seconds) to press Stop while it streams.
const STORY: &str = "Here is a story about a release.\n\n\
It was Thursday evening at Northwind, and version 2.4 was due in the morning. Maria had the checklist \
open in one window and the release channel in the other. Forty-one of forty-four test plans were green; \
the last three all failed the same way, a login that looped forever on Safari.\n\n\
Jonas found it after dinner: the session cookie had lost its SameSite flag in a refactor nobody \
remembered reviewing. The fix was one line. The test that would have caught it took him another hour, \
because he wanted it to fail first, on purpose, so he could trust it when it passed.\n\n\
Sam ran the Safari plans again at ten, then once more at eleven, because the first run had been too \
easy. Priya rewrote the support macros for the new export limits and left a note for the morning shift \
with the three questions customers would ask first.\n\n\
At half past midnight the channel went quiet. In the morning the release went out on time, and the \
only message about it was Maria's: a rocket emoji and the words \"thank you, all of you\".\n\n\
The end. (Press Regenerate to hear it again: this model only knows the one.)";

#[cfg(test)]
mod tests {
    use super::*;

    fn said(text: &str) -> String {
        reply_text(&json!({"messages": [
            {"role": "system", "content": "You will be given a Mattermost thread from the channel \"Release\". Summarize the thread."},
            {"role": "user", "content": text},
        ]}))
    }

    fn reply_text(body: &Value) -> String {
        let messages = body["messages"].as_array().unwrap();
        match reply(messages, &[]) {
            Reply::Text(t) | Reply::Short(t) => t,
            other => panic!("expected text, got {other:?}"),
        }
    }

    const THREAD: &str = "@maria (2025-01-01 10:00): We ship 2.4 on Friday. Code freeze is Wednesday at noon.\n\
        @jonas (2025-01-01 10:05): I'm on MM-1432. I'll have a fix up by Wednesday morning.\n\
        @maria (2025-01-01 10:06): Great. @priya can you update the support macros before Friday?\n\
        @priya (2025-01-01 10:07): Yes, I'll update them Thursday. Who is writing the release notes?";

    #[test]
    fn a_thread_summary_reads_the_thread() {
        let s = said(THREAD);
        assert!(
            s.contains("@maria started this thread with *We ship 2.4 on Friday.*"),
            "{s}"
        );
        assert!(s.contains("@jonas: I'm on MM-1432."), "{s}");
        assert!(s.contains("**Next steps**"), "{s}");
        assert!(s.contains("Who is writing the release notes?"), "{s}");
    }

    #[test]
    fn action_items_have_owners_and_days() {
        let items = actions(&transcript(THREAD));
        let text = checklist(&items);
        assert!(
            text.contains("I'll have a fix up by Wednesday morning. (@jonas, due Wednesday)"),
            "{text}"
        );
        assert!(text.contains("(@priya, due Friday)"), "{text}");
    }

    #[test]
    fn answered_questions_are_not_open() {
        let (open, asked) = open_questions(&transcript(THREAD));
        assert_eq!(asked, 2);
        assert_eq!(open.len(), 1, "{:?}", open);
        assert_eq!(open[0].1, "priya");
    }

    #[test]
    fn who_is_becomes_a_tool_call_where_tools_are_offered() {
        let body = json!({"messages": [
            {"role": "system", "content": "You are Assistant (@assistant), an AI assistant"},
            {"role": "user", "content": "@alex: Who is @maria?"},
        ]});
        let messages = body["messages"].as_array().unwrap();
        assert_eq!(
            reply(messages, &[LOOKUP_TOOL]),
            Reply::Call(LOOKUP_TOOL, json!({"username": "maria"}))
        );
        assert!(matches!(reply(messages, &[]), Reply::Text(t) if t.contains("direct message")));
        assert_eq!(who_is("who is going to write the notes?"), None);
        assert_eq!(who_is("who's jonas?").as_deref(), Some("jonas"));
    }

    #[test]
    fn the_lookup_result_is_reported() {
        let t = after_lookup(&[
            "Username: @maria\nFull name: Maria Chen\nPosition: Release manager\nStatus: online".into(),
        ]);
        assert!(
            t.starts_with("**@maria** is Maria Chen, Release manager. They are online right now."),
            "{t}"
        );
        assert!(after_lookup(&["The user rejected this tool call.".into()]).starts_with("Fine"));
    }

    #[test]
    fn titles_greetings_and_the_rest() {
        assert_eq!(
            title("Hello, can you summarize the release plan for me?"),
            "Summarize the release plan for me"
        );
        let body = json!({"messages": [
            {"role": "system", "content": "You are Scribe (@scribe), an AI assistant. You are talking with Alex Rivera (@alex)."},
            {"role": "user", "content": "@alex: Hello!"},
        ]});
        assert!(reply_text(&body).starts_with("Hi Alex! I'm Scribe"));
        let body = json!({"messages": [
            {"role": "system", "content": "You are Scribe (@scribe), an AI assistant."},
            {"role": "user", "content": [{"type": "text", "text": "@alex: What is our refund policy?"}]},
        ]});
        assert!(reply_text(&body).starts_with("You asked: *What is our refund policy?*"));
    }

    #[test]
    fn search_answers_cite_the_results() {
        let system = "The user searched their Mattermost messages.\n\n[1] Incidents, @jonas:\nPostmortem. Root cause: the pool was exhausted.\n\n[2] Town Square, @priya:\nThanks.\n\n[3] Incidents, @sam:\nAn alert on the pool, so an outage shows early.";
        let body = json!({"messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": "what was the root cause of the outage"},
        ]});
        let t = reply_text(&body);
        assert!(t.contains("- Root cause: the pool was exhausted. [1]\n- An alert on the pool, so an outage shows early. [3]"), "{t}");
        assert!(!t.contains("[2]"), "{t}");
        assert!(t.contains("The closest match is [1] (Incidents, @jonas)."), "{t}");
    }

    #[test]
    fn streams_word_by_word() {
        assert_eq!(pieces("a bc  d\ne"), vec!["a ", "bc  ", "d\n", "e"]);
        let script = chat(&json!({"messages": [{"role": "user", "content": "@a: hi"}]}), 100);
        assert!(script.chunks.len() > 20);
        assert_eq!(script.chunks[0].0, FIRST_MS);
    }
}
