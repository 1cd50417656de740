//! The safetensors layout of a portable ROM file: an 8-byte little-endian header length, a
//! JSON header (`__metadata__` and one entry per tensor), then the data buffer. This module
//! splits the bytes and checks the layout; it knows nothing of ROMs.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{corrupt, Result};

/// Largest JSON header accepted, so a corrupt length cannot ask for gigabytes.
const MAX_HEADER: u64 = 64 << 20;

/// The parsed file: metadata, and each tensor's dtype, shape and bytes.
pub struct Parsed<'a> {
    /// `__metadata__`, string → string.
    pub meta: BTreeMap<String, String>,
    /// Tensor name → (dtype, shape, bytes).
    pub tensors: BTreeMap<String, (String, Vec<usize>, &'a [u8])>,
}

impl<'a> Parsed<'a> {
    /// Metadata `key`, or an error naming it.
    pub fn meta(&self, key: &str) -> Result<&str> {
        self.meta
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| corrupt(format!("metadata `{key}` is missing")))
    }

    /// Metadata `key` as a non-negative integer.
    pub fn count(&self, key: &str) -> Result<usize> {
        let text = self.meta(key)?;
        text.parse().map_err(|_| {
            corrupt(format!(
                "metadata `{key}` = `{text}`: allowed an integer >= 0"
            ))
        })
    }

    /// Whether tensor `name` is present.
    pub fn has(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }

    /// The shape of tensor `name`.
    pub fn shape_of(&self, name: &str) -> Result<&[usize]> {
        self.tensors
            .get(name)
            .map(|(_, s, _)| s.as_slice())
            .ok_or_else(|| corrupt(format!("tensor `{name}` is missing")))
    }

    /// The bytes of tensor `name` after checking its dtype and shape (`what` names the
    /// expected shape in words for the error).
    fn raw(&self, name: &str, dtype: &str, shape: &[usize], what: &str) -> Result<&'a [u8]> {
        let (d, s, bytes) = self
            .tensors
            .get(name)
            .ok_or_else(|| corrupt(format!("tensor `{name}` is missing")))?;
        if d != dtype {
            return Err(corrupt(format!(
                "tensor `{name}` has dtype {d}: allowed {dtype}"
            )));
        }
        if s != shape {
            return Err(corrupt(format!(
                "tensor `{name}` has shape {s:?}: expected {what} = {shape:?}"
            )));
        }
        Ok(bytes)
    }

    /// An F64 tensor of the given shape, row-major.
    pub fn f64s(&self, name: &str, shape: &[usize], what: &str) -> Result<Vec<f64>> {
        let bytes = self.raw(name, "F64", shape, what)?;
        Ok(bytes
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect())
    }

    /// A 1-D I64 tensor of grid indices, each in 0..n.
    pub fn indices(&self, name: &str, n: usize) -> Result<Vec<usize>> {
        let len = self.shape_of(name)?.first().copied().unwrap_or(0);
        let bytes = self.raw(name, "I64", &[len], "[m]")?;
        bytes
            .chunks_exact(8)
            .map(|c| {
                let v = i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
                usize::try_from(v).ok().filter(|&p| p < n).ok_or_else(|| {
                    corrupt(format!(
                        "tensor `{name}` holds index {v}: allowed 0..{n} (grid values)"
                    ))
                })
            })
            .collect()
    }
}

/// Splits the file's bytes into metadata and tensors, checking the header and that the
/// tensors tile the data buffer exactly.
pub fn parse(bytes: &[u8]) -> Result<Parsed<'_>> {
    if bytes.len() < 8 {
        return Err(corrupt(format!(
            "{} bytes, shorter than the 8-byte header length",
            bytes.len()
        )));
    }
    let mut len = [0u8; 8];
    len.copy_from_slice(&bytes[..8]);
    let n = u64::from_le_bytes(len);
    if n > MAX_HEADER || n > (bytes.len() - 8) as u64 {
        return Err(corrupt(format!(
            "header length {n}: allowed at most {} (the rest of the file) and {MAX_HEADER}",
            bytes.len() - 8
        )));
    }
    let header_end = 8 + n as usize;
    let header: Value = serde_json::from_slice(&bytes[8..header_end])
        .map_err(|e| corrupt(format!("header is not JSON: {e}")))?;
    let Value::Object(header) = header else {
        return Err(corrupt("header is not a JSON object"));
    };
    let data = &bytes[header_end..];
    let mut meta = BTreeMap::new();
    let mut tensors = BTreeMap::new();
    let mut spans = Vec::new();
    for (name, entry) in &header {
        if name == "__metadata__" {
            let Value::Object(m) = entry else {
                return Err(corrupt("`__metadata__` is not an object"));
            };
            for (k, v) in m {
                let Value::String(s) = v else {
                    return Err(corrupt(format!("metadata `{k}` is not a string")));
                };
                meta.insert(k.clone(), s.clone());
            }
            continue;
        }
        let field = |key: &str| entry.get(key);
        let dtype = match field("dtype").and_then(Value::as_str) {
            Some(d @ ("F64" | "I64")) => d.to_string(),
            other => {
                return Err(corrupt(format!(
                    "tensor `{name}` has dtype {other:?}: allowed \"F64\" or \"I64\""
                )))
            }
        };
        let ints = |key: &str| -> Option<Vec<usize>> {
            field(key)?
                .as_array()?
                .iter()
                .map(|v| v.as_u64().and_then(|v| usize::try_from(v).ok()))
                .collect()
        };
        let shape = ints("shape")
            .ok_or_else(|| corrupt(format!("tensor `{name}` has no list of sizes `shape`")))?;
        let offsets = ints("data_offsets")
            .filter(|o| o.len() == 2 && o[0] <= o[1])
            .ok_or_else(|| {
                corrupt(format!(
                    "tensor `{name}` has no `data_offsets` [begin, end] with begin <= end"
                ))
            })?;
        let expected = shape
            .iter()
            .try_fold(8usize, |acc, &s| acc.checked_mul(s))
            .ok_or_else(|| corrupt(format!("tensor `{name}` shape {shape:?} overflows")))?;
        if offsets[1] - offsets[0] != expected || offsets[1] > data.len() {
            return Err(corrupt(format!(
                "tensor `{name}` spans bytes {offsets:?}: expected {expected} bytes for shape \
                 {shape:?} within the {} bytes of data (truncated file?)",
                data.len()
            )));
        }
        spans.push((offsets[0], offsets[1], name.clone()));
        tensors.insert(name.clone(), (dtype, shape, &data[offsets[0]..offsets[1]]));
    }
    spans.sort();
    let mut at = 0;
    for (begin, end, name) in &spans {
        if *begin != at {
            return Err(corrupt(format!(
                "tensor `{name}` starts at byte {begin}: expected {at} (tensors contiguous)"
            )));
        }
        at = *end;
    }
    if at != data.len() {
        return Err(corrupt(format!(
            "the tensors cover {at} bytes of the {} bytes of data",
            data.len()
        )));
    }
    Ok(Parsed { meta, tensors })
}
