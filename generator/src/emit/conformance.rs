//! A Rust function that calls every operation of the API once through the generated client,
//! with arguments taken from a sample source: what conformance tests (against Prism, say) run.
//! Emitted from the model like the client, so that it covers every operation by construction.

use proc_macro2::TokenStream;
use quote::quote;

use super::types::{ident, rust_type, Scope};
use crate::model::{Api, Goes};

/// The body of `calls.rs`: `call_every_operation(client, samples)` for crate `krate`.
pub fn calls(api: &Api, krate: &str) -> TokenStream {
    let krate = ident(&krate.replace('-', "_"));
    let count = api.operations.len();
    let external = krate.to_string();
    let scope = Scope::External(&external);
    let calls = api.operations.iter().map(|op| {
        let method = ident(&op.name);
        let name = &op.name;
        let http_method = op.method.as_str();
        let path = &op.path.template;
        let args = op.arguments.iter().map(|a| {
            let (ty, wire) = (rust_type(&a.ty, scope), &a.name);
            match a.goes {
                Goes::Parameter(_) => quote!(samples.parameter::<#ty>(#http_method, #path, #wire)),
                Goes::Body => quote!(samples.body::<#ty>(#http_method, #path)),
                Goes::Bytes => quote!(&b"sample"[..]),
                Goes::FormField if a.is_file() => {
                    quote!(#krate::FilePart::from_bytes(&b"%PDF-1.4 sample"[..])
                        .file_name("sample.pdf")
                        .content_type("application/pdf"))
                }
                Goes::FormField => quote!(samples.form_field::<#ty>(#http_method, #path, #wire)),
            }
        });
        let args: Vec<TokenStream> = args.collect();
        (
            quote! {
                calls.push((#name, client.#method(#(#args),*).send_raw().await));
            },
            quote! {
                #name => client.#method(#(#args),*).send().await.map(|_| ()),
            },
        )
    });
    let (raw_calls, typed_calls): (Vec<TokenStream>, Vec<TokenStream>) = calls.unzip();
    let routes = api.operations.iter().map(|op| {
        let (name, method, path) = (&op.name, op.method.as_str(), &op.path.template);
        quote!((#name, #method, #path))
    });
    quote! {
        //! Calls every operation once; see `emit/conformance.rs` in the generator.

        /// Where argument values come from.
        pub trait Samples {
            /// A valid value for a required parameter of the operation `method path`.
            fn parameter<T: ::serde::de::DeserializeOwned>(&self, method: &str, path: &str, name: &str) -> T;
            /// A valid request body for the operation `method path`.
            fn body<T: ::serde::de::DeserializeOwned>(&self, method: &str, path: &str) -> T;
            /// A valid value for a required (non-file) field of the operation's form.
            // Not every document has such fields.
            #[allow(dead_code)]
            fn form_field<T: ::serde::de::DeserializeOwned>(&self, method: &str, path: &str, name: &str) -> T;
        }

        /// The number of operations, and so of calls.
        pub const OPERATIONS: usize = #count;

        /// Calls every operation once, in document order, returning each one's name and result.
        #[allow(deprecated)]
        pub async fn call_every_operation(
            client: &#krate::Client,
            samples: &impl Samples,
        ) -> ::std::vec::Vec<(&'static str, ::std::result::Result<#krate::ApiResponse<#krate::RawBody>, #krate::Error>)> {
            let mut calls = ::std::vec::Vec::with_capacity(OPERATIONS);
            #(#raw_calls)*
            calls
        }

        /// Every operation's name, method and path template, in document order.
        pub const OPERATION_ROUTES: [(&str, &str, &str); OPERATIONS] = [#(#routes),*];

        /// Calls one operation by name with `send()`, its answer decoded into its type; `None`
        /// for a name that is not an operation. One at a time, so that a caller can tell which
        /// call a failure (or a missing sample) belongs to.
        #[allow(deprecated)]
        pub async fn call_typed(
            operation: &str,
            client: &#krate::Client,
            samples: &impl Samples,
        ) -> ::std::option::Option<::std::result::Result<(), #krate::Error>> {
            ::std::option::Option::Some(match operation {
                #(#typed_calls)*
                _ => return ::std::option::Option::None,
            })
        }

        /// Calls every operation once as `call_every_operation` does, with `send()`: each answer
        /// decoded into its type.
        pub async fn call_every_operation_typed(
            client: &#krate::Client,
            samples: &impl Samples,
        ) -> ::std::vec::Vec<(&'static str, ::std::result::Result<(), #krate::Error>)> {
            let mut calls = ::std::vec::Vec::with_capacity(OPERATIONS);
            for (name, _, _) in OPERATION_ROUTES {
                if let ::std::option::Option::Some(result) = call_typed(name, client, samples).await {
                    calls.push((name, result));
                }
            }
            calls
        }
    }
}
