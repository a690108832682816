//! `x-contractfit-waiters`: for each waiter, a client method (`wait_until_<name>`) and a
//! builder that polls the operation until an acceptor matches.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::docs::{paragraphs, sanitize, written_doc_attrs};
use crate::emit::signature::{arguments, builder_name, path_text};
use crate::emit::types::{ident, rust_type, Scope};
use crate::model::{
    AcceptorState, Api, Comparator, Matcher, Operation, ParamLocation, SuccessBody, Waiter,
};

fn waiters(api: &Api) -> impl Iterator<Item = (&Operation, &Waiter)> {
    api.operations
        .iter()
        .flat_map(|op| op.waiters.iter().map(move |w| (op, w)))
}

/// What a wait returns: on success (the polled operation's typed body, or its raw body), how
/// the final poll becomes it, and on failure.
pub(super) struct Waited {
    pub(super) response: TokenStream,
    pub(super) decode: TokenStream,
    pub(super) error: TokenStream,
}

pub(super) fn waited_type(op: &Operation) -> Waited {
    let polled = builder_name(op);
    match op.success_body() {
        SuccessBody::Json(ty) => {
            let ty = rust_type(&ty, Scope::Crate);
            Waited {
                response: quote!(::contractfit_runtime::ApiResponse<#ty>),
                decode: quote!(polled.json(&client, &#polled::OPERATION)),
                error: quote!(::contractfit_runtime::WaitError<#ty>),
            }
        }
        // A failed state's body is then read as JSON, if it is.
        _ => Waited {
            response: quote!(::contractfit_runtime::ApiResponse<::contractfit_runtime::RawBody>),
            decode: quote!(Ok(polled.raw(&client, &#polled::OPERATION))),
            error: quote!(::contractfit_runtime::WaitError),
        },
    }
}

/// How a waiter names the resource it polls in its errors: its path parameters' values, as
/// they go into the path (unescaped).
fn resource_id(api: &Api, op: &Operation) -> TokenStream {
    let path: Vec<_> = op
        .parameters
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
        .map(|p| path_text(api, p))
        .collect();
    match path.as_slice() {
        [] => quote!(::std::string::String::new()),
        [one] => quote!(::std::string::ToString::to_string(#one)),
        _ => {
            let format = vec!["{}"; path.len()].join("/");
            quote!(::std::format!(#format, #(#path),*))
        }
    }
}

pub fn waiter_client_methods(api: &Api) -> TokenStream {
    let methods = waiters(api).map(|(op, waiter)| {
        let method = ident(&waiter.method);
        let builder = ident(&waiter.builder);
        let args = arguments(op);
        let params = args.iter().map(|a| {
            let (name, param) = (&a.name, &a.param);
            quote!(#name: #param)
        });
        let converts = args.iter().map(|a| &a.convert);
        let doc = format!(
            "Polls [`{}`](Self::{}) until the waiter `{}` says done, or `max_wait` passes. \
             Configure it with [`{builder}`](crate::builders::{builder}), then `.send().await`.",
            op.name, op.name, waiter.name
        );
        let description = waiter.description.as_deref().map(sanitize);
        let docs = written_doc_attrs(&paragraphs([description.as_deref(), Some(&doc)]));
        quote! {
            #docs
            pub fn #method(&self, #(#params,)* max_wait: ::std::time::Duration) -> crate::builders::#builder {
                crate::builders::#builder::new(self.runtime.clone(), #(#converts,)* max_wait)
            }
        }
    });
    quote!(#(#methods)*)
}

pub fn waiter_builders(api: &Api) -> TokenStream {
    let builders = waiters(api).map(|(op, waiter)| {
        let name = ident(&waiter.builder);
        let polled = builder_name(op);
        let args = arguments(op);
        let fields = args.iter().map(|a| {
            let (field, ty) = (&a.name, &a.ty);
            quote!(#field: #ty,)
        });
        let new_params = args.iter().map(|a| {
            let (field, ty) = (&a.name, &a.ty);
            quote!(#field: #ty)
        });
        let inits = args.iter().map(|a| &a.name);
        let clones = args.iter().map(|a| {
            let field = &a.name;
            quote!(self.#field.clone())
        });
        let waiter_name = &waiter.name;
        let (min, max) = (waiter.min_delay_ms, waiter.max_delay_ms);
        let acceptors = waiter.acceptors.iter().map(|a| {
            let state = match a.state {
                AcceptorState::Success => quote!(Success),
                AcceptorState::Failure => quote!(Failure),
                AcceptorState::Retry => quote!(Retry),
            };
            let matcher = match &a.matcher {
                Matcher::Status(code) => quote!(::contractfit_runtime::Matcher::Status(#code)),
                Matcher::Json(conditions) => {
                    let conditions = conditions.iter().map(|c| {
                        let pointer = &c.pointer;
                        let comparator = match &c.comparator {
                            Comparator::Exists => quote!(Exists),
                            Comparator::Missing => quote!(Missing),
                            Comparator::Equals(v) => {
                                let v = expected(v);
                                quote!(Equals(#v))
                            }
                            Comparator::NotEquals(v) => {
                                let v = expected(v);
                                quote!(NotEquals(#v))
                            }
                        };
                        quote!(::contractfit_runtime::Condition {
                            pointer: #pointer,
                            comparator: ::contractfit_runtime::Comparator::#comparator,
                        })
                    });
                    quote!(::contractfit_runtime::Matcher::Json(&[#(#conditions),*]))
                }
            };
            quote!(::contractfit_runtime::Acceptor {
                state: ::contractfit_runtime::AcceptorState::#state,
                matcher: #matcher,
            })
        });
        let Waited {
            response,
            decode,
            error,
        } = waited_type(op);
        let id = resource_id(api, op);
        let doc = format!("Waits until `{waiter_name}`, polling [`{polled}`].");
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone)]
            #[must_use = "a waiter does nothing until it is sent"]
            pub struct #name {
                client: ::contractfit_runtime::Client,
                #(#fields)*
                max_wait: ::std::time::Duration,
                progress: ::std::option::Option<::contractfit_runtime::Progress>,
                options: ::contractfit_runtime::CallOptions,
                stale: ::contractfit_runtime::Stale,
            }

            impl #name {
                /// The waiter's declaration, from the API document's overlay (plumbing).
                #[doc(hidden)]
                pub const WAITER: ::contractfit_runtime::Waiter = ::contractfit_runtime::Waiter {
                    name: #waiter_name,
                    min_delay: ::std::time::Duration::from_millis(#min),
                    max_delay: ::std::time::Duration::from_millis(#max),
                    acceptors: &[#(#acceptors),*],
                };

                pub(crate) fn new(client: ::contractfit_runtime::Client, #(#new_params,)* max_wait: ::std::time::Duration) -> Self {
                    #name {
                        client,
                        #(#inits,)*
                        max_wait,
                        progress: None,
                        options: ::contractfit_runtime::CallOptions::new(),
                        stale: ::contractfit_runtime::Stale::none(),
                    }
                }

                /// Plumbing for `send_and_wait`: verdicts read from bodies showing these
                /// values are not believed.
                #[doc(hidden)]
                pub fn after(mut self, stale: ::contractfit_runtime::Stale) -> Self {
                    self.stale = stale;
                    self
                }

                /// Settings for every poll: retries, timeouts, extra headers.
                pub fn options(mut self, options: ::contractfit_runtime::CallOptions) -> Self {
                    self.options = options;
                    self
                }

                /// Called after every poll, for progress reports.
                pub fn on_progress(mut self, progress: impl Fn(&::contractfit_runtime::PollState) + Send + Sync + 'static) -> Self {
                    self.progress = Some(::contractfit_runtime::Progress::new(progress));
                    self
                }

                /// Polls until done; every poll goes through the client's retry policy.
                pub async fn send(self) -> ::std::result::Result<#response, #error> {
                    let client = self.client.clone();
                    let polled = self.polled().await?;
                    #decode
                }

                /// Polls until the waiter decides: the last answer, as received (plumbing for
                /// `send` and for batches).
                #[doc(hidden)]
                pub async fn polled<T: ::contractfit_runtime::serde::de::DeserializeOwned>(self) -> ::std::result::Result<::contractfit_runtime::Polled, ::contractfit_runtime::WaitError<T>> {
                    let id = #id;
                    let poll = || {
                        let request = #polled::new(self.client.clone(), #(#clones),*)
                            .options(self.options.clone());
                        async move {
                            let response = request.send_raw().await?;
                            Ok((response.status, response.headers, response.body.bytes))
                        }
                    };
                    let progress = |state: &::contractfit_runtime::PollState| {
                        if let Some(progress) = &self.progress {
                            progress.call(state);
                        }
                    };
                    Self::WAITER
                        .wait_fresh(&id, self.max_wait, poll, progress, &self.stale)
                        .await
                }
            }
        }
    });
    quote!(#(#builders)*)
}

fn expected(value: &serde_json::Value) -> TokenStream {
    match value {
        serde_json::Value::Bool(b) => quote!(::contractfit_runtime::Expected::Bool(#b)),
        serde_json::Value::String(s) => quote!(::contractfit_runtime::Expected::Str(#s)),
        other => {
            let n = other.as_i64().unwrap_or_default();
            quote!(::contractfit_runtime::Expected::Int(#n))
        }
    }
}
