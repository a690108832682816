//! A table of every JSON type of the API with the schema it came from, for tests that decode
//! values of each schema and encode them again (`tests/tests/fidelity.rs`). Emitted from the
//! model like the types, so that a type added upstream is tested without anyone listing it.

use proc_macro2::TokenStream;
use quote::quote;

use super::types::{rust_type, Scope};
use crate::model::{Api, TypeKind, TypeRef};

/// The body of `round_trips.rs` for crate `krate`.
pub fn round_trips(api: &Api, krate: &str) -> TokenStream {
    let external = krate.replace('-', "_");
    let entries = api
        .types
        .iter()
        // A form is multipart, not JSON.
        .filter(|def| !matches!(def.kind, TypeKind::Form(_)))
        .map(|def| {
            let name = &def.name;
            let origin = &def.origin;
            let ty = rust_type(
                &TypeRef::Named(def.name.clone()),
                Scope::External(&external),
            );
            quote!((#name, #origin, round_trip::<#ty>))
        });
    quote! {
        //! Every JSON type of the crate and the schema it came from; see
        //! `emit/round_trips.rs` in the generator.

        /// Decodes JSON text as one type and encodes the value again.
        pub type RoundTrip = fn(&str) -> ::std::result::Result<::std::string::String, ::std::string::String>;

        fn round_trip<T: ::serde::de::DeserializeOwned + ::serde::Serialize>(
            text: &str,
        ) -> ::std::result::Result<::std::string::String, ::std::string::String> {
            let value: T = ::serde_json::from_str(text).map_err(|e| ::std::format!("decoding: {e}"))?;
            ::serde_json::to_string(&value).map_err(|e| ::std::format!("encoding: {e}"))
        }

        /// Each type's name, the JSON pointer of its schema in the overlaid document, and its
        /// round trip.
        pub const TYPES: &[(&str, &str, RoundTrip)] = &[#(#entries),*];
    }
}
