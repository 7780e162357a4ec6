//! Binary data that reaches the page as a `Uint8Array`, not as a JSON array of numbers.
//!
//! A [`Binary`] anywhere in an answer or a push (a return value, a field of a struct, an element of a list) is
//! carried beside the message's JSON: the JSON holds a placeholder, and the bytes travel as they are in the same
//! delivery, where the runtime puts a `Uint8Array` in the placeholder's place. A field of type `Vec<u8>` or
//! `bytes::Bytes` travels the same way with `#[serde(with = "ipc_core::binary")]` (and `#[ts(type = "Uint8Array")]`
//! for its TypeScript type).
//!
//! ```
//! use ipc_core::Binary;
//! use serde::Serialize;
//!
//! #[derive(Serialize)]
//! struct Thumbnail {
//!     name: String,
//!     png: Binary,
//!     #[serde(with = "ipc_core::binary")]
//!     raw: Vec<u8>,
//! }
//!
//! let thumbnail = Thumbnail { name: "a".into(), png: Binary::from(vec![0x89, b'P']), raw: vec![1, 2] };
//! // Outside a delivery (here, to a file or a log), bytes serialize as serde's bytes: a JSON array of numbers.
//! assert_eq!(serde_json::to_string(&thumbnail).unwrap(), r#"{"name":"a","png":[137,80],"raw":[1,2]}"#);
//! ```
//!
//! How the placeholder works: each message that carries bytes gets a key made of fresh random digits, written in the
//! message as `"binary":{"key":...,"count":n}`; each placeholder is an object whose only key is that one, with the
//! index of its part as value. Data cannot forge a placeholder: it does not know the key, drawn fresh for the
//! message. [`Exact`](crate::Exact) integers share the key, with their digits as a string value.

use std::cell::RefCell;
use std::fmt;
use std::ops::Deref;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

/// Bytes that travel to the page as a `Uint8Array` (see the [module docs](self)). Cheap to clone; built from a
/// `Vec<u8>`, a `bytes::Bytes`, a `&'static [u8]` or a `String`.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Binary(bytes::Bytes);

impl Binary {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes as `bytes::Bytes`, without copying.
    pub fn into_bytes(self) -> bytes::Bytes {
        self.0
    }
}

impl fmt::Debug for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Binary({} bytes)", self.0.len())
    }
}

impl Deref for Binary {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Binary {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Binary {
    fn from(bytes: Vec<u8>) -> Self {
        Binary(bytes.into())
    }
}

impl From<bytes::Bytes> for Binary {
    fn from(bytes: bytes::Bytes) -> Self {
        Binary(bytes)
    }
}

impl From<&'static [u8]> for Binary {
    fn from(bytes: &'static [u8]) -> Self {
        Binary(bytes::Bytes::from_static(bytes))
    }
}

impl From<String> for Binary {
    fn from(text: String) -> Self {
        Binary(text.into())
    }
}

impl From<Binary> for Vec<u8> {
    fn from(binary: Binary) -> Self {
        binary.0.into()
    }
}

impl Serialize for Binary {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_bytes(self.0.clone(), serializer)
    }
}

impl<'de> Deserialize<'de> for Binary {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BytesVisitor)
    }
}

/// Serializes `bytes` as a part of the message being encoded, or, outside one, as serde's bytes.
fn serialize_bytes<S: Serializer>(bytes: bytes::Bytes, serializer: S) -> Result<S::Ok, S::Error> {
    let slot = PARTS.with(|parts| {
        let mut parts = parts.borrow_mut();
        let parts = parts.as_mut().filter(|parts| parts.takes_bytes)?;
        parts.bytes.push(bytes.clone());
        Some((parts.key().to_owned(), parts.bytes.len() - 1))
    });
    match slot {
        Some((key, index)) => {
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry(&key, &index)?;
            map.end()
        }
        None => serializer.serialize_bytes(&bytes),
    }
}

/// For `#[serde(with = "ipc_core::binary")]` on a `Vec<u8>` or `bytes::Bytes` field: serialized like [`Binary`].
pub fn serialize<T, S>(bytes: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    T: AsRef<[u8]>,
    S: Serializer,
{
    serialize_bytes(bytes::Bytes::copy_from_slice(bytes.as_ref()), serializer)
}

/// For `#[serde(with = "ipc_core::binary")]` on a `Vec<u8>` or `bytes::Bytes` field: bytes, or a JSON array of
/// numbers.
pub fn deserialize<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: From<Vec<u8>>,
    D: Deserializer<'de>,
{
    deserializer
        .deserialize_any(BytesVisitor)
        .map(|binary| T::from(Vec::from(binary)))
}

/// Reads bytes: a placeholder of the request being decoded (see [`reading`]), serde's bytes, or an array of numbers.
struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Binary;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("binary data (a Uint8Array)")
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Binary, E> {
        Ok(Binary::from(bytes.to_vec()))
    }

    fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Binary, E> {
        Ok(Binary::from(bytes))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Binary, A::Error> {
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
        while let Some(byte) = seq.next_element::<u8>()? {
            bytes.push(byte);
        }
        Ok(Binary::from(bytes))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Binary, A::Error> {
        let invalid = || de::Error::invalid_type(de::Unexpected::Map, &self);
        let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
            return Err(invalid());
        };
        let index: usize = map.next_value()?;
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(invalid());
        }
        let part = INCOMING.with(|incoming| {
            let incoming = incoming.borrow();
            let (expected, parts) = incoming.as_ref()?;
            (*expected == *key).then(|| parts.get(index).cloned())?
        });
        match part {
            Some(bytes) => Ok(Binary(bytes)),
            None => Err(invalid()),
        }
    }
}

/// The parts of the message being serialized on this thread, and its placeholder key.
struct Parts {
    /// Empty until the message's first placeholder.
    key: String,
    /// Whether bytes become parts (or are written as numbers, where the message cannot carry parts).
    takes_bytes: bool,
    bytes: Vec<bytes::Bytes>,
}

impl Parts {
    /// The message's placeholder key, made on its first placeholder only: most messages carry none, and cost no
    /// random key.
    fn key(&mut self) -> &str {
        if self.key.is_empty() {
            self.key = format!("$ipc:{}", crate::transport::new_secret());
        }
        &self.key
    }
}

/// The placeholder key of the message being serialized on this thread (made now if it has none yet), or `None`
/// outside a message. [`Exact`](crate::Exact) integers share it with binary parts.
pub(crate) fn outgoing_key() -> Option<String> {
    PARTS.with(|parts| parts.borrow_mut().as_mut().map(|parts| parts.key().to_owned()))
}

/// Runs `check` with the placeholder key of the request whose arguments are being decoded on this thread (`None`
/// when it announced none, or outside a request).
pub(crate) fn with_incoming_key<T>(check: impl FnOnce(Option<&str>) -> T) -> T {
    INCOMING.with(|incoming| check(incoming.borrow().as_ref().map(|(key, _)| key.as_str())))
}

thread_local! {
    static PARTS: RefCell<Option<Parts>> = const { RefCell::new(None) };
    /// The placeholder key and parts of the request whose arguments are being decoded on this thread.
    static INCOMING: RefCell<Option<(String, Vec<bytes::Bytes>)>> = const { RefCell::new(None) };
}

/// Runs `decode` with the placeholders of `key` standing for `parts`, for every [`Binary`] it reads.
pub(crate) fn reading<T>(key: &str, parts: &[bytes::Bytes], decode: impl FnOnce() -> T) -> T {
    let outer = INCOMING.with(|incoming| incoming.borrow_mut().replace((key.to_owned(), parts.to_vec())));
    let value = decode();
    INCOMING.with(|incoming| *incoming.borrow_mut() = outer);
    value
}

/// The bytes of one encoded message, in the order of their placeholders.
#[derive(Debug, Clone, Default)]
pub(crate) struct Attached {
    /// The placeholder key (empty when the message has no placeholder: neither parts nor exact integers).
    pub key: String,
    pub parts: Vec<bytes::Bytes>,
}

/// Runs `serialize` with every [`Binary`] it meets collected as a part under a placeholder key made fresh for it.
pub(crate) fn collecting<T>(serialize: impl FnOnce() -> T) -> (T, Attached) {
    collecting_with(true, serialize)
}

/// Like [`collecting`], for a value whose message carries no parts (a handler's error data): bytes are written as
/// numbers, and only [`Exact`](crate::Exact) integers are placeholders.
pub(crate) fn collecting_integers<T>(serialize: impl FnOnce() -> T) -> (T, String) {
    let (value, attached) = collecting_with(false, serialize);
    (value, attached.key)
}

fn collecting_with<T>(takes_bytes: bool, serialize: impl FnOnce() -> T) -> (T, Attached) {
    let fresh = Parts {
        key: String::new(),
        takes_bytes,
        bytes: Vec::new(),
    };
    let outer = PARTS.with(|parts| parts.borrow_mut().replace(fresh));
    let value = serialize();
    let collected = PARTS.with(|parts| std::mem::replace(&mut *parts.borrow_mut(), outer));
    let attached = match collected {
        Some(parts) if !parts.key.is_empty() => Attached {
            key: parts.key,
            parts: parts.bytes,
        },
        _ => Attached::default(),
    };
    (value, attached)
}

#[cfg(feature = "typescript")]
mod typescript {
    use ts_rs::TS;

    use super::Binary;

    impl TS for Binary {
        type WithoutGenerics = Self;
        type OptionInnerType = Self;

        fn name() -> String {
            "Uint8Array".to_owned()
        }

        fn inline() -> String {
            Self::name()
        }

        fn inline_flattened() -> String {
            panic!("Uint8Array cannot be flattened")
        }

        fn decl() -> String {
            panic!("Uint8Array cannot be declared")
        }

        fn decl_concrete() -> String {
            panic!("Uint8Array cannot be declared")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Frame {
        name: &'static str,
        data: Binary,
        #[serde(with = "crate::binary")]
        raw: Vec<u8>,
        more: Vec<Binary>,
    }

    fn frame() -> Frame {
        Frame {
            name: "f",
            data: Binary::from(&b"abc"[..]),
            raw: vec![1, 2],
            more: vec![Binary::from(vec![9]), Binary::default()],
        }
    }

    #[test]
    fn inside_a_message_bytes_become_parts_behind_placeholders() {
        let (json, attached) = collecting(|| serde_json::to_string(&frame()).unwrap());
        let key = &attached.key;
        assert!(
            key.starts_with("$ipc:") && key.len() == 5 + 32,
            "a fresh random key: {key}"
        );
        assert_eq!(
            json,
            format!(r#"{{"name":"f","data":{{"{key}":0}},"raw":{{"{key}":1}},"more":[{{"{key}":2}},{{"{key}":3}}]}}"#)
        );
        let parts: Vec<&[u8]> = attached.parts.iter().map(|p| &p[..]).collect();
        assert_eq!(parts, [&b"abc"[..], &[1, 2], &[9], &[]]);
    }

    #[test]
    fn each_message_gets_its_own_key_and_nothing_leaks_outside() {
        let (_, first) = collecting(|| serde_json::to_string(&frame()).unwrap());
        let (_, second) = collecting(|| serde_json::to_string(&frame()).unwrap());
        assert_ne!(first.key, second.key);
        assert_eq!(
            serde_json::to_string(&frame()).unwrap(),
            r#"{"name":"f","data":[97,98,99],"raw":[1,2],"more":[[9],[]]}"#
        );
        let (_, none) = collecting(|| serde_json::to_string(&"text").unwrap());
        assert!(none.parts.is_empty() && none.key.is_empty());
    }

    #[cfg(feature = "typescript")]
    #[test]
    fn binary_is_typed_uint8array() {
        use crate::typescript::TsType;
        assert_eq!(TsType::of::<Binary>().name(), "Uint8Array");
        assert_eq!(TsType::of::<Vec<Option<Binary>>>().name(), "Array<Uint8Array | null>");
    }

    #[test]
    fn bytes_deserialize_from_numbers() {
        let binary: Binary = serde_json::from_str("[1,2,255]").unwrap();
        assert_eq!(binary.as_bytes(), [1, 2, 255]);
        assert!(serde_json::from_str::<Binary>("[256]").is_err());
    }
}
