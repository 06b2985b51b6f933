//! Registers taken out as CSV, as Excel opens it on a Japanese Windows: UTF-8 with a BOM
//! (without it Excel reads Shift_JIS), CRLF line ends, every field quoted (a comma, quote or
//! line break in a name or a purpose stays inside its cell), headers in Japanese. Written by
//! hand: quoting every field is the whole of it.

/// The CSV of `rows` under `header`. Every row has the header's width (a row built for
/// another header is a bug: shorter rows are padded, longer ones cut, never shifted).
pub fn table_bytes<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    push_line(&mut out, header.iter().copied());
    for row in rows {
        let row = row.as_ref();
        debug_assert_eq!(row.len(), header.len(), "a CSV row of another width");
        let cells = (0..header.len()).map(|i| row.get(i).map_or("", String::as_str));
        push_line(&mut out, cells);
    }
    out.into_bytes()
}

fn push_line<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    let quoted: Vec<String> = cells
        .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
        .collect();
    out.push_str(&quoted.join(","));
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bom_crlf_quotes_and_the_header_width() {
        let rows = vec![
            vec!["山田, 太郎".to_string(), "目的 \"点検\"\n二行目".into()],
            vec!["佐藤".to_string(), String::new()],
        ];
        let bytes = table_bytes(&["氏名", "目的"], &rows);
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("\u{feff}\"氏名\",\"目的\"\r\n"));
        assert!(text.contains("\"山田, 太郎\",\"目的 \"\"点検\"\"\n二行目\"\r\n"));
        assert!(text.ends_with("\"佐藤\",\"\"\r\n"));
        assert_eq!(text.matches("\r\n").count(), 3);
    }
}
