//! A recipe as Python gives it: a path to a TOML file, TOML text, or a dict; with
//! overrides as a dict of dotted keys (typed values, as given) or `"key=value"` strings
//! (the command line's `--set`, TOML-typed).

use std::path::Path;

use galerkin::data::Recipe;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::error::{invalid, to_py};

/// A Python value as a TOML value: dict → table, list/tuple → array, bool, int, float,
/// str; `path` names it in the error for anything else.
pub fn toml_value(value: &Bound<'_, PyAny>, path: &str) -> PyResult<toml::Value> {
    if value.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(value.extract()?));
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(toml::Value::Integer(value.extract()?));
    }
    if value.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(value.extract()?));
    }
    if value.is_instance_of::<PyString>() {
        return Ok(toml::Value::String(value.extract()?));
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        return Ok(toml::Value::Table(toml_table(dict, path)?));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let items: Vec<Bound<'_, PyAny>> = value.try_iter()?.collect::<PyResult<_>>()?;
        return items
            .iter()
            .enumerate()
            .map(|(i, item)| toml_value(item, &format!("{path}[{i}]")))
            .collect::<PyResult<Vec<_>>>()
            .map(toml::Value::Array);
    }
    // numpy scalars and other numbers: as float if they convert.
    if let Ok(x) = value.extract::<f64>() {
        return Ok(toml::Value::Float(x));
    }
    Err(PyTypeError::new_err(format!(
        "recipe value `{path}` is a {}: allowed dict, list, str, int, float or bool",
        value.get_type().name()?
    )))
}

/// A dict as a TOML table (keys must be strings).
fn toml_table(dict: &Bound<'_, PyDict>, path: &str) -> PyResult<toml::Table> {
    let mut table = toml::Table::new();
    for (key, value) in dict.iter() {
        let key: String = key
            .extract()
            .map_err(|_| PyTypeError::new_err(format!("recipe keys must be str (in `{path}`)")))?;
        let child = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        table.insert(key, toml_value(&value, &child)?);
    }
    Ok(table)
}

/// Overrides: a dict `{"time.dt": 1e-3}` (typed as given) or a list of `"key=value"`
/// strings (typed as the command line's `--set` types them).
fn overrides(given: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(String, toml::Value)>> {
    let Some(given) = given.filter(|g| !g.is_none()) else {
        return Ok(Vec::new());
    };
    if let Ok(dict) = given.cast::<PyDict>() {
        let typed = dict
            .iter()
            .map(|(k, v)| {
                let key: String = k.extract()?;
                let value = toml_value(&v, &key)?;
                Ok((key, value))
            })
            .collect::<PyResult<_>>()?;
        return Ok(typed);
    }
    let texts: Vec<String> = given.extract().map_err(|_| {
        PyTypeError::new_err(
            "overrides must be a dict {\"time.dt\": 1e-3} or a list of \"key=value\" strings",
        )
    })?;
    texts
        .iter()
        .map(|text| galerkin::data::parse_override(text).map_err(to_py))
        .collect()
}

/// Reads a recipe argument: a dict, a path to an existing file, or TOML text.
pub fn recipe_from(
    recipe: &Bound<'_, PyAny>,
    overrides_given: Option<&Bound<'_, PyAny>>,
) -> PyResult<Recipe> {
    let overrides = overrides(overrides_given)?;
    let (doc, origin): (toml::Table, String) = if let Ok(dict) = recipe.cast::<PyDict>() {
        (toml_table(dict, "")?, "<dict>".into())
    } else if let Ok(path) = recipe.extract::<std::path::PathBuf>() {
        let looks_like_text = path.to_string_lossy().contains('\n') || !path.exists();
        if looks_like_text && recipe.is_instance_of::<PyString>() {
            let text: String = recipe.extract()?;
            if !text.contains('=') {
                return Err(invalid(
                    "recipe",
                    format!("`{text}`"),
                    "the path of an existing recipe file, TOML text or a dict",
                ));
            }
            (parse_toml(&text, "<string>")?, "<string>".into())
        } else {
            (read_file(&path)?, path.display().to_string())
        }
    } else {
        return Err(PyTypeError::new_err(
            "recipe must be a path (str or os.PathLike), TOML text or a dict",
        ));
    };
    Recipe::from_document(doc, &origin, &overrides).map_err(to_py)
}

fn parse_toml(text: &str, origin: &str) -> PyResult<toml::Table> {
    text.parse().map_err(|e: toml::de::Error| {
        to_py(galerkin::data::DataError::Recipe {
            origin: origin.to_string(),
            message: e.to_string(),
        })
    })
}

fn read_file(path: &Path) -> PyResult<toml::Table> {
    let text = std::fs::read_to_string(path).map_err(|source| {
        to_py(galerkin::data::DataError::Io {
            action: "read recipe",
            path: path.to_path_buf(),
            source,
        })
    })?;
    parse_toml(&text, &path.display().to_string())
}
