//! Values at JSON pointers in a document, read without building the rest of it. A waiter
//! judges every poll's answer, a document of kilobytes, by two or three of its fields; building
//! the whole document as a `serde_json::Value` for that cost more than the rest of the poll's
//! own work.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

/// The values at `pointers` in the JSON text `body`, as [`Value::pointer`] would find them
/// (`None` where the document has nothing there), or `None` when `body` is not JSON.
pub(crate) fn values_at(body: &[u8], pointers: &[&str]) -> Option<Vec<Option<Value>>> {
    let paths: Vec<Option<Vec<String>>> = pointers.iter().map(|p| tokens(p)).collect();
    let mut found = vec![None; pointers.len()];
    let active = (0..paths.len()).filter(|&i| paths[i].is_some()).collect();
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    Pick {
        paths: &paths,
        active,
        depth: 0,
        found: &mut found,
    }
    .deserialize(&mut deserializer)
    .ok()?;
    deserializer.end().ok()?;
    Some(found)
}

/// A pointer's reference tokens, unescaped; `None` for text that is not a pointer.
fn tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|token| token.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

/// An array index as a pointer writes it: digits, without a leading zero or sign.
fn index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

/// Reads one value of the document, at `depth` tokens down every path in `active`, into
/// `found`.
struct Pick<'a> {
    paths: &'a [Option<Vec<String>>],
    active: Vec<usize>,
    depth: usize,
    found: &'a mut [Option<Value>],
}

impl Pick<'_> {
    fn path(&self, i: usize) -> &[String] {
        self.paths[i].as_deref().unwrap_or_default()
    }

    /// The paths of `active` that go on through `matches(token at this depth)`.
    fn through(&self, matches: impl Fn(&str) -> bool) -> Vec<usize> {
        self.active
            .iter()
            .copied()
            .filter(|&i| self.path(i).get(self.depth).is_some_and(|t| matches(t)))
            .collect()
    }
}

impl<'de> DeserializeSeed<'de> for Pick<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let ends_here = self
            .active
            .iter()
            .any(|&i| self.path(i).len() == self.depth);
        if !ends_here {
            return deserializer.deserialize_any(self);
        }
        // A pointer to this value: it is read whole, and any pointer deeper into it found in it.
        let value = Value::deserialize(deserializer)?;
        for &i in &self.active {
            let rest = &self.path(i)[self.depth..];
            let mut at = Some(&value);
            for token in rest {
                at = at.and_then(|v| match v {
                    Value::Object(map) => map.get(token),
                    Value::Array(items) => index(token).and_then(|n| items.get(n)),
                    _ => None,
                });
            }
            self.found[i] = at.cloned();
        }
        Ok(())
    }
}

impl<'de> Visitor<'de> for Pick<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(through) = map.next_key_seed(Key(&self))? {
            if through.is_empty() {
                map.next_value::<IgnoredAny>()?;
            } else {
                map.next_value_seed(Pick {
                    paths: self.paths,
                    active: through,
                    depth: self.depth + 1,
                    found: &mut *self.found,
                })?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        for n in 0.. {
            let through = self.through(|token| index(token) == Some(n));
            let more = if through.is_empty() {
                seq.next_element::<IgnoredAny>()?.is_some()
            } else {
                seq.next_element_seed(Pick {
                    paths: self.paths,
                    active: through,
                    depth: self.depth + 1,
                    found: &mut *self.found,
                })?
                .is_some()
            };
            if !more {
                break;
            }
        }
        Ok(())
    }

    // Scalars: no pointer goes on through them.
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// An object's key, read as the paths that go on through it (without a string of its own,
/// unless the key is escaped in the text).
struct Key<'p, 'a>(&'p Pick<'a>);

impl<'de> DeserializeSeed<'de> for Key<'_, '_> {
    type Value = Vec<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<usize>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_, '_> {
    type Value = Vec<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Vec<usize>, E> {
        Ok(self.0.through(|token| token == key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same answers as `Value::pointer` on the whole document, for pointers of every
    /// kind: to objects, arrays, scalars, escaped keys, missing places, the whole document.
    #[test]
    fn finds_what_value_pointer_finds() {
        let text = r#"{"timings": {"done_time": "2026-11-27T08:48:25", "n": null},
            "status_data": {"success": false}, "a/b": {"~k": [10, {"x": [true]}]},
            "list": [1, 2, 3], "dup": 1, "dup": 2, "s": "text"}"#;
        let document: Value = serde_json::from_str(text).unwrap();
        let pointers = [
            "/timings/done_time",
            "/timings/n",
            "/timings/missing",
            "/status_data/success",
            "/status_data",
            "/a~1b/~0k/1/x/0",
            "/a~1b/~0k/01",
            "/list/2",
            "/list/3",
            "/dup",
            "/s/0",
            "",
            "no slash",
        ];
        let found = values_at(text.as_bytes(), &pointers).unwrap();
        for (pointer, found) in pointers.iter().zip(found) {
            assert_eq!(found.as_ref(), document.pointer(pointer), "{pointer}");
        }
    }

    #[test]
    fn a_body_that_is_not_json_has_no_values() {
        assert_eq!(values_at(b"not json", &["/a"]), None);
        assert_eq!(values_at(br#"{"a": 1} trailing"#, &["/a"]), None);
        assert_eq!(values_at(br#"{"a": [1, }"#, &["/b"]), None);
    }
}
