//! The `testing` module (feature `testing`): typed stubs of every operation for users' tests.
//! `Mock` serves them on loopback through `contractfit-fake`'s stub engine; per operation, a
//! method registering a stub, and the operation's arguments as a struct read back from the
//! request (`…Call`), so that a condition is written in the client's own types.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::{ident, rust_type, Scope};
use crate::model::{
    Api, Operation, ParamLocation, Primitive, RequestContent, StatusSpec, SuccessBody, TypeRef,
};

/// The parts of `src/testing.rs`: the module's head with `Mock`, then each operation's `…Call`
/// struct (parts, so that a large API's file is formatted on every core).
pub(super) fn testing_module<'a>(api: &'a Api, krate: &'a str) -> Vec<super::Part<'a>> {
    let mut parts: Vec<super::Part<'a>> = vec![Box::new(move || mock(api, krate))];
    for op in &api.operations {
        parts.push(Box::new(move || call_struct(api, op)));
    }
    parts
}

/// The module's documentation, `ENDPOINTS`, and `Mock` with one stubbing method per operation.
fn mock(api: &Api, krate: &str) -> TokenStream {
    let endpoints = api.operations.iter().map(|op| {
        let (name, method, path) = (&op.name, op.method.as_str(), &op.path.template);
        quote!(::contractfit_fake::stubs::Endpoint::new(#name, #method, #path))
    });
    let count = api.operations.len();
    let methods = api
        .operations
        .iter()
        .enumerate()
        .map(|(i, op)| method(i, op));
    let module_doc = format!(
        "Typed stubs of every operation, for testing code that uses this client without the \
         service (feature `testing`).\n\n\
         [`Mock`] serves them on a loopback port; the real client, its retries and \
         authentication included, calls it. Each operation has a method that stubs it: a \
         condition on its arguments in their own types (the `…Call` structs), how many calls \
         it expects, and its answer in the operation's own type. A call no stub answers is \
         answered 501 with a message naming the operation and where its stubs were \
         registered, and fails the test when the `Mock` is dropped, as a stub answered more \
         or fewer times than it said does.\n\n\
         ```\n\
         # #[tokio::main(flavor = \"current_thread\")]\n\
         # async fn main() -> Result<(), Box<dyn std::error::Error>> {{\n\
         let mock = {krate}::testing::Mock::start().await;\n\
         let client = mock.client();\n\
         # Ok(())\n\
         # }}\n\
         ```"
    );
    quote! {
        #![doc = #module_doc]

        pub use ::contractfit_fake::stubs::{Call, NotJson, Stub};

        /// Every operation, as the stubs route it.
        const ENDPOINTS: [::contractfit_fake::stubs::Endpoint; #count] = [#(#endpoints),*];

        /// Stubs of this API's operations on a loopback port (see the module's documentation).
        pub struct Mock {
            stubs: ::contractfit_fake::stubs::Stubs,
        }

        impl Mock {
            /// Serves the stubs on a free loopback port (none registered yet).
            pub async fn start() -> Mock {
                Mock { stubs: ::contractfit_fake::stubs::Stubs::start(&ENDPOINTS).await }
            }

            /// The base URL to give a client.
            pub fn url(&self) -> ::std::string::String {
                self.stubs.url()
            }

            /// A client of this mock: the default retry policy, its delays skipped
            /// ([`RetryPolicy::without_delays`](::contractfit_runtime::RetryPolicy::without_delays)),
            /// so that a test of a stubbed `503, then 200` takes no time.
            pub fn client(&self) -> crate::Client {
                crate::Client::builder()
                    .base_url(self.url())
                    .retry(::contractfit_runtime::RetryPolicy::default().without_delays())
                    .build()
                    .expect("a client of a loopback URL builds")
            }

            /// `Ok` when every stub answered as often as it said and every call found a stub;
            /// otherwise what went wrong (also checked, and failing the test, on drop).
            pub fn verify(&self) -> ::std::result::Result<(), ::std::string::String> {
                self.stubs.verify()
            }

            #(#methods)*
        }
    }
}

/// The test file `stub_calls.rs`: one stub per operation registered on a `Mock`, each answering
/// once with a sample of its success, so that a test can call every operation through them.
pub(super) fn stub_calls(api: &Api, krate: &str) -> TokenStream {
    let external = krate.replace('-', "_");
    let krate = format_ident!("{external}");
    let stubs = api.operations.iter().map(|op| {
        let name = ident(&op.name);
        let (method, path) = (op.method.as_str(), &op.path.template);
        match op.success_body() {
            SuccessBody::Json(ty) => {
                let ty = rust_type(&ty, Scope::External(&external));
                quote!(mock.#name().times(1).returns(answers.answer::<#ty>(#method, #path));)
            }
            SuccessBody::Binary { .. } | SuccessBody::Raw => {
                quote!(mock.#name().times(1).returns_nothing();)
            }
        }
    });
    quote! {
        /// What a stub answers: a value of the operation's success type.
        pub trait Answers {
            fn answer<T: ::serde::de::DeserializeOwned>(&self, method: &str, path: &str) -> T;
        }

        /// Registers a stub of every operation on `mock`, each expecting exactly one call.
        pub fn stub_every_operation(mock: &#krate::testing::Mock, answers: &impl Answers) {
            #(#stubs)*
        }
    }
}

/// The answer type of a stub, and the operation's success status.
fn answer(op: &Operation) -> (TokenStream, u16) {
    let status = op
        .responses
        .iter()
        .find_map(|r| match r.status {
            StatusSpec::Code(code) if (200..300).contains(&code) => Some(code),
            _ => None,
        })
        .unwrap_or(200);
    let ty = match op.success_body() {
        SuccessBody::Json(ty) => rust_type(&ty, Scope::Crate),
        SuccessBody::Binary { .. } | SuccessBody::Raw => quote!(NotJson),
    };
    (ty, status)
}

fn method(index: usize, op: &Operation) -> TokenStream {
    let name = ident(&op.name);
    let call = ident(&op.call);
    let (answer, status) = answer(op);
    let doc = format!(
        "Stubs `{} {}` ([`Client::{}`](crate::Client::{})); the stub is registered when its \
         answer is given.",
        op.method.as_str(),
        op.path.template,
        op.name,
        op.name
    );
    quote! {
        #[doc = #doc]
        #[track_caller]
        pub fn #name(&self) -> Stub<'_, #call, #answer> {
            Stub::new(self.stubs.on(ENDPOINTS[#index]), #status)
        }
    }
}

fn call_struct(api: &Api, op: &Operation) -> TokenStream {
    let name = ident(&op.call);
    let mut form_struct = None;
    let op_name = &op.name;
    let mut fields = Vec::new();
    let mut reads = Vec::new();
    for p in &op.parameters {
        let field = ident(&p.rust_name);
        let wire = &p.name;
        let item = rust_type(&p.ty, Scope::Crate);
        let doc = format!("`{wire}`, from the {}.", location(p.location));
        let (ty, read) = match (p.location, &p.ty, p.required) {
            (ParamLocation::Path, _, _) => (
                item.clone(),
                quote!(::contractfit_fake::stubs::path(call, #wire)?),
            ),
            (ParamLocation::Query, TypeRef::Array(inner), required) => {
                let inner = rust_type(inner, Scope::Crate);
                let all = quote!(::contractfit_fake::stubs::query_all::<#inner>(call, #wire)?);
                if required {
                    (item.clone(), all)
                } else {
                    (
                        quote!(::std::option::Option<#item>),
                        quote!({ let all = #all; (!all.is_empty()).then_some(all) }),
                    )
                }
            }
            (ParamLocation::Query, _, required) => optional_or_required(
                item.clone(),
                quote!(::contractfit_fake::stubs::query(call, #wire)?),
                required,
                wire,
            ),
            (ParamLocation::Header, _, required) => optional_or_required(
                item.clone(),
                quote!(::contractfit_fake::stubs::header(call, #wire)?),
                required,
                wire,
            ),
            (ParamLocation::Cookie, _, required) => optional_or_required(
                item.clone(),
                quote!(::contractfit_fake::stubs::cookie(call, #wire)?),
                required,
                wire,
            ),
        };
        fields.push(quote!(#[doc = #doc] pub #field: #ty,));
        reads.push(quote!(#field: #read,));
    }
    if let Some(body) = &op.request_body {
        let (ty, read) = match &body.content {
            RequestContent::Json { ty, .. } => {
                let ty = rust_type(ty, Scope::Crate);
                let read = quote!(::contractfit_fake::stubs::json_body(call)?);
                if body.required {
                    (
                        ty,
                        quote!(::contractfit_fake::stubs::required(#read, "the body")?),
                    )
                } else {
                    (quote!(::std::option::Option<#ty>), read)
                }
            }
            RequestContent::Multipart { form } => {
                let (def, ty, read) = call_form(op, api.form_fields(form));
                form_struct = Some(def);
                (ty, read)
            }
            // URL-encoded forms and files are read as they came.
            RequestContent::UrlEncoded { .. } | RequestContent::Binary { .. } => (
                quote!(::contractfit_runtime::bytes::Bytes),
                quote!(call.body.clone()),
            ),
        };
        fields.push(quote!(#[doc = "The body."] pub body: #ty,));
        reads.push(quote!(body: #read,));
    }
    // An operation without arguments does not read the call.
    let call_arg = if reads.is_empty() {
        quote!(_call)
    } else {
        quote!(call)
    };
    let doc = format!(
        "The arguments of a call of [`Client::{op_name}`](crate::Client::{op_name}), read \
         back from the request, for a stub's condition."
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub struct #name { #(#fields)* }

        impl ::contractfit_fake::stubs::FromCall for #name {
            fn from_call(#call_arg: &Call) -> ::std::result::Result<Self, ::std::string::String> {
                ::std::result::Result::Ok(#name { #(#reads)* })
            }
        }

        #form_struct
    }
}

/// A multipart body read back into its fields, in their own types (a file as the
/// [`Part`](contractfit_fake::stubs::Part) it came as): the struct, its type, and how a call is
/// read into it.
fn call_form(
    op: &Operation,
    fields: &[crate::model::Field],
) -> (TokenStream, TokenStream, TokenStream) {
    let name = ident(&op.call_form);
    let stubs = quote!(::contractfit_fake::stubs);
    let mut declarations = Vec::new();
    let mut reads = Vec::new();
    for f in fields {
        let field = ident(&f.rust_name);
        let wire = &f.name;
        let what = format!("form field {wire}");
        let doc = format!("`{wire}`, from the form.");
        let (ty, read) = match &f.ty {
            TypeRef::Primitive(Primitive::File) => (
                quote!(#stubs::Part),
                quote!(#stubs::form_file(&parts, #wire)),
            ),
            // A list is sent as one part per item.
            TypeRef::Array(item) => {
                let (ty, all) = match &**item {
                    TypeRef::Primitive(Primitive::File) => (
                        quote!(#stubs::Part),
                        quote!(#stubs::form_files(&parts, #wire)),
                    ),
                    TypeRef::Nullable(inner) if **inner == TypeRef::Primitive(Primitive::File) => (
                        quote!(#stubs::Part),
                        quote!(#stubs::form_files(&parts, #wire)),
                    ),
                    item => {
                        let item = rust_type(item, Scope::Crate);
                        (
                            item.clone(),
                            quote!(#stubs::form_values::<#item>(&parts, #wire)?),
                        )
                    }
                };
                declarations.push(quote!(#[doc = #doc] pub #field: ::std::vec::Vec<#ty>,));
                reads.push(quote!(#field: #all,));
                continue;
            }
            ty => {
                let ty = rust_type(ty, Scope::Crate);
                let read = quote!(#stubs::form_field::<#ty>(&parts, #wire)?);
                (ty, read)
            }
        };
        if f.must_have() {
            declarations.push(quote!(#[doc = #doc] pub #field: #ty,));
            reads.push(quote!(#field: #stubs::required(#read, #what)?,));
        } else {
            declarations.push(quote!(#[doc = #doc] pub #field: ::std::option::Option<#ty>,));
            reads.push(quote!(#field: #read,));
        }
    }
    let doc = format!(
        "The form of a call of [`Client::{op}`](crate::Client::{op}), read back field by field.",
        op = op.name
    );
    let def = quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub struct #name { #(#declarations)* }
    };
    let read = quote!({
        let parts = #stubs::form(call)?;
        #name { #(#reads)* }
    });
    (def, quote!(#name), read)
}

fn optional_or_required(
    item: TokenStream,
    read: TokenStream,
    required: bool,
    wire: &str,
) -> (TokenStream, TokenStream) {
    if required {
        (
            item,
            quote!(::contractfit_fake::stubs::required(#read, #wire)?),
        )
    } else {
        (quote!(::std::option::Option<#item>), read)
    }
}

fn location(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "headers",
        ParamLocation::Cookie => "cookies",
    }
}
