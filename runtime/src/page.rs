//! Walking a listing page by page (plumbing for generated `pages()` and `items()`, which
//! differ only in how they read a page).
//!
//! The walk ends after the last page: one that is empty, shorter than the page size asked
//! for, or that brings the items seen to the total the pages state. A server that ignores the
//! page number would answer every request with the first page and be asked forever, the items
//! piling up in a caller's `try_collect`: the same page, byte for byte, three times in a row
//! ends the walk with an error instead ([`RepeatedPages`]). Twice is not enough: a listing
//! sorted newest first that gains exactly a page of items between two requests answers the
//! same page twice, rightly.
//!
//! `items()` reads each item of a page on its own: an item that does not have the declared
//! shape (Flask-RESTX sends `null` for an attribute the server has not set, whatever the
//! document says is required) is an error of its own, naming its place in the page, and the
//! page's other items are read.

use std::future::Future;

use futures::Stream;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{ApiResponse, Error, RawBody};

/// The pages of a listing from page number `first`: `fetch(n)` asks for page `n`, and `read`
/// makes a page's answer into what the stream yields, with the number of items it holds and
/// the total it states. `size` is the page size asked for, if any.
#[doc(hidden)]
pub fn walk_pages<P, F, Fut, R>(
    first: i64,
    size: Option<i64>,
    fetch: F,
    read: R,
) -> impl Stream<Item = Result<P, Error>> + Send + Unpin + 'static
where
    P: Send + 'static,
    F: FnMut(i64) -> Fut + Send + 'static,
    Fut: Future<Output = Result<ApiResponse<RawBody>, Error>> + Send + 'static,
    R: Fn(ApiResponse<RawBody>) -> Result<(P, usize, Option<i64>), Error> + Send + 'static,
{
    struct Walk<F, R> {
        fetch: F,
        read: R,
        number: i64,
        seen: i64,
        repeats: RepeatedPages,
    }
    let start = Walk {
        fetch,
        read,
        number: first,
        seen: 0,
        repeats: RepeatedPages::default(),
    };
    // Pinned in a box of its own type rather than `.boxed()` into a `dyn Stream`: `Unpin` all
    // the same, and compiled only in a program that reads the pages.
    Box::pin(futures::stream::try_unfold(
        Some(start),
        move |walk| async move {
            let Some(mut walk) = walk else {
                return Ok(None);
            };
            let response = (walk.fetch)(walk.number).await?;
            let body = response.body.clone();
            let (page, count, total) = (walk.read)(response)?;
            if walk.repeats.ignored_page_number(&body.bytes, count) {
                let message = RepeatedPages::message(walk.number);
                return Err(body.decode_error(String::new(), serde::de::Error::custom(message)));
            }
            walk.seen = walk
                .seen
                .saturating_add(count.try_into().unwrap_or(i64::MAX));
            let last = is_last_page(count, walk.seen, total, size);
            let next = match walk.number.checked_add(1) {
                Some(number) if !last => Some(Walk { number, ..walk }),
                _ => None,
            };
            Ok(Some((page, next)))
        },
    ))
}

/// Whether a page of `count` items is the last: it is empty, shorter than the page `size`
/// asked for, or the items seen so far (`seen`, this page's included) reach the `total`.
pub fn is_last_page(count: usize, seen: i64, total: Option<i64>, size: Option<i64>) -> bool {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    count == 0 || total.is_some_and(|total| seen >= total) || size.is_some_and(|size| count < size)
}

/// Notices a server that ignores the page number: the same page, not empty, byte for byte,
/// three times in a row. Shared by the generated streams and the command-line tool.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct RepeatedPages {
    previous: Option<bytes::Bytes>,
    repeats: u8,
}

impl RepeatedPages {
    /// Whether `page`, holding `count` items, is the third same page in a row.
    pub fn ignored_page_number(&mut self, page: &bytes::Bytes, count: usize) -> bool {
        if count > 0 && self.previous.as_ref() == Some(page) {
            self.repeats = self.repeats.saturating_add(1);
        } else {
            self.repeats = 0;
            self.previous = Some(page.clone());
        }
        self.repeats >= 2
    }

    /// What is wrong when page `number` is the third same page in a row.
    pub fn message(number: i64) -> String {
        format!(
            "pages {} to {number} are the same, byte for byte: the server ignores the page \
             number, and the pages would never end",
            number.saturating_sub(2)
        )
    }
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

    /// A listing of `len` items served `size` a page (the size asked for, or a server's own
    /// when none is asked), stating `total` (true, a lie, or nothing): the walk asks for each
    /// page once, in order, ends, and yields a prefix of the items — all of them unless the
    /// stated total is smaller. Seeded cases; a failure prints its case to replay.
    #[tokio::test]
    async fn a_walk_asks_each_page_once_and_ends() {
        use futures::TryStreamExt;
        use std::sync::{Arc, Mutex};

        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        for case in 0..500 {
            let len = next(40) as i64;
            let size = 1 + next(6) as i64;
            let asked = next(2) == 0;
            let total = match next(3) {
                0 => None,
                1 => Some(len),
                _ => Some(next(60) as i64),
            };
            let first = next(2) as i64;
            let requests = Arc::new(Mutex::new(Vec::new()));
            let seen = requests.clone();
            let fetch = move |number: i64| {
                seen.lock().unwrap().push(number);
                let start = (number - first) * size;
                let items: Vec<i64> = (start..(start + size).min(len)).collect();
                let body = serde_json::json!({"results": items, "total": total});
                let response = ApiResponse {
                    status: http::StatusCode::OK,
                    headers: http::HeaderMap::new(),
                    body: RawBody::new(body.to_string(), None),
                };
                async move { Ok(response) }
            };
            let read = |response: ApiResponse<RawBody>| {
                let page = response.body.page_items::<i64>("results", Some("total"))?;
                let count = page.items.len();
                Ok((page.items, count, page.total))
            };
            let walk = walk_pages(first, asked.then_some(size), fetch, read);
            let pages: Vec<Vec<Result<i64, Error>>> = walk.try_collect().await.unwrap();
            let items: Vec<i64> = pages.into_iter().flatten().map(Result::unwrap).collect();
            let requests = requests.lock().unwrap().clone();
            let what = format!("case {case}: len {len} size {size} asked {asked} total {total:?}");
            let expected: Vec<i64> = (first..first + requests.len() as i64).collect();
            assert_eq!(
                requests, expected,
                "{what}: pages asked in order, once each"
            );
            assert!(
                requests.len() as i64 <= len / size + 2,
                "{what}: {requests:?}"
            );
            assert_eq!(items, (0..items.len() as i64).collect::<Vec<_>>(), "{what}");
            if total.is_none_or(|total| total >= len) {
                assert_eq!(items.len() as i64, len, "{what}: every item");
            }
        }
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
