//! Settings a person gives by name, in the environment or as the command-line tool's flags:
//! a base URL and an API key, a token, or a username and password. One place decides what they
//! become, so that `Client::from_env()` and the tool read the same variables the same way.

use crate::auth::{ApiKeyLocation, Credentials, SchemeKind, SecurityScheme};
use crate::error::BuildError;

/// What was given; empty values count as not given.
#[derive(Default)]
pub struct Given {
    pub base_url: Option<String>,
    pub api_key: Option<String>,
    pub token: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl Given {
    /// `<PREFIX>_BASE_URL`, `<PREFIX>_API_KEY`, `<PREFIX>_TOKEN`, `<PREFIX>_USERNAME` and
    /// `<PREFIX>_PASSWORD` from the environment.
    pub fn from_env(prefix: &str) -> Given {
        let var = |name: &str| {
            std::env::var(format!("{prefix}_{name}"))
                .ok()
                .filter(|v| !v.is_empty())
        };
        Given {
            base_url: var("BASE_URL"),
            api_key: var("API_KEY"),
            token: var("TOKEN"),
            username: var("USERNAME"),
            password: var("PASSWORD"),
        }
    }

    /// Whether some credential was given, or why what was given is not one: a username
    /// without its password (or the reverse) is named, with the variable to set.
    pub fn check(&self, prefix: &str) -> Result<(), BuildError> {
        let missing = |name: &str, because: &str| {
            Err(BuildError::Environment(format!(
                "{prefix}_{name} is not set ({prefix}_{because} is)"
            )))
        };
        match (&self.username, &self.password) {
            (Some(_), None) => return missing("PASSWORD", "USERNAME"),
            (None, Some(_)) => return missing("USERNAME", "PASSWORD"),
            _ => {}
        }
        if self.api_key.is_none() && self.token.is_none() && self.username.is_none() {
            return Err(BuildError::Environment(format!(
                "no credentials: set {prefix}_API_KEY, {prefix}_TOKEN, or {prefix}_USERNAME and \
                 {prefix}_PASSWORD"
            )));
        }
        Ok(())
    }

    /// The base URL given, and every credential given in every form `schemes` accept (each
    /// call then uses what its operation allows).
    pub fn credentials(self, schemes: &[SecurityScheme]) -> (Option<String>, Vec<Credentials>) {
        let has = |wanted: &dyn Fn(&SecurityScheme) -> bool| schemes.iter().any(wanted);
        let mut credentials = Vec::new();
        if let (Some(username), Some(password)) = (self.username, self.password) {
            if has(&|s| s.kind == SchemeKind::HttpBasic) {
                credentials.push(Credentials::basic(username.clone(), password.clone()));
            }
            if has(&|s| s.login.is_some()) {
                credentials.push(Credentials::login(username, password));
            }
        }
        if let Some(token) = self.token {
            credentials.push(Credentials::token(token));
        }
        if let Some(key) = self.api_key {
            let in_header = has(&|s| {
                matches!(
                    s.kind,
                    SchemeKind::ApiKey {
                        location: ApiKeyLocation::Header,
                        ..
                    }
                )
            });
            credentials.push(if in_header {
                Credentials::api_key(key)
            } else {
                Credentials::api_key_in_query(key)
            });
        }
        (self.base_url, credentials)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_missing_is_named() {
        let check = |given: Given| given.check("APP").map_err(|e| e.to_string());
        let nothing = check(Given::default()).unwrap_err();
        assert!(nothing.contains("APP_API_KEY") && nothing.contains("APP_PASSWORD"));
        let username = Given {
            username: Some("me".into()),
            ..Given::default()
        };
        assert_eq!(
            check(username).unwrap_err(),
            "APP_PASSWORD is not set (APP_USERNAME is)"
        );
        let key = Given {
            api_key: Some("k".into()),
            ..Given::default()
        };
        assert_eq!(check(key), Ok(()));
    }
}
