//! Code for our extensions: waiters (a client method and a builder each), upload-and-wait
//! (`send_and_wait` on the upload's builder) and pagination (`pages` and `items` streams).

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{paragraphs, sanitize, written_doc_attrs};
use super::signature::{arguments, builder_name, path_text};
use super::types::{ident, rust_type, Scope};
use crate::model::{
    AcceptorState, Api, Comparator, Matcher, Operation, ParamLocation, SuccessBody, ThenWait,
    TypeDef, TypeKind, Waiter,
};

fn waiters(api: &Api) -> impl Iterator<Item = (&Operation, &Waiter)> {
    api.operations
        .iter()
        .flat_map(|op| op.waiters.iter().map(move |w| (op, w)))
}

/// What a wait returns: on success (the polled operation's typed body, or its raw body), how
/// the final poll becomes it, and on failure.
struct Waited {
    response: TokenStream,
    decode: TokenStream,
    error: TokenStream,
}

fn waited_type(op: &Operation) -> Waited {
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

/// `send_and_wait` and `pages`/`items`, for builders whose operation declares them.
pub fn builder_methods(api: &Api, op: &Operation) -> TokenStream {
    let mut methods = TokenStream::new();
    if let Some(upload) = &op.upload_wait {
        let polled = api.operations.iter().find(|o| o.name == upload.operation);
        let waiter = polled.and_then(|o| o.waiters.iter().find(|w| w.name == upload.waiter));
        if let (Some(polled), Some(waiter)) = (polled, waiter) {
            let wait_builder = ident(&waiter.builder);
            let Waited {
                response, error, ..
            } = waited_type(polled);
            let sets = upload.set.iter().map(|(field, value)| {
                let field = ident(field);
                quote!(self.form.#field = Some(#value);)
            });
            let pointer = &upload.id_pointer;
            let forced: Vec<String> = upload
                .set
                .iter()
                .map(|(field, value)| format!("`{field}` = `{value}`"))
                .collect();
            let doc = format!(
                "Uploads without waiting for processing ({}, whatever was set on this builder: \
                 this call does the waiting), then waits (up to `max_wait`) with \
                 [`{wait_builder}`], its polls made with this builder's call options. Once the \
                 upload is accepted, every error carries the new id: wait for it again rather \
                 than upload again.",
                forced.join(", ")
            );
            methods.extend(quote! {
                #[doc = #doc]
                pub async fn send_and_wait(mut self, max_wait: ::std::time::Duration) -> ::std::result::Result<#response, #error> {
                    #(#sets)*
                    let client = self.client.clone();
                    let options = self.options.clone();
                    let waiter = #wait_builder::WAITER.name;
                    let operation = Self::OPERATION.name;
                    let reply = self
                        .send_raw()
                        .await
                        .map_err(|error| <#error>::call_failed(waiter, operation, error))?;
                    let id = reply
                        .body
                        .json_value()
                        .ok()
                        .and_then(|body| body.pointer(#pointer).and_then(|id| id.as_str()).map(str::to_owned))
                        .ok_or_else(|| <#error>::no_id(waiter, operation, #pointer, reply.body.bytes.clone()))?;
                    #wait_builder::new(client, id, max_wait)
                        .options(options)
                        .send()
                        .await
                        .map_err(|error| error.after_call(operation))
                }
            });
        }
    }
    if let Some(then) = &op.then_wait {
        methods.extend(then_wait(api, then));
    }
    if let (Some(paginator), SuccessBody::Json(page_ty)) = (&op.paginator, op.success_body()) {
        let page_type = rust_type(&page_ty, Scope::Crate);
        let item_type = rust_type(&paginator.item_type, Scope::Crate);
        let page_param = ident(&paginator.page_parameter);
        let first = paginator.first_page;
        let page_fields = match &page_ty {
            crate::model::TypeRef::Named(name) => match api.type_def(name) {
                Some(TypeDef {
                    kind: TypeKind::Struct(s),
                    ..
                }) => s.fields.clone(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let optional = |rust_name: &str| {
            page_fields
                .iter()
                .find(|f| f.rust_name == rust_name)
                .is_some_and(|f| !f.required || f.nullable)
        };
        let wire_name = |rust_name: &str| {
            page_fields
                .iter()
                .find(|f| f.rust_name == rust_name)
                .map(|f| f.name.clone())
                .unwrap_or_default()
        };
        let items_key = wire_name(&paginator.items_field);
        let total_key = match &paginator.total_field {
            Some(field) => {
                let key = wire_name(field);
                quote!(Some(#key))
            }
            None => quote!(None),
        };
        let items = ident(&paginator.items_field);
        let count = if optional(&paginator.items_field) {
            quote!(page.#items.as_ref().map_or(0, ::std::vec::Vec::len))
        } else {
            quote!(page.#items.len())
        };
        let total = match &paginator.total_field {
            Some(field) => {
                let field = ident(field);
                if optional(&paginator.total_field.clone().unwrap_or_default()) {
                    quote!(page.#field)
                } else {
                    quote!(Some(page.#field))
                }
            }
            None => quote!(None::<i64>),
        };
        let size = match &paginator.size_parameter {
            Some(size) => {
                let size = ident(size);
                quote!(self.#size)
            }
            None => quote!(None::<i64>),
        };
        methods.extend(quote! {
            /// Every page, one request each, from the page set on this builder (or the first)
            /// to the last: the one that is empty, short, or reaches the total. A page that
            /// does not decode ends the stream with its error; [`items`](Self::items) reads
            /// item by item instead. The stream is `Unpin`: `while let Some(page) =
            /// pages.next().await` needs no pinning.
            pub fn pages(self) -> impl ::contractfit_runtime::futures::Stream<Item = ::std::result::Result<::contractfit_runtime::ApiResponse<#page_type>, ::contractfit_runtime::Error>> + Send + Unpin + 'static {
                let first = self.#page_param.unwrap_or(#first);
                let size = #size;
                let pages = ::contractfit_runtime::futures::stream::try_unfold(Some((self, first, 0i64)), move |state| async move {
                    let Some((builder, number, seen)) = state else {
                        return Ok(None);
                    };
                    let response = builder.clone().#page_param(number).send().await?;
                    let page = &response.body;
                    let count = #count;
                    let seen = seen.saturating_add(count as i64);
                    let last = ::contractfit_runtime::is_last_page(count, seen, #total, size);
                    let next = (!last).then_some((builder, number + 1, seen));
                    Ok(Some((response, next)))
                });
                // Pinned in a box of its own type rather than `.boxed()` into a `dyn Stream`:
                // `Unpin` all the same, and compiled only in a program that reads the pages.
                ::std::boxed::Box::pin(pages)
            }

            /// Every item of every page, in order, each read on its own: an item that does not
            /// have the declared shape (a required field sent as `null`, say) is an `Err` in
            /// its place, naming the item and the field, and the stream goes on with the next
            /// (stop at the first with `try_collect`). A page that cannot be read at all, or
            /// fails, ends the stream with its error. The stream is `Unpin`.
            pub fn items(self) -> impl ::contractfit_runtime::futures::Stream<Item = ::std::result::Result<#item_type, ::contractfit_runtime::Error>> + Send + Unpin + 'static {
                use ::contractfit_runtime::futures::{stream, TryStreamExt};
                let first = self.#page_param.unwrap_or(#first);
                let size = #size;
                let pages = stream::try_unfold(Some((self, first, 0i64)), move |state| async move {
                    let Some((builder, number, seen)) = state else {
                        return Ok::<_, ::contractfit_runtime::Error>(None);
                    };
                    let response = builder.clone().#page_param(number).send_raw().await?;
                    let page = response.body.page_items::<#item_type>(#items_key, #total_key)?;
                    let count = page.items.len();
                    let seen = seen.saturating_add(count as i64);
                    let last = ::contractfit_runtime::is_last_page(count, seen, page.total, size);
                    let next = (!last).then_some((builder, number + 1, seen));
                    Ok(Some((stream::iter(page.items), next)))
                });
                ::std::boxed::Box::pin(pages.try_flatten())
            }
        });
    }
    methods
}

/// `send_and_wait` for an operation whose effect a waiter of another operation can see: the
/// polled operation's state before, the call, then a wait that believes only a newer result.
fn then_wait(api: &Api, then: &ThenWait) -> TokenStream {
    let polled = api.operations.iter().find(|o| o.name == then.operation);
    let waiter = polled.and_then(|o| o.waiters.iter().find(|w| w.name == then.waiter));
    let (Some(polled), Some(waiter)) = (polled, waiter) else {
        return TokenStream::new();
    };
    let polled_builder = builder_name(polled);
    let wait_builder = ident(&waiter.builder);
    let Waited {
        response, error, ..
    } = waited_type(polled);
    let names: Vec<_> = arguments(polled).into_iter().map(|a| a.name).collect();
    let changed = &then.changed;
    let doc = format!(
        "Sends the request, then waits (up to `max_wait`) with [`{wait_builder}`] for its \
         effect. A verdict counts only once `{changed}` differs from what it was before the \
         request and in its reply, so an earlier result is never taken for this one (the API \
         does not promise to clear it meanwhile). Costs one request more than `send`: the state \
         before. The polls use this builder's call options. Once the request is accepted, \
         a failed wait is not a reason to send it again: wait again instead."
    );
    quote! {
        #[doc = #doc]
        pub async fn send_and_wait(self, max_wait: ::std::time::Duration) -> ::std::result::Result<#response, #error> {
            let client = self.client.clone();
            let options = self.options.clone();
            let waiter = #wait_builder::WAITER.name;
            let operation = Self::OPERATION.name;
            let failed = |error| <#error>::call_failed(waiter, operation, error);
            #(let #names = self.#names.clone();)*
            let mut stale = ::contractfit_runtime::Stale::at(#changed);
            // Reading the state before is a call of its own: its failure is not the request's.
            let before = #polled_builder::new(client.clone(), #(#names.clone()),*)
                .options(options.clone())
                .send_raw()
                .await
                .map_err(|error| <#error>::call_failed(waiter, #polled_builder::OPERATION.name, error))?;
            stale.remember(&before.body.bytes);
            let reply = self.send_raw().await.map_err(failed)?;
            stale.remember(&reply.body.bytes);
            #wait_builder::new(client, #(#names,)* max_wait)
                .options(options)
                .after(stale)
                .send()
                .await
                .map_err(|error| error.after_call(operation))
        }
    }
}
