//! `x-contractfit-waiters` on an operation: named ways of polling it until its answer reaches
//! a state (`wait_until_<name>`), each with its delays and its acceptors.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

use super::{Extensions, WAITERS};
use crate::build::names::snake;
use crate::build::Builder;
use crate::diagnostics::{pointer_token, Error};
use crate::model::{Acceptor, AcceptorState, Comparator, Condition, Matcher, Waiter};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Spec {
    description: Option<String>,
    /// Seconds.
    min_delay: f64,
    max_delay: f64,
    acceptors: Vec<AcceptorSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptorSpec {
    state: State,
    status: Option<u16>,
    all: Option<Vec<ConditionSpec>>,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum State {
    Success,
    Failure,
    Retry,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ConditionSpec {
    pointer: String,
    exists: Option<bool>,
    equals: Option<Value>,
    not_equals: Option<Value>,
}

impl Builder<'_> {
    pub(in crate::build) fn waiters(
        &self,
        extensions: &Extensions,
        pointer: &str,
    ) -> Result<Vec<Waiter>, Error> {
        let Some((specs, pointer)) =
            self.extension::<IndexMap<String, Spec>>(extensions, WAITERS, pointer)?
        else {
            return Ok(Vec::new());
        };
        let mut waiters = Vec::new();
        for (name, spec) in specs {
            let at = format!("{pointer}/{}", pointer_token(&name));
            let millis = |seconds: f64, key: &str| {
                // Also refuses NaN, delays past u64 milliseconds (which would saturate), and
                // delays under a millisecond (which would be none: polling as fast as it can).
                if (0.001..1e15).contains(&seconds) {
                    Ok((seconds * 1000.0) as u64)
                } else {
                    Err(self.invalid(
                        &format!("{at}/{key}"),
                        "must be a number of seconds, at least 0.001",
                    ))
                }
            };
            let min_delay_ms = millis(spec.min_delay, "minDelay")?;
            let max_delay_ms = millis(spec.max_delay, "maxDelay")?;
            if min_delay_ms > max_delay_ms {
                return Err(self.invalid(&at, "minDelay is greater than maxDelay"));
            }
            if spec.acceptors.is_empty() {
                return Err(self.invalid(&format!("{at}/acceptors"), "must be a non-empty list"));
            }
            let acceptors = spec
                .acceptors
                .into_iter()
                .enumerate()
                .map(|(i, a)| self.acceptor(a, &format!("{at}/acceptors/{i}")))
                .collect::<Result<Vec<_>, _>>()?;
            if !acceptors.iter().any(|a| a.state == AcceptorState::Success) {
                return Err(
                    self.invalid(&format!("{at}/acceptors"), "no acceptor leads to success")
                );
            }
            let key = name;
            let name = snake(&key);
            waiters.push(Waiter {
                key,
                method: format!("wait_until_{name}"),
                // Claimed among the builders by `signature`.
                builder: String::new(),
                name,
                description: spec.description,
                min_delay_ms,
                max_delay_ms,
                acceptors,
            });
        }
        Ok(waiters)
    }

    fn acceptor(&self, spec: AcceptorSpec, pointer: &str) -> Result<Acceptor, Error> {
        let state = match spec.state {
            State::Success => AcceptorState::Success,
            State::Failure => AcceptorState::Failure,
            State::Retry => AcceptorState::Retry,
        };
        let matcher = match (spec.status, spec.all) {
            (Some(status), None) if (100..600).contains(&status) => Matcher::Status(status),
            (Some(_), None) => {
                return Err(self.invalid(&format!("{pointer}/status"), "must be an HTTP status"))
            }
            (None, Some(all)) if !all.is_empty() => Matcher::Json(
                all.into_iter()
                    .enumerate()
                    .map(|(i, c)| self.condition(c, &format!("{pointer}/all/{i}")))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            _ => {
                return Err(self.invalid(pointer, "needs either `status` or a non-empty `all` list"))
            }
        };
        Ok(Acceptor { state, matcher })
    }

    fn condition(&self, spec: ConditionSpec, pointer: &str) -> Result<Condition, Error> {
        let scalar = |v: Value| -> Result<Value, Error> {
            match v {
                Value::Bool(_) | Value::String(_) => Ok(v),
                Value::Number(ref n) if n.is_i64() => Ok(v),
                _ => Err(self.invalid(pointer, "compares only with a boolean, integer or string")),
            }
        };
        let comparator = match (spec.exists, spec.equals, spec.not_equals) {
            (Some(true), None, None) => Comparator::Exists,
            (Some(false), None, None) => Comparator::Missing,
            (None, Some(expected), None) => Comparator::Equals(scalar(expected)?),
            (None, None, Some(expected)) => Comparator::NotEquals(scalar(expected)?),
            _ => {
                return Err(self.invalid(
                    pointer,
                    "needs exactly one of `exists`, `equals`, `notEquals`",
                ))
            }
        };
        Ok(Condition {
            pointer: self.json_pointer(&spec.pointer, pointer, "pointer")?,
            comparator,
        })
    }
}
