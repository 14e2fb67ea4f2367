//! Compose variable interpolation (`${VAR}`, `${VAR:-default}`, `$VAR`, `$$`), from the
//! project's `.env` file only.
//!
//! The process environment is never read: output must not depend on the machine that scans.
//! A variable that the `.env` file does not set and that has no default makes the value
//! unknown, never a guess.
//!
//! A value read from the `.env` file is used to decide facts but never shown: it may be a
//! secret (or a file that is not an env file at all), so [`Interpolated::shown`] keeps the text
//! as written wherever such a value was substituted.

use std::collections::BTreeMap;

/// A value after interpolation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolated {
    /// The text, with known variables replaced and unknown ones left as written.
    pub text: String,
    /// Whether every variable was resolved.
    pub known: bool,
    /// Whether the text came (in part) from a variable rather than a literal.
    pub from_variable: bool,
    /// Whether the text holds a value read from the `.env` file.
    pub from_file: bool,
    /// The text to show in messages and in the model: the interpolated text, or the text as
    /// written when a value from the `.env` file was substituted into it.
    pub shown: String,
}

/// Variables from a `.env` file.
#[derive(Debug, Clone, Default)]
pub struct Variables(BTreeMap<String, String>);

impl Variables {
    /// Reads a `.env` file: `KEY=VALUE` lines, `#` comments, optional `export `, optional
    /// single or double quotes.
    pub fn parse_env_file(text: &str) -> Variables {
        Variables(
            parse_env_lines(text)
                .into_iter()
                .map(|(k, v, _)| (k, v))
                .collect(),
        )
    }

    /// Interpolates one string.
    pub fn interpolate(&self, input: &str) -> Interpolated {
        let mut out = Interpolated {
            text: String::with_capacity(input.len()),
            known: true,
            from_variable: false,
            from_file: false,
            shown: String::new(),
        };
        let mut rest = input;
        while let Some(dollar) = rest.find('$') {
            out.text.push_str(&rest[..dollar]);
            let after = &rest[dollar + 1..];
            if let Some(stripped) = after.strip_prefix('$') {
                out.text.push('$');
                rest = stripped;
            } else if let Some(body) = after.strip_prefix('{') {
                let Some(close) = matching_brace(body) else {
                    out.text.push_str(&rest[dollar..]);
                    out.known = false;
                    return out.with_shown(input);
                };
                self.expand(&body[..close], &mut out);
                rest = &body[close + 1..];
            } else {
                let name_len = after
                    .char_indices()
                    .find(|(i, c)| {
                        !(c.is_ascii_alphanumeric() || *c == '_') || (*i == 0 && c.is_ascii_digit())
                    })
                    .map_or(after.len(), |(i, _)| i);
                if name_len == 0 {
                    out.text.push('$');
                    rest = after;
                } else {
                    self.expand(&after[..name_len], &mut out);
                    rest = &after[name_len..];
                }
            }
        }
        out.text.push_str(rest);
        out.with_shown(input)
    }

    fn expand(&self, expression: &str, out: &mut Interpolated) {
        out.from_variable = true;
        let operator_at = expression.find([':', '-', '?', '+']);
        let (name, operator, argument) = match operator_at {
            Some(i) => {
                // `:-`, `:?`, `:+` are two characters, the others one; all are ASCII, so the
                // slices below stay on character boundaries.
                let two = expression[i + 1..].starts_with(['-', '?', '+'])
                    && expression[i..].starts_with(':');
                let op_len = if two { 2 } else { 1 };
                (
                    &expression[..i],
                    &expression[i..i + op_len],
                    &expression[i + op_len..],
                )
            }
            None => (expression, "", ""),
        };
        let value = self.0.get(name);
        let set = value.is_some();
        let non_empty = value.is_some_and(|v| !v.is_empty());
        // A default is itself interpolated: its own unknown variables make the value unknown.
        let mut default = || {
            let inner = self.interpolate(argument);
            out.known &= inner.known;
            out.from_file |= inner.from_file;
            inner.text
        };
        let resolved = match operator {
            "" => value.cloned(),
            ":-" if !non_empty => Some(default()),
            "-" if !set => Some(default()),
            ":-" | "-" => value.cloned(),
            ":+" if non_empty => Some(default()),
            "+" if set => Some(default()),
            ":+" | "+" => Some(String::new()),
            // `:?` and `?` demand the variable: without it, compose refuses to start. Anything
            // else (`${VAR:x}`) is not valid compose and stays unknown.
            _ => value.cloned().filter(|_| matches!(operator, ":?" | "?")),
        };
        // The variable's own value is substituted (not a default written in the compose file).
        let uses_value = match operator {
            "" | "?" | ":?" => set,
            ":-" => non_empty,
            "-" => set,
            _ => false,
        };
        out.from_file |= uses_value && resolved.is_some();
        match resolved {
            Some(text) => out.text.push_str(&text),
            None => {
                out.known = false;
                out.text.push_str(&format!("${{{expression}}}"));
            }
        }
    }
}

impl Interpolated {
    fn with_shown(mut self, input: &str) -> Interpolated {
        self.shown = if self.from_file {
            input.to_string()
        } else {
            self.text.clone()
        };
        self
    }
}

fn matching_brace(body: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Parses `KEY=VALUE` lines, giving each with its 1-based line number.
pub fn parse_env_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            continue;
        }
        let value = value.trim();
        let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'');
        let value = match quote.and_then(|q| value[1..].find(q).map(|end| &value[1..end + 1])) {
            // A quoted value ends at its closing quote; a comment may follow.
            Some(inside) => inside.to_string(),
            // An unquoted value ends at ` #`, which starts a comment.
            None => value.split(" #").next().unwrap_or("").trim().to_string(),
        };
        entries.push((key.to_string(), value, index as u32 + 1));
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Variables {
        Variables::parse_env_file("PORT=8080\nEMPTY=\n# comment\nexport HOST='db'\n")
    }

    #[test]
    fn known_variables_and_defaults_resolve() {
        let v = vars();
        assert_eq!(v.interpolate("${PORT}:80").text, "8080:80");
        assert_eq!(v.interpolate("$HOST:5432").text, "db:5432");
        assert_eq!(v.interpolate("${MISSING:-127.0.0.1}").text, "127.0.0.1");
        assert_eq!(v.interpolate("${EMPTY:-x}").text, "x");
        assert_eq!(v.interpolate("${EMPTY-x}").text, "");
        assert_eq!(v.interpolate("$$HOME").text, "$HOME");
        assert!(v.interpolate("${PORT}").known);
    }

    #[test]
    fn values_from_the_env_file_are_never_shown() {
        let v = Variables::parse_env_file("TOKEN=AUTHORIZATION: basic c2VjcmV0\nEMPTY=\n");
        let out = v.interpolate("/proc/${TOKEN}");
        assert_eq!(out.text, "/proc/AUTHORIZATION: basic c2VjcmV0");
        assert_eq!(out.shown, "/proc/${TOKEN}");
        let default = v.interpolate("${MISSING:-/srv}/data");
        assert!(!default.from_file);
        assert_eq!(default.shown, "/srv/data");
        assert_eq!(v.interpolate("${EMPTY:-x}").shown, "x");
        assert_eq!(v.interpolate("${U:-$TOKEN}").shown, "${U:-$TOKEN}");
    }

    #[test]
    fn unknown_variables_stay_unknown() {
        let out = vars().interpolate("${BIND_ADDR}:80:80");
        assert!(!out.known);
        assert_eq!(out.text, "${BIND_ADDR}:80:80");
        assert!(!vars().interpolate("${REQUIRED:?set it}").known);
        assert!(
            !vars().interpolate("${U:-${V}}").known,
            "a default with an unknown variable"
        );
        assert!(
            !vars().interpolate("${MSG:é}").known,
            "not valid compose, and no panic"
        );
        let quoted = Variables::parse_env_file("BIND=\"127.0.0.1\"  # local only\n");
        assert_eq!(quoted.interpolate("${BIND}").text, "127.0.0.1");
    }
}
