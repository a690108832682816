//! Credentials, and which of them an operation's security requirements call for.

use std::fmt;

use base64::Engine;
use http::HeaderValue;

use crate::redact::Sent;

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

/// A security scheme: its key in the document, how it works, and (for token schemes whose
/// tokens come from a login operation) how to log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityScheme {
    pub key: &'static str,
    pub kind: SchemeKind,
    pub login: Option<Login>,
}

/// How to exchange a username and password for a token: the document's extension
/// `x-contractfit-login` on a security scheme, carried here by the generated code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Login {
    pub method: &'static str,
    pub path: &'static str,
    /// Top-level fields of the JSON request body.
    pub username_field: &'static str,
    pub password_field: &'static str,
    /// JSON pointer to the token in the response body.
    pub token_pointer: &'static str,
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

/// What `credentials` send under `schemes`, for the redactor to keep out of what the client
/// shows: each credential's secrets as they travel, and the places other than
/// `Authorization` (API keys' headers and query parameters) that carry them.
pub(crate) fn sent(schemes: &[SecurityScheme], credentials: &[Credentials]) -> Sent {
    let mut sent = Sent::default();
    for credential in credentials {
        match credential {
            Credentials::Basic { username, password } => {
                sent.secrets.push(password.expose().to_owned());
                sent.secrets.push(basic_value(username, password));
            }
            Credentials::Token { token, .. } => sent.secrets.push(token.expose().to_owned()),
            Credentials::ApiKey { key, .. } => sent.secrets.push(key.expose().to_owned()),
            Credentials::Login { password, .. } => sent.secrets.push(password.expose().to_owned()),
        }
    }
    for scheme in schemes {
        if let SchemeKind::ApiKey { location, name } = scheme.kind {
            match location {
                ApiKeyLocation::Header => sent.headers.push(name),
                ApiKeyLocation::Query => sent.query_names.push(name),
                ApiKeyLocation::Cookie => {}
            }
        }
    }
    sent
}

/// Basic's credentials as sent, after `Basic `: base64 of `user:password`.
fn basic_value(username: &str, password: &Secret) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{username}:{}", password.expose()))
}

/// The prefix put before tokens in the `Authorization` header unless told otherwise.
pub const DEFAULT_TOKEN_PREFIX: &str = "Bearer ";

/// What the caller authenticates with. Several can be configured; each call uses the first
/// alternative of its operation's security that they satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// Username and password, for HTTP Basic schemes.
    Basic { username: String, password: Secret },
    /// A token the caller already has, sent in the `Authorization` header as
    /// `<prefix><token>` (HTTP Bearer schemes always get `Bearer `).
    Token { token: Secret, prefix: String },
    /// An API key, for API-key schemes other than `Authorization`, in the given place.
    ApiKey {
        key: Secret,
        location: ApiKeyLocation,
    },
    /// Username and password exchanged for a token through the document's login operation;
    /// the token is cached, shared by concurrent calls, refreshed before it expires (when it is
    /// a JWT with `exp`), and renewed once when the server answers 401.
    Login {
        username: String,
        password: Secret,
        prefix: String,
    },
}

impl Credentials {
    pub fn basic(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        Credentials::Basic {
            username: username.into(),
            password: password.into(),
        }
    }

    /// A token sent as `Bearer <token>`; see [`Credentials::with_prefix`].
    pub fn token(token: impl Into<Secret>) -> Self {
        Credentials::Token {
            token: token.into(),
            prefix: DEFAULT_TOKEN_PREFIX.into(),
        }
    }

    /// An API key in its header (for this API, `X-API-Key`).
    pub fn api_key(key: impl Into<Secret>) -> Self {
        Credentials::ApiKey {
            key: key.into(),
            location: ApiKeyLocation::Header,
        }
    }

    /// An API key in its query parameter (for this API, `api_key`).
    pub fn api_key_in_query(key: impl Into<Secret>) -> Self {
        Credentials::ApiKey {
            key: key.into(),
            location: ApiKeyLocation::Query,
        }
    }

    /// Log in for a token (a JWT) with username and password.
    pub fn login(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        Credentials::Login {
            username: username.into(),
            password: password.into(),
            prefix: DEFAULT_TOKEN_PREFIX.into(),
        }
    }

    /// The prefix before a token (`"Bearer "` by default; `""` to send the bare token).
    pub fn with_prefix(self, prefix: impl Into<String>) -> Self {
        match self {
            Credentials::Token { token, .. } => Credentials::Token {
                token,
                prefix: prefix.into(),
            },
            Credentials::Login {
                username, password, ..
            } => Credentials::Login {
                username,
                password,
                prefix: prefix.into(),
            },
            other => other,
        }
    }
}

/// One credential to put on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placement {
    Basic {
        username: String,
        password: String,
    },
    /// The value is made a header value once, here, not on every call; `None` if the
    /// credentials hold characters a header cannot carry (each call then fails saying so).
    Header {
        name: &'static str,
        value: Option<HeaderValue>,
    },
    Query {
        name: &'static str,
        value: String,
    },
    /// A token from the login cache, put in header `name` after `prefix`.
    LoginToken {
        name: &'static str,
        prefix: String,
    },
}

/// Where a client's credentials go for each security scheme, decided once when the client is
/// built: what a scheme takes does not depend on the operation, only which schemes it asks for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Placements {
    /// Each scheme's key and the placement of the first credential it takes.
    by_scheme: Vec<(&'static str, Placement)>,
    /// Whether any scheme takes a token from logging in: if none does, no call looks further.
    any_login: bool,
}

impl Placements {
    pub(crate) fn new(schemes: &[SecurityScheme], credentials: &[Credentials]) -> Self {
        let can_log_in = schemes.iter().any(|s| s.login.is_some());
        let by_scheme = schemes
            .iter()
            .filter_map(|scheme| {
                credentials
                    .iter()
                    .find_map(|c| place(scheme.kind, c, can_log_in))
                    .map(|placement| (scheme.key, placement))
            })
            .collect::<Vec<_>>();
        let any_login = by_scheme
            .iter()
            .any(|(_, placement)| matches!(placement, Placement::LoginToken { .. }));
        Placements {
            by_scheme,
            any_login,
        }
    }

    /// Whether a call with `requirements` sends a token from logging in.
    pub(crate) fn logs_in(&self, requirements: &[&[&str]]) -> bool {
        self.any_login
            && self
                .chosen(requirements)
                .any(|placement| matches!(placement, Placement::LoginToken { .. }))
    }

    /// The first alternative of `requirements` whose schemes all have a placement; `None`
    /// when none has (the request then goes out without credentials, and the server's 401
    /// tells the caller).
    pub(crate) fn alternative<'r>(&self, requirements: &[&'r [&'r str]]) -> Option<&'r [&'r str]> {
        if self.by_scheme.is_empty() {
            return None;
        }
        requirements
            .iter()
            .copied()
            .find(|alternative| alternative.iter().all(|key| self.get(key).is_some()))
    }

    /// The placement for the scheme `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&Placement> {
        self.by_scheme
            .iter()
            .find(|(scheme, _)| *scheme == key)
            .map(|(_, placement)| placement)
    }

    /// The placements of [`alternative`](Self::alternative), in its order.
    pub(crate) fn chosen<'a>(
        &'a self,
        requirements: &[&'a [&'a str]],
    ) -> impl Iterator<Item = &'a Placement> + 'a {
        self.alternative(requirements)
            .into_iter()
            .flatten()
            .filter_map(|key| self.get(key))
    }
}

/// The placements satisfying the first alternative of `requirements` that `credentials` can
/// satisfy in full; `None` when none can.
#[cfg(test)]
pub(crate) fn placements(
    requirements: &[&[&str]],
    schemes: &[SecurityScheme],
    credentials: &[Credentials],
) -> Option<Vec<Placement>> {
    let placements = Placements::new(schemes, credentials);
    placements.alternative(requirements)?;
    Some(placements.chosen(requirements).cloned().collect())
}

fn is_authorization(name: &str) -> bool {
    name.eq_ignore_ascii_case("authorization")
}

fn place(kind: SchemeKind, credentials: &Credentials, can_log_in: bool) -> Option<Placement> {
    use ApiKeyLocation::{Cookie, Header, Query};
    match (kind, credentials) {
        (SchemeKind::HttpBasic, Credentials::Basic { username, password }) => {
            Some(Placement::Basic {
                username: username.clone(),
                password: password.expose().to_owned(),
            })
        }
        (SchemeKind::HttpBearer, Credentials::Token { token, .. }) => Some(Placement::Header {
            name: "authorization",
            value: sensitive(&format!("{DEFAULT_TOKEN_PREFIX}{}", token.expose())),
        }),
        (SchemeKind::HttpBearer, Credentials::Login { .. }) if can_log_in => {
            Some(Placement::LoginToken {
                name: "authorization",
                prefix: DEFAULT_TOKEN_PREFIX.into(),
            })
        }
        (
            SchemeKind::ApiKey {
                location: Header,
                name,
            },
            Credentials::Token { token, prefix },
        ) if is_authorization(name) => Some(Placement::Header {
            name,
            value: sensitive(&format!("{prefix}{}", token.expose())),
        }),
        (
            SchemeKind::ApiKey {
                location: Header,
                name,
            },
            Credentials::Login { prefix, .. },
        ) if is_authorization(name) && can_log_in => Some(Placement::LoginToken {
            name,
            prefix: prefix.clone(),
        }),
        (
            SchemeKind::ApiKey { location, name },
            Credentials::ApiKey {
                key,
                location: wanted,
            },
        ) if location == *wanted && !is_authorization(name) => {
            let value = key.expose();
            match location {
                Header => Some(Placement::Header {
                    name,
                    value: sensitive(value),
                }),
                Query => Some(Placement::Query {
                    name,
                    value: value.to_owned(),
                }),
                Cookie => Some(Placement::Header {
                    name: "cookie",
                    value: sensitive(&format!("{name}={value}")),
                }),
            }
        }
        _ => None,
    }
}

/// A credential as a header value marked sensitive (kept out of `Debug` output and previews,
/// and out of HTTP/2 header compression), if a header can carry it.
fn sensitive(text: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(text).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// The `exp` claim of a JWT, in seconds since the epoch, if the token is a JWT that has one.
/// The signature is not checked: the server does that; the client only schedules a refresh.
pub(crate) fn jwt_expiry(token: &str) -> Option<i64> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("exp")?.as_f64().map(|exp| exp as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMES: &[SecurityScheme] = &[
        SecurityScheme {
            key: "basic",
            kind: SchemeKind::HttpBasic,
            login: None,
        },
        SecurityScheme {
            key: "token",
            kind: SchemeKind::ApiKey {
                location: ApiKeyLocation::Header,
                name: "Authorization",
            },
            login: None,
        },
        SecurityScheme {
            key: "api_key_header",
            kind: SchemeKind::ApiKey {
                location: ApiKeyLocation::Header,
                name: "X-API-Key",
            },
            login: None,
        },
        SecurityScheme {
            key: "api_key_query",
            kind: SchemeKind::ApiKey {
                location: ApiKeyLocation::Query,
                name: "api_key",
            },
            login: None,
        },
    ];
    const ALL: &[&[&str]] = &[
        &["basic"],
        &["token"],
        &["api_key_header"],
        &["api_key_query"],
    ];

    #[test]
    fn first_satisfiable_alternative_wins() {
        let chosen = placements(ALL, SCHEMES, &[Credentials::token("t0k")]).unwrap();
        assert_eq!(
            chosen,
            vec![Placement::Header {
                name: "Authorization",
                value: Some(HeaderValue::from_static("Bearer t0k"))
            }]
        );
        let raw = Credentials::token("t0k").with_prefix("");
        assert!(matches!(
            &placements(ALL, SCHEMES, &[raw]).unwrap()[0],
            Placement::Header { value: Some(value), .. } if value == "t0k"
        ));
        let header = placements(ALL, SCHEMES, &[Credentials::api_key("k")]).unwrap();
        assert!(matches!(
            &header[0],
            Placement::Header {
                name: "X-API-Key",
                ..
            }
        ));
        let query = placements(ALL, SCHEMES, &[Credentials::api_key_in_query("k")]).unwrap();
        assert!(matches!(
            &query[0],
            Placement::Query {
                name: "api_key",
                ..
            }
        ));
        let key = Credentials::api_key("k");
        assert_eq!(placements(&[&["basic"], &["token"]], SCHEMES, &[key]), None);
    }

    #[test]
    fn login_needs_a_login_operation() {
        let login = Credentials::login("u", "p");
        assert_eq!(placements(ALL, SCHEMES, std::slice::from_ref(&login)), None);
        let mut with_login = SCHEMES.to_vec();
        with_login[1].login = Some(Login {
            method: "POST",
            path: "/auth",
            username_field: "username",
            password_field: "password",
            token_pointer: "/authentication_token",
        });
        let chosen = placements(ALL, &with_login, &[login]).unwrap();
        assert!(matches!(
            &chosen[0],
            Placement::LoginToken {
                name: "Authorization",
                ..
            }
        ));
    }

    #[test]
    fn secrets_do_not_print() {
        let all = [
            Credentials::basic("u", "hunter2"),
            Credentials::token("hunter2"),
            Credentials::api_key("hunter2"),
            Credentials::login("u", "hunter2"),
        ];
        assert!(!format!("{all:?}").contains("hunter2"));
    }

    #[test]
    fn jwt_expiry_reads_exp_and_ignores_other_tokens() {
        use base64::Engine;
        let encode = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let jwt = format!(
            "{}.{}.sig",
            encode("{\"alg\":\"HS256\"}"),
            encode("{\"exp\":1700000000}")
        );
        assert_eq!(jwt_expiry(&jwt), Some(1_700_000_000));
        assert_eq!(jwt_expiry("opaque-token"), None);
        assert_eq!(jwt_expiry("a.!!!.c"), None);
    }
}
