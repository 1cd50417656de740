//! The `fmuResourceLocation` URI (`file:///dir/resources`) as a path.

use std::path::PathBuf;

/// The local path of a `file:` URI (`file:///p`, `file://localhost/p`, `file:/p`), with
/// percent-escapes decoded; an error for any other scheme or a bad escape.
pub(crate) fn to_path(uri: &str) -> Result<PathBuf, String> {
    let bad = |why: &str| format!("invalid `fmuResourceLocation` = `{uri}`: {why}");
    let rest = uri
        .strip_prefix("file:")
        .ok_or_else(|| bad("allowed a file: URI"))?;
    let path = match rest.strip_prefix("//") {
        Some(authority_and_path) => {
            let slash = authority_and_path
                .find('/')
                .unwrap_or(authority_and_path.len());
            let (host, path) = authority_and_path.split_at(slash);
            if !(host.is_empty() || host.eq_ignore_ascii_case("localhost")) {
                return Err(bad("allowed a local file (no host)"));
            }
            path
        }
        None => rest,
    };
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| bad("a `%` not followed by two hex digits"))?;
            decoded.push(hex);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(decoded).map_err(|_| bad("allowed UTF-8 after decoding"))?;
    Ok(PathBuf::from(text))
}

#[cfg(test)]
mod tests {
    use super::to_path;

    #[test]
    fn file_uris_become_paths() {
        for (uri, path) in [
            ("file:///tmp/a%20b/resources", "/tmp/a b/resources"),
            ("file://localhost/tmp/x/", "/tmp/x/"),
            ("file:/tmp/y", "/tmp/y"),
        ] {
            assert_eq!(to_path(uri).unwrap().to_str().unwrap(), path);
        }
        for bad in ["http://h/x", "file://remote/x", "file:///a%zz"] {
            assert!(to_path(bad).unwrap_err().contains("fmuResourceLocation"));
        }
    }
}
