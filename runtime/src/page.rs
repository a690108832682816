//! Walking a listing page by page (plumbing for generated `pages()` and `items()`).
//!
//! `items()` reads each item of a page on its own: an item that does not have the declared
//! shape (Flask-RESTX sends `null` for an attribute the server has not set, whatever the
//! document says is required) is an error of its own, naming its place in the page, and the
//! page's other items are read.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{Error, RawBody};

/// Whether a page of `count` items is the last: it is empty, shorter than the page `size`
/// asked for, or the items seen so far (`seen`, this page's included) reach the `total`.
pub fn is_last_page(count: usize, seen: i64, total: Option<i64>, size: Option<i64>) -> bool {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    count == 0 || total.is_some_and(|total| seen >= total) || size.is_some_and(|size| count < size)
}

/// A page's items, each decoded on its own, and the page's total, if it says one.
#[derive(Debug)]
pub struct PageItems<T> {
    pub items: Vec<Result<T, Error>>,
    pub total: Option<i64>,
}

impl RawBody {
    /// The page's items under the key `items`, each read as a `T`, and its number under the
    /// key `total`. The page that is not a JSON object, or whose items are not a list, is an
    /// error; an item that is not a `T` is an error in its place, naming `items[i]` and the
    /// path inside it.
    #[doc(hidden)]
    pub fn page_items<T: DeserializeOwned>(
        &self,
        items: &str,
        total: Option<&str>,
    ) -> Result<PageItems<T>, Error> {
        let mut page: serde_json::Map<String, Value> = self.json()?;
        let total = total.and_then(|key| page.get(key)).and_then(Value::as_i64);
        let list = match page.remove(items) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => list,
            Some(other) => {
                let source = serde_json::from_value::<Vec<Value>>(other)
                    .err()
                    .unwrap_or_else(|| serde::de::Error::custom("not a list"));
                return Err(self.decode_error(items.to_owned(), source));
            }
        };
        let items = list
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                serde_path_to_error::deserialize(item).map_err(|failure| {
                    let inside = failure.path().to_string();
                    let path = match inside.as_str() {
                        "." => format!("{items}[{i}]"),
                        _ => format!("{items}[{i}].{inside}"),
                    };
                    self.decode_error(path, failure.into_inner())
                })
            })
            .collect();
        Ok(PageItems { items, total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Document {
        #[allow(dead_code)]
        id: String,
        #[allow(dead_code)]
        page_count: i64,
    }

    fn page(json: &str) -> Result<PageItems<Document>, Error> {
        RawBody::new(json.to_owned(), None).page_items("results", Some("total"))
    }

    #[test]
    fn a_bad_item_is_an_error_in_its_place_and_the_others_are_read() {
        let read = page(
            r#"{"total": 3, "results": [
                {"id": "a", "page_count": 1},
                {"id": "b", "page_count": null},
                {"id": "c", "page_count": 2}]}"#,
        )
        .unwrap();
        assert_eq!(read.total, Some(3));
        let outcomes: Vec<_> = read.items.iter().map(Result::is_ok).collect();
        assert_eq!(outcomes, [true, false, true]);
        let Err(Error::Decode(bad)) = &read.items[1] else {
            panic!("{:?}", read.items[1]);
        };
        assert_eq!(bad.path, "results[1].page_count");
        assert!(!bad.body.is_empty(), "the page's body is kept");
    }

    #[test]
    fn a_page_without_a_list_of_items_is_one_error() {
        let empty = page(r#"{"results": null}"#).unwrap();
        assert!(empty.items.is_empty());
        let Err(Error::Decode(bad)) = page(r#"{"results": "soon"}"#) else {
            panic!("not an error");
        };
        assert_eq!(bad.path, "results");
        assert!(page("[]").is_err());
        assert!(page("not json").is_err());
        let item_not_object = page(r#"{"results": [7]}"#).unwrap();
        let Err(Error::Decode(bad)) = &item_not_object.items[0] else {
            panic!("not an error");
        };
        assert_eq!(bad.path, "results[0]");
    }

    #[test]
    fn the_last_page_is_empty_short_or_reaches_the_total() {
        assert!(is_last_page(0, 10, None, None));
        assert!(is_last_page(5, 10, Some(10), None));
        assert!(is_last_page(3, 3, None, Some(20)));
        assert!(!is_last_page(20, 20, Some(21), Some(20)));
        assert!(!is_last_page(20, 20, None, None));
    }
}
