//! Credentials, and which of them an operation's security requirements call for.

use std::fmt;

/// How a security scheme of the document carries credentials. The generated crate declares
/// one per scheme; the runtime never assumes scheme names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemeKind {
    /// HTTP Basic: `Authorization: Basic base64(user:password)`.
    HttpBasic,
    /// HTTP Bearer: `Authorization: Bearer <token>`.
    HttpBearer,
    /// A key in a header, query parameter or cookie, named `name`.
    ApiKey {
        location: ApiKeyLocation,
        name: &'static str,
    },
    /// A scheme this runtime cannot satisfy (OAuth 2, OpenID Connect, …).
    Unsupported,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    Header,
    Query,
    Cookie,
}

/// A security scheme: its key in the document and how it works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityScheme {
    pub key: &'static str,
    pub kind: SchemeKind,
}

/// A secret string that never shows in `Debug` or `Display` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself; call only to send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"***\")")
    }
}

impl<T: Into<String>> From<T> for Secret {
    fn from(value: T) -> Self {
        Secret::new(value)
    }
}

/// What the caller authenticates with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Username and password, for HTTP Basic schemes.
    Basic { username: String, password: Secret },
    /// A token for schemes that put it in the `Authorization` header: sent as `Bearer <token>`
    /// to HTTP Bearer schemes, and as `<prefix><token>` to API-key schemes in that header.
    Token { token: Secret, prefix: String },
    /// A key for API-key schemes in any other header, or in the query.
    ApiKey(Secret),
}

/// One credential to put on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placement {
    Basic { username: String, password: String },
    Header { name: &'static str, value: String },
    Query { name: &'static str, value: String },
}

/// The placements satisfying the first alternative of `requirements` that `credentials` can
/// satisfy in full; `None` when none can (the request then goes out without credentials, and
/// the server's 401 tells the caller).
pub(crate) fn placements(
    requirements: &[&[&str]],
    schemes: &[SecurityScheme],
    credentials: &[Credentials],
) -> Option<Vec<Placement>> {
    requirements.iter().find_map(|alternative| {
        alternative
            .iter()
            .map(|key| {
                let scheme = schemes.iter().find(|s| s.key == *key)?;
                credentials.iter().find_map(|c| place(scheme.kind, c))
            })
            .collect()
    })
}

fn place(kind: SchemeKind, credentials: &Credentials) -> Option<Placement> {
    match (kind, credentials) {
        (SchemeKind::HttpBasic, Credentials::Basic { username, password }) => {
            Some(Placement::Basic {
                username: username.clone(),
                password: password.expose().to_owned(),
            })
        }
        (SchemeKind::HttpBearer, Credentials::Token { token, .. }) => Some(Placement::Header {
            name: "authorization",
            value: format!("Bearer {}", token.expose()),
        }),
        (
            SchemeKind::ApiKey {
                location: ApiKeyLocation::Header,
                name,
            },
            Credentials::Token { token, prefix },
        ) if name.eq_ignore_ascii_case("authorization") => Some(Placement::Header {
            name,
            value: format!("{prefix}{}", token.expose()),
        }),
        (SchemeKind::ApiKey { location, name }, Credentials::ApiKey(key))
            if !name.eq_ignore_ascii_case("authorization") =>
        {
            match location {
                ApiKeyLocation::Header => Some(Placement::Header {
                    name,
                    value: key.expose().to_owned(),
                }),
                ApiKeyLocation::Query => Some(Placement::Query {
                    name,
                    value: key.expose().to_owned(),
                }),
                ApiKeyLocation::Cookie => Some(Placement::Header {
                    name: "cookie",
                    value: format!("{name}={}", key.expose()),
                }),
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMES: &[SecurityScheme] = &[
        SecurityScheme {
            key: "basic",
            kind: SchemeKind::HttpBasic,
        },
        SecurityScheme {
            key: "token",
            kind: SchemeKind::ApiKey {
                location: ApiKeyLocation::Header,
                name: "Authorization",
            },
        },
        SecurityScheme {
            key: "api_key",
            kind: SchemeKind::ApiKey {
                location: ApiKeyLocation::Header,
                name: "X-API-Key",
            },
        },
    ];

    #[test]
    fn first_satisfiable_alternative_wins() {
        let token = Credentials::Token {
            token: Secret::new("t0k"),
            prefix: "Bearer ".into(),
        };
        let chosen = placements(&[&["basic"], &["token"]], SCHEMES, &[token]).unwrap();
        assert_eq!(
            chosen,
            vec![Placement::Header {
                name: "Authorization",
                value: "Bearer t0k".into()
            }]
        );
        let key = Credentials::ApiKey(Secret::new("k"));
        assert_eq!(
            placements(
                &[&["basic"], &["token"]],
                SCHEMES,
                std::slice::from_ref(&key)
            ),
            None
        );
        assert!(placements(&[&["api_key"]], SCHEMES, &[key]).is_some());
    }

    #[test]
    fn secrets_do_not_print() {
        let c = Credentials::Basic {
            username: "u".into(),
            password: Secret::new("hunter2"),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
