//! Malformed decisions files never panic and never echo what they hold: every problem is a
//! diagnostic with the file and a line, whatever the types, sizes and nesting.

use trustmap_decisions::{inline_decisions, parse_decisions};
use trustmap_model::{Diagnostic, DiagnosticLevel};

const FILE: &str = "trustmap.yaml";

const VALID: &str = "decisions:
  - rule: TM-E002
    element: compose:shop/service/admin
    decision: accept
    owner: platform-team
    reason: \"bound to loopback\"
    ticket: SEC-42
    expires: 2027-03-01
  - rule: TM-S001
    path: deploy/**
    decision: mitigate
    mitigation: WAF rule 942100
    reason: |
      the WAF filters it
";

/// Every diagnostic names the file and a line.
fn assert_located(diagnostics: &[Diagnostic], input: &str) {
    for d in diagnostics {
        assert_eq!(d.span.file, FILE, "{d} for {input:?}");
        assert!(d.span.start.line >= 1, "{d} has no line for {input:?}");
    }
}

fn errors(input: &str) -> Vec<Diagnostic> {
    let (_, diagnostics) = parse_decisions(FILE, input);
    assert_located(&diagnostics, input);
    diagnostics
        .into_iter()
        .filter(|d| d.level == DiagnosticLevel::Error)
        .collect()
}

#[test]
fn the_valid_file_reads_cleanly() {
    let (entries, diagnostics) = parse_decisions(FILE, VALID);
    assert_eq!(entries.len(), 2);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
}

#[test]
fn a_wrong_type_in_any_field_is_an_error_naming_the_field_and_its_line() {
    let values = [
        ("a list", "[a, b]"),
        ("a mapping", "{a: b}"),
        ("a block list", "\n      - a\n      - b"),
        ("a block mapping", "\n      a: b"),
    ];
    let base = [
        ("rule", "TM-E002"),
        ("decision", "accept"),
        ("element", "x"),
        ("reason", "r"),
    ];
    for field in [
        "rule", "element", "decision", "owner", "reason", "ticket", "expires",
    ] {
        for (what, value) in values {
            let mut lines: Vec<(&str, &str)> =
                base.iter().copied().filter(|(k, _)| *k != field).collect();
            lines.push((field, value));
            let mut text = String::from("decisions:\n");
            for (i, (key, value)) in lines.iter().enumerate() {
                let lead = if i == 0 { "  - " } else { "    " };
                text.push_str(&format!("{lead}{key}: {value}\n"));
            }
            let errors = errors(&text);
            assert_eq!(errors.len(), 1, "{field} as {what}: {errors:?}\n{text}");
            assert!(
                errors[0].message.contains(&format!("`{field}`")),
                "{field} as {what}: {}",
                errors[0].message
            );
            assert!(
                errors[0].span.start.line > 1,
                "{field} as {what}: {}",
                errors[0]
            );
        }
    }
}

#[test]
fn wrong_shapes_of_the_file_are_errors_at_their_line() {
    for (input, expected) in [
        ("- a\n- b\n", "expected a `decisions:` list"),
        ("just text\n", "expected a `decisions:` list"),
        ("decisions: 42\n", "expected a list, found text"),
        ("decisions: {a: b}\n", "expected a list, found a mapping"),
        ("decisions:\n  - 42\n", "a decision is a mapping"),
        ("decisions:\n  - [a]\n", "a decision is a mapping"),
        ("decisions:\n  - ~\n", "a decision is a mapping"),
        ("decisions: []\n---\ndecisions: []\n", "one document"),
        (
            "decisions:\n  - {rule: TM-E1, element: a, flow: b, decision: accept, reason: r}\n",
            "exactly one of",
        ),
        (
            "decisions:\n  - {rule: TM-E1, path: \"a/{b\", decision: accept, reason: r}\n",
            "not a valid glob",
        ),
        ("decisions:\n  - {rule: TM-E1\n", "not valid YAML"),
        ("decisions:\n  - a: [\n", "not valid YAML"),
    ] {
        let errors = errors(input);
        assert_eq!(errors.len(), 1, "{input:?}: {errors:?}");
        assert!(
            errors[0].message.contains(expected),
            "{input:?}: {}",
            errors[0].message
        );
    }
    for empty in [
        "",
        "decisions:\n",
        "decisions: []\n",
        "~\n",
        "---\n",
        "decisions: []\n---\n",
    ] {
        assert!(errors(empty).is_empty(), "{empty:?}");
    }
}

#[test]
fn deep_nesting_and_huge_files_are_errors_not_crashes() {
    let deep = format!(
        "decisions: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_eq!(errors(&deep).len(), 1);
    let deep_block: String = (0..5_000)
        .map(|i| format!("{}- \n", " ".repeat(i * 2)))
        .collect();
    assert_eq!(errors(&format!("decisions:\n{deep_block}")).len(), 1);
    // More nodes than a decisions file may hold.
    let many: String = (0..60_000)
        .map(|i| format!("  - {{rule: TM-E{i}, element: e{i}, decision: accept, reason: r}}\n"))
        .collect();
    assert_eq!(errors(&format!("decisions:\n{many}")).len(), 1);
    // A huge value is read, not refused.
    let huge = format!(
        "decisions:\n  - rule: TM-E1\n    element: x\n    decision: accept\n    reason: \"{}\"\n",
        "r".repeat(4_000_000)
    );
    let (entries, diagnostics) = parse_decisions(FILE, &huge);
    assert_eq!((entries.len(), diagnostics.len()), (1, 0));
    // Numbers far out of range are text that is not a date.
    let far = "decisions:\n  - {rule: TM-E1, element: x, decision: accept, reason: r, expires: 99999999999999999999-1-1}\n";
    assert_eq!(errors(far).len(), 1);
}

#[test]
fn messages_never_echo_values_of_the_file() {
    let secret = "LEAKED-ghp_abc123";
    for input in [
        format!(
            "decisions:\n  - {{rule: TM-E1, element: x, decision: accept, reason: r, expires: {secret}}}\n"
        ),
        format!(
            "decisions:\n  - {{rule: TM-E1, path: \"{secret}[\", decision: accept, reason: r}}\n"
        ),
        format!("decisions:\n  - {{{secret}: x}}\n"),
        format!(
            "[core]\n\trepositoryformatversion = 0\n[http]\n\textraheader = AUTHORIZATION: basic {secret}\n"
        ),
        format!("TOKEN={secret}\n"),
        format!("decisions: {secret}\n"),
    ] {
        let (_, diagnostics) = parse_decisions(FILE, &input);
        assert!(!diagnostics.is_empty(), "{input:?}");
        for d in diagnostics {
            assert!(!d.message.contains("LEAKED"), "{input:?} echoed: {d}");
        }
    }
    let (_, inline) = inline_decisions(
        "main.tf",
        &format!("# trustmap:accept TM-S001 reason=\"r\" expires={secret}\n"),
    );
    assert_eq!(inline.len(), 1);
    assert!(!inline[0].message.contains("LEAKED"), "{}", inline[0]);
}

/// A small deterministic generator (xorshift), so the mutations are the same on every run.
struct Mutations(u64);

impl Mutations {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pieces that mean something to YAML, to the decisions reader and to the comment reader.
const PIECES: &[&str] = &[
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "&a ",
    "*a",
    "!!map ",
    "|",
    ">",
    "#",
    "\n",
    "  ",
    "\t",
    "%",
    "@",
    "`",
    "é",
    "\u{202e}",
    "~",
    "null",
    "<<: *a",
    "---\n",
    "...\n",
    "? ",
    "decisions:",
    "rule:",
    "path: ",
    "**",
    "expires: 2027-02-30",
    "trustmap:accept TM-E1 ",
    "reason=\"",
    "9999999999999999999999",
    "\\",
    "\u{0}",
    "\r",
];

#[test]
fn thousands_of_mutated_files_give_located_diagnostics_and_never_panic() {
    let mut random = Mutations(0x2545_F491_4F6C_DD1D);
    for _ in 0..4_000 {
        let mut text = VALID.to_string();
        for _ in 0..1 + random.below(6) {
            let mut at = random.below(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            match random.below(3) {
                0 => text.insert_str(at, PIECES[random.below(PIECES.len())]),
                1 => {
                    let mut end = (at + random.below(12)).min(text.len());
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    text.replace_range(at..end, "");
                }
                _ => {
                    let mut end = (at + random.below(12)).min(text.len());
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    let piece = PIECES[random.below(PIECES.len())];
                    text.replace_range(at..end, piece);
                }
            }
        }
        let (_, diagnostics) = parse_decisions(FILE, &text);
        assert_located(&diagnostics, &text);
        let (_, inline) = inline_decisions(FILE, &text);
        assert_located(&inline, &text);
    }
}
