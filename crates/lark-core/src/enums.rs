//! String enums of the typed API: the values the platform documents, and `Other` for any value
//! it adds later, so an answer never fails to decode on a new value.

/// Defines a string enum with an `Other(String)` fallback: `as_str`, `From<&str>`,
/// `From<String>`, `Display`, and serde as the bare string. `Default` is the first value.
///
/// ```
/// lark_core::string_enum! {
///     /// How a receiver is named.
///     ReceiveIdType {
///         OpenId = "open_id",
///         ChatId = "chat_id",
///     }
/// }
/// assert_eq!(ReceiveIdType::from("chat_id"), ReceiveIdType::ChatId);
/// assert_eq!(ReceiveIdType::from("thread_id").as_str(), "thread_id");
/// let json = serde_json::to_string(&ReceiveIdType::OpenId).unwrap();
/// assert_eq!(json, r#""open_id""#);
/// ```
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $first:ident = $first_value:literal, $($variant:ident = $value:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            #[doc = concat!("`", $first_value, "`")]
            $first,
            $(#[doc = concat!("`", $value, "`")] $variant,)*
            /// A value not listed when this SDK was generated, as sent.
            Other(::std::string::String),
        }

        impl $name {
            /// The documented values, in the documentation's order.
            pub const VALUES: &'static [&'static str] = &[$first_value, $($value),*];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    Self::$first => $first_value,
                    $(Self::$variant => $value,)*
                    Self::Other(other) => other.as_str(),
                }
            }
        }

        impl ::std::default::Default for $name {
            fn default() -> Self {
                Self::$first
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $first_value => Self::$first,
                    $($value => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl ::std::convert::From<&::std::string::String> for $name {
            fn from(value: &::std::string::String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl ::std::cmp::PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl ::std::cmp::PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::__private::string_value(deserializer).map(|s| Self::from(s.as_str()))
            }
        }
    };
}

/// What the macro's expansion names; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use serde;

    /// The string of a string enum, borrowed or owned.
    pub fn string_value<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<String, D::Error> {
        <String as serde::Deserialize>::deserialize(deserializer)
    }
}
