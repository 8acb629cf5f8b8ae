//! Structured output (`json_output_format`): the schema goes to the provider natively where
//! its wire format enforces it (OpenAI and Azure, strict JSON Schema), otherwise it becomes an
//! instruction in the system prompt. Either way the answer is read back here: the JSON document
//! is taken out of any prose or Markdown fence and checked against the schema, so the caller
//! (the core's rewrite, recaps, translation) always gets a bare JSON document or an error.

use serde_json::{Map, Value};

use crate::config::ServiceConfig;
use crate::llm::{Message, Part, Role};
use crate::providers::ServiceType;

/// The schema the caller asked for; a schema must be a JSON object (or `true`).
pub fn parse(v: &Value) -> Result<Value, String> {
    match v {
        Value::Object(_) => Ok(v.clone()),
        Value::Bool(true) => Ok(Value::Object(Map::new())),
        _ => Err("json_output_format must be a JSON Schema object".into()),
    }
}

/// Whether the service enforces the schema itself. Only the OpenAI wire formats send it (as
/// `json_schema` with `strict: true`), and strict mode takes only schemas whose objects name
/// every property as required and forbid others; any other schema is asked for in the prompt.
pub fn native(service: &ServiceConfig, schema: &Value) -> bool {
    matches!(
        ServiceType::parse(&service.service_type),
        Some(ServiceType::OpenAi | ServiceType::Azure)
    ) && strict_compatible(schema)
}

fn strict_compatible(s: &Value) -> bool {
    let Some(o) = s.as_object() else {
        return false;
    };
    let is_object = o.get("type").and_then(Value::as_str) == Some("object") || o.contains_key("properties");
    if is_object {
        if o.get("additionalProperties") != Some(&Value::Bool(false)) {
            return false;
        }
        let props = o.get("properties").and_then(Value::as_object);
        let required: Vec<&str> = o
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = props {
            if props.keys().any(|k| !required.contains(&k.as_str())) {
                return false;
            }
            if !props.values().all(strict_compatible) {
                return false;
            }
        }
    }
    if let Some(items) = o.get("items")
        && items.is_object()
        && !strict_compatible(items)
    {
        return false;
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(list) = o.get(key).and_then(Value::as_array)
            && !list.iter().all(strict_compatible)
        {
            return false;
        }
    }
    true
}

/// The instruction that asks for the schema in the prompt.
pub fn instruction(schema: &Value) -> String {
    format!(
        "Respond with a single JSON document that conforms to this JSON Schema, and nothing else: no prose, no Markdown code fence.\nJSON Schema:\n{schema}"
    )
}

/// Adds the instruction to the (first) system turn, or a system turn first when there is none.
pub fn instruct(messages: &mut Vec<Message>, schema: &Value) {
    let text = instruction(schema);
    if let Some(system) = messages.iter_mut().find(|m| m.role == Role::System) {
        system.parts.push(Part::Text(format!("\n\n{text}")));
    } else {
        messages.insert(0, Message::text(Role::System, text));
    }
}

/// The JSON document in a model's answer, checked against `schema`: the answer itself, or the
/// inside of a Markdown fence, or the outermost `{…}`/`[…]` in prose. The document comes back
/// compact; the error says what is wrong, for the retry.
pub fn extract(text: &str, schema: &Value) -> Result<String, String> {
    let mut last_error = "the answer holds no JSON document".to_owned();
    for candidate in candidates(text) {
        match serde_json::from_str::<Value>(candidate) {
            Ok(v) => match check(&v, schema, "$") {
                Ok(()) => return Ok(v.to_string()),
                Err(e) => last_error = e,
            },
            Err(_) => continue,
        }
    }
    Err(last_error)
}

fn candidates(text: &str) -> Vec<&str> {
    let t = text.trim();
    let mut out = vec![t];
    // ```json … ``` (or a bare fence).
    if let Some(start) = t.find("```") {
        let after = &t[start + 3..];
        let body_start = after.find('\n').map(|i| i + 1).unwrap_or(0);
        let body = &after[body_start..];
        if let Some(end) = body.find("```") {
            out.push(body[..end].trim());
        }
    }
    for (open, close) in [('{', '}'), ('[', ']')] {
        if let (Some(a), Some(b)) = (t.find(open), t.rfind(close))
            && a < b
        {
            out.push(&t[a..=b]);
        }
    }
    out
}

/// The part of JSON Schema answers are checked with: `type`, `enum`, `const`, `properties`,
/// `required`, `additionalProperties`, `items`, `anyOf`/`oneOf`. Other keywords are not
/// checked (the provider or the caller's own parsing decides those).
fn check(v: &Value, s: &Value, at: &str) -> Result<(), String> {
    let Some(s) = s.as_object() else {
        return if s == &Value::Bool(false) {
            Err(format!("{at} is not allowed"))
        } else {
            Ok(())
        };
    };
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !types.is_empty() && !types.iter().any(|t| is_type(v, t)) {
            return Err(format!("{at} should be {}", types.join(" or ")));
        }
    }
    if let Some(Value::Array(allowed)) = s.get("enum")
        && !allowed.contains(v)
    {
        return Err(format!("{at} is not one of the allowed values"));
    }
    if let Some(c) = s.get("const")
        && c != v
    {
        return Err(format!("{at} should be {c}"));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = s.get(key)
            && !options.iter().any(|o| check(v, o, at).is_ok())
        {
            return Err(format!("{at} matches none of the allowed shapes"));
        }
    }
    if let Value::Object(o) = v {
        let props = s.get("properties").and_then(Value::as_object);
        if let Some(Value::Array(required)) = s.get("required") {
            for r in required.iter().filter_map(Value::as_str) {
                if !o.contains_key(r) {
                    return Err(format!("{at}.{r} is required"));
                }
            }
        }
        for (k, val) in o {
            let path = format!("{at}.{k}");
            match props.and_then(|p| p.get(k)) {
                Some(ps) => check(val, ps, &path)?,
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => return Err(format!("{path} is not allowed")),
                    Some(extra @ Value::Object(_)) => check(val, extra, &path)?,
                    _ => {}
                },
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (v, s.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check(item, item_schema, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

fn is_type(v: &Value, t: &str) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => {
            v.as_i64().is_some() || v.as_u64().is_some() || v.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rewrite() -> Value {
        json!({"type": "object", "properties": {"rewritten_text": {"type": "string"}}, "required": ["rewritten_text"], "additionalProperties": false})
    }

    #[test]
    fn strict_schemas_go_native_on_openai_only() {
        let openai = ServiceConfig {
            service_type: "openai".into(),
            ..Default::default()
        };
        let claude = ServiceConfig {
            service_type: "anthropic".into(),
            ..Default::default()
        };
        assert!(native(&openai, &rewrite()));
        assert!(!native(&claude, &rewrite()));
        // Translation's schema leaves `confidence` optional: strict mode would refuse it.
        let translate = json!({"type": "object", "properties": {"translations": {"type": "array", "items": {"type": "string"}}, "confidence": {"type": "number"}}, "required": ["translations"]});
        assert!(!native(&openai, &translate));
    }

    #[test]
    fn answers_are_found_in_fences_and_prose_and_checked() {
        let s = rewrite();
        assert_eq!(
            extract("{\"rewritten_text\": \"Hi\"}", &s).unwrap(),
            "{\"rewritten_text\":\"Hi\"}"
        );
        assert_eq!(
            extract("Sure!\n```json\n{\"rewritten_text\": \"Hi\"}\n```", &s).unwrap(),
            "{\"rewritten_text\":\"Hi\"}"
        );
        assert_eq!(
            extract("Here: {\"rewritten_text\": \"Hi\"} done", &s).unwrap(),
            "{\"rewritten_text\":\"Hi\"}"
        );
        assert!(
            extract("{\"text\": \"Hi\"}", &s)
                .unwrap_err()
                .contains("rewritten_text")
        );
        assert!(
            extract("{\"rewritten_text\": 3}", &s)
                .unwrap_err()
                .contains("string")
        );
        assert!(extract("no json here", &s).is_err());
    }

    #[test]
    fn the_instruction_joins_the_system_turn() {
        let mut m = vec![
            Message::text(Role::System, "Be terse."),
            Message::text(Role::User, "x"),
        ];
        instruct(&mut m, &rewrite());
        assert_eq!(m.len(), 2);
        assert!(m[0].joined_text().contains("rewritten_text"));
        let mut m = vec![Message::text(Role::User, "x")];
        instruct(&mut m, &rewrite());
        assert_eq!(m[0].role, Role::System);
    }
}
