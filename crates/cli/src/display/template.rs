//! `--format go-template=…` and `--template`: Go's text/template (the `gotmpl` crate) over
//! the same data as `--format json`, with the builtins (`range`, `if`, `index`, `len`,
//! `printf`, `println`, …) and the commonly used functions of Sprig, the library the Go
//! CLI adds (`toJson`, `first`, `join`, `upper`, …; the list is in
//! `docs/guide/cli-formats.md`).

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::{FuncMap, Template, TemplateError, Value};
use serde::Serialize;

use crate::error::CliError;

/// Renders `template` over `data` as its JSON sees it.
pub(crate) fn render(template: &str, data: &impl Serialize) -> Result<String, CliError> {
    let json = serde_json::to_value(data).map_err(|e| CliError::new(e.to_string()))?;
    let value = from_json(&json);
    Template::new("format output")
        .funcs(sprig())
        .parse(template)
        .and_then(|t| t.execute_to_string(&value))
        .map_err(|e| CliError::new(e.to_string()))
}

/// JSON as template data. Numbers stay integers where they are (Go's JSON round trip
/// makes every number a float, so a size of 1234567 prints as `1.234567e+06` there).
pub(crate) fn from_json(v: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match v {
        J::Null => Value::Nil,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .or_else(|| n.as_u64().map(Value::Uint))
            .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or_default())),
        J::String(s) => Value::String(s.as_str().into()),
        J::Array(a) => Value::List(a.iter().map(from_json).collect()),
        J::Object(o) => Value::Map(Arc::new(
            o.iter()
                .map(|(k, v)| (Arc::from(k.as_str()), from_json(v)))
                .collect(),
        )),
    }
}

/// Template data back as JSON (for `toJson`).
fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Nil | Value::Function(_) => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(n) => J::from(*n),
        Value::Uint(n) => J::from(*n),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::String(s) => J::String(s.to_string()),
        Value::List(l) => J::Array(l.iter().map(to_json).collect()),
        Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect()),
    }
}

type Res = gotmpl::Result<Value>;

fn fail(name: &str, why: impl std::fmt::Display) -> TemplateError {
    TemplateError::Exec(format!("error calling {name}: {why}"))
}

fn arity(name: &str, args: &[Value], n: usize) -> gotmpl::Result<()> {
    if args.len() == n {
        Ok(())
    } else {
        Err(fail(
            name,
            format!("wrong number of args: want {n} got {}", args.len()),
        ))
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Nil => String::new(),
        other => other.to_string(),
    }
}

fn string(s: impl Into<Arc<str>>) -> Value {
    Value::String(s.into())
}

fn int(name: &str, v: &Value) -> gotmpl::Result<i64> {
    match v {
        Value::Int(n) => Ok(*n),
        Value::Uint(n) => i64::try_from(*n).map_err(|e| fail(name, e)),
        Value::Float(f) => Ok(*f as i64),
        Value::String(s) => s.trim().parse().map_err(|e| fail(name, e)),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Nil => Ok(0),
        other => Err(fail(
            name,
            format!("cannot convert {} to a number", other.type_name()),
        )),
    }
}

fn list(name: &str, v: &Value) -> gotmpl::Result<Arc<[Value]>> {
    match v {
        Value::List(l) => Ok(l.clone()),
        Value::Nil => Ok(Arc::from(Vec::new())),
        other => Err(fail(
            name,
            format!("cannot use {} as a list", other.type_name()),
        )),
    }
}

fn map(name: &str, v: &Value) -> gotmpl::Result<Arc<BTreeMap<Arc<str>, Value>>> {
    match v {
        Value::Map(m) => Ok(m.clone()),
        Value::Nil => Ok(Arc::new(BTreeMap::new())),
        other => Err(fail(
            name,
            format!("cannot use {} as a dict", other.type_name()),
        )),
    }
}

/// Sprig's empty: false, 0, "", nil, empty lists and maps.
fn empty(v: &Value) -> bool {
    !v.is_truthy()
}

/// The Sprig functions provided, by name.
fn sprig() -> FuncMap {
    let mut f = FuncMap::new();
    let mut add = |name: &'static str, func: fn(&str, &[Value]) -> Res| {
        f.insert(
            name.to_owned(),
            Arc::new(move |args: &[Value]| func(name, args)),
        );
    };
    // JSON
    add("toJson", |n, a| {
        arity(n, a, 1)?;
        Ok(string(crate::display::json::compact(&to_json(&a[0]))))
    });
    add("toRawJson", |n, a| {
        arity(n, a, 1)?;
        Ok(string(
            serde_json::to_string(&to_json(&a[0])).map_err(|e| fail(n, e))?,
        ))
    });
    add("toPrettyJson", |n, a| {
        arity(n, a, 1)?;
        let s = crate::display::json::pretty(&to_json(&a[0]));
        Ok(string(s.trim_end_matches('\n')))
    });
    add("fromJson", |n, a| {
        arity(n, a, 1)?;
        let v: serde_json::Value = serde_json::from_str(&text(&a[0])).unwrap_or_default();
        Ok(from_json(&v))
    });
    // Strings
    add("upper", |n, a| {
        arity(n, a, 1)?;
        Ok(string(text(&a[0]).to_uppercase()))
    });
    add("lower", |n, a| {
        arity(n, a, 1)?;
        Ok(string(text(&a[0]).to_lowercase()))
    });
    add("title", |n, a| {
        arity(n, a, 1)?;
        let mut out = String::new();
        let mut start = true;
        for c in text(&a[0]).chars() {
            if start {
                out.extend(c.to_uppercase());
            } else {
                out.push(c);
            }
            start = c.is_whitespace();
        }
        Ok(string(out))
    });
    add("trim", |n, a| {
        arity(n, a, 1)?;
        Ok(string(text(&a[0]).trim()))
    });
    add("trimAll", |n, a| {
        arity(n, a, 2)?;
        let cut: Vec<char> = text(&a[0]).chars().collect();
        Ok(string(text(&a[1]).trim_matches(cut.as_slice())))
    });
    add("trimPrefix", |n, a| {
        arity(n, a, 2)?;
        let (p, s) = (text(&a[0]), text(&a[1]));
        Ok(string(s.strip_prefix(p.as_str()).unwrap_or(&s)))
    });
    add("trimSuffix", |n, a| {
        arity(n, a, 2)?;
        let (p, s) = (text(&a[0]), text(&a[1]));
        Ok(string(s.strip_suffix(p.as_str()).unwrap_or(&s)))
    });
    add("hasPrefix", |n, a| {
        arity(n, a, 2)?;
        Ok(Value::Bool(text(&a[1]).starts_with(&text(&a[0]))))
    });
    add("hasSuffix", |n, a| {
        arity(n, a, 2)?;
        Ok(Value::Bool(text(&a[1]).ends_with(&text(&a[0]))))
    });
    add("contains", |n, a| {
        arity(n, a, 2)?;
        Ok(Value::Bool(text(&a[1]).contains(&text(&a[0]))))
    });
    add("replace", |n, a| {
        arity(n, a, 3)?;
        Ok(string(text(&a[2]).replace(&text(&a[0]), &text(&a[1]))))
    });
    add("repeat", |n, a| {
        arity(n, a, 2)?;
        let count = usize::try_from(int(n, &a[0])?).map_err(|e| fail(n, e))?;
        Ok(string(text(&a[1]).repeat(count.min(1 << 20))))
    });
    add("trunc", |n, a| {
        arity(n, a, 2)?;
        let (len, s) = (int(n, &a[0])?, text(&a[1]));
        let chars: Vec<char> = s.chars().collect();
        let count = usize::try_from(len.unsigned_abs())
            .unwrap_or(usize::MAX)
            .min(chars.len());
        let kept: String = if len >= 0 {
            chars[..count].iter().collect()
        } else {
            chars[chars.len() - count..].iter().collect()
        };
        Ok(string(kept))
    });
    add("substr", |n, a| {
        arity(n, a, 3)?;
        let chars: Vec<char> = text(&a[2]).chars().collect();
        let clamp = |v: i64| usize::try_from(v.max(0)).unwrap_or(0).min(chars.len());
        let (start, end) = (clamp(int(n, &a[0])?), int(n, &a[1])?);
        let end = if end < 0 { chars.len() } else { clamp(end) };
        Ok(string(
            chars[start.min(end)..end].iter().collect::<String>(),
        ))
    });
    add("nospace", |n, a| {
        arity(n, a, 1)?;
        Ok(string(
            text(&a[0])
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>(),
        ))
    });
    add("quote", |_, a| {
        let quoted: Vec<String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| serde_json::to_string(&text(v)).unwrap_or_default())
            .collect();
        Ok(string(quoted.join(" ")))
    });
    add("squote", |_, a| {
        let quoted: Vec<String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| format!("'{}'", text(v)))
            .collect();
        Ok(string(quoted.join(" ")))
    });
    add("cat", |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(text)
            .collect();
        Ok(string(parts.join(" ")))
    });
    add("indent", |n, a| {
        arity(n, a, 2)?;
        let pad = " ".repeat(usize::try_from(int(n, &a[0])?).unwrap_or(0).min(1024));
        Ok(string(format!(
            "{pad}{}",
            text(&a[1]).replace('\n', &format!("\n{pad}"))
        )))
    });
    add("nindent", |n, a| {
        arity(n, a, 2)?;
        let pad = " ".repeat(usize::try_from(int(n, &a[0])?).unwrap_or(0).min(1024));
        Ok(string(format!(
            "\n{pad}{}",
            text(&a[1]).replace('\n', &format!("\n{pad}"))
        )))
    });
    add("splitList", |n, a| {
        arity(n, a, 2)?;
        let (sep, s) = (text(&a[0]), text(&a[1]));
        Ok(Value::List(s.split(sep.as_str()).map(string).collect()))
    });
    add("split", |n, a| {
        arity(n, a, 2)?;
        let (sep, s) = (text(&a[0]), text(&a[1]));
        Ok(Value::Map(Arc::new(
            s.split(sep.as_str())
                .enumerate()
                .map(|(i, p)| (Arc::from(format!("_{i}").as_str()), string(p)))
                .collect(),
        )))
    });
    add("join", |n, a| {
        arity(n, a, 2)?;
        let parts: Vec<String> = list(n, &a[1])?.iter().map(text).collect();
        Ok(string(parts.join(&text(&a[0]))))
    });
    add("toString", |n, a| {
        arity(n, a, 1)?;
        Ok(string(text(&a[0])))
    });
    add("toStrings", |n, a| {
        arity(n, a, 1)?;
        Ok(Value::List(
            list(n, &a[0])?.iter().map(|v| string(text(v))).collect(),
        ))
    });
    // Defaults and conditions
    add("default", |n, a| {
        arity(n, a, 2)?;
        Ok(if empty(&a[1]) {
            a[0].clone()
        } else {
            a[1].clone()
        })
    });
    add("empty", |n, a| {
        arity(n, a, 1)?;
        Ok(Value::Bool(empty(&a[0])))
    });
    add("coalesce", |_, a| {
        Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or(Value::Nil))
    });
    add("ternary", |n, a| {
        arity(n, a, 3)?;
        Ok(if a[2].is_truthy() {
            a[0].clone()
        } else {
            a[1].clone()
        })
    });
    // Lists
    add("list", |_, a| Ok(Value::List(a.iter().cloned().collect())));
    add("first", |n, a| {
        arity(n, a, 1)?;
        Ok(list(n, &a[0])?.first().cloned().unwrap_or(Value::Nil))
    });
    add("last", |n, a| {
        arity(n, a, 1)?;
        Ok(list(n, &a[0])?.last().cloned().unwrap_or(Value::Nil))
    });
    add("rest", |n, a| {
        arity(n, a, 1)?;
        Ok(Value::List(
            list(n, &a[0])?.iter().skip(1).cloned().collect(),
        ))
    });
    add("initial", |n, a| {
        arity(n, a, 1)?;
        let l = list(n, &a[0])?;
        Ok(Value::List(
            l.iter().take(l.len().saturating_sub(1)).cloned().collect(),
        ))
    });
    add("reverse", |n, a| {
        arity(n, a, 1)?;
        Ok(Value::List(list(n, &a[0])?.iter().rev().cloned().collect()))
    });
    add("uniq", |n, a| {
        arity(n, a, 1)?;
        let mut out: Vec<Value> = Vec::new();
        for v in list(n, &a[0])?.iter() {
            if !out.contains(v) {
                out.push(v.clone());
            }
        }
        Ok(Value::List(out.into()))
    });
    add("compact", |n, a| {
        arity(n, a, 1)?;
        Ok(Value::List(
            list(n, &a[0])?
                .iter()
                .filter(|v| !empty(v))
                .cloned()
                .collect(),
        ))
    });
    add("has", |n, a| {
        arity(n, a, 2)?;
        Ok(Value::Bool(list(n, &a[1])?.contains(&a[0])))
    });
    add("sortAlpha", |n, a| {
        arity(n, a, 1)?;
        let mut v: Vec<String> = list(n, &a[0])?.iter().map(text).collect();
        v.sort();
        Ok(Value::List(v.into_iter().map(string).collect()))
    });
    // Dictionaries
    add("dict", |_, a| {
        let mut m = BTreeMap::new();
        for pair in a.chunks(2) {
            let value = pair.get(1).cloned().unwrap_or_else(|| string(""));
            m.insert(Arc::from(text(&pair[0]).as_str()), value);
        }
        Ok(Value::Map(Arc::new(m)))
    });
    add("get", |n, a| {
        arity(n, a, 2)?;
        Ok(map(n, &a[0])?
            .get(text(&a[1]).as_str())
            .cloned()
            .unwrap_or_else(|| string("")))
    });
    add("hasKey", |n, a| {
        arity(n, a, 2)?;
        Ok(Value::Bool(
            map(n, &a[0])?.contains_key(text(&a[1]).as_str()),
        ))
    });
    add("keys", |n, a| {
        let mut out = Vec::new();
        for m in a {
            out.extend(map(n, m)?.keys().map(|k| Value::String(k.clone())));
        }
        Ok(Value::List(out.into()))
    });
    add("values", |n, a| {
        arity(n, a, 1)?;
        Ok(Value::List(map(n, &a[0])?.values().cloned().collect()))
    });
    add("pluck", |n, a| {
        let Some((key, maps)) = a.split_first() else {
            return Err(fail(n, "wrong number of args"));
        };
        let key = text(key);
        let mut out = Vec::new();
        for m in maps {
            if let Some(v) = map(n, m)?.get(key.as_str()) {
                out.push(v.clone());
            }
        }
        Ok(Value::List(out.into()))
    });
    // Numbers
    add("add", |n, a| {
        a.iter()
            .try_fold(0i64, |s, v| Ok(s.saturating_add(int(n, v)?)))
            .map(Value::Int)
    });
    add("add1", |n, a| {
        arity(n, a, 1)?;
        Ok(Value::Int(int(n, &a[0])?.saturating_add(1)))
    });
    add("sub", |n, a| {
        arity(n, a, 2)?;
        Ok(Value::Int(int(n, &a[0])?.saturating_sub(int(n, &a[1])?)))
    });
    add("mul", |n, a| {
        a.iter()
            .try_fold(1i64, |s, v| Ok(s.saturating_mul(int(n, v)?)))
            .map(Value::Int)
    });
    add("div", |n, a| {
        arity(n, a, 2)?;
        let d = int(n, &a[1])?;
        if d == 0 {
            return Err(fail(n, "division by zero"));
        }
        Ok(Value::Int(int(n, &a[0])? / d))
    });
    add("mod", |n, a| {
        arity(n, a, 2)?;
        let d = int(n, &a[1])?;
        if d == 0 {
            return Err(fail(n, "division by zero"));
        }
        Ok(Value::Int(int(n, &a[0])? % d))
    });
    add("max", |n, a| {
        a.iter()
            .map(|v| int(n, v))
            .try_fold(i64::MIN, |m, v| Ok(m.max(v?)))
            .map(Value::Int)
    });
    add("min", |n, a| {
        a.iter()
            .map(|v| int(n, v))
            .try_fold(i64::MAX, |m, v| Ok(m.min(v?)))
            .map(Value::Int)
    });
    add("int", |n, a| {
        arity(n, a, 1)?;
        Ok(Value::Int(int(n, &a[0])?))
    });
    add("int64", |n, a| {
        arity(n, a, 1)?;
        Ok(Value::Int(int(n, &a[0])?))
    });
    // Encoding and paths
    add("b64enc", |n, a| {
        arity(n, a, 1)?;
        Ok(string(base64(text(&a[0]).as_bytes())))
    });
    add("base", |n, a| {
        arity(n, a, 1)?;
        let s = text(&a[0]);
        let t = s.trim_end_matches('/');
        Ok(string(match t.rsplit_once('/') {
            Some((_, b)) => b,
            None if t.is_empty() && !s.is_empty() => "/",
            None if t.is_empty() => ".",
            None => t,
        }))
    });
    add("dir", |n, a| {
        arity(n, a, 1)?;
        let s = text(&a[0]);
        Ok(string(match s.rsplit_once('/') {
            Some(("", _)) => "/".to_owned(),
            Some((d, _)) => d.to_owned(),
            None => ".".to_owned(),
        }))
    });
    add("ext", |n, a| {
        arity(n, a, 1)?;
        let s = text(&a[0]);
        let name = s.rsplit('/').next().unwrap_or_default();
        Ok(string(name.rfind('.').map_or("", |i| &name[i..])))
    });
    f
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(t: &str, v: serde_json::Value) -> String {
        render(t, &v).unwrap()
    }

    /// The templates the Go CLI's documentation and end-to-end specs use, with the
    /// output Go gives for the same data.
    #[test]
    fn the_go_clis_documented_templates() {
        let pushed = json!({"reference": "localhost:5000/hello@sha256:ab", "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:ab", "size": 559, "referenceAsTags": ["localhost:5000/hello:e2e", "localhost:5000/hello:2e2"]});
        assert_eq!(r("{{.digest}}", pushed.clone()), "sha256:ab");
        assert_eq!(r("{{ .digest }}", pushed.clone()), "sha256:ab");
        assert_eq!(
            r("{{.reference}}", pushed.clone()),
            "localhost:5000/hello@sha256:ab"
        );
        assert_eq!(
            r(
                "{{range .referenceAsTags}}{{println .}}{{end}}",
                pushed.clone()
            ),
            "localhost:5000/hello:e2e\nlocalhost:5000/hello:2e2\n"
        );
        let discovered = json!({"referrers": [{"digest": "sha256:1", "reference": "r@sha256:1", "referrers": []}, {"digest": "sha256:2", "reference": "r@sha256:2", "referrers": []}]});
        assert_eq!(
            r(
                "{{range .referrers}}{{println .digest}}{{end}}",
                discovered.clone()
            ),
            "sha256:1\nsha256:2\n"
        );
        assert_eq!(
            r("{{(first .referrers).reference}}", discovered.clone()),
            "r@sha256:1"
        );
        assert_eq!(
            r(
                "{{.referrers}}",
                json!({"referrers": [{"digest": "sha256:1", "size": 3}]})
            ),
            "[map[digest:sha256:1 size:3]]"
        );
        let fetched =
            json!({"content": {"schemaVersion": 2, "layers": [{"digest": "sha256:l", "size": 3}]}});
        assert_eq!(
            r("{{toJson .content}}", fetched.clone()),
            r#"{"layers":[{"digest":"sha256:l","size":3}],"schemaVersion":2}"#
        );
        assert_eq!(r("{{(first .content.layers).digest}}", fetched), "sha256:l");
        assert_eq!(r("{{.tags}}", json!({"tags": ["v1", "v2"]})), "[v1 v2]");
        assert_eq!(r("{{.repositories}}", json!({"repositories": []})), "[]");
        assert_eq!(r("{{.missing}}", json!({})), "<no value>");
        assert_eq!(
            r(
                "{{range .files}}{{println .path}}{{end}}",
                json!({"files": [{"path": "/o/a"}]})
            ),
            "/o/a\n"
        );
    }

    #[test]
    fn sprig_functions_behave_as_sprig() {
        let v = json!({"s": "Hello World", "l": ["b", "a", "b"], "n": 41, "m": {"k": "v"}});
        assert_eq!(
            r("{{upper .s}} {{lower .s}}", v.clone()),
            "HELLO WORLD hello world"
        );
        assert_eq!(r(r#"{{join ", " .l}}"#, v.clone()), "b, a, b");
        assert_eq!(r("{{sortAlpha .l | uniq}}", v.clone()), "[a b]");
        assert_eq!(r("{{add .n 1}} {{sub .n 1}}", v.clone()), "42 40");
        assert_eq!(r(r#"{{trimPrefix "Hello " .s}}"#, v.clone()), "World");
        assert_eq!(r(r#"{{replace "o" "0" .s}}"#, v.clone()), "Hell0 W0rld");
        assert_eq!(r(r#"{{default "none" .absent}}"#, v.clone()), "none");
        assert_eq!(
            r(r#"{{get .m "k"}} {{hasKey .m "x"}}"#, v.clone()),
            "v false"
        );
        assert_eq!(r("{{b64enc .s}}", v.clone()), "SGVsbG8gV29ybGQ=");
        assert_eq!(r(r#"{{trunc 5 .s}}"#, v.clone()), "Hello");
        assert_eq!(
            r(
                r#"{{base "/a/b.txt"}} {{dir "/a/b.txt"}} {{ext "b.tar.gz"}}"#,
                v
            ),
            "b.txt /a .gz"
        );
    }

    #[test]
    fn a_bad_template_is_an_error_naming_the_place() {
        let e = render("{{.a", &json!({})).unwrap_err();
        assert!(e.message.contains("template:"), "{}", e.message);
    }
}
