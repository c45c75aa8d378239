//! The shell forms a pasted command may use beyond what the word splitter knows: bash's
//! `$'…'` quoting and grouped short flags.

use super::bad;
use crate::core::error::Error;

/// Boolean short options written together (`-sSk`) as separate words; anything else as is.
pub(super) fn split_flag_group(word: String) -> Vec<String> {
    const BOOLEAN: &str = "sSikNg";
    let group = word.len() > 2
        && word.starts_with('-')
        && !word.starts_with("--")
        && word[1..].chars().all(|c| BOOLEAN.contains(c));
    if group {
        word[1..].chars().map(|c| format!("-{c}")).collect()
    } else {
        vec![word]
    }
}

/// Rewrites bash's ANSI-C quoting (`$'it\'s\tok'`) as single-quoted text the word splitter
/// understands, decoding `\n \t \r \e \\ \' \" \xHH \uHHHH \UHHHHHHHH \NNN`. Text inside
/// ordinary quotes is left alone.
pub(super) fn ansi_c_quotes(command: &str) -> Result<String, Error> {
    let mut out = String::with_capacity(command.len());
    let mut chars = command.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some('"'), '\\') => {
                out.push(c);
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            (Some(_), c) => out.push(c),
            (None, '\\') => {
                out.push(c);
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '$') if chars.peek() == Some(&'\'') => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next() {
                        None => return Err(bad("cannot split the command: missing closing quote".into())),
                        Some('\'') => break,
                        Some('\\') => text.push(ansi_c_escape(&mut chars)?),
                        Some(other) => text.push(other),
                    }
                }
                out.push('\'');
                out.push_str(&text.replace('\'', "'\\''"));
                out.push('\'');
            }
            (None, c) => out.push(c),
        }
    }
    Ok(out)
}

/// One escape of `$'…'`, after its backslash.
fn ansi_c_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<char, Error> {
    let hex = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, max: usize| {
        let mut digits = String::new();
        while digits.len() < max && chars.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
            digits.extend(chars.next());
        }
        u32::from_str_radix(&digits, 16).ok().and_then(char::from_u32)
    };
    let c = chars.next().ok_or_else(|| bad("cannot split the command: a backslash at its end".into()))?;
    let decoded = match c {
        'n' => Some('\n'),
        't' => Some('\t'),
        'r' => Some('\r'),
        'e' | 'E' => Some('\x1b'),
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        'f' => Some('\x0c'),
        'v' => Some('\x0b'),
        'x' => hex(chars, 2),
        'u' => hex(chars, 4),
        'U' => hex(chars, 8),
        '0'..='7' => {
            let mut value = c.to_digit(8).unwrap_or(0);
            for _ in 0..2 {
                match chars.peek().and_then(|d| d.to_digit(8)) {
                    Some(d) => {
                        value = value * 8 + d;
                        chars.next();
                    }
                    None => break,
                }
            }
            char::from_u32(value)
        }
        other => Some(other),
    };
    decoded.ok_or_else(|| bad(format!("cannot split the command: a bad escape \\{c} in $'…'")))
}
