//! Reading one value out of a JavaScript options object, checked for its type: what the
//! generated options reader (`client_options.rs`) calls for each option, so a wrong one is a
//! `build` error.

use wasm_bindgen::JsValue;

use crate::error::{build_error, get};

/// The error of an option that is not what it must be.
pub(crate) fn wrong(name: &str, what: &str) -> JsValue {
    build_error(&["`", name, "` must be ", what])
}

// The readers below keep the first error in `error` and go on (no early return in the
// generated reader: one error path instead of one per option, a smaller bundle).

fn fail(error: &mut Option<JsValue>, message: JsValue) {
    if error.is_none() {
        *error = Some(message);
    }
}

/// A string option (`undefined` and `null` are absent).
pub(crate) fn string(source: &JsValue, name: &str, error: &mut Option<JsValue>) -> Option<String> {
    let value = get(source, name)?.as_string();
    if value.is_none() {
        fail(error, wrong(name, "a string"));
    }
    value
}

/// A string option that must be there and not empty.
pub(crate) fn required(source: &JsValue, name: &str, error: &mut Option<JsValue>) -> String {
    match string(source, name, error) {
        Some(value) if !value.is_empty() => value,
        _ => {
            fail(error, build_error(&["`", name, "` is required"]));
            String::new()
        }
    }
}

/// A number option.
pub(crate) fn number(source: &JsValue, name: &str, error: &mut Option<JsValue>) -> Option<f64> {
    let value = get(source, name)?.as_f64();
    if value.is_none() {
        fail(error, wrong(name, "a number"));
    }
    value
}

/// A string option that is one of `values`.
pub(crate) fn one_of(
    source: &JsValue,
    name: &str,
    values: &[&str],
    error: &mut Option<JsValue>,
) -> Option<String> {
    let value = string(source, name, error)?;
    if !values.contains(&value.as_str()) {
        let mut list = String::new();
        for value in values {
            if !list.is_empty() {
                list.push_str(" or ");
            }
            list.push('\'');
            list.push_str(value);
            list.push('\'');
        }
        fail(error, wrong(name, &list));
    }
    Some(value)
}

/// An object option.
pub(crate) fn object(source: &JsValue, name: &str, error: &mut Option<JsValue>) -> Option<JsValue> {
    let value = get(source, name)?;
    if !value.is_object() {
        fail(error, wrong(name, "an object"));
    }
    Some(value)
}
