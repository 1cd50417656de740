//! Enumerations named by their kebab-case variant names, derived with `strum` (no
//! hand-written parse/name pairs): one parser that names the field and the allowed values.

use std::str::FromStr;

use strum::VariantNames;

/// Parses `text` as a `T`, or says which names `field` allows.
///
/// ```
/// use galerkin::rom::PointSelection;
/// let s: PointSelection = galerkin::names::parse("selection", "qdeim").unwrap();
/// assert_eq!(s, PointSelection::Qdeim);
/// assert!(galerkin::names::parse::<PointSelection>("selection", "pod")
///     .unwrap_err()
///     .to_string()
///     .contains("`deim`, `qdeim`, `eim`"));
/// ```
pub fn parse<T: FromStr + VariantNames>(field: &str, text: &str) -> Result<T, UnknownName> {
    T::from_str(text).map_err(|_| UnknownName {
        field: field.to_string(),
        value: text.to_string(),
        allowed: T::VARIANTS
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// A name that is not one of an enumeration's variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{field}` = {value}: allowed {allowed}")]
pub struct UnknownName {
    /// The field, as a user writes it.
    pub field: String,
    /// The name given.
    pub value: String,
    /// The allowed names.
    pub allowed: String,
}
