//! Operations to Rust: the `Client` with one method per operation, and a builder per operation
//! whose `send()` makes the call through the runtime.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{doc_attrs, paragraphs, value_docs};
use super::examples::Paths;
use super::signature::{arguments, builder_name, is_display, path_text, Argument};
use super::types::{ident, rust_type, Scope};
use crate::model::{
    Api, ApiKeyLocation, Goes, Operation, ParamLocation, Parameter, PathSegment, RequestContent,
    SecurityRequirement, SecuritySchemeKind, SuccessBody, TypeRef,
};

/// The `client` module: the `Client` type and its operation methods.
pub fn client_module(api: &Api, crate_name: &str) -> TokenStream {
    let env_prefix = heck::ToShoutySnakeCase::to_shouty_snake_case(crate_name);
    let krate = crate_name.replace('-', "_");
    let from_env_doc = format!(
        " A client from the environment: `{env_prefix}_BASE_URL` (optional; [`DEFAULT_BASE_URL`]\n otherwise) and `{env_prefix}_API_KEY`, `{env_prefix}_TOKEN`, or `{env_prefix}_USERNAME` with\n `{env_prefix}_PASSWORD`, the variables the command-line tool reads. Fails naming the variable\n to set when no credential is given, or a username comes without its password."
    );
    let default_base_url = match api.servers.first() {
        Some(server) => {
            let url = &server.url;
            quote!(::std::option::Option::Some(#url))
        }
        None => quote!(::std::option::Option::None),
    };
    let schemes = api.security_schemes.iter().map(|scheme| {
        let key = &scheme.key;
        let kind = match &scheme.kind {
            SecuritySchemeKind::HttpBasic => quote!(::contractfit_runtime::SchemeKind::HttpBasic),
            // An OAuth 2 or OpenID Connect access token travels as a bearer token.
            SecuritySchemeKind::HttpBearer | SecuritySchemeKind::AccessToken { .. } => {
                quote!(::contractfit_runtime::SchemeKind::HttpBearer)
            }
            SecuritySchemeKind::ApiKey { location, name } => {
                let location = match location {
                    ApiKeyLocation::Header => quote!(Header),
                    ApiKeyLocation::Query => quote!(Query),
                    ApiKeyLocation::Cookie => quote!(Cookie),
                };
                quote!(::contractfit_runtime::SchemeKind::ApiKey {
                    location: ::contractfit_runtime::ApiKeyLocation::#location,
                    name: #name,
                })
            }
            SecuritySchemeKind::Unsupported { .. } => {
                quote!(::contractfit_runtime::SchemeKind::Unsupported)
            }
        };
        let login = match &scheme.login {
            Some(login) => {
                let method = login.method.as_str();
                let (path, user, password, token) = (
                    &login.path,
                    &login.username_field,
                    &login.password_field,
                    &login.token_pointer,
                );
                quote!(::std::option::Option::Some(::contractfit_runtime::Login {
                    method: #method,
                    path: #path,
                    username_field: #user,
                    password_field: #password,
                    token_pointer: #token,
                }))
            }
            None => quote!(::std::option::Option::None),
        };
        quote!(::contractfit_runtime::SecurityScheme { key: #key, kind: #kind, login: #login })
    });
    let common = common_security(api);
    let credentials_doc = match common.and_then(alternatives) {
        Some(alternatives) => format!(
            " Unless an operation's documentation says otherwise, it accepts credentials for {alternatives}; give them with `ClientBuilder::credentials`."
        ),
        None => String::new(),
    };
    let methods = api
        .operations
        .iter()
        .map(|op| client_method(api, op, common, &krate));
    let waiter_methods = super::extensions::waiter_client_methods(api);
    quote! {
        //! The client and its operation methods.

        /// The server the API document names, used unless another base URL is given.
        pub const DEFAULT_BASE_URL: ::std::option::Option<&str> = #default_base_url;

        /// The security schemes the API document declares (with our overlay's additions).
        #[doc(hidden)]
        pub const SECURITY_SCHEMES: &[::contractfit_runtime::SecurityScheme] = &[#(#schemes),*];

        /// A client of the API. Cheap to clone: clones share one connection pool.
        ///
        /// Made with [`Client::builder`] (base URL, credentials, retries, timeouts) or
        /// [`Client::from_env`]. Each operation method returns a builder: required parameters
        /// are the method's arguments, optional ones are set on the builder, and
        /// `.send().await` makes the call.
        ///
        #[doc = #credentials_doc]
        #[derive(Debug, Clone)]
        pub struct Client {
            runtime: ::contractfit_runtime::Client,
        }

        /// Settings for a [`Client`]: base URL, credentials, retries, timeouts, headers, or a
        /// `reqwest::Client` of your own. `.build()` makes the client.
        pub type ClientBuilder = ::contractfit_runtime::ClientBuilder<Client>;

        impl ::std::convert::From<::contractfit_runtime::Client> for Client {
            fn from(runtime: ::contractfit_runtime::Client) -> Self {
                Client { runtime }
            }
        }

        impl Client {
            /// Settings for a client, starting from the document's server (if it names one)
            /// and no credentials: add them with `.credentials(..)`, then `.build()`.
            pub fn builder() -> ClientBuilder {
                ClientBuilder::new(DEFAULT_BASE_URL, SECURITY_SCHEMES).user_agent(::std::concat!(
                    ::std::env!("CARGO_PKG_NAME"),
                    "/",
                    ::std::env!("CARGO_PKG_VERSION")
                ))
            }

            #[doc = #from_env_doc]
            pub fn from_env() -> ::std::result::Result<Self, ::contractfit_runtime::BuildError> {
                Self::builder().env(#env_prefix)?.build()
            }

            /// A client sending through a runtime client made elsewhere (for instance one
            /// shared with another generated crate).
            pub fn with_runtime(runtime: ::contractfit_runtime::Client) -> Self {
                Client { runtime }
            }

            /// The runtime client this client sends requests through.
            pub fn runtime(&self) -> &::contractfit_runtime::Client {
                &self.runtime
            }

            /// `text` with every credential this client sends replaced by `<redacted>` (as
            /// given, percent-encoded, JSON-escaped, Basic's base64, and the tokens it obtained
            /// by logging in): for anything of the API's that goes into your logs, such as a
            /// body a server echoed back. The client's own errors are shown this way already.
            pub fn redact<'a>(&self, text: &'a str) -> ::std::borrow::Cow<'a, str> {
                self.runtime.redact(text)
            }

            #(#methods)*
            #waiter_methods
        }
    }
}

fn client_method(
    api: &Api,
    op: &Operation,
    common: Option<&[SecurityRequirement]>,
    krate: &str,
) -> TokenStream {
    let method = ident(&op.name);
    let builder = builder_name(op);
    let args = arguments(op);
    let params = args.iter().map(|a| {
        let (name, param) = (&a.name, &a.param);
        quote!(#name: #param)
    });
    let operation_id = match &op.operation_id {
        Some(id) => format!("operationId `{id}`"),
        None => "The document gives no operationId.".to_owned(),
    };
    let endpoint = format!(
        "`{} {}`; {operation_id}.",
        op.method.as_str(),
        op.path.template
    );
    // Credentials are said once, on `Client`, and here only where they differ.
    let security = (common != Some(op.security.as_slice())).then(|| security_doc(op));
    let example = super::examples::call(api, op, Paths::Qualified(krate)).map(|call| {
        let lines = super::examples::send_and_use(api, op, &call);
        format!(
            "```no_run\n# async fn example(client: {krate}::Client) -> Result<(), {krate}::Error> {{\n{lines}\n# Ok(())\n# }}\n```"
        )
    });
    let docs = doc_attrs(&paragraphs([
        op.summary.as_deref(),
        op.description.as_deref(),
        Some(endpoint.as_str()),
        security.as_deref(),
        example.as_deref(),
    ]));
    let deprecated = op.deprecated.then(|| quote!(#[deprecated]));
    let converts = args.iter().map(|a| &a.convert);
    quote! {
        #docs
        #deprecated
        pub fn #method(&self, #(#params),*) -> crate::builders::#builder {
            crate::builders::#builder::new(self.runtime.clone(), #(#converts),*)
        }
    }
}

/// The security requirements most operations have (the first such, in document order).
fn common_security(api: &Api) -> Option<&[SecurityRequirement]> {
    let mut counts: Vec<(&[SecurityRequirement], usize)> = Vec::new();
    for op in &api.operations {
        match counts
            .iter_mut()
            .find(|(security, _)| *security == op.security.as_slice())
        {
            Some((_, count)) => *count += 1,
            None => counts.push((&op.security, 1)),
        }
    }
    let most = counts.iter().map(|(_, count)| *count).max()?;
    counts
        .into_iter()
        .find(|(_, count)| *count == most)
        .map(|(security, _)| security)
}

/// `a` or `b and c`: the alternatives of a security requirement list; `None` for none.
fn alternatives(security: &[SecurityRequirement]) -> Option<String> {
    if security.is_empty() {
        return None;
    }
    let alternatives: Vec<String> = security
        .iter()
        .map(|r| {
            if r.schemes.is_empty() {
                "none".to_owned()
            } else {
                r.schemes
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            }
        })
        .collect();
    Some(alternatives.join(" or "))
}

fn security_doc(op: &Operation) -> String {
    match alternatives(&op.security) {
        Some(alternatives) => format!("Credentials: {alternatives}."),
        None => "Needs no credentials.".into(),
    }
}

/// The `builders` module: one request builder per operation.
/// The builders module, a part per operation (see [`super::RustFile`]).
pub(super) fn builders_module(api: &Api) -> Vec<super::Part<'_>> {
    let mut parts: Vec<super::Part<'_>> = vec![Box::new(|| {
        quote! {
            //! One request builder per operation, made by the [`Client`](crate::Client) methods,
            //! and one per waiter.
            //!
            //! The futures that `send` and `send_raw` return are `Send` and `'static`: spawn them
            //! on any executor.
        }
    })];
    for op in &api.operations {
        parts.push(Box::new(move || builder(api, op)));
    }
    parts.push(Box::new(|| super::extensions::waiter_builders(api)));
    parts
}

fn builder(api: &Api, op: &Operation) -> TokenStream {
    let name = builder_name(op);
    let args = arguments(op);
    let optional: Vec<&Parameter> = op.parameters.iter().filter(|p| !p.required).collect();
    let form = match op.request_body.as_ref().map(|b| &b.content) {
        Some(RequestContent::Multipart { form }) => Some(form.as_str()),
        _ => None,
    };
    let optional_body = match op.request_body.as_ref() {
        Some(body) if !body.required => match &body.content {
            RequestContent::Json { ty, .. } | RequestContent::UrlEncoded { ty } => {
                Some(rust_type(ty, Scope::Crate))
            }
            RequestContent::Binary { .. } => Some(quote!(::contractfit_runtime::bytes::Bytes)),
            RequestContent::Multipart { .. } => None,
        },
        _ => None,
    };

    // The arguments the builder stores itself; a form's fields go into its form.
    let stored: Vec<&Argument> = args
        .iter()
        .zip(&op.arguments)
        .filter(|(_, a)| a.goes != Goes::FormField)
        .map(|(arg, _)| arg)
        .collect();
    let form_fields = args
        .iter()
        .zip(&op.arguments)
        .filter(|(_, a)| a.goes == Goes::FormField)
        .map(|(arg, _)| &arg.name);
    let optional_fields = optional.iter().map(|p| {
        let field = ident(&p.rust_name);
        let ty = rust_type(&p.ty, Scope::Crate);
        quote!(#field: ::std::option::Option<#ty>,)
    });
    let optional_body_field = optional_body
        .as_ref()
        .map(|ty| quote!(body: ::std::option::Option<#ty>,));
    let form_type = form.map(|f| {
        let f = ident(f);
        quote!(crate::types::#f)
    });
    let form_field = form_type.as_ref().map(|t| quote!(form: #t,));

    let new_params = args.iter().map(|a| {
        let (field, ty) = (&a.name, &a.ty);
        quote!(#field: #ty)
    });
    let arg_inits = stored.iter().map(|a| {
        let field = &a.name;
        quote!(#field,)
    });
    let form_init = form_type
        .as_ref()
        .map(|t| quote!(form: #t::new(#(#form_fields),*),));
    let optional_inits = optional.iter().map(|p| {
        let field = ident(&p.rust_name);
        quote!(#field: None,)
    });
    let optional_body_init = optional_body.as_ref().map(|_| quote!(body: None,));

    let setters = optional.iter().map(|p| setter(p));
    let form_setters = form
        .map(|f| {
            api.form_fields(f)
                .iter()
                .filter(|x| !x.must_have())
                .map(|field| {
                    let setter = ident(&field.rust_name);
                    let ty = rust_type(&field.ty, Scope::Crate);
                    let placed = format!("Sent as the form field `{}`.", field.name);
                    let docs = value_docs(
                        field.description.as_deref(),
                        field.default.as_ref(),
                        &field.constraints,
                        Some(&placed),
                    );
                    quote! {
                        #docs
                        pub fn #setter(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                            self.form.#setter = Some(value.into());
                            self
                        }
                    }
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let body_setter = optional_body.as_ref().map(|ty| {
        quote! {
            /// The request body.
            pub fn body(mut self, body: #ty) -> Self {
                self.body = Some(body);
                self
            }
        }
    });

    let send = send_fn(api, op, form.is_some(), optional_body.is_some());
    let stored_args = stored.iter().map(|a| {
        let (field, ty) = (&a.name, &a.ty);
        quote!(#field: #ty,)
    });
    let doc = format!(
        "A request to `{} {}`, made by [`Client::{}`](crate::Client::{}).",
        op.method.as_str(),
        op.path.template,
        op.name,
        op.name
    );
    let operation = operation_const(op);
    let extra = super::extensions::builder_methods(api, op);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent"]
        pub struct #name {
            client: ::contractfit_runtime::Client,
            #(#stored_args)*
            #form_field
            #(#optional_fields)*
            #optional_body_field
            options: ::contractfit_runtime::CallOptions,
        }

        impl #name {
            #operation

            pub(crate) fn new(client: ::contractfit_runtime::Client, #(#new_params),*) -> Self {
                #name {
                    client,
                    #(#arg_inits)*
                    #form_init
                    #(#optional_inits)*
                    #optional_body_init
                    options: ::contractfit_runtime::CallOptions::new(),
                }
            }

            #(#setters)*
            #(#form_setters)*
            #body_setter

            /// Settings for this call only: retries, timeouts, extra headers.
            pub fn options(mut self, options: ::contractfit_runtime::CallOptions) -> Self {
                self.options = options;
                self
            }

            #send
            #extra
        }
    }
}

fn operation_const(op: &Operation) -> TokenStream {
    let name = &op.name;
    let method = op.method.as_str();
    let path = &op.path.template;
    let idempotent = op.method.is_idempotent();
    let alternatives = op.security.iter().map(|r| {
        let schemes = &r.schemes;
        quote!(&[#(#schemes),*])
    });
    quote! {
        /// What the runtime needs to know about this operation (plumbing).
        #[doc(hidden)]
        pub const OPERATION: ::contractfit_runtime::Operation = ::contractfit_runtime::Operation {
            name: #name,
            method: #method,
            path: #path,
            security: &[#(#alternatives),*],
            idempotent: #idempotent,
        };
    }
}

fn setter(p: &Parameter) -> TokenStream {
    let field = ident(&p.rust_name);
    let ty = rust_type(&p.ty, Scope::Crate);
    let placed = match p.location {
        ParamLocation::Path => format!("Sent in the path as `{}`.", p.name),
        ParamLocation::Query => format!("Sent in the query as `{}`.", p.name),
        ParamLocation::Header => format!("Sent as the header `{}`.", p.name),
        ParamLocation::Cookie => format!("Sent as the cookie `{}`.", p.name),
    };
    let docs = value_docs(
        p.description.as_deref(),
        p.default.as_ref(),
        &p.constraints,
        Some(&placed),
    );
    let deprecated = p.deprecated.then(|| quote!(#[deprecated]));
    quote! {
        #docs
        #deprecated
        pub fn #field(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
            self.#field = Some(value.into());
            self
        }
    }
}

/// How a parameter value goes into the query or a header: primitives and string enums as
/// text, arrays of them comma-separated (in the query, the name repeated unless the document
/// says how to join them), anything else as JSON text.
/// `value` is a reference to it, `place` the same value as a method receiver.
fn put_value(api: &Api, p: &Parameter, value: TokenStream, place: TokenStream) -> TokenStream {
    let wire = &p.name;
    let target = match p.location {
        ParamLocation::Query => quote!(query),
        // Path parameters never get here; cookies go out as headers.
        _ => quote!(header),
    };
    match &p.ty {
        TypeRef::Array(item) if is_display(api, item) => match (p.location, &p.joined_by) {
            (ParamLocation::Query, None) => quote!(request.query_each(#wire, #place.iter());),
            (ParamLocation::Query, Some(separator)) => {
                quote!(request.query(#wire, #place.iter().map(|v| v.to_string()).collect::<::std::vec::Vec<_>>().join(#separator));)
            }
            _ => {
                quote!(request.#target(#wire, #place.iter().map(|v| v.to_string()).collect::<::std::vec::Vec<_>>().join(","));)
            }
        },
        ty if is_display(api, ty) => quote!(request.#target(#wire, #value);),
        _ => {
            let target = quote::format_ident!("{}_json", target.to_string());
            quote!(request.#target(#wire, #value);)
        }
    }
}

/// A path parameter's value as one path segment.
fn path_value(api: &Api, p: &Parameter) -> TokenStream {
    let text = path_text(api, p);
    quote!(::contractfit_runtime::path_segment(#text))
}

fn send_fn(api: &Api, op: &Operation, has_form: bool, optional_body: bool) -> TokenStream {
    let mut format_string = String::new();
    let mut format_args = Vec::new();
    for segment in &op.path.segments {
        match segment {
            PathSegment::Literal(literal) => {
                format_string.push_str(&literal.replace('{', "{{").replace('}', "}}"))
            }
            PathSegment::Parameter(name) => {
                format_string.push_str("{}");
                let parameter = op
                    .parameters_in(ParamLocation::Path)
                    .find(|p| &p.name == name);
                format_args.extend(parameter.map(|p| path_value(api, p)));
            }
        }
    }
    let path = if format_args.is_empty() {
        quote!(::std::string::String::from(#format_string))
    } else {
        quote!(::std::format!(#format_string, #(#format_args),*))
    };
    let params = op
        .parameters
        .iter()
        .filter(|p| p.location != ParamLocation::Path)
        .map(|p| {
            let field = ident(&p.rust_name);
            if p.required {
                put_value(api, p, quote!(&self.#field), quote!(self.#field))
            } else {
                let put = put_value(api, p, quote!(value), quote!(value));
                quote!(if let Some(value) = &self.#field { #put })
            }
        });
    let length = op
        .declares_length
        .then(|| quote!(request.content_length_required();));
    let body = match op.request_body.as_ref().map(|b| &b.content) {
        Some(RequestContent::Json { .. }) if optional_body => {
            quote!(if let Some(body) = &self.body {
                request.json(body);
            })
        }
        Some(RequestContent::Json { .. }) => quote!(request.json(&self.body);),
        Some(RequestContent::UrlEncoded { .. }) if optional_body => {
            quote!(if let Some(body) = &self.body {
                request.url_encoded(body);
            })
        }
        Some(RequestContent::UrlEncoded { .. }) => quote!(request.url_encoded(&self.body);),
        Some(RequestContent::Binary { media_type }) if optional_body => {
            quote!(if let Some(body) = self.body { request.bytes(#media_type, body); })
        }
        Some(RequestContent::Binary { media_type }) => {
            quote!(request.bytes(#media_type, self.body);)
        }
        Some(RequestContent::Multipart { .. }) if has_form => {
            quote!(request.multipart(self.form.into_form());)
        }
        _ => quote!(),
    };
    // Bodies that are decoded whole are read inside the attempt, so a body cut short is
    // retried; streamed bodies are handed to the caller as they arrive.
    let (return_type, accept, execute) = match op.success_body() {
        SuccessBody::Json(ty) => {
            let ty = rust_type(&ty, Scope::Crate);
            let accept = op.json_accept();
            (
                quote!(::contractfit_runtime::ApiResponse<#ty>),
                quote!(request.accept(#accept);),
                quote!(execute_json),
            )
        }
        SuccessBody::Binary { accept } => (
            quote!(::contractfit_runtime::ApiResponse<::contractfit_runtime::ByteStream>),
            quote!(request.accept(#accept);),
            quote!(execute_stream),
        ),
        SuccessBody::Raw => (
            quote!(::contractfit_runtime::ApiResponse<::contractfit_runtime::RawBody>),
            quote!(),
            quote!(execute_raw),
        ),
    };
    let doc = match op.success_body() {
        SuccessBody::Json(_) => "Sends the request; a 2xx body is decoded as the document declares.",
        SuccessBody::Binary { .. } => "Sends the request; the 2xx body is streamed as it arrives.",
        SuccessBody::Raw => "Sends the request; the document declares no body type, so the 2xx body is returned as received (parse it with `RawBody::json`).",
    };
    // An operation with an upload-and-wait can also wait inside the request (the fields the
    // upload-and-wait sets say how not to): say loudly what that costs.
    let doc = match &op.upload_wait {
        Some(upload) if !upload.set.is_empty() => {
            let unless: Vec<String> = upload
                .set
                .iter()
                .map(|(field, value)| format!("`.{field}({value})`"))
                .collect();
            format!(
                "{doc}\n\n**Waiting in the request.** Unless {} is set, the server may hold \
                 this request until it has processed the upload, which can take minutes. The \
                 idle timeout (60 s without a byte by default) then ends the call with \
                 `Error::Timeout`, without the new id although the server created the resource, \
                 and the call is not repeated (it is not idempotent). Prefer \
                 [`send_and_wait`](Self::send_and_wait), which uploads without waiting and then \
                 polls; or set {} yourself; or give the call a longer timeout with \
                 `.options(CallOptions::new().idle_timeout(..))`.",
                unless.join(" and "),
                unless.join(" and ")
            )
        }
        _ => doc.to_owned(),
    };
    // No `#[inline]`: each operation is compiled once, in this crate, and a program that calls
    // it links it. Inlined (as before 2026-12-06), every operation was compiled again in every
    // program that calls it, in every build of that program: the crate's own clean build was
    // cheaper, and the builds a user repeats were dearer (BENCHMARKS.md, part 2b). No `+ Send`
    // bound on the futures either: the compiler would prove it again for every operation (a
    // third of the crate's type-checking time), while the future is `Send` all the same, as
    // `impl Trait` lets auto traits through (the runtime's tests pin that down for every
    // response type).
    quote! {
        fn into_request(self) -> (::contractfit_runtime::Client, ::contractfit_runtime::Request) {
            let mut request = ::contractfit_runtime::Request::new(#path);
            #(#params)*
            #accept
            #body
            #length
            request.options(self.options);
            (self.client, request)
        }

        // `send` returns the runtime's future itself rather than being an `async fn` around
        // it: one future less to build and move per call, and one less to compile per
        // operation.
        #[doc = #doc]
        pub fn send(self) -> impl ::std::future::Future<Output = ::std::result::Result<#return_type, ::contractfit_runtime::Error>> {
            let (client, request) = self.into_request();
            client.#execute(&Self::OPERATION, request)
        }

        /// Sends the request; the 2xx body is returned as received, whatever its declared type.
        pub fn send_raw(self) -> impl ::std::future::Future<Output = ::std::result::Result<::contractfit_runtime::ApiResponse<::contractfit_runtime::RawBody>, ::contractfit_runtime::Error>> {
            let (client, request) = self.into_request();
            client.execute_raw(&Self::OPERATION, request)
        }
    }
}
