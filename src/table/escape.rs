//! The escapes of the formats: every cell a format writes goes through one of these.

use std::borrow::Cow;
use std::fmt::Write;

/// `s` as one line of visible text: a line break, a tab or another control character, and the Unicode
/// characters that break a line or reorder text (line and paragraph separators, bidirectional overrides and
/// isolates), are written as escapes (`\n`, `\t`, `\u{1b}`, `\u{202e}`), so a label or parameter value
/// cannot split a table's row, move the cursor or show itself as other text.
///
/// Every format of [`super`] that is read as text builds its escape on this one.
pub fn one_line(s: &str) -> Cow<'_, str> {
    let hidden = |c: char| {
        c.is_control()
            || matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
            )
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    };
    if !s.contains(hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if hidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Escapes text for a cell of a Markdown table (GitHub-flavoured): on one line
/// ([`one_line`]), a backslash and a `|` escaped by a backslash (a `|` would end
/// the cell), and `<` and `&` as the entities `&lt;` and `&amp;`, so that no tag or entity in a label reaches
/// a renderer as HTML. Rendered, the cell reads as the text it was given.
pub fn markdown_cell(s: &str) -> String {
    let line = one_line(s);
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes text for LaTeX's text mode: on one line ([`one_line`]; a line break
/// could end a cell's paragraph), with `\ { } $ & # ^ _ % ~` and the characters that print as other glyphs
/// in the default font encoding (`< > |`) written as the commands that print them, and Greek letters,
/// relations and superscripts ([`super::math`]) as math, each run of them in one `$...$`.
pub fn latex_escape(s: &str) -> String {
    let line = one_line(s);
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if super::math::is_math(c) {
            let len = chars[i..]
                .iter()
                .take_while(|&&c| super::math::is_math(c))
                .count();
            out.push('$');
            out.push_str(&super::math::run(&chars[i..i + len]));
            out.push('$');
            i += len;
            continue;
        }
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            '|' => out.push_str("\\textbar{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
