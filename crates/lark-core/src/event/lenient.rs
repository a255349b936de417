//! Field deserializers for the generated event types: the platform has sent numbers as strings
//! and strings as numbers, and an event should not fail to parse over that.

use std::fmt;

use serde::Deserializer;
use serde::de::{self, Visitor};

/// What a scalar field holds once read.
enum Scalar {
    Text(String),
    Signed(i64),
    Unsigned(u64),
    Float(f64),
    Bool(bool),
    Null,
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, boolean or null")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Text(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Signed(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Unsigned(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Float(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }

    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

/// A string; a number or boolean is kept as its text.
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match scalar(d)? {
        Scalar::Text(s) => Some(s),
        Scalar::Signed(n) => Some(n.to_string()),
        Scalar::Unsigned(n) => Some(n.to_string()),
        Scalar::Float(n) => Some(n.to_string()),
        Scalar::Bool(b) => Some(b.to_string()),
        Scalar::Null => None,
    })
}

/// An integer; a string holding one is read, an empty string is none.
pub(crate) fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match scalar(d)? {
        Scalar::Signed(n) => Ok(Some(n)),
        Scalar::Unsigned(n) => i64::try_from(n)
            .map(Some)
            .map_err(|_| de::Error::custom(format!("{n} does not fit in i64"))),
        Scalar::Text(s) if s.trim().is_empty() => Ok(None),
        Scalar::Text(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("{s:?} is not an integer"))),
        Scalar::Float(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Ok(Some(n as i64)),
        Scalar::Float(n) => Err(de::Error::custom(format!("{n} is not an integer"))),
        Scalar::Bool(b) => Err(de::Error::custom(format!("{b} is not an integer"))),
        Scalar::Null => Ok(None),
    }
}

/// A 32-bit integer, read like [`i64`]. (No event field is `i32` in today's facts.)
#[allow(dead_code)]
pub(crate) fn i32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    match i64(d)? {
        Some(n) => i32::try_from(n)
            .map(Some)
            .map_err(|_| de::Error::custom(format!("{n} does not fit in i32"))),
        None => Ok(None),
    }
}

/// A number; a string holding one is read, an empty string is none.
pub(crate) fn f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match scalar(d)? {
        Scalar::Float(n) => Ok(Some(n)),
        Scalar::Signed(n) => Ok(Some(n as f64)),
        Scalar::Unsigned(n) => Ok(Some(n as f64)),
        Scalar::Text(s) if s.trim().is_empty() => Ok(None),
        Scalar::Text(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("{s:?} is not a number"))),
        Scalar::Bool(b) => Err(de::Error::custom(format!("{b} is not a number"))),
        Scalar::Null => Ok(None),
    }
}

/// A boolean; `"true"`/`"false"` and 0/1 are read too.
pub(crate) fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match scalar(d)? {
        Scalar::Bool(b) => Ok(Some(b)),
        Scalar::Text(s) => match s.trim() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" => Ok(Some(false)),
            "" => Ok(None),
            other => Err(de::Error::custom(format!("{other:?} is not a boolean"))),
        },
        Scalar::Signed(0) | Scalar::Unsigned(0) => Ok(Some(false)),
        Scalar::Signed(1) | Scalar::Unsigned(1) => Ok(Some(true)),
        Scalar::Null => Ok(None),
        _ => Err(de::Error::custom("not a boolean")),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq, Default)]
    struct T {
        #[serde(default, deserialize_with = "super::string")]
        s: Option<String>,
        #[serde(default, deserialize_with = "super::i64")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "super::bool")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "super::f64")]
        f: Option<f64>,
        #[serde(default, deserialize_with = "super::i32")]
        i: Option<i32>,
    }

    #[test]
    fn reads_what_the_platform_sends() {
        let t: T = serde_json::from_str(r#"{"s":12,"n":"34","b":"true","f":"1.5","i":7}"#).unwrap();
        assert_eq!(
            t,
            T {
                s: Some("12".into()),
                n: Some(34),
                b: Some(true),
                f: Some(1.5),
                i: Some(7)
            }
        );
        let t: T = serde_json::from_str(r#"{"s":null,"n":"","extra":[1]}"#).unwrap();
        assert_eq!(t, T::default());
        assert!(serde_json::from_str::<T>(r#"{"n":"x"}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"s":{}}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"i":99999999999}"#).is_err());
    }
}
