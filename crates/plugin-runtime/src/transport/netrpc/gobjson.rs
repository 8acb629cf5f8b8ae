//! Conversions between JSON values and gob interface values, for the `map[string]interface{}`
//! fields Mattermost sends (post props, websocket payloads, plugin config) and for dynamic
//! structs such as `*model.Config` whose full shape we do not mirror.

use gobwire::{Interface, Type, Value as Gob, names};
use serde_json::{Map, Number, Value};
use std::sync::Arc;

/// A JSON value as the interface value Go's `encoding/json` would have produced: objects are
/// `map[string]interface {}`, arrays `[]interface {}`, numbers `float64` (or `int64` when
/// integral, which Go code reading props accepts as well), null a nil interface.
pub fn json_to_interface(v: &Value) -> Option<Interface> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => Interface::bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Interface {
                name: names::INT64.into(),
                ty: Type::Int,
                value: Gob::Int(i),
            },
            None => Interface::float64(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => Interface::string(s.clone()),
        Value::Array(items) => Interface {
            name: names::ANY_SLICE.into(),
            ty: Type::Slice(Arc::new(Type::Interface)),
            value: Gob::Slice(
                items
                    .iter()
                    .map(|i| Gob::Interface(json_to_interface(i).map(Box::new)))
                    .collect(),
            ),
        },
        Value::Object(map) => Interface {
            name: names::STRING_ANY_MAP.into(),
            ty: Type::Map(Arc::new(Type::String), Arc::new(Type::Interface)),
            value: Gob::Map(
                map.iter()
                    .map(|(k, v)| {
                        (
                            Gob::String(k.clone()),
                            Gob::Interface(json_to_interface(v).map(Box::new)),
                        )
                    })
                    .collect(),
            ),
        },
    })
}

pub fn interface_to_json(i: &Option<Interface>) -> Value {
    match i {
        None => Value::Null,
        Some(i) => gob_to_json(&i.ty, &i.value),
    }
}

/// Any gob value as JSON. Structs become objects keyed by Go field name, absent (zero) fields
/// omitted; bytes and marshaled values become strings when they are UTF-8, else arrays.
pub fn gob_to_json(ty: &Type, v: &Gob) -> Value {
    gob_to_json_in(ty, v, &[])
}

fn gob_to_json_in(ty: &Type, v: &Gob, outer: &[Arc<gobwire::StructType>]) -> Value {
    match v {
        Gob::Bool(b) => Value::Bool(*b),
        Gob::Int(i) => Value::Number((*i).into()),
        Gob::Uint(u) => Value::Number((*u).into()),
        Gob::Float(f) => Number::from_f64(*f).map(Value::Number).unwrap_or(Value::Null),
        Gob::Complex(re, _) => Number::from_f64(*re).map(Value::Number).unwrap_or(Value::Null),
        Gob::String(s) => Value::String(s.clone()),
        Gob::Bytes(b) | Gob::Marshaled(b) => match std::str::from_utf8(b) {
            Ok(s) => Value::String(s.to_owned()),
            Err(_) => Value::Array(b.iter().map(|x| Value::Number((*x).into())).collect()),
        },
        Gob::Interface(i) => match i {
            None => Value::Null,
            Some(i) => gob_to_json(&i.ty, &i.value),
        },
        Gob::Slice(items) | Gob::Array(items) => {
            let elem = match ty {
                Type::Slice(e) | Type::Array(e, _) => e.as_ref().clone(),
                _ => Type::Interface,
            };
            Value::Array(items.iter().map(|x| gob_to_json_in(&elem, x, outer)).collect())
        }
        Gob::Map(pairs) => {
            let (kt, vt) = match ty {
                Type::Map(k, v) => (k.as_ref().clone(), v.as_ref().clone()),
                _ => (Type::String, Type::Interface),
            };
            let mut out = Map::new();
            for (k, val) in pairs {
                let key = match gob_to_json_in(&kt, k, outer) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(key, gob_to_json_in(&vt, val, outer));
            }
            Value::Object(out)
        }
        Gob::Struct(fields) => {
            let st = match ty {
                Type::Struct(st) => Some(st.clone()),
                Type::Ref(n) => outer.len().checked_sub(n + 1).and_then(|i| outer.get(i)).cloned(),
                _ => None,
            };
            let Some(st) = st else { return Value::Null };
            let mut inner = outer.to_vec();
            inner.push(st.clone());
            let mut out = Map::new();
            for ((name, fty), val) in st.fields.iter().zip(fields) {
                if let Some(val) = val {
                    out.insert(name.clone(), gob_to_json_in(fty, val, &inner));
                }
            }
            Value::Object(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_round_trips_through_interfaces() {
        let v = json!({"a": "x", "n": 3, "f": 1.5, "b": true, "list": [1, "two", {"k": null}], "nil": null});
        let i = json_to_interface(&v);
        assert_eq!(interface_to_json(&i), v);
    }

    #[test]
    fn interfaces_survive_the_gob_encoder() {
        #[derive(gobwire::Gob, Default)]
        struct Holder {
            #[gob(name = "A")]
            a: std::collections::HashMap<String, Option<Interface>>,
        }
        let v = json!({"nested": {"list": [1, 2.5, "s"]}, "s": "t"});
        let Value::Object(map) = &v else { unreachable!() };
        let h = Holder {
            a: map
                .iter()
                .map(|(k, v)| (k.clone(), json_to_interface(v)))
                .collect(),
        };
        let bytes = gobwire::Encoder::new().encode(&h).expect("encode");
        let mut dec = gobwire::StreamDecoder::new(&bytes[..]);
        let back: Holder = dec.decode().expect("decode").expect("one value");
        let got: Map<String, Value> = back
            .a
            .iter()
            .map(|(k, v)| (k.clone(), interface_to_json(v)))
            .collect();
        assert_eq!(Value::Object(got), v);
    }
}
