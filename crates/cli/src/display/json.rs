//! JSON as the Go CLI writes it: `encoding/json` escapes `<`, `>`, `&`, U+2028 and U+2029
//! in strings; pretty output is indented by two spaces and ends with a newline; `--pretty`
//! re-indents bytes as they are (key order kept), as Go's `json.Indent`.

use serde::Serialize;

use crate::error::CliError;

/// `v` indented, with a final newline (Go's `json.Encoder` with `SetIndent("", "  ")`).
pub(crate) fn pretty(v: &impl Serialize) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".to_owned());
    s = escape_html(&s);
    s.push('\n');
    s
}

/// `v` on one line, no newline (Go's `json.Marshal`).
pub(crate) fn compact(v: &impl Serialize) -> String {
    escape_html(&serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned()))
}

/// Writes the JSON bytes as they are, or re-indented when `pretty` (with a final
/// newline), as Go's `--pretty` does.
pub(crate) fn output(bytes: &[u8], pretty: bool) -> Result<Vec<u8>, CliError> {
    if !pretty {
        return Ok(bytes.to_vec());
    }
    indent(bytes).map_err(|e| CliError::new(format!("failed to prettify: {e}")))
}

/// The characters `encoding/json` escapes. They occur only inside strings in JSON
/// serde wrote, so replacing them everywhere is safe.
fn escape_html(s: &str) -> String {
    if !s.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Re-indents valid JSON by two spaces, keeping everything else as it is: key order,
/// the text of numbers and strings; empty objects and arrays stay `{}` and `[]`.
pub(crate) fn indent(src: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::from_slice::<serde::de::IgnoredAny>(src)?;
    let mut out = Vec::with_capacity(src.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    // An opening bracket is written, its newline only once something follows it.
    let mut pending_open = false;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * 2));
    };
    for &b in src.trim_ascii() {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        if b.is_ascii_whitespace() {
            continue;
        }
        if pending_open && b != b'}' && b != b']' {
            newline(&mut out, depth);
        }
        let was_open = std::mem::take(&mut pending_open);
        match b {
            b'"' => {
                in_string = true;
                out.push(b);
            }
            b'{' | b'[' => {
                out.push(b);
                depth += 1;
                pending_open = true;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if !was_open {
                    newline(&mut out, depth);
                }
                out.push(b);
            }
            b',' => {
                out.push(b);
                newline(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            _ => out.push(b),
        }
    }
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indent_keeps_order_and_empty_containers() {
        let src = br#"{"z":1,"a":[],"m":{},"s":"x, {y}: \"q\"","l":[1,{"k":true}]}"#;
        let want = "{\n  \"z\": 1,\n  \"a\": [],\n  \"m\": {},\n  \"s\": \"x, {y}: \\\"q\\\"\",\n  \"l\": [\n    1,\n    {\n      \"k\": true\n    }\n  ]\n}\n";
        assert_eq!(String::from_utf8(indent(src).unwrap()).unwrap(), want);
        assert!(indent(b"{").is_err());
    }

    #[test]
    fn html_characters_are_escaped_as_go_does() {
        let v = serde_json::json!({"a": "<b> & c"});
        assert_eq!(compact(&v), r#"{"a":"\u003cb\u003e \u0026 c"}"#);
        assert_eq!(pretty(&v), "{\n  \"a\": \"\\u003cb\\u003e \\u0026 c\"\n}\n");
    }
}
