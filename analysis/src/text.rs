//! Text for a person at a terminal, shared by the reports and the command
//! line: lines that fit [`WIDTH`] columns, counts with thousands separators.

/// The columns the text report fits in.
pub const WIDTH: usize = 100;

/// `text` broken at spaces into lines of at most `width` columns, the
/// first keeping its own indentation, the others indented by `indent`
/// spaces. A word longer than a line stays whole.
pub fn wrap(text: &str, width: usize, indent: usize) -> String {
    let mut out = String::new();
    let words = text.trim_start_matches(' ');
    let mut line = " ".repeat(text.len() - words.len());
    for word in words.split(' ') {
        let fits = line.chars().count() + 1 + word.chars().count() <= width;
        if !line.trim().is_empty() && !fits {
            out += line.trim_end();
            out.push('\n');
            line = " ".repeat(indent);
        } else if !line.trim().is_empty() {
            line.push(' ');
        }
        line += word;
    }
    out + line.trim_end() + "\n"
}

/// Text as HTML or SVG text.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// "1 file", "1,234 files".
pub fn counted(n: u64, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{} {noun}s", thousands(n)),
    }
}

/// 1234567 as "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_the_first_lines_indentation_and_indents_the_rest() {
        let text = format!("  {}", ["word"; 30].join(" "));
        let wrapped = wrap(&text, 40, 6);
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(lines[0].starts_with("  word") && !lines[0].starts_with("   "), "{wrapped}");
        assert!(lines[1..].iter().all(|l| l.starts_with("      word") && !l.starts_with("       ")), "{wrapped}");
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{wrapped}");
        assert_eq!(wrapped.split_whitespace().count(), 30);
    }
}
