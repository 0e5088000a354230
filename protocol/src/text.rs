//! Validation of user text: trimmed, bounded in characters, free of control characters.

use crate::messages::{ErrorCode, Rejection};

/// Whether a field may hold several lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// Trims `raw` and checks it against `max_chars` and the allowed control characters. Returns
/// the cleaned text, or a rejection naming the field (the author keeps their text: nothing is
/// silently cut).
pub fn clean(field: &str, raw: &str, max_chars: usize, lines: Lines) -> Result<String, Rejection> {
    let text = raw.trim();
    let count = text.chars().count();
    if count > max_chars {
        return Err(Rejection::new(
            ErrorCode::TooLong,
            format!("{field} is {count} characters; at most {max_chars} fit"),
        ));
    }
    let bad = text.chars().any(|c| match c {
        '\n' | '\t' => lines == Lines::One,
        c => c.is_control(),
    });
    if bad {
        return Err(Rejection::new(ErrorCode::BadRequest, format!("{field} contains control characters")));
    }
    Ok(text.to_owned())
}

/// Like [`clean`], and the result must not be empty.
pub fn clean_required(field: &str, raw: &str, max_chars: usize, lines: Lines) -> Result<String, Rejection> {
    let text = clean(field, raw, max_chars, lines)?;
    if text.is_empty() {
        return Err(Rejection::new(ErrorCode::BadRequest, format!("{field} is empty")));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_counts_characters_not_bytes() {
        assert_eq!(clean("name", "  Ana  ", 3, Lines::One).unwrap(), "Ana");
        assert_eq!(clean("name", "João", 4, Lines::One).unwrap(), "João");
        assert_eq!(clean("name", "Joãos", 4, Lines::One).unwrap_err().code, ErrorCode::TooLong);
    }

    #[test]
    fn newlines_only_where_allowed() {
        assert!(clean("name", "a\nb", 10, Lines::One).is_err());
        assert!(clean("answer", "a\nb", 10, Lines::Many).is_ok());
        assert!(clean("answer", "a\u{0}b", 10, Lines::Many).is_err());
        assert!(clean_required("name", "   ", 10, Lines::One).is_err());
    }
}
