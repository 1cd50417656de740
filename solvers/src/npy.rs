//! Minimal reader of NumPy `.npy` files (format versions 1–3): little-endian `<f8` or `<f4`,
//! C order. Enough to load an initial condition saved by `numpy.save`.

use std::path::Path;

/// Reads the shape and the values (converted to f64) of a `.npy` file.
pub(crate) fn read(path: &Path) -> Result<(Vec<usize>, Vec<f64>), String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    parse(&bytes)
}

fn parse(bytes: &[u8]) -> Result<(Vec<usize>, Vec<f64>), String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (bad magic bytes)".into());
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(format!("unsupported .npy format version {v}")),
    };
    let header = bytes
        .get(start..start + header_len)
        .ok_or("truncated .npy header")?;
    let header = std::str::from_utf8(header).map_err(|_| "non-UTF-8 .npy header")?;
    let descr = field(header, "descr").ok_or("no `descr` in .npy header")?;
    if field(header, "fortran_order").is_some_and(|v| v.starts_with("True")) {
        return Err("Fortran-ordered arrays are not supported: save with C order".into());
    }
    let shape_text = field(header, "shape").ok_or("no `shape` in .npy header")?;
    let inner = shape_text
        .trim_start_matches('(')
        .split(')')
        .next()
        .unwrap_or("");
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| format!("bad shape `{shape_text}`"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let count: usize = shape.iter().product();
    let data = &bytes[start + header_len..];
    let values = if descr.starts_with("'<f8'") {
        chunks(data, count, 8)?
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect()
    } else if descr.starts_with("'<f4'") {
        chunks(data, count, 4)?
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")) as f64)
            .collect()
    } else {
        return Err(format!(
            "dtype {descr} not supported: use float64 or float32"
        ));
    };
    Ok((shape, values))
}

fn chunks(
    data: &[u8],
    count: usize,
    size: usize,
) -> Result<std::slice::ChunksExact<'_, u8>, String> {
    if data.len() < count * size {
        return Err(format!(
            "truncated data: {} bytes for {count} values of {size} bytes",
            data.len()
        ));
    }
    Ok(data[..count * size].chunks_exact(size))
}

/// The text after `'key':` in a header dict, trimmed.
fn field<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header.find(&format!("'{key}'"))?;
    let rest = &header[at + key.len() + 2..];
    Some(rest.trim_start().strip_prefix(':')?.trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(descr: &str, shape: &str, payload: &[u8]) -> Vec<u8> {
        let mut header =
            format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn reads_f8_and_f4() {
        let vals = [1.5f64, -2.0, 3.25, 0.0, 1e-3, 7.0];
        let payload: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
        let (shape, data) = parse(&npy("<f8", "(2, 3)", &payload)).unwrap();
        assert_eq!(shape, vec![2, 3]);
        assert_eq!(data, vals);
        let payload: Vec<u8> = vals
            .iter()
            .flat_map(|v| (*v as f32).to_le_bytes())
            .collect();
        let (shape, data) = parse(&npy("<f4", "(6,)", &payload)).unwrap();
        assert_eq!(shape, vec![6]);
        assert!((data[4] - 1e-3).abs() < 1e-9);
    }

    #[test]
    fn rejects_bad_files() {
        assert!(parse(b"hello world").unwrap_err().contains("magic"));
        assert!(parse(&npy("<i8", "(1,)", &[0; 8]))
            .unwrap_err()
            .contains("dtype"));
        assert!(parse(&npy("<f8", "(4,)", &[0; 8]))
            .unwrap_err()
            .contains("truncated"));
    }
}
