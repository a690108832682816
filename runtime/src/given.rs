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

/// A credential a person can give by name: as the tool's flag `--<flag>` or as the variable
/// `<PREFIX>_<variable>`. [`CREDENTIAL_SETTINGS`] lists them all; `Given::from_env` and the
/// tool read that one table.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub flag: &'static str,
    pub variable: &'static str,
    pub help: &'static str,
    /// Another setting's flag this one goes with (a username with its password).
    pub requires: Option<&'static str>,
    /// Whether a scheme takes this credential.
    takes: fn(&SecurityScheme) -> bool,
    /// Where it goes in [`Given`].
    slot: Slot,
}

#[derive(Debug, Clone, Copy)]
enum Slot {
    Username,
    Password,
    Token,
    ApiKey,
}

impl Setting {
    /// Whether any of `schemes` takes this credential: the tool offers a flag only then.
    pub fn wanted(&self, schemes: &[SecurityScheme]) -> bool {
        schemes.iter().any(self.takes)
    }
}

fn logs_in_or_basic(scheme: &SecurityScheme) -> bool {
    scheme.login.is_some() || scheme.kind == SchemeKind::HttpBasic
}

/// Every credential a person can give by name.
pub const CREDENTIAL_SETTINGS: [Setting; 4] = [
    Setting {
        flag: "username",
        variable: "USERNAME",
        help: "Username (with --password)",
        requires: Some("password"),
        takes: logs_in_or_basic,
        slot: Slot::Username,
    },
    Setting {
        flag: "password",
        variable: "PASSWORD",
        help: "Password; prefer the environment variable",
        requires: Some("username"),
        takes: logs_in_or_basic,
        slot: Slot::Password,
    },
    Setting {
        flag: "token",
        variable: "TOKEN",
        help: "A bearer token",
        requires: None,
        takes: |scheme| scheme.login.is_some() || scheme.kind == SchemeKind::HttpBearer,
        slot: Slot::Token,
    },
    Setting {
        flag: "api-key",
        variable: "API_KEY",
        help: "An API key",
        requires: None,
        takes: |scheme| matches!(scheme.kind, SchemeKind::ApiKey { .. }),
        slot: Slot::ApiKey,
    },
];

impl Given {
    /// The base URL and each credential setting's value, as `value` finds it (a flag's or an
    /// environment variable's); empty values count as not given.
    pub fn from_settings(
        base_url: Option<String>,
        mut value: impl FnMut(&Setting) -> Option<String>,
    ) -> Given {
        let mut given = Given {
            base_url: base_url.filter(|v| !v.is_empty()),
            ..Given::default()
        };
        for setting in &CREDENTIAL_SETTINGS {
            *given.slot(setting.slot) = value(setting).filter(|v| !v.is_empty());
        }
        given
    }

    fn slot(&mut self, slot: Slot) -> &mut Option<String> {
        match slot {
            Slot::Username => &mut self.username,
            Slot::Password => &mut self.password,
            Slot::Token => &mut self.token,
            Slot::ApiKey => &mut self.api_key,
        }
    }

    fn has(&self, slot: Slot) -> bool {
        match slot {
            Slot::Username => self.username.is_some(),
            Slot::Password => self.password.is_some(),
            Slot::Token => self.token.is_some(),
            Slot::ApiKey => self.api_key.is_some(),
        }
    }

    /// `<PREFIX>_BASE_URL` and each credential's `<PREFIX>_<variable>` from the environment.
    pub fn from_env(prefix: &str) -> Given {
        let var = |name: &str| std::env::var(format!("{prefix}_{name}")).ok();
        Given::from_settings(var("BASE_URL"), |setting| var(setting.variable))
    }

    /// Whether some credential was given, or why what was given is not one: a username
    /// without its password (or the reverse) is named, with the variable to set.
    pub fn check(&self, prefix: &str) -> Result<(), BuildError> {
        let variable = |flag: &'static str| {
            CREDENTIAL_SETTINGS
                .iter()
                .find(|s| s.flag == flag)
                .map_or(flag, |s| s.variable)
        };
        for setting in CREDENTIAL_SETTINGS.iter().filter(|s| self.has(s.slot)) {
            let Some(other) = setting.requires else {
                continue;
            };
            let given = CREDENTIAL_SETTINGS
                .iter()
                .any(|s| s.flag == other && self.has(s.slot));
            if !given {
                return Err(BuildError::Environment(format!(
                    "{prefix}_{} is not set ({prefix}_{} is)",
                    variable(other),
                    setting.variable
                )));
            }
        }
        if !CREDENTIAL_SETTINGS.iter().any(|s| self.has(s.slot)) {
            // "P_USERNAME and P_PASSWORD, P_TOKEN, or P_API_KEY": a pair once, by its first.
            let mut choices: Vec<String> = Vec::new();
            for (i, setting) in CREDENTIAL_SETTINGS.iter().enumerate() {
                let partner_before = CREDENTIAL_SETTINGS[..i]
                    .iter()
                    .any(|s| s.requires == Some(setting.flag));
                if partner_before {
                    continue;
                }
                choices.push(match setting.requires {
                    Some(other) => format!(
                        "{prefix}_{} and {prefix}_{}",
                        setting.variable,
                        variable(other)
                    ),
                    None => format!("{prefix}_{}", setting.variable),
                });
            }
            let last = choices.pop().unwrap_or_default();
            return Err(BuildError::Environment(format!(
                "no credentials: set {}, or {last}",
                choices.join(", ")
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
        assert_eq!(
            nothing,
            "no credentials: set APP_USERNAME and APP_PASSWORD, APP_TOKEN, or APP_API_KEY"
        );
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
